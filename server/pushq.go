package server

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A client that may receive messages it did not ask for (a subscriber)
// switches to queued output: its replies and the messages other clients
// publish to it go through one queue, in order, and a writer goroutine of
// its own writes them. A publisher only appends to the queue, so a
// subscriber that stops reading never blocks it; one whose queue passes
// its class's client-output-buffer-limit is disconnected, as in Redis.
//
// The queue is a list of fixed-size chunks, as Redis's reply list is: a
// backlog grows without copying what is queued, and a writer sends every
// chunk in one writev.
type pushQueue struct {
	mu       sync.Mutex
	chunks   [][]byte        // queued output in order; only the last has room
	size     int             // bytes in chunks
	free     [][]byte        // written chunks kept for reuse
	inflight int             // bytes taken by a writer and not yet written
	softFrom int64           // unix ms the soft limit was first exceeded; 0 if under
	signaled bool            // a wake-up is sent or promised for what is queued
	writing  net.Buffers     // the writer's scratch list (under asyncMu)
	raw      syscall.RawConn // for writes that must not block; nil if none (TLS)
	wake     chan struct{}
	stop     chan struct{}
}

const (
	pushChunk      = 16 << 10 // bytes per chunk
	pushFreeChunks = 8        // empty chunks kept per queue
)

// add appends b to the queue; q.mu is held.
func (q *pushQueue) add(b []byte) {
	q.size += len(b)
	for len(b) > 0 {
		n := len(q.chunks)
		if n == 0 || len(q.chunks[n-1]) == cap(q.chunks[n-1]) {
			var c []byte
			if k := len(q.free); k > 0 {
				c, q.free = q.free[k-1], q.free[:k-1]
			} else {
				c = make([]byte, 0, pushChunk)
			}
			q.chunks = append(q.chunks, c)
			n++
		}
		last := q.chunks[n-1]
		k := copy(last[len(last):cap(last)], b)
		q.chunks[n-1] = last[:len(last)+k]
		b = b[k:]
	}
}

// take empties the queue for a writer (who holds the client's asyncMu):
// its chunks, and their size, counted as in flight until written. With
// rearm, the next delivery wakes or promises a writer again.
func (q *pushQueue) take(rearm bool) ([][]byte, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	chunks, size := q.chunks, q.size
	q.chunks, q.size = nil, 0
	q.inflight = size
	if rearm {
		q.signaled = false
	}
	return chunks, size
}

// written ends a write: nothing is in flight, and the fully written chunks
// are kept for reuse. q.mu is held.
func (q *pushQueue) written(chunks [][]byte) {
	q.inflight = 0
	for _, ch := range chunks {
		if len(q.free) < pushFreeChunks && cap(ch) == pushChunk {
			q.free = append(q.free, ch[:0])
		}
	}
}

// outputClass is the client-output-buffer-limit class of a client.
func (c *Client) outputClass() int {
	switch {
	case c.has(clientReplica):
		return bufClassReplica
	case c.has(clientPubSub):
		return bufClassPubSub
	}
	return bufClassNormal
}

// queueOutput switches c to queued output (idempotent); the owner
// goroutine calls it before c can receive a message.
func (c *Client) queueOutput() {
	if c.pushq != nil || c.conn == nil {
		return
	}
	q := &pushQueue{wake: make(chan struct{}, 1), stop: make(chan struct{})}
	if sc, ok := c.conn.(syscall.Conn); ok {
		q.raw, _ = sc.SyscallConn()
	}
	c.pushq = q
	go c.pushWriter(q)
}

// stopQueuedOutput ends the writer goroutine when the client goes away.
func (c *Client) stopQueuedOutput() {
	if c.pushq != nil {
		close(c.pushq.stop)
	}
}

// wakeNowBytes: a queue holding this much is written without waiting for
// the end of the publisher's pipeline.
const wakeNowBytes = 64 << 10

// deliver appends an encoded message to c's queue, from any goroutine.
// It reports false if that took c over its output limit (c is then
// being disconnected). by is the client whose command produced the
// message (nil for the server): its goroutine wakes c's writer once, at
// the end of its pipeline (wakeSubscribers), so that a burst of messages
// goes out in one write, as Redis writes once per event-loop turn.
func (c *Client) deliver(by *Client, msg []byte) bool {
	q := c.pushq
	if q == nil {
		return false
	}
	q.mu.Lock()
	q.add(msg)
	pending := q.size + q.inflight
	over := c.overOutputLimit(&q.softFrom, int64(pending))
	promise := !q.signaled
	q.signaled = true
	q.mu.Unlock()
	if over {
		c.outputLimitHit()
		return false
	}
	switch {
	case by == nil || by == c || pending >= wakeNowBytes:
		q.wakeWriter()
	case promise:
		by.wakeLater = append(by.wakeLater, c)
	}
	return true
}

func (q *pushQueue) wakeWriter() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// wakeSubscribers keeps deliver's promises: the writers of the clients
// this client's commands queued messages for start writing.
// The publisher's goroutine first tries to write each queue itself,
// without blocking, as Redis writes to clients from its event loop: no
// goroutine switch when the socket takes it all.
func (c *Client) wakeSubscribers() {
	for _, sub := range c.wakeLater {
		if !sub.writeQueueNow() {
			sub.pushq.wakeWriter()
		}
	}
	clear(c.wakeLater)
	c.wakeLater = c.wakeLater[:0]
}

// writeQueueNow writes c's queue with non-blocking writes, if no writer is
// at work on it. What the socket does not take stays queued, in front.
// It reports whether the queue was emptied.
func (c *Client) writeQueueNow() bool {
	q := c.pushq
	if q.raw == nil || !c.asyncMu.TryLock() {
		return false
	}
	defer c.asyncMu.Unlock()
	// The wake-up stays promised: what is left gets one below.
	chunks, size := q.take(false)
	written := 0
	var werr error
	if size > 0 {
		iov := chunks
		if len(iov) > 1024 { // IOV_MAX
			iov = iov[:1024]
		}
		err := q.raw.Write(func(fd uintptr) bool {
			n, err := unix.Writev(int(fd), iov)
			if n > 0 {
				written = n
			}
			if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				werr = err
			}
			return true // never wait for the socket: the writer goroutine will
		})
		if werr == nil {
			werr = err
		}
		c.srv.stats.netOutput.Add(int64(written))
	}
	// Put back what was not written, ahead of what arrived meanwhile.
	var rest [][]byte
	skip := written
	for i, ch := range chunks {
		if skip >= len(ch) {
			skip -= len(ch)
			continue
		}
		rest = append(rest, ch[skip:])
		rest = append(rest, chunks[i+1:]...)
		break
	}
	q.mu.Lock()
	q.written(chunks[:len(chunks)-len(rest)])
	left := size - written
	if left > 0 {
		q.chunks = append(rest, q.chunks...)
		q.size += left
	}
	empty := q.size == 0
	if empty {
		q.signaled = false
	}
	q.mu.Unlock()
	return empty && werr == nil
}

// overOutputLimit applies c's class limit to pending bytes: over the hard
// limit, or over the soft limit for longer than its seconds (*softFrom
// remembers since when).
func (c *Client) overOutputLimit(softFrom *int64, pending int64) bool {
	lim := c.srv.config().BufLimits[c.outputClass()]
	if lim.Hard > 0 && pending >= lim.Hard {
		return true
	}
	if lim.Soft == 0 || pending < lim.Soft {
		*softFrom = 0
		return false
	}
	now := time.Now().UnixMilli()
	if *softFrom == 0 {
		*softFrom = now
	}
	return now-*softFrom >= lim.SoftSecs*1000
}

// outputLimitHit logs and disconnects a client over its output limit.
func (c *Client) outputLimitHit() {
	c.srv.log.Warning("Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.", c.id, c.addr)
	c.kill()
}

// pushWriter writes queued output until the client goes away.
func (c *Client) pushWriter(q *pushQueue) {
	for {
		select {
		case <-q.stop:
			return
		case <-c.quit:
			return
		case <-q.wake:
		}
		if err := c.drainQueue(q); err != nil {
			c.kill()
			return
		}
	}
}

// drainQueue writes what is queued now. Writers hold asyncMu while they
// take and write a batch, so batches reach the socket in queue order.
func (c *Client) drainQueue(q *pushQueue) error {
	c.asyncMu.Lock()
	defer c.asyncMu.Unlock()
	chunks, size := q.take(true)
	if size == 0 {
		return nil
	}
	// WriteTo consumes the slice it is given: hand it a copy of the list.
	q.writing = append(q.writing[:0], chunks...)
	n, err := q.writing.WriteTo(c.conn) // one writev
	c.srv.stats.netOutput.Add(n)
	q.mu.Lock()
	q.written(chunks)
	if q.chunks == nil {
		q.chunks = chunks[:0] // reuse the list itself
		clear(chunks)
	}
	q.mu.Unlock()
	return err
}

// handOff moves the replies composed so far into the queue, so that they
// go out before any message delivered from now on. The caller holds
// whatever lock orders it against deliveries (the hub's).
func (c *Client) handOff() {
	q := c.pushq
	if q == nil || len(c.out) == 0 || c.multi.running {
		return // inside EXEC the reply array must stay whole
	}
	q.mu.Lock()
	q.add(c.out)
	q.mu.Unlock()
	c.out = c.out[:0]
}

// flushQueued is flush for a client with queued output: its replies join
// the queue, and what is queued is written now.
func (c *Client) flushQueued() error {
	q := c.pushq
	if len(c.out) > 0 {
		q.mu.Lock()
		q.add(c.out)
		over := c.overOutputLimit(&q.softFrom, int64(q.size+q.inflight))
		q.mu.Unlock()
		if cap(c.out) > outBufKeep {
			c.out = nil
		} else {
			c.out = c.out[:0]
		}
		if over {
			c.outputLimitHit()
			return errOutputLimit
		}
	}
	return c.drainQueue(q)
}
