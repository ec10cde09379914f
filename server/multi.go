package server

import "unsafe"

// MULTI, EXEC and DISCARD. Inside MULTI the dispatcher queues every command
// that passes its checks (replying +QUEUED) and marks the transaction as
// doomed when one does not (EXEC then answers EXECABORT). EXEC locks the
// shards of every queued command's keys at once, in the global order, and
// runs the commands one after the other under those locks: no other client
// sees a transaction half done, whichever shards it spans. A transaction
// whose commands cannot name their keys up front (SELECT, FLUSHALL, KEYS,
// SCAN, ...) locks every shard instead.

func multiCommands() []*Command {
	const tx = flagNoScript | flagLoading | flagStale
	return []*Command{
		{Name: "multi", Arity: 1, Flags: tx | flagFast | flagAllowBusy, ACL: "@transaction", Handler: cmdMulti},
		{Name: "exec", Arity: 1, Flags: tx | flagSkipSlowlog, ACL: "@transaction", Handler: cmdExec},
		{Name: "discard", Arity: 1, Flags: tx | flagFast | flagAllowBusy, ACL: "@transaction", Handler: cmdDiscard},
		{Name: "watch", Arity: -2, Flags: tx | flagFast | flagAllowBusy, ACL: "@transaction", First: 1, Last: -1, Step: 1, Handler: cmdWatch},
		{Name: "unwatch", Arity: 1, Flags: tx | flagFast | flagAllowBusy, ACL: "@transaction", Handler: cmdUnwatch},
	}
}

// multiState is a client's transaction: the queued commands and what EXEC
// must know of them.
type multiState struct {
	queue  []queuedCmd
	flags  Flags // union of the queued commands' flags (EXEC's OOM and pause checks)
	doomed bool  // a command failed to queue: EXEC answers EXECABORT
	// loadingDenied: a queued command is refused while loading, so EXEC is.
	loadingDenied bool
	// Set while EXEC runs the queue.
	running bool
	now     int64 // the transaction's frozen clock, as Redis's
	// Propagation: the first change is held back; a second one opens a
	// MULTI ... EXEC block, and a lone change goes out alone (Redis 7.0).
	nprop   int
	first   [][]byte
	firstDB int
}

type queuedCmd struct {
	cmd   *Command
	args  [][]byte // copies in buf: the request buffer is reused
	buf   []byte   // kept for the next transaction when small
	key0  int      // position of the first key, 0 if none (set by lockExec)
	shard int      // its shard, so the command's lookups skip the hash
}

// queuedKeep bounds the argument bytes a queue slot keeps for reuse.
const queuedKeep = 4 << 10

// queuedInMulti reports whether cmd is queued rather than run when the
// client is in MULTI: everything but the transaction's own commands.
func queuedInMulti(cmd *Command) bool {
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return cmd.parent != nil // SLOWLOG RESET is queued
	}
	return true
}

// oomExemptInMulti: inside MULTI every command is refused when memory is
// over maxmemory (queueing takes memory), except these, as in Redis.
func oomExemptInMulti(cmd *Command) bool {
	switch cmd.Name {
	case "exec", "discard", "quit", "reset":
		return cmd.parent == nil
	}
	return false
}

// queue appends the current command to the transaction, reusing the slot
// (and its buffers) of an earlier transaction's command.
func (c *Client) queue(cmd *Command) {
	m := &c.multi
	n := len(m.queue)
	if n < cap(m.queue) {
		m.queue = m.queue[:n+1]
	} else {
		m.queue = append(m.queue, queuedCmd{})
	}
	q := &m.queue[n]
	size := 0
	for _, a := range c.args {
		size += len(a)
	}
	if cap(q.buf) < size {
		q.buf = make([]byte, 0, size)
	}
	buf, args := q.buf[:0], q.args[:0]
	for _, a := range c.args {
		buf = append(buf, a...)
		args = append(args, buf[len(buf)-len(a):len(buf):len(buf)])
	}
	q.cmd, q.buf, q.args, q.key0 = cmd, buf, args, 0
	m.flags |= cmd.Flags
	m.loadingDenied = m.loadingDenied || cmd.Flags&flagLoading == 0
	c.nqueued.Store(int32(len(c.multi.queue)))
	c.writeStatus("QUEUED")
}

func cmdMulti(c *Client) {
	if c.has(clientMulti) {
		c.writeError(errMultiNested)
		return
	}
	c.setFlag(clientMulti)
	c.writeOK()
}

func cmdDiscard(c *Client) {
	if !c.has(clientMulti) {
		c.writeError(errDiscardNoMult)
		return
	}
	c.discardTransaction()
	c.writeOK()
}

// discardTransaction ends the transaction and forgets the watched keys.
func (c *Client) discardTransaction() {
	queue := c.multi.queue[:cap(c.multi.queue)]
	for i := range queue {
		q := &queue[i]
		q.cmd = nil
		clear(q.args)
		if cap(q.buf) > queuedKeep {
			q.buf, q.args = nil, nil
		}
	}
	c.multi = multiState{queue: queue[:0]}
	c.nqueued.Store(0)
	c.clearFlag(clientMulti | clientDirtyCAS)
	c.unwatchAll()
}

func cmdExec(c *Client) {
	if !c.has(clientMulti) {
		c.writeError(errExecNoMulti)
		return
	}
	c.lockExec()
	defer c.unlock()
	// A watched key that has expired since WATCH counts as changed.
	if c.watchedKeyExpired() {
		c.setFlag(clientDirtyCAS)
	}
	switch {
	case c.multi.doomed:
		c.writeError(errExecAbort)
		c.discardTransaction()
		return
	case c.has(clientDirtyCAS):
		c.writeNullArray()
		c.discardTransaction()
		return
	}
	c.unwatchAll()
	queue := c.multi.queue
	c.multi.running = true
	c.multi.now = c.now
	deny := c.blk.deny
	c.blk.deny = true // blocking commands do not block inside EXEC
	execCmd, execArgs := c.cmd, c.args
	c.writeArray(len(queue))
	for i := range queue {
		q := &queue[i]
		c.args = q.args
		if q.key0 > 0 { // lockFor's shortcut for the first key, as it would set it
			k := q.args[q.key0]
			c.key0, c.key0Len, c.key0Shard = unsafe.SliceData(k), len(k), q.shard
		}
		c.call(q.cmd)
		c.key0 = nil
	}
	c.cmd, c.args = execCmd, execArgs
	c.blk.deny = deny
	switch {
	case c.multi.nprop == 1:
		c.srv.propagateArgs(c.multi.firstDB, c.multi.first)
	case c.multi.nprop > 1:
		c.srv.propagateArgs(c.dbIndex, [][]byte{[]byte("EXEC")})
	}
	c.discardTransaction()
	// EXEC itself is never propagated: its commands were, one by one.
	c.dirty = 0
}

// lockExec takes, for EXEC, the write locks of every shard the queued
// commands and the watched keys live in, in the global order; or every
// lock when a queued command's keys cannot be known in advance.
func (c *Client) lockExec() {
	c.releaseHeld()
	global := false
	for i := range c.multi.queue {
		q := &c.multi.queue[i]
		if q.cmd.Flags&(flagNoLock|flagLockAll) != 0 {
			global = true
			break
		}
		c.keyPos = q.cmd.keyPositions(q.args, c.keyPos[:0])
		if len(c.keyPos) == 0 && !keylessPure(q.cmd) {
			global = true // SELECT, FLUSHALL, INFO, DBSIZE, ...
			break
		}
		for j, p := range c.keyPos {
			idx := shardOf(q.args[p])
			if j == 0 {
				q.key0, q.shard = p, idx
			}
			c.addLock(&c.db.shards[idx])
		}
	}
	c.rlock = false
	if global {
		c.locks = append(c.locks[:0], nil) // marks "all"
		c.srv.lockAll()
		c.refreshNow()
		return
	}
	for _, wk := range c.watched {
		db := c.srv.dbs[wk.db]
		c.addLock(&db.shards[shardOf([]byte(wk.key))])
	}
	lockShards(c.locks, false, nil)
	c.refreshNow()
}

// addLock inserts sh into c.locks, kept sorted in the global lock order
// and without duplicates.
func (c *Client) addLock(sh *shard) {
	i := len(c.locks)
	for i > 0 && shardBefore(sh, c.locks[i-1]) {
		i--
	}
	if i > 0 && c.locks[i-1] == sh {
		return
	}
	c.locks = append(c.locks, nil)
	copy(c.locks[i+1:], c.locks[i:])
	c.locks[i] = sh
}

// keylessPure reports whether a command without keys touches no shard at
// all, so a transaction holding it need not lock everything.
func keylessPure(cmd *Command) bool {
	switch cmd.FullName() {
	case "ping", "echo", "time":
		return true
	}
	return false
}

// propagateQueued handles a change made inside EXEC: it keeps the first
// (reporting false: not to be sent yet) and, at the second, sends MULTI and
// the first before letting the second through.
func (m *multiState) propagateQueued(db int, args [][]byte, hook func(int, [][]byte)) bool {
	m.nprop++
	switch m.nprop {
	case 1:
		m.first, m.firstDB = copyArgs(args), db
		return false
	case 2:
		hook(m.firstDB, [][]byte{[]byte("MULTI")})
		hook(m.firstDB, m.first)
	}
	return true
}

// copyArgs copies args into one buffer.
func copyArgs(args [][]byte) [][]byte {
	size := 0
	for _, a := range args {
		size += len(a)
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}
