package server

import (
	"strconv"
	"time"
)

// MONITOR: every executed command (admin ones aside) is pushed to the
// monitoring clients as a status line:
//
//	+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"
//
// Lines are queued per monitor and written by a goroutine of its own, so a
// slow monitor never slows the clients whose commands it watches; one that
// falls too far behind is disconnected, like Redis's output buffer limit for
// replicas and monitors (256mb).
const monitorMaxPending = 256 << 20

// monitorFeed is one monitor's queue of lines not yet written.
type monitorFeed struct {
	c       *Client
	pending []byte // guarded by the server's monMu
	wake    chan struct{}
	stop    chan struct{}
}

func cmdMonitor(c *Client) {
	s := c.srv
	if c.has(clientMulti) {
		c.writeError(errMonitorInMulti)
		return
	}
	if c.has(clientMonitor | clientReplica) {
		return // Redis ignores a second MONITOR, without a reply
	}
	// The OK must reach the client before any line: write it now.
	c.writeOK()
	if c.conn != nil {
		c.flushDurable()
	}
	f := &monitorFeed{c: c, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	s.ext.monMu.Lock()
	s.ext.monitors[c] = f
	s.ext.monMu.Unlock()
	c.setFlag(clientMonitor)
	s.monitors.Add(1)
	if c.conn != nil {
		go f.run(s)
	}
}

// run writes queued lines until the monitor goes away.
func (f *monitorFeed) run(s *Server) {
	for {
		select {
		case <-f.stop:
			return
		case <-f.wake:
		}
		s.ext.monMu.Lock()
		buf := f.pending
		f.pending = nil
		s.ext.monMu.Unlock()
		if len(buf) == 0 {
			continue
		}
		f.c.asyncMu.Lock()
		f.c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, err := f.c.conn.Write(buf)
		f.c.conn.SetWriteDeadline(time.Time{})
		f.c.asyncMu.Unlock()
		s.stats.netOutput.Add(int64(len(buf)))
		if err != nil {
			f.c.kill()
			return
		}
	}
}

// removeMonitor stops feeding c; safe to call more than once.
func (s *Server) removeMonitor(c *Client) {
	s.ext.monMu.Lock()
	f := s.ext.monitors[c]
	delete(s.ext.monitors, c)
	s.ext.monMu.Unlock()
	if f != nil {
		close(f.stop)
		s.monitors.Add(-1)
	}
}

// feedMonitors queues the line for c's command to every monitor.
func (s *Server) feedMonitors(c *Client, cmd *Command) {
	now := time.Now()
	line := make([]byte, 0, 64)
	line = append(line, '+')
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	usec := now.Nanosecond() / 1000
	for d := 100000; d > 1 && usec < d; d /= 10 {
		line = append(line, '0')
	}
	line = strconv.AppendInt(line, int64(usec), 10)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(c.dbIndex), 10)
	line = append(line, ' ')
	switch {
	case c.conn == nil:
		line = append(line, "lua"...)
	case c.conn.RemoteAddr().Network() == "unix":
		line = append(line, "unix:"...)
		line = append(line, c.conn.LocalAddr().String()...)
	default:
		line = append(line, c.addr...)
	}
	line = append(line, ']')
	for _, a := range loggedArgs(cmd, c.args) {
		line = append(line, ' ')
		line = appendRepr(line, a)
	}
	line = append(line, '\r', '\n')

	s.ext.monMu.Lock()
	for mc, f := range s.ext.monitors {
		if mc == c {
			// A monitor's own command: its line follows its reply, in order.
			c.out = append(c.out, line...)
			continue
		}
		if len(f.pending)+len(line) > monitorMaxPending {
			s.log.Warning("Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.", mc.id, mc.addr)
			mc.kill()
			continue
		}
		f.pending = append(f.pending, line...)
		select {
		case f.wake <- struct{}{}:
		default:
		}
	}
	s.ext.monMu.Unlock()
}

// appendRepr quotes b as Redis's sdscatrepr does: "..." with \\, \", \n,
// \r, \t, \a, \b escaped and other unprintable bytes as \xHH.
func appendRepr(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, ch := range b {
		switch ch {
		case '\\', '"':
			dst = append(dst, '\\', ch)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				dst = append(dst, ch)
			} else {
				dst = append(dst, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(dst, '"')
}
