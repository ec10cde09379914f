package server

import (
	"errors"
	"io"
	"net"
	"runtime/debug"
	"time"
)

// The connection loop. Each connection has one goroutine that reads, parses
// every complete request in what it read, executes them in order, and writes
// all their replies with one write: one flush per pipeline.

const (
	inBufStart = 16 * 1024
	inBufKeep  = 64 * 1024 // larger input buffers are dropped once empty
	outBufKeep = 64 * 1024 // likewise for output
)

// serveConn runs one accepted connection until it closes.
func (s *Server) serveConn(nc net.Conn) {
	c := s.newClient(nc)
	if c == nil {
		return
	}
	defer s.dropClient(c)
	defer func() {
		// A panic while serving a request closes this client, never the server.
		if r := recover(); r != nil {
			c.releaseHeld()
			s.log.Warning("panic serving client id=%d addr=%s: %v\n%s", c.id, c.addr, r, debug.Stack())
		}
	}()
	c.in = make([]byte, 0, inBufStart)
	for {
		var err error
		switch {
		case c.deferred != nil:
			// A command that may block, handed over by rawIO.serve, runs
			// here, where its park can watch the socket; then the rest.
			args := c.deferred
			c.deferred = nil
			c.execute(args)
			c.args = nil
			if !c.turn() {
				return
			}
		case c.rio != nil && len(c.blk.pendingIn) == 0 && c.blk.inErr == nil:
			err = c.rio.serve(c)
		default:
			if err = c.fill(); err == nil && !c.turn() {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !c.killed.Load() && !errors.Is(err, net.ErrClosed) && !errors.Is(err, errQueryBufLimit) {
				s.log.Verbose("Client id=%d addr=%s closed: %v", c.id, c.addr, err)
			}
			if errors.Is(err, errQueryBufLimit) {
				s.log.Warning("Closing client that reached max query buffer length: id=%d addr=%s", c.id, c.addr)
			}
			return
		}
		if c.closeAfterReply || c.killed.Load() {
			return
		}
	}
}

// turn executes what the input holds and writes the replies. It reports
// false when the connection must close.
func (c *Client) turn() bool {
	c.processInput()
	c.releaseHeld()
	if len(c.bcastOut) > 0 {
		c.flushBcast()
	}
	if len(c.wakeLater) > 0 {
		c.wakeSubscribers()
	}
	if err := c.flushDurable(); err != nil {
		return false
	}
	return !c.closeAfterReply && !c.killed.Load()
}

var errQueryBufLimit = errors.New("query buffer limit")

// errOutputLimit: the client passed its client-output-buffer-limit.
var errOutputLimit = errors.New("output buffer limit")

// makeRoom makes room in the input buffer. The buffer grows only when it is
// full of unparsed bytes, so its size follows what arrived, never what a
// request declared.
func (c *Client) makeRoom() error {
	keep := c.inPos // bytes before keep are done with
	if c.reader.inProgress() {
		keep = c.reader.start
	}
	if keep == len(c.in) {
		c.in = c.in[:0]
		c.inPos = 0
		if cap(c.in) > inBufKeep {
			c.in = make([]byte, 0, inBufStart)
		}
	}
	if len(c.in) == cap(c.in) {
		if keep > 0 {
			n := copy(c.in, c.in[keep:])
			c.reader.rebase(keep)
			c.in = c.in[:n]
			c.inPos -= keep
		} else {
			limit := c.srv.config().ClientQueryBufferLimit
			if int64(cap(c.in)) >= limit {
				return errQueryBufLimit
			}
			newCap := int64(cap(c.in)) * 2
			if newCap > limit {
				newCap = limit
			}
			grown := make([]byte, len(c.in), newCap)
			copy(grown, c.in)
			c.in = grown
		}
	}
	return nil
}

// fill reads more input, making room first.
func (c *Client) fill() error {
	if err := c.makeRoom(); err != nil {
		return err
	}
	if c.takePending() {
		return nil
	}
	if c.blk.inErr != nil {
		return c.blk.inErr
	}
	var n int
	var err error
	if c.rio != nil {
		n, err = c.rio.read(c.in[len(c.in):cap(c.in)])
	} else {
		n, err = c.conn.Read(c.in[len(c.in):cap(c.in)])
	}
	if n > 0 {
		c.in = c.in[:len(c.in)+n]
		c.srv.stats.netInput.Add(int64(n))
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// processInput executes every complete request in the input buffer.
func (c *Client) processInput() {
	c.resetTick()
	c.batchStart = c.inPos
	if c.reader.inProgress() {
		c.batchStart = c.reader.start
	}
	for !c.closeAfterReply && !c.killed.Load() {
		cfg := c.srv.config()
		lim := readerLimits{maxBulkLen: cfg.ProtoMaxBulkLen, authed: !c.authRequired(cfg)}
		args, err := c.reader.parse(c.in, &c.inPos, lim)
		if err == errNeedMore {
			return
		}
		if err != nil {
			var pe *protoError
			if errors.As(err, &pe) {
				c.writeError("ERR " + pe.msg)
				c.srv.log.Verbose("Protocol error (%s) from client: id=%d addr=%s", pe.msg, c.id, c.addr)
			}
			c.closeAfterReply = true
			return
		}
		if len(args) == 0 {
			continue
		}
		if c.rawTurn && c.mayBlock(args[0]) {
			c.deferred = args
			return
		}
		c.execute(args)
		c.args = nil
	}
}

// mayBlock reports whether the command named name may block, through the
// lookup cache dispatch uses.
func (c *Client) mayBlock(name []byte) bool {
	cmd := c.cmdCache
	if cmd == nil || !eqFold(name, cmd.Name) {
		cmd = c.srv.commands.lookup(name)
		if cmd == nil {
			return false
		}
		c.cmdCache = cmd
	}
	return cmd.Flags&flagBlocking != 0
}

// flushDurable writes the pending replies once the AOF holds what they
// acknowledge: written to the file, and with appendfsync always fsynced.
func (c *Client) flushDurable() error {
	c.srv.aofBarrier()
	return c.flush()
}

// flush writes the pending replies, then trims an oversized output buffer.
func (c *Client) flush() error {
	if c.pushq != nil {
		return c.flushQueued()
	}
	if len(c.out) == 0 || c.conn == nil {
		return nil
	}
	if lim := c.srv.config().BufLimits[bufClassNormal]; (lim.Hard > 0 || lim.Soft > 0) &&
		c.overOutputLimit(&c.outSoftFrom, int64(len(c.out))) {
		c.out = c.out[:0]
		c.outputLimitHit()
		return errOutputLimit
	}
	c.asyncMu.Lock()
	var n int
	var err error
	if c.rio != nil {
		n, err = c.rio.write(c.out)
	} else {
		n, err = c.conn.Write(c.out)
	}
	c.asyncMu.Unlock()
	c.srv.stats.netOutput.Add(int64(n))
	if cap(c.out) > outBufKeep {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	return err
}

// keepAlive sets TCP keepalive on a new connection as tcp-keepalive says.
func keepAlive(nc net.Conn, secs int) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return
	}
	if secs <= 0 {
		tc.SetKeepAlive(false)
		return
	}
	tc.SetKeepAliveConfig(net.KeepAliveConfig{
		Enable:   true,
		Idle:     time.Duration(secs) * time.Second,
		Interval: time.Duration(secs/3+1) * time.Second,
		Count:    3,
	})
}
