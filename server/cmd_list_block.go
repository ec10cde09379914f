package server

// The blocking list commands. Each serves a ready key at once or, when all
// its keys are empty, waits through c.block (block.go) and runs again from
// the start when woken. Replicas get the non-blocking form that was
// actually executed, as Redis propagates it.

// BLPOP/BRPOP key [key ...] timeout
func cmdBPop(c *Client) {
	deadline, ok := c.parseTimeout(c.args[len(c.args)-1])
	if !ok {
		return
	}
	left := c.cmd.Name == "blpop"
	keys := c.args[1 : len(c.args)-1]
	for _, key := range keys {
		e, ok := c.writeTyped(key, TypeList)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		l, before := listOf(e), e.memUsage()
		c.writeArray(2)
		c.writeBulk(key)
		c.writeBulkString(listPop(l, left))
		c.changed(e, before)
		c.dirty++
		c.notify(notifyList, popEvent(left), key)
		name := "RPOP"
		if left {
			name = "LPOP"
		}
		c.propArgs = [][]byte{[]byte(name), key}
		return
	}
	if !c.canBlock() {
		c.writeNullArray()
		return
	}
	c.block(keys, deadline, true)
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout,
// BRPOPLPUSH source destination timeout
func cmdBLMove(c *Client) {
	from, to, ok := c.moveEnds()
	if !ok {
		return
	}
	deadline, ok := c.parseTimeout(c.args[len(c.args)-1])
	if !ok {
		return
	}
	src, ok := c.writeTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if src == nil {
		if !c.canBlock() {
			c.writeNull()
			return
		}
		// Redis 7.0 answers a timed-out BLMOVE with a null array, unlike
		// its non-blocking form's null above.
		c.block(c.args[1:2], deadline, true)
		return
	}
	c.lmove(src, from, to)
	if c.cmd.Name == "blmove" {
		c.propArgs = [][]byte{[]byte("LMOVE"), c.args[1], c.args[2], c.args[3], c.args[4]}
	} else {
		c.propArgs = [][]byte{[]byte("RPOPLPUSH"), c.args[1], c.args[2]}
	}
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
func cmdBLMPop(c *Client) {
	keys, left, count, ok := c.parseMPop(2)
	if !ok {
		return
	}
	deadline, ok := c.parseTimeout(c.args[1])
	if !ok {
		return
	}
	served, done := c.mpop(keys, left, count)
	if served || !done {
		return
	}
	if !c.canBlock() {
		c.writeNullArray()
		return
	}
	c.block(keys, deadline, true)
}
