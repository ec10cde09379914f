package server

import (
	"strings"
	"time"
	"unsafe"
)

// execute runs one request. CLIENT REPLY OFF/SKIP is the only reason to
// leave the fast path.
func (c *Client) execute(args [][]byte) {
	if c.replyMode != 0 {
		c.executeReplyMode(args)
		return
	}
	c.dispatch(args)
}

// dispatch runs one request through the dispatch checks, in Redis's order,
// then calls the handler with the command's shards locked.
func (c *Client) dispatch(args [][]byte) {
	s := c.srv
	c.args = args
	c.errored = false

	// QUIT is answered before lookup in Redis 7.0, whatever its arguments.
	if eqFold(args[0], "quit") {
		c.writeOK()
		c.closeAfterReply = true
		return
	}

	// Clients tend to repeat a command: check the last one before the table.
	cmd := c.cmdCache
	if cmd == nil || !eqFold(args[0], cmd.Name) {
		cmd = s.commands.lookup(args[0])
		c.cmdCache = cmd
	}
	if cmd == nil {
		c.reject(nil, errUnknownCommand(args[0], args[1:]))
		return
	}
	if cmd.subs != nil && len(args) >= 2 {
		sub := cmd.lookupSub(args[1])
		if sub == nil {
			c.reject(nil, errUnknownSubcommand(args[1], string(args[0])))
			return
		}
		cmd = sub
	}
	c.lastCmd.Store(cmd) // CLIENT LIST's cmd=, set before the checks as in Redis
	if (cmd.Arity > 0 && len(args) != cmd.Arity) || len(args) < -cmd.Arity {
		c.reject(cmd, errArity(cmd.FullName()))
		return
	}
	cfg := s.config()
	if !c.authed && cmd.Flags&flagNoAuth == 0 && cfg.RequirePass != "" {
		c.reject(cmd, errNoAuth)
		return
	}
	inMulti := c.has(clientMulti)
	if inMulti && cmd.Flags&flagNoMulti != 0 {
		c.reject(cmd, errNoMulti)
		return
	}
	if cfg.MaxMemory > 0 && c.denyOOM(cmd, inMulti) && !c.releaseHeld() && !s.evictIfNeeded(cfg) {
		c.reject(cmd, errOOM)
		return
	}
	if s.persist.diskErr.Load() && (cmd.Flags&flagWrite != 0 || cmd.Name == "ping" || (cmd.Name == "exec" && c.multi.flags&flagWrite != 0)) {
		if msg := s.diskError(); msg != "" {
			c.reject(cmd, msg)
			return
		}
	}
	if c.has(clientPubSub) && c.resp == 2 && cmd.Flags&flagSubscribeOK == 0 {
		c.reject(cmd, strings.Replace(errOnlyInSubscribe, "%s", cmd.FullName(), 1))
		return
	}
	if s.persist.loading.Load() && (cmd.Flags&flagLoading == 0 || (cmd.Name == "exec" && c.multi.loadingDenied)) {
		c.reject(cmd, errLoading)
		return
	}
	if msg := s.busyError(cmd); msg != "" {
		c.reject(cmd, msg)
		return
	}
	if s.pause.on.Load() && c.pausedBy(cmd) {
		c.releaseHeld()
		c.waitPause(cmd)
		if c.killed.Load() {
			return
		}
		c.resetTick()
	}
	if inMulti && queuedInMulti(cmd) {
		c.queue(cmd)
		return
	}
	c.call(cmd)
}

// denyOOM reports whether cmd is refused when memory is over maxmemory:
// deny-oom commands, EXEC of a transaction holding one, and inside MULTI
// anything but EXEC, DISCARD, QUIT and RESET (queueing takes memory).
func (c *Client) denyOOM(cmd *Command, inMulti bool) bool {
	if cmd.Flags&flagDenyOOM != 0 {
		return true
	}
	if !inMulti {
		return false
	}
	if cmd.Name == "exec" {
		return c.multi.flags&flagDenyOOM != 0
	}
	return !oomExemptInMulti(cmd)
}

// reject answers an error before the command runs, counting it as Redis's
// rejected_calls.
func (c *Client) reject(cmd *Command, msg string) {
	if c.has(clientMulti) {
		if cmd != nil && cmd.Name == "exec" {
			// EXEC refused ends the transaction, saying why.
			c.discardTransaction()
			msg = errExecAbortBecause + strings.TrimPrefix(msg, "ERR ")
		} else {
			c.multi.doomed = true // EXEC answers EXECABORT
		}
	}
	c.writeError(msg)
	if cmd != nil {
		cmd.stats.rejected.Add(1)
	}
}

// call runs cmd's handler with its shards locked and the clock frozen, then
// records stats and propagates the change while the locks are still held.
func (c *Client) call(cmd *Command) {
	s := c.srv
	c.cmd = cmd
	c.dirty = 0
	c.propArgs = nil
	// Clock reads are costly (a third of a GET in a VM), so a command takes
	// the time its predecessor ended at (c.tick, refreshed when a batch of
	// requests arrives and after any wait) and reads the clock once, at its
	// end. Wall time is the cron-maintained offset plus monotonic time.
	mono := c.tick
	c.now = s.unixMs(mono)
	if c.multi.running {
		c.now = c.multi.now // a transaction runs at one instant, as in Redis
	}

	c.run(cmd)
	if len(c.expiredSeen) > 0 {
		c.reapExpired()
	}

	end := time.Since(s.clockBase)
	c.tick = end
	dur := end - mono
	cmd.stats.calls.Add(1)
	cmd.stats.usec.Add(dur.Microseconds())
	if c.errored {
		cmd.stats.failed.Add(1)
	}
	s.afterCall(c, cmd, time.UnixMilli(c.now), dur)
	if c.trk.on {
		c.afterTrackedCommand(cmd)
	}
	if (len(c.selfInval) > 0 || c.selfFlush) && !c.multi.running {
		c.flushSelfInvalidations() // after the reply (after EXEC's whole array)
	}
	if len(c.blk.ready) > 0 {
		c.wakeReady()
	}
	if c.blk.w != nil {
		c.waitBlocked(cmd)
	}
}

// run calls the handler between lockFor and afterRun; the deferred
// afterRun keeps a panicking handler from leaving its shards locked (the
// connection's recover releases a lock kept for the pipeline).
func (c *Client) run(cmd *Command) {
	if !c.lockFor(cmd) {
		// It waited for a shard a script holds, past busy-reply-threshold.
		c.writeError(c.srv.busyText())
		cmd.stats.rejected.Add(1)
		return
	}
	defer c.afterRun()
	cmd.Handler(c)
	if len(c.wtouched) > 0 {
		c.touchWritten()
	}
	if c.emptied != nil {
		c.flushEmptied()
	}
	if c.dirty > 0 {
		c.srv.dirty.Add(int64(c.dirty))
		if cmd.locksWrite() {
			c.srv.propagate(c)
		}
	}
}

// maxHeldRun bounds how many commands in a row may run under a lock kept
// from their predecessor, so other clients and the expiry cycle wait for a
// few commands at most.
const maxHeldRun = 32

// afterRun releases the command's locks, or keeps a single shard's lock
// for the next request of the same pipeline: consecutive commands on one
// key (a pipelined burst of LPUSH, or a queue's producer) then take the
// lock once instead of contending for it every time with the other cores.
// The lock is never kept when the pipeline ends, when the command is
// about to wait (blocking), or when expired keys must be reaped under a
// write lock.
func (c *Client) afterRun() {
	if c.multi.running {
		return // EXEC holds the locks until its last command
	}
	if len(c.locks) == 1 && c.locks[0] != nil && c.heldRun < maxHeldRun &&
		c.inPos < len(c.in) && c.blk.w == nil && len(c.expiredSeen) == 0 {
		c.key0 = nil
		return
	}
	c.heldRun = 0
	c.unlock()
}

// releaseHeld releases a lock kept from the previous command, before
// anything that takes shard locks otherwise or waits. It returns false so
// it can sit in a condition.
func (c *Client) releaseHeld() bool {
	if len(c.locks) > 0 {
		c.heldRun = 0
		c.unlock()
	}
	return false
}

// reuseHeld reports whether the lock kept from the previous command covers
// cmd: the same single shard of the current database, in a mode at least
// as strong. k0 is cmd's first key's shard.
func (c *Client) reuseHeld(cmd *Command, k0 int) bool {
	held := c.locks[0]
	if len(c.locks) != 1 || held == nil || held.db != c.db || held.idx != k0 || (c.rlock && cmd.locksWrite()) {
		return false
	}
	for _, p := range c.keyPos[1:] {
		if shardOf(c.args[p]) != k0 {
			return false
		}
	}
	c.heldRun++
	return true
}

// lockFor takes the shard locks cmd needs, in ascending order, or reuses
// the one kept from the previous command (afterRun). It reports false,
// holding nothing, when it waited for a script past busy-reply-threshold.
func (c *Client) lockFor(cmd *Command) bool {
	if c.multi.running {
		return true // EXEC took every lock its commands need
	}
	if cmd.Flags&(flagNoLock|flagLockAll) != 0 {
		c.releaseHeld()
	}
	if cmd.Flags&flagNoLock != 0 {
		c.rlock = true // it locks shards itself: never delete from inside it
		return true
	}
	if cmd.Flags&flagLockAll != 0 {
		c.srv.lockAll()
		c.rlock = false
		c.locks = append(c.locks, nil) // marks "all"
		c.refreshNow()
		return true
	}
	c.keyPos = cmd.keyPositions(c.args, c.keyPos[:0])
	if len(c.keyPos) == 0 {
		c.releaseHeld()
		return true
	}
	db := c.db
	k0 := c.args[c.keyPos[0]]
	k0Shard := shardOf(k0)
	if len(c.locks) > 0 && !c.reuseHeld(cmd, k0Shard) {
		c.releaseHeld()
	}
	c.key0, c.key0Len, c.key0Shard = unsafe.SliceData(k0), len(k0), k0Shard
	if len(c.locks) > 0 {
		return true // reused
	}
	for j, p := range c.keyPos {
		idx := c.key0Shard
		if j > 0 {
			idx = shardOf(c.args[p])
		}
		sh := &db.shards[idx]
		// Insertion sort by address keeps the order global and dedups.
		i := len(c.locks)
		dup := false
		for i > 0 && shardBefore(sh, c.locks[i-1]) {
			i--
		}
		if i > 0 && c.locks[i-1] == sh {
			dup = true
		}
		if !dup {
			c.locks = append(c.locks, nil)
			copy(c.locks[i+1:], c.locks[i:])
			c.locks[i] = sh
		}
	}
	c.rlock = !cmd.locksWrite()
	var script func() int
	if cmd.Flags&flagAllowBusy == 0 {
		script = c.srv.scriptState
	}
	waited, ok := lockShards(c.locks, c.rlock, script)
	if !ok {
		c.locks = c.locks[:0]
		c.key0 = nil
		return false
	}
	if waited {
		c.refreshNow()
	}
	return true
}

// lockShards locks every shard of locks (sorted, no duplicates) and
// reports whether it had to wait. It never waits while holding a lock:
// when one is taken it releases the others, waits for that one alone,
// then tries the rest again. A running script takes shards in any order
// (script.go), which is deadlock-free only because nobody else holds a
// shard while waiting for another. TryLock is Lock's own fast path, so
// the uncontended case costs nothing extra.
//
// script, when not nil, tells whether a script runs (scriptRunning) or
// has run past busy-reply-threshold (scriptPastThreshold): while one
// runs, a wait polls instead of blocking, and gives up (ok false, holding
// nothing) when the threshold passes, for the command to be answered BUSY
// as Redis answers it.
func lockShards(locks []*shard, read bool, script func() int) (waited, ok bool) {
	wait := -1 // the shard to wait for, holding nothing else
	for {
		if wait >= 0 && !waitShard(locks[wait], read, script) {
			return waited, false
		}
		failed := -1
		for i, sh := range locks {
			if i == wait {
				continue
			}
			if !tryLockShard(sh, read) {
				failed = i
				break
			}
		}
		if failed < 0 {
			return waited, true
		}
		waited = true
		for j := 0; j < failed; j++ {
			if j != wait {
				unlockShard(locks[j], read)
			}
		}
		if wait >= 0 {
			unlockShard(locks[wait], read)
		}
		wait = failed
	}
}

// waitShard locks sh, holding nothing else meanwhile. While a script runs
// it polls, so that it can stop waiting when the threshold passes.
func waitShard(sh *shard, read bool, script func() int) bool {
	for script != nil {
		switch script() {
		case scriptPastThreshold:
			return false
		case scriptRunning:
			if tryLockShard(sh, read) {
				return true
			}
			time.Sleep(time.Millisecond)
			continue
		}
		break
	}
	if read {
		sh.mu.RLock()
	} else {
		sh.mu.Lock()
	}
	return true
}

func tryLockShard(sh *shard, read bool) bool {
	if read {
		return sh.mu.TryRLock()
	}
	return sh.mu.TryLock()
}

func unlockShard(sh *shard, read bool) {
	if read {
		sh.mu.RUnlock()
	} else {
		sh.mu.Unlock()
	}
}

// unixMs converts a monotonic reading (since clockBase) to unix ms.
func (s *Server) unixMs(mono time.Duration) int64 {
	return (s.wallOffset.Load() + mono.Nanoseconds()) / 1e6
}

// refreshNow rereads the clock for a command that waited for its locks:
// its time is when it runs, as in Redis, not when it was parsed.
func (c *Client) refreshNow() {
	c.now = c.srv.unixMs(time.Since(c.srv.clockBase))
}

func (c *Client) unlock() {
	c.key0 = nil
	if len(c.locks) == 1 && c.locks[0] == nil {
		c.srv.unlockAll()
		c.locks = c.locks[:0]
		return
	}
	for i := len(c.locks) - 1; i >= 0; i-- {
		if c.rlock {
			c.locks[i].mu.RUnlock()
		} else {
			c.locks[i].mu.Unlock()
		}
	}
	c.locks = c.locks[:0]
}

// shardBefore orders shards by database then index: the global lock order.
func shardBefore(a, b *shard) bool {
	if a.db.id != b.db.id {
		return a.db.id < b.db.id
	}
	return a.idx < b.idx
}
