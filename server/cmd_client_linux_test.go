package server

import (
	"net"
	"syscall"
	"testing"
)

// tcp-keepalive is applied to accepted connections: SO_KEEPALIVE with the
// configured idle time, or off for 0.
func TestTCPKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		secs int
		want int
	}{{60, 1}, {0, 0}} {
		s := startConnTestServer(t, "tcp-keepalive "+itoa(tc.secs))
		nc, rd := connTestDial(t, s)
		nc.Write([]byte("PING\r\n"))
		rd.ReadString('\n')
		var srvConn net.Conn
		s.clientsMu.Lock()
		for _, c := range s.clients {
			srvConn = c.conn
		}
		s.clientsMu.Unlock()
		raw, err := srvConn.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var on, idle int
		var gerr error
		raw.Control(func(fd uintptr) {
			on, gerr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
			if gerr == nil && on == 1 {
				idle, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE)
			}
		})
		if gerr != nil {
			t.Fatal(gerr)
		}
		if on != tc.want || (on == 1 && idle != tc.secs) {
			t.Errorf("tcp-keepalive %d: SO_KEEPALIVE=%d TCP_KEEPIDLE=%d", tc.secs, on, idle)
		}
	}
}
