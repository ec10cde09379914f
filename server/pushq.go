package server

import (
	"sync"
	"time"
)

// A client that may receive messages it did not ask for (a subscriber)
// switches to queued output: its replies and the messages other clients
// publish to it go through one queue, in order, and a writer goroutine of
// its own writes them. A publisher only appends to the queue, so a
// subscriber that stops reading never blocks it; one whose queue passes
// its class's client-output-buffer-limit is disconnected, as in Redis.
type pushQueue struct {
	mu       sync.Mutex
	buf      []byte
	spare    []byte
	inflight int   // bytes taken by a writer and not yet written
	softFrom int64 // unix ms the soft limit was first exceeded; 0 if under
	signaled bool  // a wake-up is sent or promised for what is queued
	wake     chan struct{}
	stop     chan struct{}
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
	q.buf = append(q.buf, msg...)
	pending := len(q.buf) + q.inflight
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
func (c *Client) wakeSubscribers() {
	for _, sub := range c.wakeLater {
		sub.pushq.wakeWriter()
	}
	clear(c.wakeLater)
	c.wakeLater = c.wakeLater[:0]
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
	q.mu.Lock()
	buf := q.buf
	q.buf, q.spare = q.spare[:0], nil
	q.inflight = len(buf)
	q.signaled = false
	q.mu.Unlock()
	if len(buf) == 0 {
		return nil
	}
	n, err := c.conn.Write(buf)
	c.srv.stats.netOutput.Add(int64(n))
	q.mu.Lock()
	q.inflight = 0
	if cap(buf) <= outBufKeep {
		q.spare = buf[:0]
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
	q.buf = append(q.buf, c.out...)
	q.mu.Unlock()
	c.out = c.out[:0]
}

// flushQueued is flush for a client with queued output: its replies join
// the queue, and what is queued is written now.
func (c *Client) flushQueued() error {
	q := c.pushq
	if len(c.out) > 0 {
		q.mu.Lock()
		q.buf = append(q.buf, c.out...)
		over := c.overOutputLimit(&q.softFrom, int64(len(q.buf)+q.inflight))
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
