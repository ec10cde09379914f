package server

import (
	"errors"
	"math"
	"math/big"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoaldb/shoal/datatypes"
)

// Blocking commands (BLPOP, BZPOPMIN, BLMOVE, ...).
//
// A handler that finds none of its keys ready calls c.block while it still
// holds their shard locks, so no write can slip in between its check and
// its registration. The dispatcher then releases the locks and parks the
// client, with no lock held, until a write makes one of the keys ready, the
// timeout passes, CLIENT UNBLOCK, or the client goes away. A woken client
// runs its command again from the start: it re-checks the keys and, if
// another client took the data first, blocks again, first in line.
//
// A write that creates a list, sorted set or stream notes the key
// (keyCreated: a waiter only ever waits for a missing key); once the
// writer's locks are released, the oldest client waiting on it is woken. A
// client served after a wake passes the turn on to the next waiter of its
// keys, who finds data or blocks again. So waiters are served oldest first,
// and since every pop happens under the key's shard lock, an element goes
// to exactly one client and is never left behind while someone waits.

// blockKey is a key in a database.
type blockKey struct {
	db  int
	key string
}

// waiter is one blocked command's registration.
type waiter struct {
	keys   []blockKey
	state  atomic.Int32  // waitWaiting until woken (waitWoken) or given up (waitGone)
	ready  chan struct{} // receives the wake
	queued bool          // in the registry's queues (guarded by blockRegistry.mu)
}

const (
	waitWaiting int32 = iota
	waitWoken
	waitGone
)

// blockRegistry holds the queues of waiters per key, oldest first.
type blockRegistry struct {
	mu     sync.Mutex
	queues map[blockKey][]*waiter
	// waiting counts registered waiters; at zero a write skips keyCreated.
	waiting atomic.Int32
}

// blockState is a client's part in blocking.
type blockState struct {
	w         *waiter // set by block: the command is to wait
	deadline  int64   // unix ms, 0 for none
	nullArray bool    // the timeout reply is a null array (else a null bulk)
	again     bool    // running again after a wake: keep place and deadline
	deny      bool    // in MULTI or a script: blocking commands do not block
	ready     []blockKey

	// Input read while parked (to notice the client leaving), handed to
	// the connection loop afterwards.
	pendingIn []byte
	inErr     error
}

const pendingInMax = 1 << 20

func (r *blockRegistry) add(w *waiter, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queues == nil {
		r.queues = map[blockKey][]*waiter{}
	}
	for i, k := range w.keys {
		if dupKey(w.keys[:i], k) {
			continue
		}
		q := r.queues[k]
		if first {
			q = append(q, nil)
			copy(q[1:], q)
			q[0] = w
		} else {
			q = append(q, w)
		}
		r.queues[k] = q
	}
	w.queued = true
	r.waiting.Add(1)
}

func dupKey(ks []blockKey, k blockKey) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// removeLocked takes w out of all its queues.
func (r *blockRegistry) removeLocked(w *waiter) {
	if !w.queued {
		return
	}
	w.queued = false
	r.waiting.Add(-1)
	for _, k := range w.keys {
		q := r.queues[k]
		for i, x := range q {
			if x == w {
				q = append(q[:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(r.queues, k)
		} else {
			r.queues[k] = q
		}
	}
}

func (r *blockRegistry) remove(w *waiter) {
	r.mu.Lock()
	r.removeLocked(w)
	r.mu.Unlock()
}

// wake wakes the oldest client waiting on k, if any.
func (r *blockRegistry) wake(k blockKey) {
	if r.waiting.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for q := r.queues[k]; len(q) > 0; q = r.queues[k] {
		w := q[0]
		r.removeLocked(w)
		if w.state.CompareAndSwap(waitWaiting, waitWoken) {
			w.ready <- struct{}{}
			return
		}
		// Given up (timeout, unblock, gone) but not yet removed by its owner.
	}
}

// readyDB notes every waited-for key of database db as ready: SWAPDB
// changes what all of them hold. A woken client that finds nothing blocks
// again.
func (c *Client) readyDB(db int) {
	r := &c.srv.blocking
	if r.waiting.Load() == 0 {
		return
	}
	r.mu.Lock()
	for k := range r.queues {
		if k.db == db {
			c.blk.ready = append(c.blk.ready, k)
		}
	}
	r.mu.Unlock()
}

// canBlock reports whether a blocking command may wait: not inside MULTI or
// a script, where it behaves as its non-blocking form.
func (c *Client) canBlock() bool { return !c.blk.deny }

// block registers the client as waiting on keys; the handler, holding the
// keys' locks, has found none ready and writes no reply. The command runs
// again from the start when woken. On timeout (deadline in unix ms, 0 for
// none) the reply is a null array, or a null bulk when nullArray is false.
func (c *Client) block(keys [][]byte, deadline int64, nullArray bool) {
	w := &waiter{ready: make(chan struct{}, 1)}
	for _, k := range keys {
		w.keys = append(w.keys, blockKey{c.dbIndex, string(k)})
	}
	if !c.blk.again {
		c.blk.deadline = deadline
		c.blk.nullArray = nullArray
	}
	c.blk.w = w
	c.srv.blocking.add(w, c.blk.again)
}

// keyCreated notes that the current command created key as a list, sorted
// set or stream: clients blocked on it are woken after the command.
func (c *Client) keyCreated(key []byte) {
	if c.srv.blocking.waiting.Load() == 0 {
		return
	}
	c.blk.ready = append(c.blk.ready, blockKey{c.dbIndex, string(key)})
}

// wakeReady wakes the waiters of the keys the command made ready. Called
// with no shard lock held.
func (c *Client) wakeReady() {
	for _, k := range c.blk.ready {
		c.srv.blocking.wake(k)
	}
	c.blk.ready = c.blk.ready[:0]
}

// parseTimeout parses a blocking command's timeout in seconds (fractions
// allowed) as Redis does, returning the deadline in unix ms (0: forever).
// It replies the error itself.
func (c *Client) parseTimeout(arg []byte) (int64, bool) {
	// Whole seconds, the common case, need no long double arithmetic.
	if n, ok := parseInt(arg); ok && n >= 0 && n <= math.MaxInt64/1000 {
		return c.deadlineAfter(n * 1000), true
	}
	ld, ok := datatypes.ParseLongDouble(arg)
	if !ok {
		c.writeError(errTimeoutNotFloat)
		return 0, false
	}
	// Redis multiplies in long double precision (64-bit mantissa), then
	// converts to a C long long, which on x86 turns anything out of range
	// into the most negative value.
	ms := new(big.Float).SetPrec(64).Mul(ld, big.NewFloat(1000))
	tval := int64(math.MinInt64)
	if ms.Cmp(big.NewFloat(-0x1p63)) >= 0 && ms.Cmp(big.NewFloat(0x1p63)) < 0 {
		tval, _ = ms.Int64() // truncated toward zero, as C does
	}
	if tval < 0 {
		c.writeError(errTimeoutNegative)
		return 0, false
	}
	return c.deadlineAfter(tval), true
}

// deadlineAfter turns a timeout of ms milliseconds (>= 0) into a deadline,
// 0 for none.
func (c *Client) deadlineAfter(ms int64) int64 {
	if ms == 0 {
		return 0
	}
	if ms > math.MaxInt64-c.now {
		// Redis 7.0 has no range check: the deadline wraps to a value its
		// timeout table never reaches, so the client waits forever.
		return 0
	}
	return ms + c.now
}

// waitBlocked parks a client whose command called block, then runs the
// command again each time it is woken, until it is served, times out or is
// unblocked. No lock is held here.
func (c *Client) waitBlocked(cmd *Command) {
	c.wakeSubscribers() // messages its pipeline published go out before it waits
	defer func() { c.blk.again = false }()
	for c.blk.w != nil {
		w := c.blk.w
		c.blk.w = nil
		if c.flushDurable() != nil {
			if !c.giveUp(w) {
				// Woken already: pass the wake on, or the element that
				// woke it waits for the next push.
				c.wakeKeys(w.keys)
			}
			return
		}
		outcome := c.park(w)
		c.resetTick()
		if outcome == parkEnded {
			return
		}
		if outcome == parkGone {
			// Woken as it left: pass the wake on.
			c.wakeKeys(w.keys)
			return
		}
		c.blk.again = true
		start := c.tick
		c.now = c.srv.unixMs(start)
		c.dirty = 0
		c.propArgs = nil
		c.errored = false
		c.run(cmd)
		end := time.Since(c.srv.clockBase)
		c.tick = end
		cmd.stats.usec.Add((end - start).Microseconds())
		if c.errored {
			cmd.stats.failed.Add(1)
		}
		if c.blk.w == nil {
			// Served (or failed): the next waiter's turn.
			c.wakeKeys(w.keys)
		}
		c.wakeReady()
	}
}

func (c *Client) wakeKeys(keys []blockKey) {
	for _, k := range keys {
		c.srv.blocking.wake(k)
	}
}

// giveUp withdraws w from the queues. It returns false if a wake got there
// first: w is already out of the queues and its wake has been consumed.
func (c *Client) giveUp(w *waiter) bool {
	if !w.state.CompareAndSwap(waitWaiting, waitGone) {
		<-w.ready
		return false
	}
	c.srv.blocking.remove(w)
	return true
}

type parkOutcome int

const (
	parkWoken parkOutcome = iota // run the command again
	parkEnded                    // timed out or unblocked: the reply is written
	parkGone                     // woken, but the client is leaving
)

// park waits for w's wake, the deadline, CLIENT UNBLOCK or the client's end.
func (c *Client) park(w *waiter) parkOutcome {
	c.setFlag(clientBlocked)
	defer c.clearFlag(clientBlocked)
	var timeout <-chan time.Time
	if c.blk.deadline > 0 {
		now := c.srv.unixMs(time.Since(c.srv.clockBase))
		t := time.NewTimer(time.Duration(max(c.blk.deadline-now, 0)) * time.Millisecond)
		defer t.Stop()
		timeout = t.C
	}
	gone, unwatch := c.watchConn()
	defer unwatch()
	reason := 0
	select {
	case <-w.ready:
		return parkWoken
	case <-timeout:
		reason = unblockTimeout
	case reason = <-c.wake:
	case <-c.quit:
	case <-gone:
	}
	if !c.giveUp(w) { // woken at the same moment: the wake wins
		if reason == 0 {
			return parkGone
		}
		return parkWoken
	}
	switch reason {
	case unblockTimeout:
		if c.blk.nullArray {
			c.writeNullArray()
		} else {
			c.writeNull()
		}
	case unblockError:
		c.writeError(errUnblocked)
	}
	return parkEnded
}

// watchConn reads the connection while the client is parked, so a client
// that disconnects is noticed (Redis keeps reading blocked clients too).
// What it reads is kept for the connection loop, up to pendingInMax. gone
// is closed when the connection ends; unwatch stops the reader.
func (c *Client) watchConn() (gone <-chan struct{}, unwatch func()) {
	if c.conn == nil || c.blk.inErr != nil {
		return nil, func() {}
	}
	goneCh := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [4096]byte
		for len(c.blk.pendingIn) < pendingInMax {
			n, err := c.conn.Read(buf[:])
			c.blk.pendingIn = append(c.blk.pendingIn, buf[:n]...)
			if err != nil {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					c.blk.inErr = err
					close(goneCh)
				}
				return
			}
		}
	}()
	return goneCh, func() {
		c.conn.SetReadDeadline(time.Unix(1, 0))
		<-done
		c.conn.SetReadDeadline(time.Time{})
	}
}

// takePending moves input read while parked into the input buffer; false
// if there was none.
func (c *Client) takePending() bool {
	if len(c.blk.pendingIn) == 0 {
		return false
	}
	n := copy(c.in[len(c.in):cap(c.in)], c.blk.pendingIn)
	c.in = c.in[:len(c.in)+n]
	c.blk.pendingIn = c.blk.pendingIn[n:]
	if len(c.blk.pendingIn) == 0 {
		c.blk.pendingIn = nil
	}
	return true
}
