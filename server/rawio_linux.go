package server

import (
	"io"
	"net"
	"os"
	"syscall"
)

// rawIO serves a plain TCP or Unix connection with raw read and write
// system calls inside its RawConn, so that Go's poller still parks the
// goroutine while the socket has nothing, but a request batch costs what
// it costs Redis: one read and one write.
//
// Two costs of net.Conn go away:
//   - net.Conn.Read is always followed by a read that fails with EAGAIN
//     before the goroutine parks: a third system call per batch. serve
//     runs the connection's turns inside one RawConn.Read, whose
//     readiness state is reset once, when it starts. After a read that
//     did not fill the buffer the socket was empty, so any byte that comes
//     later raises a readiness event the poller keeps for us, and the turn
//     can wait without reading again.
//   - syscall.Read and Write tell the runtime a system call runs. sysmon,
//     which wakes every 20 µs while it sees such calls, hands the P of a
//     call that outlasts one of its ticks to another thread: on a busy
//     server a thread switch every few batches. The socket is non-blocking,
//     so a raw call never blocks and the P simply keeps running.
//
// Inside serve the connection's read lock is held, so nothing else may
// read the socket: a command that may block (whose park watches the
// socket) ends serve and runs outside it (Client.deferred).
type rawIO struct {
	rc    syscall.RawConn
	c     *Client // the client being served, inside serve
	buf   []byte  // the read or write in progress
	n     int
	errno syscall.Errno
	err   error // why serve ended, nil for a hand-off
	// The callbacks are bound once, so that no call allocates.
	readFn, writeFn, turnFn func(fd uintptr) bool
}

// newRawIO returns raw I/O for nc, or nil when nc is not a plain socket
// (a TLS connection reads and writes through its own Conn).
func newRawIO(nc net.Conn) *rawIO {
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	rc, err := nc.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{rc: rc}
	r.readFn, r.writeFn, r.turnFn = r.doRead, r.doWrite, r.doTurn
	return r
}

// shutdown ends the connection for the peer at once. Close alone does not
// while serve runs: the socket stays open until serve lets go of it.
func (r *rawIO) shutdown() {
	r.rc.Control(func(fd uintptr) { syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
}

// rawRead reads fd into p (not empty), retrying an interrupted call.
func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		n, e := sysRead(fd, p)
		if e != syscall.EINTR {
			return n, e
		}
	}
}

// serve runs turns (Client.turn) as input arrives, until the connection
// fails or closes (the error; io.EOF for an orderly end) or a command must
// run outside (nil, with c.deferred set).
func (r *rawIO) serve(c *Client) error {
	r.c, r.err = c, nil
	c.rawTurn = true
	err := r.rc.Read(r.turnFn)
	c.rawTurn = false
	r.c = nil
	if err == nil {
		err = r.err
	}
	return err
}

// doTurn reads and serves until the socket is empty (false: wait for it)
// or serve must end (true).
func (r *rawIO) doTurn(fd uintptr) bool {
	c := r.c
	for {
		if err := c.makeRoom(); err != nil {
			r.err = err
			return true
		}
		room := c.in[len(c.in):cap(c.in)]
		n, e := rawRead(fd, room)
		switch {
		case e == syscall.EAGAIN:
			return false
		case e != 0:
			r.err = os.NewSyscallError("read", e)
			return true
		case n == 0:
			r.err = io.EOF
			return true
		}
		c.in = c.in[:len(c.in)+n]
		c.srv.stats.netInput.Add(int64(n))
		if !c.turn() {
			r.err = io.EOF // closing: nothing to log
			return true
		}
		if c.deferred != nil {
			return true
		}
		if n < len(room) {
			return false // the socket is empty: the poller wakes us
		}
	}
}

func (r *rawIO) doRead(fd uintptr) bool {
	r.n, r.errno = rawRead(fd, r.buf)
	return r.errno != syscall.EAGAIN
}

// doWrite writes all of buf, waiting (false) while the socket is full.
func (r *rawIO) doWrite(fd uintptr) bool {
	for r.n < len(r.buf) {
		n, e := sysWrite(fd, r.buf[r.n:])
		switch e {
		case 0:
			r.n += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			r.errno = e
			return true
		}
	}
	return true
}

// read reads into p (not empty) as net.Conn's Read does, outside serve.
func (r *rawIO) read(p []byte) (int, error) {
	r.buf, r.n, r.errno = p, 0, 0
	err := r.rc.Read(r.readFn)
	r.buf = nil
	switch {
	case err != nil:
		return 0, err
	case r.errno != 0:
		return 0, os.NewSyscallError("read", r.errno)
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// write writes all of p (not empty), as net.Conn's Write does.
func (r *rawIO) write(p []byte) (int, error) {
	r.buf, r.n, r.errno = p, 0, 0
	err := r.rc.Write(r.writeFn)
	r.buf = nil
	if err == nil && r.errno != 0 {
		err = os.NewSyscallError("write", r.errno)
	}
	return r.n, err
}
