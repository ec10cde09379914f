package tests

import (
	"bufio"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The connection family: PING, ECHO, SELECT, AUTH, HELLO, RESET, QUIT, and
// the connection-level behaviour around them (requirepass, protected mode,
// maxclients, timeout).

var (
	reClientID  = regexp.MustCompile(`\bid=\d+`)
	reHelloID   = regexp.MustCompile(`(\$2\r\nid\r\n):\d+`)
	reAddr      = regexp.MustCompile(`\b(l?addr)=[^ ]+`)
	reMemFields = regexp.MustCompile(`\b(fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem)=\d+`)
	reVerbatim  = regexp.MustCompile(`(?m)^([$=])\d+\r\n`)
)

// normConn replaces what legitimately differs between two servers in a
// reply (client ids, addresses, buffer sizes) by placeholders; a verbatim or
// bulk length header is dropped since the text length changes with them.
func normConn(s string) string {
	s = reClientID.ReplaceAllString(s, "id=ID")
	s = reHelloID.ReplaceAllString(s, "${1}:ID")
	s = reAddr.ReplaceAllString(s, "$1=ADDR")
	s = reMemFields.ReplaceAllString(s, "$1=N")
	return reVerbatim.ReplaceAllString(s, "${1}LEN\r\n")
}

// eqNorm is eq with normConn applied to both replies.
func (p *pair) eqNorm(args ...string) string {
	p.t.Helper()
	got, want := p.shoal.do(args...), p.redis.do(args...)
	if normConn(got) != normConn(want) {
		p.t.Errorf("%s (normalized)\n shoal: %q\n redis: %q", quoteArgs(args), got, want)
	}
	return got
}

// readUntil reads replies until one equals marker and returns them all.
func (c *rconn) readUntil(marker string) string {
	c.t.Helper()
	var all strings.Builder
	for {
		r := c.reply()
		all.WriteString(r)
		if r == marker {
			return all.String()
		}
	}
}

// pipelineBoth sends a raw pipeline to both servers, ending with ECHO
// <marker>, and compares everything each sends back up to the marker.
func (p *pair) pipelineBoth(cmds ...[]string) {
	p.t.Helper()
	var raw []byte
	for _, c := range cmds {
		raw = append(raw, encodeCommand(c...)...)
	}
	raw = append(raw, encodeCommand("ECHO", "--end--")...)
	p.shoal.writeRaw(raw)
	p.redis.writeRaw(raw)
	const marker = "$7\r\n--end--\r\n"
	got, want := p.shoal.readUntil(marker), p.redis.readUntil(marker)
	if got != want {
		p.t.Errorf("pipeline %q\n shoal: %q\n redis: %q", cmds, got, want)
	}
}

func TestConnBasics(t *testing.T) {
	p := newPair(t)
	p.script(
		"PING", "PING hello", "PING a b",
		"ECHO hi", "ECHO", "ECHO a b",
		"SELECT 1", "SELECT 15", "SELECT 16", "SELECT -1", "SELECT x", "SELECT 1.5", "SELECT", "SELECT 0",
		"AUTH", "AUTH x", "AUTH default x", "AUTH nobody x", "AUTH a b c",
		"RESET", "RESET x",
		"HELLO x", "HELLO 1", "HELLO 4", "HELLO -1", "HELLO 2.0", "HELLO 99999999999999999999",
		"HELLO 2 foo", "HELLO 2 auth", "HELLO 2 auth a", "HELLO 2 auth foo x", "HELLO 2 setname",
		"HELLO 2 setname a\tb", "HELLO 3 auth default secret setname",
	)
	p.eq("ECHO", "")
	p.eq("PING", "")
	p.eq("HELLO", "2", "SETNAME", "a b")
	p.eq("HELLO", "2", "SETNAME", "é")
	p.eqNorm("HELLO")
	p.eqNorm("HELLO", "2")
	p.eqNorm("hello", "2", "setname", "n1")
	p.eq("CLIENT", "GETNAME")
	p.eqNorm("HELLO", "2", "AUTH", "default", "anything", "SETNAME", "n2")
	p.eqNorm("HELLO", "2", "SETNAME", "n3", "AUTH", "default", "x")
	p.eq("CLIENT", "GETNAME")
	p.eqNorm("HELLO", "2", "SETNAME", "n4", "SETNAME", "n5")
	p.eq("CLIENT", "GETNAME")
	// An error in a later option leaves the earlier ones undone.
	p.eq("HELLO", "2", "SETNAME", "n6", "bogus")
	p.eq("CLIENT", "GETNAME")
	// SELECT is per connection and survives other commands.
	p.eq("SELECT", "3")
	p.eq("SET", "k", "v")
	p.eq("SELECT", "0")
	p.eq("GET", "k")
	p.eq("SELECT", "3")
	p.eq("GET", "k")
	p.eq("FLUSHALL")
}

func TestConnRESP3(t *testing.T) {
	p := newPair(t)
	p.eqNorm("HELLO", "3")
	p.eqNorm("HELLO", "3", "SETNAME", "r3")
	p.script("PING", "PING x", "ECHO y", "SELECT 2", "SELECT 99", "AUTH x", "AUTH default x")
	p.eq("CLIENT", "GETNAME")
	p.eq("CLIENT", "SETNAME", "")
	p.eq("CLIENT", "GETNAME")
	p.eq("CLIENT", "TRACKINGINFO")
	p.eq("CLIENT", "GETREDIR")
	p.eq("CLIENT", "ID", "x")
	p.eq("CLIENT", "HELP")
	p.eq("CLIENT", "LIST", "TYPE", "master")
	p.eqNorm("CLIENT", "INFO")
	p.eq("HELLO", "7")
	p.eqNorm("HELLO")
	// Back to RESP2 with HELLO 2, and with RESET.
	p.eqNorm("HELLO", "2")
	p.eq("CLIENT", "GETNAME")
	p.eqNorm("HELLO", "3")
	p.eq("RESET")
	p.eq("CLIENT", "GETNAME")
	p.eq("CLIENT", "TRACKINGINFO")
}

// RESET returns a connection to its initial state.
func TestConnReset(t *testing.T) {
	p := newPair(t)
	p.both("SELECT", "5")
	p.both("SET", "k5", "v")
	p.both("CLIENT", "SETNAME", "before")
	p.both("CLIENT", "NO-EVICT", "on")
	p.eqNorm("CLIENT", "INFO")
	p.eqNorm("HELLO", "3")
	p.eq("RESET")
	p.eq("GET", "k5") // back in db 0
	p.eq("CLIENT", "GETNAME")
	p.eqNorm("CLIENT", "INFO")
	// RESET ends CLIENT REPLY OFF and is itself answered.
	p.pipelineBoth([]string{"CLIENT", "REPLY", "OFF"}, []string{"PING"}, []string{"RESET"}, []string{"PING"})
	// A SKIP already in force swallows RESET's own reply.
	p.pipelineBoth([]string{"CLIENT", "REPLY", "SKIP"}, []string{"RESET"}, []string{"PING"})
	p.both("FLUSHALL")
}

func TestConnQuit(t *testing.T) {
	needRedis(t)
	for _, raw := range []string{
		"QUIT\r\nPING\r\n",
		"*2\r\n$4\r\nquit\r\n$1\r\nx\r\nPING\r\n",
		"PING\r\nQUIT\r\n",
	} {
		got, gotClosed := rawExchange(t, testEnv.shoalAddr, raw)
		want, wantClosed := rawExchange(t, testEnv.redisAddr, raw)
		if got != want || !gotClosed || !wantClosed {
			t.Errorf("%q\n shoal: %q closed=%v\n redis: %q closed=%v", raw, got, gotClosed, want, wantClosed)
		}
	}
	// QUIT with replies off sends nothing. (Redis 7.0 then leaves the
	// connection open but deaf, since it only closes after a reply is
	// written; Shoal closes it.)
	p := newPair(t)
	p.shoal.writeRaw([]byte("CLIENT REPLY OFF\r\nQUIT\r\nPING\r\n"))
	p.redis.writeRaw([]byte("CLIENT REPLY OFF\r\nQUIT\r\nPING\r\n"))
	got, gotClosed := p.shoal.readUntilClose(300 * time.Millisecond)
	want, _ := p.redis.readUntilClose(300 * time.Millisecond)
	if got != want || got != "" || !gotClosed {
		t.Errorf("REPLY OFF + QUIT\n shoal: %q closed=%v\n redis: %q", got, gotClosed, want)
	}
}

func TestConnRequirePass(t *testing.T) {
	sa, ra := ownServers(t, []string{"requirepass secret"}, []string{"--requirepass", "secret"})
	p := pairAt(t, sa, ra)
	p.script(
		"GET a", "PING", "ECHO x", "SELECT 1", "CLIENT ID", "foo bar", "ECHO",
		"HELLO", "HELLO 3", "HELLO 2 setname x", "HELLO 9", "HELLO 2 auth default bad",
		"AUTH bad", "AUTH default bad", "AUTH nobody secret", "AUTH a b c",
		"RESET", "GET a",
	)
	// HELLO names the client while parsing, even when it then refuses.
	p.eq("HELLO", "2", "SETNAME", "early")
	p.eq("HELLO", "3", "SETNAME", "early2", "AUTH", "default", "bad")
	p.eq("AUTH", "secret")
	p.eq("CLIENT", "GETNAME")
	p.eq("RESET")
	p.eqNorm("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "me")
	p.eq("GET", "a")
	p.eq("CLIENT", "GETNAME")
	// A failed AUTH does not undo an earlier success.
	p.eq("AUTH", "wrong")
	p.eq("PING")
	// RESET deauthenticates and returns to RESP2.
	p.eq("RESET")
	p.eq("GET", "a")
	p.eq("HELLO", "3")
	p.eq("AUTH", "secret")
	p.eq("GET", "a")
	p.eq("AUTH", "default", "secret")
	p.eq("PING")

	// Before AUTH, the reader's limits are Redis's unauthenticated ones; the
	// reply and the close must match exactly.
	for _, raw := range []string{
		"*11\r\n",
		"*10\r\n$16385\r\n",
		"*1\r\n$16385\r\n",
		"*2\r\n$4\r\nECHO\r\n$16384\r\n" + strings.Repeat("x", 16384) + "\r\n",
		"*11\r\n$4\r\nauth\r\n",
	} {
		got, gotClosed := rawExchange(t, sa, raw)
		want, wantClosed := rawExchange(t, ra, raw)
		if got != want || gotClosed != wantClosed {
			t.Errorf("%.40q\n shoal: %.200q closed=%v\n redis: %.200q closed=%v", raw, got, gotClosed, want, wantClosed)
		}
	}
	// After AUTH the limits are gone.
	big := strings.Repeat("y", 20000)
	args := []string{"ECHO", big}
	p.eq("AUTH", "secret")
	p.eq(args...)
	many := []string{"DEL"}
	for i := 0; i < 12; i++ {
		many = append(many, "k")
	}
	p.eq(many...)
}

// CONFIG SET requirepass applies to AUTH at once; connections that are
// already authenticated stay so, new ones must authenticate.
func TestConnConfigSetRequirePass(t *testing.T) {
	sa, ra := ownServers(t, nil, nil)
	p := pairAt(t, sa, ra)
	if r := p.shoal.do("CONFIG", "SET", "requirepass", "pw"); r != "+OK\r\n" {
		t.Skipf("CONFIG SET requirepass not available yet: %q", r)
	}
	p.redis.do("CONFIG", "SET", "requirepass", "pw")
	p.eq("PING")
	p.eq("AUTH", "bad")
	p.eq("AUTH", "pw")
	q := pairAt(t, sa, ra)
	q.eq("PING")
	q.eq("AUTH", "pw")
	q.eq("PING")
	p.eq("CONFIG", "SET", "requirepass", "")
	r := pairAt(t, sa, ra)
	r.eq("PING")
	r.eq("AUTH", "x")
}

// Protected mode: with no password, a peer that is not 127.0.0.1 or ::1 gets
// the DENIED text and is disconnected. 127.0.0.2 is loopback to the kernel
// but not to Redis.
func TestConnProtectedMode(t *testing.T) {
	sa, ra := ownServers(t, []string{"protected-mode yes"}, []string{"--protected-mode", "yes"})
	from := func(addr, src string) (string, bool) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Skipf("cannot dial from %s: %v", src, err)
		}
		c := &rconn{t: t, nc: nc, rd: bufio.NewReader(nc)}
		t.Cleanup(func() { nc.Close() })
		c.writeRaw([]byte("PING\r\n"))
		return c.readUntilClose(time.Second)
	}
	got, gotClosed := from(sa, "127.0.0.2")
	want, wantClosed := from(ra, "127.0.0.2")
	// (Whether Redis's close reaches the client as FIN or RST depends on
	// timing; Shoal's must be a clean close.)
	_ = wantClosed
	if got != want || !gotClosed || !strings.HasPrefix(want, "-DENIED ") {
		t.Errorf("from 127.0.0.2\n shoal: %q closed=%v\n redis: %q closed=%v", got, gotClosed, want, wantClosed)
	}
	// 127.0.0.1 is served.
	p := pairAt(t, sa, ra)
	p.eq("PING")
	// With a password set the peer is served (and must authenticate).
	if r := p.shoal.do("CONFIG", "SET", "requirepass", "pw"); r != "+OK\r\n" {
		t.Skipf("CONFIG SET not available yet: %q", r)
	}
	p.redis.do("CONFIG", "SET", "requirepass", "pw")
	got, _ = connPingFrom127002(t, sa)
	want, _ = connPingFrom127002(t, ra)
	if got != want || want != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("with requirepass\n shoal: %q\n redis: %q", got, want)
	}
}

// connPingFrom127002 dials addr from 127.0.0.2, sends PING and returns the first reply.
func connPingFrom127002(t *testing.T, addr string) (string, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 2 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	c := &rconn{t: t, nc: nc, rd: bufio.NewReader(nc)}
	return c.do("PING"), nil
}

func TestConnMaxClients(t *testing.T) {
	sa, ra := ownServers(t, []string{"maxclients 1"}, []string{"--maxclients", "1"})
	// The start-up probe's connection may still hold redis-server's only
	// slot for a moment.
	p := &pair{t: t, shoal: dial(t, sa)}
	for i := 0; ; i++ {
		p.redis = dial(t, ra)
		if r := p.redis.do("PING"); r == "+PONG\r\n" {
			break
		} else if i == 100 {
			t.Fatalf("redis-server with maxclients 1: %q", r)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.eq("PING")
	got, gotClosed := rawExchange(t, sa, "PING\r\n")
	want, _ := rawExchange(t, ra, "PING\r\n")
	if got != want || !gotClosed || want != "-ERR max number of clients reached\r\n" {
		t.Errorf("over maxclients\n shoal: %q closed=%v\n redis: %q", got, gotClosed, want)
	}
	// The first client is unaffected, and its place frees when it leaves.
	p.eq("PING")
	p.shoal.nc.Close()
	p.redis.nc.Close()
	for _, addr := range []string{sa, ra} {
		var r string
		for i := 0; i < 100; i++ {
			if r, _ = rawExchangeQuick(t, addr, "PING\r\n"); r == "+PONG\r\n" {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if r != "+PONG\r\n" {
			t.Errorf("%s: after the first client left: %q", addr, r)
		}
	}
}

// rawExchangeQuick sends raw bytes on a fresh connection and reads one reply.
func rawExchangeQuick(t *testing.T, addr, raw string) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.Write([]byte(raw))
	nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 256)
	n, err := nc.Read(buf)
	return string(buf[:n]), err
}

// The timeout directive closes clients idle for longer, but not active ones.
func TestConnIdleTimeout(t *testing.T) {
	addr := ownShoal(t, "timeout 1").Addr().String()
	idle := dial(t, addr)
	active := dial(t, addr)
	if r := idle.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING: %q", r)
	}
	deadline := time.Now().Add(4 * time.Second)
	for time.Now().Before(deadline) {
		if r := active.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("active client: %q", r)
		}
		idle.nc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := idle.rd.ReadByte(); err != nil && !connIsTimeout(err) {
			// Closed by the server: the active client must still be served.
			if r := active.do("PING"); r != "+PONG\r\n" {
				t.Fatalf("active client after the idle one closed: %q", r)
			}
			return
		}
	}
	t.Fatal("idle client was not closed within 4s with timeout 1")
}

func connIsTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
