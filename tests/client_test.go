package tests

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// The CLIENT command.

func TestClientErrors(t *testing.T) {
	p := newPair(t)
	p.script(
		"CLIENT", "CLIENT foo", "CLIENT no-touch on", "CLIENT id x", "CLIENT getname x",
		"CLIENT info x", "CLIENT help x", "CLIENT getredir x", "CLIENT trackinginfo x",
		"CLIENT kill", "CLIENT kill 1.2.3.4:5", "CLIENT kill id", "CLIENT kill id x",
		"CLIENT kill id 0", "CLIENT kill id -1", "CLIENT kill id 999999",
		"CLIENT kill type foo", "CLIENT kill type normal skipme yes", "CLIENT kill TYPE pubsub",
		"CLIENT kill type master", "CLIENT kill type slave", "CLIENT kill type replica",
		"CLIENT kill user nobody", "CLIENT kill user default", "CLIENT kill skipme maybe",
		"CLIENT kill addr 1.1.1.1:1 laddr x", "CLIENT kill foo bar", "CLIENT kill id 1 id",
		"CLIENT kill addr", "CLIENT kill addr 1 2", "CLIENT kill x y z w",
		"CLIENT list type", "CLIENT list type foo", "CLIENT list id", "CLIENT list id x",
		"CLIENT list id 1 x", "CLIENT list id 0", "CLIENT list id -5", "CLIENT list foo",
		"CLIENT list type normal extra", "CLIENT list id 999999 999998",
		"CLIENT list type master", "CLIENT list type replica", "CLIENT list type slave", "CLIENT list type pubsub",
		"CLIENT setname", "CLIENT setname a b",
		"CLIENT reply", "CLIENT reply foo", "CLIENT reply on off", "CLIENT reply on",
		"CLIENT pause", "CLIENT pause x", "CLIENT pause -1", "CLIENT pause 1.5", "CLIENT pause 10 foo",
		"CLIENT pause x foo", "CLIENT pause 10 write extra", "CLIENT unpause x",
		"CLIENT unblock", "CLIENT unblock x", "CLIENT unblock 1 foo", "CLIENT unblock 999999",
		"CLIENT unblock 999999 error", "CLIENT unblock 999999 TIMEOUT", "CLIENT unblock 1 2 3", "CLIENT unblock x y",
		"CLIENT no-evict", "CLIENT no-evict maybe", "CLIENT no-evict on x", "CLIENT no-evict on", "CLIENT no-evict OFF",
		"CLIENT caching yes", "CLIENT caching foo", "CLIENT caching yes x",
		"CLIENT getredir", "CLIENT trackinginfo",
		"CLIENT tracking", "CLIENT tracking foo", "CLIENT tracking off", "CLIENT tracking on foo",
		"CLIENT tracking on redirect", "CLIENT tracking off bcast prefix", "CLIENT tracking off optin noloop",
		"CLIENT HELP", "client help",
	)
	p.eq("CLIENT", "SETNAME", "é")
	p.eq("CLIENT", "SETNAME", "a\nb")
	p.eq("CLIENT", "SETNAME", "")
	p.eq("CLIENT", "GETNAME")
	p.eq("CLIENT", "SETNAME", "~!name{}")
	p.eq("CLIENT", "GETNAME")
	p.eq("CLIENT", "PAUSE", "0", "all")
	p.eq("CLIENT", "UNPAUSE")
}

// clientFields splits a CLIENT LIST line into its field names and values.
func clientFields(t *testing.T, line string) (names []string, vals map[string]string) {
	t.Helper()
	vals = map[string]string{}
	for _, f := range strings.Fields(line) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("field without '=': %q in %q", f, line)
		}
		names = append(names, k)
		vals[k] = v
	}
	return names, vals
}

// clientBulkText returns the text of a bulk or verbatim reply.
func clientBulkText(t *testing.T, raw string) string {
	t.Helper()
	_, body, ok := strings.Cut(raw, "\r\n")
	if !ok || (raw[0] != '$' && raw[0] != '=') {
		t.Fatalf("not a bulk reply: %q", raw)
	}
	body = strings.TrimSuffix(body, "\r\n")
	if raw[0] == '=' {
		body = strings.TrimPrefix(body, "txt:")
	}
	return body
}

// CLIENT LIST and CLIENT INFO: Redis 7.0's fields in Redis's order, and the
// same values for everything that does not depend on memory or timing.
func TestClientListFields(t *testing.T) {
	p := newPair(t)
	p.both("CLIENT", "SETNAME", "lister")
	p.both("SELECT", "4")
	for _, args := range [][]string{{"CLIENT", "INFO"}, {"CLIENT", "LIST", "ID", "0"}} {
		got, want := p.shoal.do(args...), p.redis.do(args...)
		if args[1] == "LIST" {
			if got != want {
				t.Errorf("%v: shoal %q redis %q", args, got, want)
			}
			continue
		}
		gn, gv := clientFields(t, clientBulkText(t, got))
		wn, wv := clientFields(t, clientBulkText(t, want))
		if strings.Join(gn, " ") != strings.Join(wn, " ") {
			t.Fatalf("fields differ\n shoal: %v\n redis: %v", gn, wn)
		}
		// age and idle are whole seconds and may straddle a boundary: numbers only.
		for _, k := range []string{"name", "flags", "db", "sub", "psub", "ssub", "multi",
			"qbuf", "argv-mem", "multi-mem", "oll", "omem", "obl", "events", "cmd", "user", "redir", "resp"} {
			if gv[k] != wv[k] {
				t.Errorf("%s: shoal %q, redis %q", k, gv[k], wv[k])
			}
		}
		for _, k := range []string{"id", "fd", "age", "idle", "qbuf-free", "rbs", "rbp", "tot-mem"} {
			if _, err := strconv.ParseInt(gv[k], 10, 64); err != nil {
				t.Errorf("%s=%q is not a number", k, gv[k])
			}
		}
		if gv["id"] != strings.TrimSpace(strings.TrimPrefix(p.shoal.do("CLIENT", "ID"), ":")) {
			t.Errorf("CLIENT INFO id=%s differs from CLIENT ID", gv["id"])
		}
		if gv["addr"] != p.shoal.nc.LocalAddr().String() || gv["laddr"] != p.shoal.nc.RemoteAddr().String() {
			t.Errorf("addr=%s laddr=%s, want %s %s", gv["addr"], gv["laddr"], p.shoal.nc.LocalAddr(), p.shoal.nc.RemoteAddr())
		}
	}

	// Another connection, as seen in CLIENT LIST ID by the first one.
	other := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	other.both("CLIENT", "SETNAME", "other")
	other.both("SELECT", "7")
	other.both("CLIENT", "NO-EVICT", "on")
	other.both("HELLO", "3")
	sid := strings.TrimSpace(other.shoal.do("CLIENT", "ID")[1:])
	rid := strings.TrimSpace(other.redis.do("CLIENT", "ID")[1:])
	got := p.shoal.do("CLIENT", "LIST", "ID", sid, "999999")
	want := p.redis.do("CLIENT", "LIST", "ID", rid, "999999")
	gn, gv := clientFields(t, clientBulkText(t, got))
	wn, wv := clientFields(t, clientBulkText(t, want))
	if strings.Join(gn, " ") != strings.Join(wn, " ") {
		t.Fatalf("fields differ\n shoal: %v\n redis: %v", gn, wn)
	}
	for _, k := range []string{"name", "flags", "db", "multi", "cmd", "user", "resp", "events", "qbuf", "argv-mem"} {
		if gv[k] != wv[k] {
			t.Errorf("other client %s: shoal %q, redis %q", k, gv[k], wv[k])
		}
	}
	// idle is whole seconds since its last command: 0 unless the machine
	// stalled for a second, as it may under load.
	if gv["idle"] != "0" && gv["idle"] != "1" {
		t.Errorf("other client idle=%q", gv["idle"])
	}
	if gv["id"] != sid {
		t.Errorf("CLIENT LIST ID %s listed id=%s", sid, gv["id"])
	}
	// CLIENT LIST lists both, in creation order, one line each.
	lines := strings.Split(strings.TrimSuffix(clientBulkText(t, p.shoal.do("CLIENT", "LIST", "TYPE", "normal")), "\n"), "\n")
	var ids []int
	for _, l := range lines {
		_, v := clientFields(t, l)
		n, _ := strconv.Atoi(v["id"])
		ids = append(ids, n)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Errorf("CLIENT LIST not in id order: %v", ids)
		}
	}
	if !strings.Contains(strings.Join(lines, "\n"), "name=other") || !strings.Contains(strings.Join(lines, "\n"), "name=lister") {
		t.Errorf("CLIENT LIST misses a client:\n%s", strings.Join(lines, "\n"))
	}
	// RESP3: CLIENT INFO is a verbatim string.
	if r := other.shoal.do("CLIENT", "INFO"); !strings.HasPrefix(r, "=") || !strings.Contains(r, "\r\ntxt:id=") {
		t.Errorf("RESP3 CLIENT INFO: %q", r)
	}
	other.eqNorm("CLIENT", "INFO")
	p.both("SELECT", "0")
}

// CLIENT LIST inside MULTI shows the transaction state.
func TestClientListMulti(t *testing.T) {
	p := newPair(t)
	if r := p.shoal.do("MULTI"); r != "+OK\r\n" {
		t.Skipf("MULTI not available yet: %q", r)
	}
	p.redis.do("MULTI")
	p.eq("SET", "a", "1")
	p.eq("PING")
	p.eqNorm("EXEC")
	p.eq("MULTI")
	p.eq("CLIENT", "INFO")
	p.eq("PING")
	p.eqNorm("EXEC")
}

func TestClientNames(t *testing.T) {
	p := newPair(t)
	p.script("CLIENT GETNAME", "CLIENT SETNAME abc", "CLIENT GETNAME", "CLIENT SETNAME xyz", "CLIENT GETNAME",
		"CLIENT SETNAME", "CLIENT GETNAME")
	p.eq("CLIENT", "SETNAME", "")
	p.eq("CLIENT", "GETNAME")
	p.both("HELLO", "3")
	p.eq("CLIENT", "GETNAME")
	p.eq("CLIENT", "SETNAME", "n")
	p.eq("CLIENT", "GETNAME")
}

func TestClientID(t *testing.T) {
	c1, c2 := dial(t, testEnv.shoalAddr), dial(t, testEnv.shoalAddr)
	id1, _ := strconv.Atoi(strings.TrimSpace(c1.do("CLIENT", "ID")[1:]))
	id2, _ := strconv.Atoi(strings.TrimSpace(c2.do("CLIENT", "ID")[1:]))
	if id1 <= 0 || id2 <= 0 || id1 == id2 {
		t.Fatalf("ids %d and %d: want positive and distinct", id1, id2)
	}
	if r := c1.do("CLIENT", "ID"); r != ":"+strconv.Itoa(id1)+"\r\n" {
		t.Fatalf("CLIENT ID changed: %q", r)
	}
}

// CLIENT REPLY ON|OFF|SKIP, compared as whole pipelines.
func TestClientReply(t *testing.T) {
	p := newPair(t)
	p.pipelineBoth([]string{"CLIENT", "REPLY", "OFF"}, []string{"SET", "a", "1"}, []string{"GET", "a"},
		[]string{"CLIENT", "REPLY", "ON"}, []string{"GET", "a"})
	p.pipelineBoth([]string{"CLIENT", "REPLY", "SKIP"}, []string{"GET", "a"}, []string{"PING"})
	p.pipelineBoth([]string{"CLIENT", "REPLY", "SKIP"}, []string{"CLIENT", "REPLY", "SKIP"}, []string{"PING", "1"},
		[]string{"PING", "2"}, []string{"PING", "3"})
	p.pipelineBoth([]string{"CLIENT", "REPLY", "SKIP"}, []string{"CLIENT", "REPLY", "ON"}, []string{"PING", "x"})
	p.pipelineBoth([]string{"CLIENT", "REPLY", "OFF"}, []string{"CLIENT", "REPLY", "SKIP"}, []string{"PING", "1"},
		[]string{"CLIENT", "REPLY", "ON"}, []string{"PING", "2"})
	p.pipelineBoth([]string{"CLIENT", "REPLY", "SKIP"}, []string{"CLIENT", "REPLY", "OFF"}, []string{"PING", "1"},
		[]string{"PING", "2"}, []string{"CLIENT", "REPLY", "ON"})
	// Errors are swallowed too.
	p.pipelineBoth([]string{"CLIENT", "REPLY", "OFF"}, []string{"NOSUCHCMD"}, []string{"GET"}, []string{"CLIENT", "REPLY", "bad"},
		[]string{"CLIENT", "REPLY", "ON"}, []string{"CLIENT", "REPLY", "bad"})
	p.pipelineBoth([]string{"CLIENT", "REPLY", "SKIP"}, []string{"NOSUCHCMD"}, []string{"PING"})
	p.eq("DEL", "a")
}

func TestClientNoEvict(t *testing.T) {
	p := newPair(t)
	p.eq("CLIENT", "NO-EVICT", "on")
	p.eqNorm("CLIENT", "INFO")
	p.eq("CLIENT", "NO-EVICT", "off")
	p.eqNorm("CLIENT", "INFO")
}

// CLIENT KILL in both forms and with every filter, against the same set of
// connections on each server.
func TestClientKill(t *testing.T) {
	p := newPair(t)
	victims := func() (*pair, string, string) {
		v := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
		v.eq("PING")
		return v, strings.TrimSpace(v.shoal.do("CLIENT", "ID")[1:]), strings.TrimSpace(v.redis.do("CLIENT", "ID")[1:])
	}
	closed := func(c *rconn) bool {
		_, ok := c.readUntilClose(2 * time.Second)
		return ok
	}
	// Old form: by address.
	v, _, _ := victims()
	p.eq("CLIENT", "KILL", "127.0.0.1:1")
	got := p.shoal.do("CLIENT", "KILL", v.shoal.nc.LocalAddr().String())
	want := p.redis.do("CLIENT", "KILL", v.redis.nc.LocalAddr().String())
	if got != want || got != "+OK\r\n" || !closed(v.shoal) || !closed(v.redis) {
		t.Errorf("KILL addr: shoal %q redis %q", got, want)
	}
	// New form by ID, ADDR, LADDR (with the other filters that match).
	for _, form := range []string{"ID", "ADDR", "ID+LADDR+USER+TYPE"} {
		v, sid, rid := victims()
		args := func(c *rconn, id string) []string {
			a := []string{"CLIENT", "KILL"}
			for _, f := range strings.Split(form, "+") {
				switch f {
				case "ID":
					a = append(a, "ID", id)
				case "ADDR":
					a = append(a, "addr", c.nc.LocalAddr().String())
				case "LADDR":
					a = append(a, "LADDR", c.nc.RemoteAddr().String())
				case "USER":
					a = append(a, "user", "default")
				case "TYPE":
					a = append(a, "type", "normal")
				}
			}
			return a
		}
		got, want := p.shoal.do(args(v.shoal, sid)...), p.redis.do(args(v.redis, rid)...)
		if got != want || got != ":1\r\n" || !closed(v.shoal) || !closed(v.redis) {
			t.Errorf("KILL %s: shoal %q redis %q", form, got, want)
		}
		// The victim is gone from CLIENT LIST at once.
		got, want = p.shoal.do("CLIENT", "LIST", "ID", sid), p.redis.do("CLIENT", "LIST", "ID", rid)
		if got != want {
			t.Errorf("after KILL %s, CLIENT LIST ID: shoal %q redis %q", form, got, want)
		}
	}
	// Filters that match nobody.
	v, sid, rid := victims()
	got, want = p.shoal.do("CLIENT", "KILL", "ID", sid, "TYPE", "pubsub"), p.redis.do("CLIENT", "KILL", "ID", rid, "TYPE", "pubsub")
	if got != want || got != ":0\r\n" {
		t.Errorf("KILL ID+TYPE pubsub: shoal %q redis %q", got, want)
	}
	got, want = p.shoal.do("CLIENT", "KILL", "ID", sid, "LADDR", "1.2.3.4:5"), p.redis.do("CLIENT", "KILL", "ID", rid, "LADDR", "1.2.3.4:5")
	if got != want || got != ":0\r\n" {
		t.Errorf("KILL ID+LADDR other: shoal %q redis %q", got, want)
	}
	v.eq("PING")
	// SKIPME: by default the caller survives a filter that matches it.
	p.eq("CLIENT", "SETNAME", "killer")
	myS, myR := strings.TrimSpace(p.shoal.do("CLIENT", "ID")[1:]), strings.TrimSpace(p.redis.do("CLIENT", "ID")[1:])
	got, want = p.shoal.do("CLIENT", "KILL", "ID", myS), p.redis.do("CLIENT", "KILL", "ID", myR)
	if got != want || got != ":0\r\n" {
		t.Errorf("KILL own ID: shoal %q redis %q", got, want)
	}
	got, want = p.shoal.do("CLIENT", "KILL", "ID", myS, "SKIPME", "yes"), p.redis.do("CLIENT", "KILL", "ID", myR, "SKIPME", "yes")
	if got != want || got != ":0\r\n" {
		t.Errorf("KILL own ID SKIPME yes: shoal %q redis %q", got, want)
	}
	// SKIPME no: the reply is sent, then the connection closes.
	got, want = p.shoal.do("CLIENT", "KILL", "ID", myS, "SKIPME", "no"), p.redis.do("CLIENT", "KILL", "ID", myR, "SKIPME", "no")
	if got != want || got != ":1\r\n" || !closed(p.shoal) || !closed(p.redis) {
		t.Errorf("KILL own ID SKIPME no: shoal %q redis %q", got, want)
	}
	// The old form kills the caller too, after replying OK.
	q := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	got, want = q.shoal.do("CLIENT", "KILL", q.shoal.nc.LocalAddr().String()), q.redis.do("CLIENT", "KILL", q.redis.nc.LocalAddr().String())
	if got != want || got != "+OK\r\n" || !closed(q.shoal) || !closed(q.redis) {
		t.Errorf("KILL own addr: shoal %q redis %q", got, want)
	}
	v.eq("PING")
}

// CLIENT PAUSE WRITE holds writes but not reads; CLIENT PAUSE ALL holds
// everything; UNPAUSE or the timeout releases them. Run on both servers.
func TestClientPause(t *testing.T) {
	needRedis(t)
	for _, addr := range []string{testEnv.shoalAddr, testEnv.redisAddr} {
		admin, worker := dial(t, addr), dial(t, addr)
		defer admin.do("CLIENT", "UNPAUSE")
		wid := strings.TrimSpace(worker.do("CLIENT", "ID")[1:])

		if r := admin.do("CLIENT", "PAUSE", "5000", "WRITE"); r != "+OK\r\n" {
			t.Fatalf("%s: PAUSE: %q", addr, r)
		}
		if r := worker.do("GET", "pausekey"); r != "$-1\r\n" {
			t.Errorf("%s: GET during PAUSE WRITE: %q", addr, r)
		}
		// A pipeline: the GET's reply arrives, the SET's waits.
		worker.writeRaw([]byte("GET pausekey\r\nSET pausekey 1\r\n"))
		if r := worker.reply(); r != "$-1\r\n" {
			t.Errorf("%s: GET before the paused SET: %q", addr, r)
		}
		if clientReplyWithin(worker, 100*time.Millisecond) {
			t.Errorf("%s: SET answered during PAUSE WRITE", addr)
		}
		info := clientBulkText(t, admin.do("CLIENT", "LIST", "ID", wid))
		if _, v := clientFields(t, info); v["flags"] != "b" || v["cmd"] != "set" {
			t.Errorf("%s: paused client: flags=%s cmd=%s", addr, v["flags"], v["cmd"])
		}
		// CLIENT UNBLOCK does not release a paused client. (Redis 7.0.15
		// crashes on this; later versions reply 0 as Shoal does.)
		if addr == testEnv.shoalAddr {
			if r := admin.do("CLIENT", "UNBLOCK", wid); r != ":0\r\n" {
				t.Errorf("%s: UNBLOCK of a paused client: %q", addr, r)
			}
		}

		admin.do("CLIENT", "UNPAUSE")
		if r := worker.reply(); r != "+OK\r\n" {
			t.Errorf("%s: SET after UNPAUSE: %q", addr, r)
		}

		// ALL holds reads too, until the timeout.
		start := time.Now()
		admin.do("CLIENT", "PAUSE", "150", "ALL")
		worker.send("PING")
		if r := worker.reply(); r != "+PONG\r\n" {
			t.Errorf("%s: PING after PAUSE ALL: %q", addr, r)
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("%s: PING answered after %v during a 150ms PAUSE ALL", addr, d)
		}
		// A later pause extends, the stricter mode wins. Under ALL even
		// CLIENT UNPAUSE waits (Redis 7.0), so this one ends by its timeout.
		start = time.Now()
		admin.do("CLIENT", "PAUSE", "300", "WRITE")
		admin.do("CLIENT", "PAUSE", "100", "ALL")
		worker.send("GET", "pausekey")
		if clientReplyWithin(worker, 150*time.Millisecond) {
			t.Errorf("%s: GET answered: PAUSE ALL 100 after PAUSE WRITE 300 must hold reads for 300ms", addr)
		}
		if r := worker.reply(); r != "$1\r\n1\r\n" {
			t.Errorf("%s: GET after the pause: %q", addr, r)
		}
		if d := time.Since(start); d < 250*time.Millisecond {
			t.Errorf("%s: GET answered after %v", addr, d)
		}
		// Killing a paused client frees it.
		admin.do("CLIENT", "PAUSE", "5000", "WRITE")
		worker.send("SET", "pausekey", "2")
		time.Sleep(20 * time.Millisecond)
		if r := admin.do("CLIENT", "KILL", "ID", wid); r != ":1\r\n" {
			t.Errorf("%s: KILL paused client: %q", addr, r)
		}
		if _, ok := worker.readUntilClose(2 * time.Second); !ok {
			t.Errorf("%s: killed paused client not closed", addr)
		}
		admin.do("CLIENT", "UNPAUSE")
		admin.do("DEL", "pausekey")
	}
}

// clientReplyWithin reports whether a reply starts arriving within d.
func clientReplyWithin(c *rconn, d time.Duration) bool {
	c.nc.SetReadDeadline(time.Now().Add(d))
	_, err := c.rd.Peek(1)
	return err == nil
}

// CLIENT UNBLOCK releases a client blocked in BLPOP with a timeout (null
// reply) or an error.
func TestClientUnblock(t *testing.T) {
	needRedis(t)
	probe := dial(t, testEnv.shoalAddr)
	if r := probe.do("COMMAND", "INFO", "blpop"); !strings.Contains(r, "blpop") {
		t.Skip("BLPOP not available yet")
	}
	for _, addr := range []string{testEnv.shoalAddr, testEnv.redisAddr} {
		admin, worker := dial(t, addr), dial(t, addr)
		wid := strings.TrimSpace(worker.do("CLIENT", "ID")[1:])
		for _, tc := range []struct{ reason, want string }{
			{"", "*-1\r\n"},
			{"TIMEOUT", "*-1\r\n"},
			{"ERROR", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"},
		} {
			worker.send("BLPOP", "unblock-list", "0")
			var r string
			for i := 0; i < 100; i++ {
				args := []string{"CLIENT", "UNBLOCK", wid}
				if tc.reason != "" {
					args = append(args, tc.reason)
				}
				if r = admin.do(args...); r == ":1\r\n" {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if r != ":1\r\n" {
				t.Errorf("%s: UNBLOCK %s: %q", addr, tc.reason, r)
			}
			if got := worker.reply(); got != tc.want {
				t.Errorf("%s: BLPOP after UNBLOCK %s: %q, want %q", addr, tc.reason, got, tc.want)
			}
		}
	}
}

// qbuf counts what was read with the current request, inline or multibulk,
// pipelined or not, as Redis's query buffer does.
func TestClientInfoQueryBuffer(t *testing.T) {
	p := newPair(t)
	for _, raw := range []string{
		"CLIENT INFO\r\n",
		"PING\r\nCLIENT INFO\r\nPING\r\n",
		"*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n*1\r\n$4\r\nPING\r\n",
	} {
		p.shoal.writeRaw([]byte(raw))
		p.redis.writeRaw([]byte(raw))
		var got, want map[string]string
		for n := strings.Count(strings.ToUpper(raw), "PING"); ; {
			gr, wr := p.shoal.reply(), p.redis.reply()
			if strings.HasPrefix(gr, "+PONG") {
				n--
				continue
			}
			_, got = clientFields(t, clientBulkText(t, gr))
			_, want = clientFields(t, clientBulkText(t, wr))
			for ; n > 0; n-- {
				p.shoal.reply()
				p.redis.reply()
			}
			break
		}
		for _, k := range []string{"qbuf", "argv-mem", "cmd"} {
			if got[k] != want[k] {
				t.Errorf("%q: %s: shoal %q, redis %q", raw, k, got[k], want[k])
			}
		}
	}
}

// A MONITOR client is listed with flag O and counts as a normal client;
// RESET takes it out of monitor mode.
func TestClientListMonitor(t *testing.T) {
	p := newPair(t)
	sid, rid := clientIDOf(t, p.shoal), clientIDOf(t, p.redis)
	if r := p.shoal.do("MONITOR"); r != "+OK\r\n" {
		t.Skipf("MONITOR not available yet: %q", r)
	}
	p.redis.do("MONITOR")
	q := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	for _, typ := range []string{"normal", "pubsub"} {
		got := q.shoal.do("CLIENT", "LIST", "TYPE", typ)
		want := q.redis.do("CLIENT", "LIST", "TYPE", typ)
		if strings.Contains(got, "id="+sid+" ") != strings.Contains(want, "id="+rid+" ") {
			t.Errorf("TYPE %s lists the monitor: shoal %v, redis %v", typ, !strings.Contains(want, "id="+rid+" "), strings.Contains(want, "id="+rid+" "))
		}
	}
	_, gv := clientFields(t, clientBulkText(t, q.shoal.do("CLIENT", "LIST", "ID", sid)))
	_, wv := clientFields(t, clientBulkText(t, q.redis.do("CLIENT", "LIST", "ID", rid)))
	for _, k := range []string{"flags", "cmd", "db", "multi"} {
		if gv[k] != wv[k] {
			t.Errorf("monitor %s: shoal %q, redis %q", k, gv[k], wv[k])
		}
	}
	// RESET ends monitoring: the next command is answered, and no line of
	// other clients' commands arrives.
	// Monitor lines may precede the reply; skip them.
	for _, c := range []*rconn{p.shoal, p.redis} {
		c.send("RESET")
		c.readUntil("+RESET\r\n")
	}
	q.eq("PING")
	p.eq("PING")
	_, gv = clientFields(t, clientBulkText(t, q.shoal.do("CLIENT", "LIST", "ID", sid)))
	_, wv = clientFields(t, clientBulkText(t, q.redis.do("CLIENT", "LIST", "ID", rid)))
	if gv["flags"] != wv["flags"] || gv["flags"] != "N" {
		t.Errorf("after RESET flags: shoal %q, redis %q", gv["flags"], wv["flags"])
	}
}

// clientIDOf asks a connection for its CLIENT ID.
func clientIDOf(t *testing.T, c *rconn) string {
	t.Helper()
	r := c.do("CLIENT", "ID")
	if !strings.HasPrefix(r, ":") {
		t.Fatalf("CLIENT ID: %q", r)
	}
	return strings.TrimSpace(r[1:])
}
