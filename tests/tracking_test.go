package tests

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trackSide is one server's set of connections in a tracking scenario.
type trackSide struct {
	conns map[string]*rconn
	ids   map[string]string // connection name -> its CLIENT ID
}

// trackScenario runs the same steps on both servers, comparing what each
// named connection receives with client ids replaced by the names.
type trackScenario struct {
	t            *testing.T
	shoal, redis trackSide
}

func newTrackScenario(t *testing.T, names ...string) *trackScenario {
	needRedis(t)
	sc := &trackScenario{t: t}
	for _, side := range []struct {
		s    *trackSide
		addr string
	}{{&sc.shoal, testEnv.shoalAddr}, {&sc.redis, testEnv.redisAddr}} {
		side.s.conns, side.s.ids = map[string]*rconn{}, map[string]string{}
		for _, n := range names {
			c := dial(t, side.addr)
			side.s.conns[n] = c
			id := c.do("CLIENT", "ID")
			side.s.ids[n] = strings.TrimSpace(id[1:])
		}
		side.s.conns[names[0]].do("FLUSHALL")
	}
	return sc
}

// send sends a command on a connection of both servers; "$name" in an
// argument stands for that connection's client id.
func (sc *trackScenario) send(conn string, args ...string) {
	sc.t.Helper()
	for _, s := range []*trackSide{&sc.shoal, &sc.redis} {
		a := make([]string, len(args))
		for i, x := range args {
			if strings.HasPrefix(x, "$") {
				x = s.ids[x[1:]]
			}
			a[i] = x
		}
		s.conns[conn].send(a...)
	}
}

// expect reads n replies (or pushes) on a connection of both servers and
// compares them, client ids normalized to connection names.
func (sc *trackScenario) expect(conn string, n int) {
	sc.t.Helper()
	var got [2]string
	for i, s := range []*trackSide{&sc.shoal, &sc.redis} {
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteString(s.conns[conn].reply())
		}
		out := b.String()
		for name, id := range s.ids {
			out = regexp.MustCompile(`(:|id=|redir=)`+id+`\b`).ReplaceAllString(out, "${1}<"+name+">")
		}
		got[i] = normConn(out)
	}
	if got[0] != got[1] {
		sc.t.Errorf("%s: %d replies\n shoal: %q\n redis: %q", conn, n, got[0], got[1])
	}
}

// hello3 switches a connection of both servers to RESP3 (the reply holds
// the protocol number, which id normalization would garble).
func (sc *trackScenario) hello3(conn string) {
	sc.t.Helper()
	for _, s := range []*trackSide{&sc.shoal, &sc.redis} {
		s.conns[conn].do("HELLO", "3")
	}
}

// pipeline sends several commands in one write to both servers, so each
// server reads them together (Redis batches BCAST invalidations per
// event-loop turn).
func (sc *trackScenario) pipeline(conn string, cmds ...[]string) {
	sc.t.Helper()
	for _, s := range []*trackSide{&sc.shoal, &sc.redis} {
		var raw []byte
		for _, c := range cmds {
			raw = append(raw, encodeCommand(c...)...)
		}
		s.conns[conn].writeRaw(raw)
	}
}

// do is send then expect one reply.
func (sc *trackScenario) do(conn string, args ...string) {
	sc.t.Helper()
	sc.send(conn, args...)
	sc.expect(conn, 1)
}

func TestTrackingErrorsAndInfo(t *testing.T) {
	p := newPair(t)
	for _, cmd := range []string{
		"CLIENT TRACKING ON PREFIX a", "CLIENT TRACKING ON OPTIN OPTOUT", "CLIENT TRACKING ON REDIRECT 99999",
		"CLIENT TRACKING ON REDIRECT x", "CLIENT TRACKING MAYBE", "CLIENT TRACKING ON BCAST PREFIX a PREFIX ab",
		"CLIENT TRACKING ON BCAST OPTIN", "CLIENT TRACKING ON NOLOOP FOO", "CLIENT TRACKING ON PREFIX",
		"CLIENT CACHING YES", "CLIENT GETREDIR", "CLIENT TRACKINGINFO",
		"CLIENT TRACKING ON OPTIN", "CLIENT TRACKINGINFO", "CLIENT GETREDIR", "CLIENT CACHING NO", "CLIENT CACHING MAYBE",
		"CLIENT CACHING YES", "CLIENT TRACKINGINFO", "GET x", "CLIENT TRACKINGINFO", "CLIENT TRACKING ON OPTOUT",
		"CLIENT TRACKING ON BCAST", "CLIENT TRACKING OFF", "CLIENT TRACKINGINFO",
		"CLIENT TRACKING ON BCAST PREFIX x NOLOOP", "CLIENT TRACKING ON BCAST PREFIX xy", "CLIENT TRACKING ON BCAST PREFIX y",
		"CLIENT TRACKINGINFO", "CLIENT TRACKING ON", "CLIENT TRACKING OFF", "CLIENT TRACKING OFF",
	} {
		p.eq(splitWords(cmd)...)
	}
	p.both("HELLO", "3")
	p.eq("CLIENT", "TRACKINGINFO")
	p.eq("CLIENT", "TRACKING", "ON", "OPTOUT")
	p.eq("CLIENT", "TRACKINGINFO")
	p.eq("CLIENT", "TRACKING", "OFF")
}

// The default mode over RESP3: a key read is invalidated once when it
// changes, the client's own change after its reply, per key.
func TestTrackingDefaultMode(t *testing.T) {
	sc := newTrackScenario(t, "a", "w")
	sc.hello3("a")
	sc.do("a", "CLIENT", "TRACKING", "ON")
	sc.do("a", "GET", "k")
	sc.do("a", "MGET", "j", "m")
	sc.do("a", "HGET", "h", "f")
	sc.do("w", "SET", "k", "1")
	sc.expect("a", 1) // invalidate k
	sc.do("w", "SET", "k", "2")
	sc.do("a", "PING") // no second invalidation: k is no longer tracked
	sc.do("w", "HSET", "h", "f", "v")
	sc.expect("a", 1)
	sc.do("w", "MSET", "j", "1", "m", "2")
	sc.expect("a", 2)
	// Its own writes: the reply first, then the invalidation.
	sc.pipeline("a", []string{"GET", "k"}, []string{"SET", "k", "v"}, []string{"GET", "k"}, []string{"DEL", "k", "nokey"})
	sc.expect("a", 6)
	// Expiry and flushes invalidate too.
	sc.do("a", "GET", "e")
	sc.do("w", "SET", "e", "v", "PX", "20")
	sc.expect("a", 1)
	sc.do("a", "GET", "e")
	time.Sleep(40 * time.Millisecond)
	sc.do("w", "GET", "e")
	sc.expect("a", 1)
	sc.do("w", "FLUSHALL")
	sc.expect("a", 1)
	// Transactions: invalidations after EXEC's reply.
	sc.do("a", "GET", "t")
	sc.pipeline("a", []string{"MULTI"}, []string{"SET", "t", "1"}, []string{"GET", "t"}, []string{"EXEC"})
	sc.expect("a", 5)
	// NOLOOP: its own changes are not reported.
	sc.do("a", "CLIENT", "TRACKING", "ON", "NOLOOP")
	sc.do("a", "GET", "n")
	sc.do("a", "SET", "n", "1")
	sc.do("w", "SET", "n", "2")
	sc.do("a", "PING")
	sc.do("a", "CLIENT", "TRACKING", "OFF")
}

// OPTIN and OPTOUT: CLIENT CACHING decides for the next command only.
func TestTrackingOptInOut(t *testing.T) {
	sc := newTrackScenario(t, "a", "w")
	sc.hello3("a")
	sc.do("a", "CLIENT", "TRACKING", "ON", "OPTIN")
	sc.do("a", "GET", "x")
	sc.do("a", "CLIENT", "CACHING", "YES")
	sc.do("a", "GET", "y")
	sc.do("a", "GET", "z")
	sc.do("w", "MSET", "x", "1", "y", "1", "z", "1")
	sc.expect("a", 1) // only y
	sc.do("a", "CLIENT", "TRACKING", "OFF")
	sc.do("a", "CLIENT", "TRACKING", "ON", "OPTOUT")
	sc.do("a", "GET", "x")
	sc.do("a", "CLIENT", "CACHING", "NO")
	sc.do("a", "GET", "y")
	sc.do("w", "MSET", "x", "2", "y", "2")
	sc.expect("a", 1) // only x
	sc.do("a", "PING")
}

// BCAST: every change under the prefixes, batched per pipeline, keys
// sorted; FLUSHALL tells everybody.
func TestTrackingBcast(t *testing.T) {
	sc := newTrackScenario(t, "b", "w", "all")
	sc.hello3("b")
	sc.hello3("all")
	sc.do("b", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "b")
	sc.do("all", "CLIENT", "TRACKING", "ON", "BCAST")
	sc.pipeline("w", []string{"MSET", "b2", "1", "a1", "2", "a0", "3", "c", "4"}, []string{"SET", "a9", "1"})
	sc.expect("w", 2)
	sc.expect("b", 2)
	sc.expect("all", 1)
	sc.do("w", "DEL", "nokey")
	sc.do("w", "FLUSHALL")
	sc.expect("b", 1)
	sc.expect("all", 1)
	sc.do("b", "CLIENT", "TRACKINGINFO")
}

// A RESP2 client redirects its invalidations to a client subscribed to
// __redis__:invalidate; when that one goes, the redirect is broken.
func TestTrackingRedirect(t *testing.T) {
	sc := newTrackScenario(t, "r", "t", "w")
	sc.send("r", "SUBSCRIBE", "__redis__:invalidate")
	sc.expect("r", 1)
	sc.do("t", "CLIENT", "TRACKING", "ON", "REDIRECT", "$r")
	sc.do("t", "GET", "x")
	sc.do("w", "SET", "x", "1")
	sc.expect("r", 1)
	sc.do("t", "CLIENT", "TRACKINGINFO")
	sc.do("t", "CLIENT", "GETREDIR")
	sc.do("w", "FLUSHALL")
	sc.expect("r", 1)
	sc.do("t", "CLIENT", "INFO")
	for _, s := range []*trackSide{&sc.shoal, &sc.redis} {
		s.conns["r"].nc.Close()
	}
	time.Sleep(50 * time.Millisecond)
	sc.do("t", "GET", "x")
	sc.do("w", "SET", "x", "2")
	sc.do("t", "CLIENT", "TRACKINGINFO")
}

// Client-side caching with go-redis: a local cache filled on reads and
// emptied by invalidation messages, over the redirect idiom.
func TestGoRedisClientSideCache(t *testing.T) {
	ctx := context.Background()
	c := goRedis(t, 2)
	c.Del(ctx, "gr:csc")
	inval := goRedis(t, 2)
	ps := inval.Subscribe(ctx, "__redis__:invalidate")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	var invalID int64
	list, _ := c.ClientList(ctx).Result()
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, "cmd=subscribe") {
			for _, f := range strings.Fields(line) {
				if strings.HasPrefix(f, "id=") {
					invalID = int64(atoiOrZero(f[3:]))
				}
			}
		}
	}
	if invalID == 0 {
		t.Fatalf("no subscriber in CLIENT LIST:\n%s", list)
	}
	// One connection: tracking is per connection.
	conn := c.Conn()
	defer conn.Close()
	if err := conn.Do(ctx, "CLIENT", "TRACKING", "ON", "REDIRECT", invalID).Err(); err != nil {
		t.Fatal(err)
	}
	cache := map[string]string{}
	get := func(key string) string {
		if v, ok := cache[key]; ok {
			return v
		}
		v, _ := conn.Get(ctx, key).Result()
		cache[key] = v
		return v
	}
	c.Set(ctx, "gr:csc", "one", 0)
	if v := get("gr:csc"); v != "one" {
		t.Fatalf("first read %q", v)
	}
	c.Set(ctx, "gr:csc", "two", 0)
	select {
	case m := <-ps.Channel():
		if len(m.PayloadSlice) != 1 || m.PayloadSlice[0] != "gr:csc" {
			t.Fatalf("invalidation %+v", m)
		}
		delete(cache, m.PayloadSlice[0])
	case <-time.After(5 * time.Second):
		t.Fatal("no invalidation")
	}
	if v := get("gr:csc"); v != "two" {
		t.Fatalf("after invalidation read %q", v)
	}
}

func atoiOrZero(s string) int {
	n := 0
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

// tracking-table-max-keys bounds what the server remembers: past it, keys
// are forgotten and their readers told, so the table never grows without
// bound.
func TestTrackingTableMaxKeys(t *testing.T) {
	srv := ownShoal(t, "tracking-table-max-keys 10")
	c := dial(t, srv.Addr().String())
	c.do("HELLO", "3")
	c.do("CLIENT", "TRACKING", "ON")
	for i := 0; i < 25; i++ {
		c.send("GET", "k"+strconv.Itoa(i))
	}
	invalidated := 0
	for i := 0; i < 25; {
		r := c.reply()
		if strings.HasPrefix(r, ">2\r\n$10\r\ninvalidate") {
			invalidated++
			continue
		}
		i++
	}
	if invalidated != 15 {
		t.Fatalf("%d keys forgotten, want 15", invalidated)
	}
	if r := c.do("CONFIG", "GET", "tracking-table-max-keys"); !strings.Contains(r, "$2\r\n10\r\n") {
		t.Fatalf("CONFIG GET: %q", r)
	}
}
