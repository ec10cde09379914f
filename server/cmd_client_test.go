package server

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// startConnTestServer starts a server on a free loopback port for in-process
// tests of the connection machinery.
func startConnTestServer(t testing.TB, directives ...string) *Server {
	t.Helper()
	cfg, err := LoadConfig("port 0\nbind 127.0.0.1\nsave \"\"\nloglevel warning\n" + strings.Join(directives, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func connTestDial(t testing.TB, s *Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc, bufio.NewReader(nc)
}

// A panic in a handler closes that client only: its shard locks are
// released and every other client keeps being served.
func TestHandlerPanicClosesOnlyThatClient(t *testing.T) {
	s := startConnTestServer(t)
	// A command of this server's own table only (nothing global), whose
	// handler panics while holding its key's shard lock.
	boom := &Command{Name: "boom", Arity: 2, Flags: flagWrite, First: 1, Last: 1, Step: 1,
		Handler: func(c *Client) { panic("boom") }}
	s.commands.byName["boom"] = boom

	other, otherRd := connTestDial(t, s)
	other.Write([]byte("SET k before\r\n"))
	if l, _ := otherRd.ReadString('\n'); l != "+OK\r\n" {
		t.Fatalf("SET: %q", l)
	}

	victim, victimRd := connTestDial(t, s)
	victim.Write([]byte("PING\r\nBOOM k\r\nPING\r\n"))
	victim.SetReadDeadline(time.Now().Add(2 * time.Second))
	got, err := io.ReadAll(victimRd)
	if err != nil {
		t.Fatalf("victim connection not closed: %v (got %q)", err, got)
	}
	// The pipeline's earlier reply may or may not be flushed, but nothing
	// after the panic is answered.
	if strings.Count(string(got), "PONG") > 1 {
		t.Fatalf("commands after the panic were answered: %q", got)
	}

	// The other client works, including on the panicking command's key
	// (its write lock was released).
	other.SetReadDeadline(time.Now().Add(2 * time.Second))
	other.Write([]byte("SET k after\r\nGET k\r\n"))
	for _, want := range []string{"+OK\r\n", "$5\r\n", "after\r\n"} {
		if l, err := otherRd.ReadString('\n'); l != want {
			t.Fatalf("other client: %q (%v), want %q", l, err, want)
		}
	}
	// New connections are accepted, and the victim is unregistered.
	fresh, freshRd := connTestDial(t, s)
	fresh.Write([]byte("PING\r\n"))
	if l, _ := freshRd.ReadString('\n'); l != "+PONG\r\n" {
		t.Fatalf("new client: %q", l)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		s.clientsMu.Lock()
		n := len(s.clients)
		s.clientsMu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d clients registered, want 2", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

// CLIENT REPLY OFF drops whole replies, errors included, until REPLY ON.
func TestReplyModeSuppressesWholeReply(t *testing.T) {
	s := startConnTestServer(t)
	c := s.newInternalClient()
	c.execute([][]byte{[]byte("SET"), []byte("a"), []byte("1")})
	c.execute([][]byte{[]byte("CLIENT"), []byte("REPLY"), []byte("OFF")})
	n := len(c.out)
	c.execute([][]byte{[]byte("GET"), []byte("a")})
	c.execute([][]byte{[]byte("NOSUCH")})
	if len(c.out) != n {
		t.Fatalf("output grew with REPLY OFF: %q", c.out[n:])
	}
	c.execute([][]byte{[]byte("CLIENT"), []byte("REPLY"), []byte("ON")})
	c.execute([][]byte{[]byte("GET"), []byte("a")})
	if got := string(c.out[n:]); got != "+OK\r\n$1\r\n1\r\n" {
		t.Fatalf("after REPLY ON: %q", got)
	}
}
