package server

import "github.com/shoaldb/shoal/datatypes"

// The list family. This file has the table and the non-blocking commands;
// cmd_list_block.go has BLPOP and the other blocking forms.

func listCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
		ns = flagNoScript
		bl = flagBlocking
		mk = flagMovableKeys
	)
	return []*Command{
		{Name: "lpush", Arity: -3, Flags: w | oo | f, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdPush},
		{Name: "rpush", Arity: -3, Flags: w | oo | f, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdPush},
		{Name: "lpushx", Arity: -3, Flags: w | oo | f, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdPush},
		{Name: "rpushx", Arity: -3, Flags: w | oo | f, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdPush},
		{Name: "lpop", Arity: -2, Flags: w | f, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdPop},
		{Name: "rpop", Arity: -2, Flags: w | f, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdPop},
		{Name: "llen", Arity: 2, Flags: r | f, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLLen},
		{Name: "lindex", Arity: 3, Flags: r, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLIndex},
		{Name: "lset", Arity: 4, Flags: w | oo, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLSet},
		{Name: "linsert", Arity: 5, Flags: w | oo, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLInsert},
		{Name: "lrange", Arity: 4, Flags: r, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLRange},
		{Name: "ltrim", Arity: 4, Flags: w, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLTrim},
		{Name: "lrem", Arity: 4, Flags: w, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLRem},
		{Name: "lpos", Arity: -3, Flags: r, ACL: "@list", First: 1, Last: 1, Step: 1, Handler: cmdLPos},
		{Name: "lmove", Arity: 5, Flags: w | oo, ACL: "@list", First: 1, Last: 2, Step: 1, Handler: cmdLMove},
		{Name: "rpoplpush", Arity: 3, Flags: w | oo, ACL: "@list", First: 1, Last: 2, Step: 1, Handler: cmdLMove},
		{Name: "lmpop", Arity: -4, Flags: w | mk, ACL: "@list", KeysFunc: numKeysAt(1), Handler: cmdLMPop},
		{Name: "blpop", Arity: -3, Flags: w | ns | bl, ACL: "@list", First: 1, Last: -2, Step: 1, Handler: cmdBPop},
		{Name: "brpop", Arity: -3, Flags: w | ns | bl, ACL: "@list", First: 1, Last: -2, Step: 1, Handler: cmdBPop},
		{Name: "blmove", Arity: 6, Flags: w | oo | ns | bl, ACL: "@list", First: 1, Last: 2, Step: 1, Handler: cmdBLMove},
		{Name: "brpoplpush", Arity: 4, Flags: w | oo | ns | bl, ACL: "@list", First: 1, Last: 2, Step: 1, Handler: cmdBLMove},
		{Name: "blmpop", Arity: -5, Flags: w | bl | mk, ACL: "@list", KeysFunc: numKeysAt(2), Handler: cmdBLMPop},
	}
}

// listOf returns the list of an entry of type TypeList.
func listOf(e *Entry) *datatypes.List { return e.obj.(*datatypes.List) }

// listEnd parses LEFT or RIGHT (case-insensitive): true for LEFT.
func listEnd(arg []byte) (left, ok bool) {
	switch {
	case eqFold(arg, "left"):
		return true, true
	case eqFold(arg, "right"):
		return false, true
	}
	return false, false
}

func listPop(l *datatypes.List, left bool) string {
	if left {
		return l.PopFront()
	}
	return l.PopBack()
}

func listPushString(l *datatypes.List, v string, left bool) {
	if left {
		l.PushFrontString(v)
	} else {
		l.PushBackString(v)
	}
}

// LPUSH/RPUSH/LPUSHX/RPUSHX key element [element ...]
func cmdPush(c *Client) {
	left := c.cmd.Name[0] == 'l'
	onlyIfExists := c.cmd.Name[len(c.cmd.Name)-1] == 'x'
	key := c.args[1]
	e, ok := c.writeTyped(key, TypeList)
	if !ok {
		return
	}
	if e == nil && onlyIfExists {
		c.writeInt(0)
		return
	}
	var l *datatypes.List
	var before int64
	if e == nil {
		l = datatypes.NewList()
	} else {
		l, before = listOf(e), e.memUsage()
	}
	for _, v := range c.args[2:] {
		if left {
			l.PushFront(v)
		} else {
			l.PushBack(v)
		}
	}
	if e == nil {
		c.addObj(key, TypeList, l) // counts one dirty
		c.dirty += len(c.args) - 3
	} else {
		c.changed(e, before)
		c.dirty += len(c.args) - 2
	}
	c.notify(notifyList, pushEvent(left), key)
	c.writeInt(int64(l.Len()))
}

// LPOP/RPOP key [count]
func cmdPop(c *Client) {
	if len(c.args) > 3 {
		c.writeError(errArity(c.cmd.Name))
		return
	}
	left := c.cmd.Name[0] == 'l'
	count, hasCount := int64(0), len(c.args) == 3
	if hasCount {
		n, ok := parseInt(c.args[2])
		if !ok || n < 0 {
			c.writeError(errPositive)
			return
		}
		count = n
	}
	e, ok := c.writeTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		if hasCount {
			c.writeNullArray()
		} else {
			c.writeNull()
		}
		return
	}
	if !hasCount {
		l, before := listOf(e), e.memUsage()
		c.writeBulkString(listPop(l, left))
		c.changed(e, before)
		c.dirty++
		c.notify(notifyList, popEvent(left), c.args[1])
		return
	}
	if count == 0 {
		c.writeArray(0)
		return
	}
	c.popRange(e, left, count)
}

// popRange pops up to count elements from one end of e's list, replying
// with them as an array.
func (c *Client) popRange(e *Entry, left bool, count int64) {
	l, before := listOf(e), e.memUsage()
	n := min(count, int64(l.Len()))
	c.writeArray(int(n))
	for range n {
		c.writeBulkString(listPop(l, left))
	}
	c.changed(e, before)
	c.dirty += int(n)
	c.notify(notifyList, popEvent(left), e.kv[:e.klen])
}

func pushEvent(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}

func popEvent(left bool) string {
	if left {
		return "lpop"
	}
	return "rpop"
}

// LLEN key
func cmdLLen(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	c.writeInt(int64(listOf(e).Len()))
}

// listIndex maps a Redis index (negative from the tail) to a position, -1
// when out of range.
func listIndex(idx int64, n int) int {
	if idx < 0 {
		idx += int64(n)
	}
	if idx < 0 || idx >= int64(n) {
		return -1
	}
	return int(idx)
}

// LINDEX key index: the key is checked before the index, as in Redis.
func cmdLIndex(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.writeNull()
		return
	}
	idx, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	l := listOf(e)
	i := listIndex(idx, l.Len())
	if i < 0 {
		c.writeNull()
		return
	}
	c.writeBulkString(l.Index(i))
}

// LSET key index element
func cmdLSet(c *Client) {
	e, ok := c.writeTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.writeError(errNoSuchKey)
		return
	}
	idx, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	l := listOf(e)
	i := listIndex(idx, l.Len())
	if i < 0 {
		c.writeError(errListIndexRange)
		return
	}
	before := e.memUsage()
	l.Set(i, c.args[3])
	c.changed(e, before)
	c.dirty++
	c.notify(notifyList, "lset", c.args[1])
	c.writeOK()
}

// LINSERT key BEFORE|AFTER pivot element
func cmdLInsert(c *Client) {
	var after bool
	switch {
	case eqFold(c.args[2], "after"):
		after = true
	case eqFold(c.args[2], "before"):
	default:
		c.writeError(errSyntax)
		return
	}
	e, ok := c.writeTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	l, pivot := listOf(e), c.args[3]
	for i := range l.Len() {
		if l.Index(i) != string(pivot) {
			continue
		}
		if after {
			i++
		}
		before := e.memUsage()
		l.Insert(i, c.args[4])
		c.changed(e, before)
		c.dirty++
		c.notify(notifyList, "linsert", c.args[1])
		c.writeInt(int64(l.Len()))
		return
	}
	c.writeInt(-1)
}

// parseRange parses the start and stop arguments of LRANGE and LTRIM.
func (c *Client) parseRange(a, b []byte) (start, stop int64, ok bool) {
	start, ok1 := parseInt(a)
	stop, ok2 := parseInt(b)
	if !ok1 || !ok2 {
		c.writeError(errNotInt)
		return 0, 0, false
	}
	return start, stop, true
}

// clampRange applies Redis's rules for LRANGE/LTRIM indexes on a list of n
// elements: the inclusive range, or empty false.
func clampRange(start, stop int64, n int) (int, int, bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	start = max(start, 0)
	if start > stop || start >= ln {
		return 0, 0, false
	}
	stop = min(stop, ln-1)
	return int(start), int(stop), true
}

// LRANGE key start stop
func cmdLRange(c *Client) {
	start, stop, ok := c.parseRange(c.args[2], c.args[3])
	if !ok {
		return
	}
	e, ok := c.readTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.writeArray(0)
		return
	}
	l := listOf(e)
	from, to, ok := clampRange(start, stop, l.Len())
	if !ok {
		c.writeArray(0)
		return
	}
	c.writeArray(to - from + 1)
	for i := from; i <= to; i++ {
		c.writeBulkString(l.Index(i))
	}
}

// LTRIM key start stop
func cmdLTrim(c *Client) {
	start, stop, ok := c.parseRange(c.args[2], c.args[3])
	if !ok {
		return
	}
	e, ok := c.writeTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.writeOK()
		return
	}
	l, before := listOf(e), e.memUsage()
	n := l.Len()
	from, to, keep := clampRange(start, stop, n)
	if !keep {
		from, to = 1, 0 // everything goes
	}
	if !keep || to-from+1 < n {
		l.Trim(from, to)
		c.changed(e, before)
		c.dirty += n - l.Len()
	}
	c.notify(notifyList, "ltrim", c.args[1]) // even when nothing went, as Redis
	c.writeOK()
}

// LREM key count element
func cmdLRem(c *Client) {
	count, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	e, ok := c.writeTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	before := e.memUsage()
	removed := listOf(e).RemoveValue(c.args[3], count)
	if removed > 0 {
		c.changed(e, before)
		c.dirty += int(removed)
		c.notify(notifyList, "lrem", c.args[1])
	}
	c.writeInt(removed)
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
func cmdLPos(c *Client) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.args); j++ {
		more := j+1 < len(c.args)
		var ok bool
		switch opt := c.args[j]; {
		case eqFold(opt, "rank") && more:
			j++
			if rank, ok = parseInt(c.args[j]); !ok {
				c.writeError(errNotInt)
				return
			}
			if rank == 0 {
				c.writeError(errLPosRankZero)
				return
			}
		case eqFold(opt, "count") && more:
			j++
			if count, ok = parseInt(c.args[j]); !ok || count < 0 {
				c.writeError(errLPosCountNegative)
				return
			}
		case eqFold(opt, "maxlen") && more:
			j++
			if maxlen, ok = parseInt(c.args[j]); !ok || maxlen < 0 {
				c.writeError(errLPosMaxlenNegative)
				return
			}
		default:
			c.writeError(errSyntax)
			return
		}
	}
	e, ok := c.readTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		if count != -1 {
			c.writeArray(0)
		} else {
			c.writeNull()
		}
		return
	}
	l, elem := listOf(e), c.args[2]
	n := l.Len()
	fromTail := rank < 0
	if fromTail {
		rank = -rank // as in Redis, the most negative rank stays negative
	}
	var found []int64
	var matches int64
	for k := 0; k < n && (maxlen == 0 || int64(k) < maxlen); k++ {
		i := k
		if fromTail {
			i = n - 1 - k
		}
		if l.Index(i) != string(elem) {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		found = append(found, int64(i))
		if count == -1 || (count != 0 && matches-rank+1 >= count) {
			break
		}
	}
	if count == -1 {
		if len(found) == 0 {
			c.writeNull()
		} else {
			c.writeInt(found[0])
		}
		return
	}
	c.writeArray(len(found))
	for _, i := range found {
		c.writeInt(i)
	}
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT, RPOPLPUSH source destination
func cmdLMove(c *Client) {
	from, to, ok := c.moveEnds()
	if !ok {
		return
	}
	src, ok := c.writeTyped(c.args[1], TypeList)
	if !ok {
		return
	}
	if src == nil {
		c.writeNull()
		return
	}
	c.lmove(src, from, to)
}

// moveEnds parses the ends of LMOVE and BLMOVE (RPOPLPUSH and BRPOPLPUSH
// move right to left), replying to a syntax error.
func (c *Client) moveEnds() (from, to, ok bool) {
	if c.cmd.Name != "lmove" && c.cmd.Name != "blmove" {
		return false, true, true
	}
	from, ok1 := listEnd(c.args[3])
	to, ok2 := listEnd(c.args[4])
	if !ok1 || !ok2 {
		c.writeError(errSyntax)
		return false, false, false
	}
	return from, to, true
}

// lmove moves an element from src's list (not empty) to the destination
// c.args[2], replying with it. A destination of another type is an error
// and leaves both keys alone.
func (c *Client) lmove(src *Entry, from, to bool) {
	dstKey := c.args[2]
	dst, ok := c.writeTyped(dstKey, TypeList)
	if !ok {
		return
	}
	l, before := listOf(src), src.memUsage()
	v := listPop(l, from)
	if dst == src {
		// A rotation: the list never goes empty in between.
		listPushString(l, v, to)
		c.changed(src, before)
	} else {
		c.changed(src, before)
		if dst == nil {
			nl := datatypes.NewList()
			nl.PushBackString(v)
			c.addObj(dstKey, TypeList, nl)
		} else {
			dl, dbefore := listOf(dst), dst.memUsage()
			listPushString(dl, v, to)
			c.changed(dst, dbefore)
		}
	}
	c.dirty++
	// Redis's order: the push, then the pop (then the source's "del").
	c.notify(notifyList, pushEvent(to), dstKey)
	c.notify(notifyList, popEvent(from), c.args[1])
	c.writeBulkString(v)
}

// parseMPop parses the numkeys, LEFT|RIGHT and COUNT arguments of LMPOP
// (numkeys at idx) and BLMPOP, replying to errors itself.
func (c *Client) parseMPop(idx int) (keys [][]byte, left bool, count int64, ok bool) {
	numkeys, isInt := parseInt(c.args[idx])
	if !isInt || numkeys < 1 {
		c.writeError(errListNumkeys)
		return nil, false, 0, false
	}
	if numkeys >= int64(len(c.args)-idx-1) {
		c.writeError(errSyntax)
		return nil, false, 0, false
	}
	whereIdx := idx + int(numkeys) + 1
	if left, ok = listEnd(c.args[whereIdx]); !ok {
		c.writeError(errSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(c.args); j++ {
		if eqFold(c.args[j], "count") && j+1 < len(c.args) && count == -1 {
			j++
			n, isInt := parseInt(c.args[j])
			if !isInt || n < 1 {
				c.writeError(errListCount)
				return nil, false, 0, false
			}
			count = n
			continue
		}
		c.writeError(errSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return c.args[idx+1 : whereIdx], left, count, true
}

// mpop pops up to count elements from the first non-empty list of keys,
// replying [key, [elements]] and propagating LPOP/RPOP key n. It reports
// false, with nothing replied, when all the lists are empty; done is false
// after a WRONGTYPE error.
func (c *Client) mpop(keys [][]byte, left bool, count int64) (served, done bool) {
	for _, key := range keys {
		e, ok := c.writeTyped(key, TypeList)
		if !ok {
			return false, false
		}
		if e == nil {
			continue
		}
		n := min(count, int64(listOf(e).Len()))
		c.writeArray(2)
		c.writeBulk(key)
		c.popRange(e, left, n)
		name := "RPOP"
		if left {
			name = "LPOP"
		}
		c.propArgs = [][]byte{[]byte(name), key, appendInt(nil, n)}
		return true, true
	}
	return false, true
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
func cmdLMPop(c *Client) {
	keys, left, count, ok := c.parseMPop(1)
	if !ok {
		return
	}
	if served, done := c.mpop(keys, left, count); done && !served {
		c.writeNullArray()
	}
}
