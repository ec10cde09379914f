package tests

// The differential harness: one redis-server (the oracle) and one Shoal
// server per test binary, and helpers that send the same commands to both
// and compare the raw reply bytes.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoaldb/shoal/server"
)

// env holds the servers shared by the tests of this package.
type env struct {
	shoal      *server.Server
	shoalAddr  string
	redisAddr  string // "" when redis-server is not installed
	redisCmd   *exec.Cmd
	redisError string
}

var testEnv env // set once by TestMain, read-only afterwards

func TestMain(m *testing.M) {
	code := func() int {
		srv, err := startShoal()
		if err != nil {
			fmt.Fprintln(os.Stderr, "starting shoal:", err)
			return 1
		}
		defer srv.Close()
		testEnv.shoal = srv
		testEnv.shoalAddr = srv.Addr().String()
		cmd, addr, err := startRedis()
		if err != nil {
			testEnv.redisError = err.Error()
		} else {
			testEnv.redisCmd, testEnv.redisAddr = cmd, addr
			defer func() {
				cmd.Process.Kill()
				cmd.Wait()
			}()
		}
		return m.Run()
	}()
	os.Exit(code)
}

// startShoal starts an in-process server on a free loopback port.
func startShoal(directives ...string) (*server.Server, error) {
	text := "port 0\nbind 127.0.0.1\nsave \"\"\nloglevel warning\nenable-debug-command yes\n" + strings.Join(directives, "\n")
	cfg, err := server.LoadConfig(text)
	if err != nil {
		return nil, err
	}
	srv := server.New(cfg)
	if err := srv.Start(); err != nil {
		return nil, err
	}
	return srv, nil
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startRedis starts redis-server on a free port with extra directives.
func startRedis(extra ...string) (*exec.Cmd, string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, "", fmt.Errorf("redis-server not on PATH (apt-get install redis-server): differential tests skipped")
	}
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "shoal-redis-*")
	if err != nil {
		return nil, "", err
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", dir, "--loglevel", "warning", "--enable-debug-command", "yes"}
	args = append(args, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd, addr, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, "", fmt.Errorf("redis-server did not start on %s", addr)
}

// needRedis skips the test when the oracle is not available.
func needRedis(t testing.TB) {
	t.Helper()
	if testEnv.redisAddr == "" {
		t.Skip(testEnv.redisError)
	}
}

// rconn is a raw RESP connection.
type rconn struct {
	t  testing.TB
	nc net.Conn
	rd *bufio.Reader
}

func dial(t testing.TB, addr string) *rconn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rconn{t: t, nc: nc, rd: bufio.NewReader(nc)}
}

// send writes args as one multibulk request.
func (c *rconn) send(args ...string) {
	c.t.Helper()
	c.writeRaw(encodeCommand(args...))
}

func (c *rconn) writeRaw(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func encodeCommand(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// reply reads one complete reply and returns its raw bytes.
func (c *rconn) reply() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b bytes.Buffer
	if err := readReply(c.rd, &b); err != nil {
		c.t.Fatalf("reading reply (got so far %q): %v", b.String(), err)
	}
	return b.String()
}

// do sends one command and returns its raw reply.
func (c *rconn) do(args ...string) string {
	c.t.Helper()
	c.send(args...)
	return c.reply()
}

// closed reports whether the server closed the connection (after draining
// what it sent first, returned too).
func (c *rconn) readUntilClose(timeout time.Duration) (string, bool) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	data, err := io.ReadAll(c.rd)
	if err == nil {
		return string(data), true
	}
	return string(data), false
}

// readReply copies one RESP2/RESP3 reply from rd to out.
func readReply(rd *bufio.Reader, out *bytes.Buffer) error {
	line, err := rd.ReadString('\n')
	out.WriteString(line)
	if err != nil {
		return err
	}
	if len(line) < 3 {
		return fmt.Errorf("short line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return err
		}
		out.Write(buf)
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readReply(rd, out); err != nil {
				return err
			}
		}
		if line[0] == '|' { // an attribute precedes the real reply
			return readReply(rd, out)
		}
		return nil
	}
	return fmt.Errorf("unknown reply type %q", line)
}

// pair is a connection to each server, for differential tests.
type pair struct {
	t     testing.TB
	shoal *rconn
	redis *rconn
}

// newPair connects to both servers and flushes them.
func newPair(t testing.TB) *pair {
	t.Helper()
	needRedis(t)
	p := &pair{t: t, shoal: dial(t, testEnv.shoalAddr), redis: dial(t, testEnv.redisAddr)}
	p.both("FLUSHALL")
	return p
}

// both sends a command to both servers without comparing (set-up steps).
func (p *pair) both(args ...string) {
	p.t.Helper()
	p.shoal.do(args...)
	p.redis.do(args...)
}

// eq sends a command to both servers and requires identical reply bytes.
func (p *pair) eq(args ...string) string {
	p.t.Helper()
	got, want := p.shoal.do(args...), p.redis.do(args...)
	if got != want {
		p.t.Errorf("%s\n shoal: %q\n redis: %q", quoteArgs(args), got, want)
	}
	return got
}

// eqRaw sends raw request bytes to both and compares one reply.
func (p *pair) eqRaw(raw string) string {
	p.t.Helper()
	p.shoal.writeRaw([]byte(raw))
	p.redis.writeRaw([]byte(raw))
	got, want := p.shoal.reply(), p.redis.reply()
	if got != want {
		p.t.Errorf("raw %q\n shoal: %q\n redis: %q", raw, got, want)
	}
	return got
}

// eqUnordered compares an array reply as a multiset of its elements (KEYS,
// SMEMBERS, ...): the header must match, element order may differ.
func (p *pair) eqUnordered(args ...string) {
	p.t.Helper()
	got, want := p.shoal.do(args...), p.redis.do(args...)
	if normalizeArray(got) != normalizeArray(want) {
		p.t.Errorf("%s (unordered)\n shoal: %q\n redis: %q", quoteArgs(args), got, want)
	}
}

// normalizeArray sorts the elements of a flat array reply.
func normalizeArray(raw string) string {
	rd := bufio.NewReader(strings.NewReader(raw))
	header, err := rd.ReadString('\n')
	if err != nil || (header[0] != '*' && header[0] != '~') {
		return raw
	}
	var elems []string
	for {
		var b bytes.Buffer
		if err := readReply(rd, &b); err != nil {
			break
		}
		elems = append(elems, b.String())
	}
	sort.Strings(elems)
	return header + strings.Join(elems, "")
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// script runs a list of commands through eq; each line is split on spaces.
func (p *pair) script(lines ...string) {
	p.t.Helper()
	for _, l := range lines {
		p.eq(strings.Fields(l)...)
	}
}

// ownShoal starts a Shoal of the test's own with extra directives, stopped
// when the test ends, and returns the server.
func ownShoal(t testing.TB, directives ...string) *server.Server {
	t.Helper()
	srv, err := startShoal(directives...)
	if err != nil {
		t.Fatalf("start shoal: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// ownServers starts a Shoal and a redis-server of the test's own with the
// given settings (Shoal config lines, redis-server arguments), stopped when
// the test ends.
func ownServers(t testing.TB, shoalConf []string, redisArgs []string) (shoalAddr, redisAddr string) {
	t.Helper()
	needRedis(t)
	srv := ownShoal(t, shoalConf...)
	cmd, addr, err := startRedis(redisArgs...)
	if err != nil {
		t.Fatalf("start redis: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return srv.Addr().String(), addr
}

// pairAt connects to the two given servers without flushing them.
func pairAt(t testing.TB, shoalAddr, redisAddr string) *pair {
	return &pair{t: t, shoal: dial(t, shoalAddr), redis: dial(t, redisAddr)}
}
