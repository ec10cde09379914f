package tests

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Bad and unusual input: the same reply bytes as redis-server, and the
// connection closed exactly where Redis closes it.
func TestProtocolEdgeCases(t *testing.T) {
	needRedis(t)
	cases := []string{
		"*1\r\n$9223372036854775807\r\nabc",
		"*abc\r\n",
		"*3000000000\r\n",
		"*2147483648\r\n",
		"*\r\n",
		"*1\r\n$-5\r\n",
		"*1\r\n$abc\r\n",
		"*1\r\n$\r\n",
		"*1\r\n$01\r\n",
		"*1\r\n$600000000\r\n",
		"*1\r\nx\r\n",
		"set a \"b\r\n",
		"set a 'b\r\n",
		"set a \"b\"c\r\n",
		"*0\r\nPING\r\n",
		"*-1\r\nPING\r\n",
		"PING\n",
		"  \r\nPING\r\n",
		"\r\n\r\nPING\r\n",
		"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n",
		"ping a b\r\n",
		"foo bar baz\r\n",
		"GET\r\n",
		"*2\r\n$3\r\nget\r\n$1\r\na\r\n",
		"*1\r\n$4\r\nPING\r\n*1\r\nx",
		"echo \"a\\x41\\n\\tb\" 'c\\'d'\r\n",
		"echo a\"b c\"\r\n",
		"QUIT extra args\r\nPING\r\n",
		"*" + strings.Repeat("1", 70000),
		"*1\r\n$" + strings.Repeat("1", 70000),
		strings.Repeat("x", 70000),
		"foo " + strings.Repeat("a", 200) + " b\r\n",
		"foo a " + strings.Repeat("b", 200) + " c\r\n",
		"*2\r\n$3\r\nfoo\r\n$3\r\na\nb\r\n",
		"echo a\x00b c\r\n",
		"echo \"a\x00b\" c\r\n",
		"\x00echo a\r\n",
		"*1\x00\r\n$4\r\nPING\r\n",
		"*1\r\n$4\x00\r\nPING\r\n",
		"*1\r\n$4\r\nPI\x00G\r\n",
		"\x00" + strings.Repeat("x", 70000) + "\n",
	}
	// Each case waits for a possible close, so run them all at once.
	type result struct {
		got, want             string
		gotClosed, wantClosed bool
	}
	results := make([]result, len(cases))
	var wg sync.WaitGroup
	for i, raw := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			r.got, r.gotClosed = rawExchange(t, testEnv.shoalAddr, raw)
			r.want, r.wantClosed = rawExchange(t, testEnv.redisAddr, raw)
		}()
	}
	wg.Wait()
	for i, raw := range cases {
		r := results[i]
		name := raw
		if len(name) > 60 {
			name = name[:60] + "..."
		}
		if r.got != r.want || r.gotClosed != r.wantClosed {
			t.Errorf("%q\n shoal: %q closed=%v\n redis: %q closed=%v", name, r.got, r.gotClosed, r.want, r.wantClosed)
		}
	}
}

// rawExchange sends raw bytes on a fresh connection and returns everything
// the server sent within a short wait, and whether it closed the connection.
func rawExchange(t *testing.T, addr, raw string) (string, bool) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "dial error: " + err.Error(), false
	}
	defer nc.Close()
	// Not c.writeRaw: this runs off the test goroutine, where Fatal is not allowed.
	nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := nc.Write([]byte(raw)); err != nil {
		return "write error: " + err.Error(), false
	}
	c := &rconn{t: t, nc: nc, rd: bufio.NewReader(nc)}
	return c.readUntilClose(300 * time.Millisecond)
}

// A request whose pieces arrive in separate writes is parsed the same.
func TestProtocolFragmented(t *testing.T) {
	c := dial(t, testEnv.shoalAddr)
	req := "*3\r\n$3\r\nSET\r\n$4\r\nfrag\r\n$10\r\n0123456789\r\n*2\r\n$3\r\nGET\r\n$4\r\nfrag\r\n"
	for i := 0; i < len(req); i++ {
		c.writeRaw([]byte{req[i]})
		time.Sleep(time.Millisecond)
	}
	if r := c.reply(); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	if r := c.reply(); r != "$10\r\n0123456789\r\n" {
		t.Fatalf("GET: %q", r)
	}
}
