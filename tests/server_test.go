package tests

// The server family: DBSIZE, FLUSH*, SWAPDB, TIME, INFO, SLOWLOG, MONITOR,
// LATENCY, DEBUG, MEMORY, SHUTDOWN.

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// srvPair is a pair whose Shoal side is a server of its own, started with
// directives, against the shared redis-server.
func srvPair(t *testing.T, directives ...string) *pair {
	t.Helper()
	needRedis(t)
	p := pairAt(t, ownShoal(t, directives...).Addr().String(), testEnv.redisAddr)
	p.both("FLUSHALL")
	return p
}

// srvBulk extracts the text of a bulk or verbatim reply.
func srvBulk(t *testing.T, raw string) string {
	t.Helper()
	if raw == "" || (raw[0] != '$' && raw[0] != '=') {
		t.Fatalf("not a bulk reply: %q", raw)
	}
	i := strings.Index(raw, "\r\n")
	s := raw[i+2 : len(raw)-2]
	if raw[0] == '=' {
		s = s[4:]
	}
	return s
}

// srvInfoFields parses INFO text into section -> field names (and values).
func srvInfoFields(text string) map[string]map[string]string {
	out := map[string]map[string]string{}
	var cur map[string]string
	for _, line := range strings.Split(text, "\r\n") {
		if strings.HasPrefix(line, "# ") {
			cur = map[string]string{}
			out[strings.ToLower(line[2:])] = cur
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok && cur != nil {
			cur[k] = v
		}
	}
	return out
}

func TestServerDBSizeFlush(t *testing.T) {
	p := newPair(t)
	p.script("DBSIZE", "SET a 1", "SET b 2", "DBSIZE", "SELECT 1", "SET c 3", "DBSIZE",
		"FLUSHDB", "DBSIZE", "SELECT 0", "DBSIZE", "FLUSHDB ASYNC", "DBSIZE",
		"SET a 1", "SELECT 2", "SET a 2", "FLUSHALL SYNC", "DBSIZE", "SELECT 0", "DBSIZE",
		"SET a 1", "FLUSHALL async", "DBSIZE", "FLUSHALL FOO", "FLUSHDB FOO", "FLUSHALL ASYNC SYNC",
		"FLUSHDB SYNC ASYNC", "DBSIZE x")
}

func TestServerSwapDB(t *testing.T) {
	p := newPair(t)
	p.script("SET a zero", "SELECT 1", "SET a one", "SET b only1", "SELECT 0",
		"SWAPDB 0 1", "GET a", "GET b", "DBSIZE", "SELECT 1", "GET a", "DBSIZE", "SELECT 0",
		"SWAPDB 1 0", "GET a", "GET b", "SWAPDB 0 0", "GET a",
		"SWAPDB x 1", "SWAPDB 1 x", "SWAPDB 0 16", "SWAPDB -1 0", "SWAPDB 16 0", "SWAPDB 0 99999999999",
		"SWAPDB 0", "SWAPDB 0 1 2", "SWAPDB 1.5 0", "SELECT 1", "FLUSHDB")
}

func TestServerTime(t *testing.T) {
	p := newPair(t)
	re := regexp.MustCompile(`^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$`)
	for _, c := range []*rconn{p.shoal, p.redis} {
		raw := c.do("TIME")
		m := re.FindStringSubmatch(raw)
		if m == nil {
			t.Fatalf("TIME: %q", raw)
		}
		secs, _ := strconv.ParseInt(m[1], 10, 64)
		usec, _ := strconv.ParseInt(m[2], 10, 64)
		if d := time.Now().Unix() - secs; d < -2 || d > 2 || usec >= 1e6 {
			t.Errorf("TIME out of range: %q", raw)
		}
	}
	p.eq("TIME", "x")
}

func TestServerInfo(t *testing.T) {
	p := newPair(t)
	p.both("SET", "k", "v")
	p.both("EXPIRE", "k", "100")
	p.both("GET", "k")
	// Section headers for each selector.
	heads := func(raw string) string {
		var h []string
		for _, l := range strings.Split(srvBulk(t, raw), "\r\n") {
			if strings.HasPrefix(l, "# ") {
				h = append(h, l)
			}
		}
		return strings.Join(h, ",")
	}
	for _, args := range [][]string{{"INFO"}, {"INFO", "default"}, {"INFO", "all"}, {"INFO", "everything"},
		{"INFO", "server", "clients"}, {"INFO", "KEYSPACE", "cpu"}, {"INFO", "commandstats", "latencystats"},
		{"INFO", "errorstats"}, {"INFO", "cluster"}, {"INFO", "default", "commandstats"}} {
		got, want := heads(p.shoal.do(args...)), heads(p.redis.do(args...))
		if got != want {
			t.Errorf("%v sections\n shoal: %s\n redis: %s", args, got, want)
		}
	}
	p.eq("INFO", "foo")
	p.eq("INFO", "modules")
	p.eq("INFO", "cluster")
	// Field names, section by section.
	shoal := srvInfoFields(srvBulk(t, p.shoal.do("INFO", "everything")))
	redis := srvInfoFields(srvBulk(t, p.redis.do("INFO", "everything")))
	// Field names in order, section by section.
	order := func(raw, sec string) string {
		var names []string
		in := false
		for _, l := range strings.Split(srvBulk(t, raw), "\r\n") {
			if strings.HasPrefix(l, "# ") {
				in = strings.EqualFold(l[2:], sec)
				continue
			}
			if k, _, ok := strings.Cut(l, ":"); ok && in {
				names = append(names, k)
			}
		}
		return strings.Join(names, " ")
	}
	for _, sec := range []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "cluster"} {
		got, want := order(p.shoal.do("INFO", sec), sec), order(p.redis.do("INFO", sec), sec)
		if got != want {
			t.Errorf("INFO %s field names\n shoal: %s\n redis: %s", sec, got, want)
		}
	}
	// Values Shoal must report the same way.
	for _, f := range [][2]string{{"server", "redis_version"}, {"server", "redis_mode"}, {"server", "arch_bits"},
		{"clients", "maxclients"}, {"memory", "maxmemory"}, {"memory", "maxmemory_policy"},
		{"replication", "role"}, {"cluster", "cluster_enabled"}} {
		if shoal[f[0]][f[1]] != redis[f[0]][f[1]] {
			t.Errorf("INFO %s: shoal %q, redis %q", f[1], shoal[f[0]][f[1]], redis[f[0]][f[1]])
		}
	}
	if !regexp.MustCompile(`^keys=1,expires=1,avg_ttl=\d+$`).MatchString(shoal["keyspace"]["db0"]) {
		t.Errorf("keyspace db0: %q", shoal["keyspace"]["db0"])
	}
	if !regexp.MustCompile(`^\d+$`).MatchString(shoal["memory"]["used_memory"]) || shoal["memory"]["used_memory"] == "0" {
		t.Errorf("used_memory: %q", shoal["memory"]["used_memory"])
	}
	// RESP3: a verbatim string.
	p.both("HELLO", "3")
	p.eq("INFO", "cluster")
}

func TestServerInfoStats(t *testing.T) {
	p := newPair(t)
	p.both("CONFIG", "RESETSTAT")
	p.script("SET a 1", "GET a", "GET nokey", "INCR a", "SET s x", "INCR s", "GET", "SET a b c d", "FOO", "CONFIG GET")
	// Identical counts of the same errors after RESETSTAT.
	p.eq("INFO", "errorstats")
	shoal := srvInfoFields(srvBulk(t, p.shoal.do("INFO", "commandstats", "stats")))
	redis := srvInfoFields(srvBulk(t, p.redis.do("INFO", "commandstats", "stats")))
	strip := regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+`)
	for _, k := range []string{"cmdstat_get", "cmdstat_set", "cmdstat_incr", "cmdstat_config|get"} {
		got, want := strip.ReplaceAllString(shoal["commandstats"][k], ""), strip.ReplaceAllString(redis["commandstats"][k], "")
		if got != want || got == "" {
			t.Errorf("%s\n shoal: %q\n redis: %q", k, shoal["commandstats"][k], redis["commandstats"][k])
		}
	}
	for _, k := range []string{"keyspace_hits", "keyspace_misses", "total_error_replies"} {
		if shoal["stats"][k] != redis["stats"][k] {
			t.Errorf("%s: shoal %q, redis %q", k, shoal["stats"][k], redis["stats"][k])
		}
	}
}

// srvSlowlogNorm blanks the parts of a SLOWLOG GET reply that differ
// between servers: timestamps, durations, client addresses.
func srvSlowlogNorm(raw string) string {
	lines := strings.Split(raw, "\r\n")
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] == "*6" && i+4 < len(lines) {
			lines[i+1], lines[i+2], lines[i+3] = ":ID", ":T", ":D"
		}
		if strings.HasPrefix(lines[i], "127.0.0.1:") {
			lines[i-1], lines[i] = "$ADDR", "ADDR"
		}
	}
	return strings.Join(lines, "\r\n")
}

func TestServerSlowlog(t *testing.T) {
	p := newPair(t)
	t.Cleanup(func() {
		p.both("CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128")
		p.both("SLOWLOG", "RESET")
	})
	p.eq("SLOWLOG", "HELP")
	p.eq("CONFIG", "SET", "slowlog-log-slower-than", "0")
	p.eq("SLOWLOG", "RESET")
	p.eq("CLIENT", "SETNAME", "slowpoke")
	p.eq("SET", "k", strings.Repeat("x", 200))
	long := []string{"DEL", "list"}
	for i := 0; i < 40; i++ {
		long = append(long, strconv.Itoa(i))
	}
	p.eq(long...)
	p.eq("DEL", "list")
	p.eq("AUTH", "secret")
	p.eq("SLOWLOG", "LEN")
	for _, args := range [][]string{{"SLOWLOG", "GET"}, {"SLOWLOG", "GET", "2"}, {"SLOWLOG", "GET", "-1"}, {"SLOWLOG", "GET", "0"}} {
		got, want := p.shoal.do(args...), p.redis.do(args...)
		if srvSlowlogNorm(got) != srvSlowlogNorm(want) {
			t.Errorf("%v\n shoal: %q\n redis: %q", args, got, want)
		}
	}
	p.eq("SLOWLOG", "GET", "-2")
	p.eq("SLOWLOG", "GET", "x")
	p.eq("SLOWLOG", "GET", "1", "2")
	p.eq("SLOWLOG", "LEN", "x")
	p.eq("SLOWLOG", "FOO")
	p.eq("SLOWLOG")
	// slowlog-max-len trims, -1 disables.
	p.eq("CONFIG", "SET", "slowlog-max-len", "2")
	p.eq("SLOWLOG", "LEN")
	p.eq("CONFIG", "SET", "slowlog-log-slower-than", "-1")
	p.eq("SLOWLOG", "RESET")
	p.eq("GET", "k")
	p.eq("SLOWLOG", "LEN")
}

func TestServerMonitor(t *testing.T) {
	p := newPair(t)
	mon := map[string]*rconn{"shoal": dial(t, testEnv.shoalAddr), "redis": dial(t, testEnv.redisAddr)}
	for name, m := range mon {
		if r := m.do("MONITOR"); r != "+OK\r\n" {
			t.Fatalf("%s MONITOR: %q", name, r)
		}
	}
	p.both("SET", "k", "a \"quoted\"\n\x01 value")
	p.both("SELECT", "3")
	p.both("GET", "k")
	p.both("SELECT", "0")
	p.both("CONFIG", "GET", "hz") // admin: not shown
	p.both("AUTH", "x")           // redacted
	p.both("PING")
	re := regexp.MustCompile(`^\+\d{10}\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)\r\n$`)
	lines := map[string][]string{}
	for name, m := range mon {
		for i := 0; i < 6; i++ {
			line := m.reply()
			sub := re.FindStringSubmatch(line)
			if sub == nil {
				t.Fatalf("%s monitor line %q", name, line)
			}
			lines[name] = append(lines[name], sub[1]+" "+sub[2])
		}
	}
	if got, want := strings.Join(lines["shoal"], "\n"), strings.Join(lines["redis"], "\n"); got != want {
		t.Errorf("MONITOR lines\n shoal: %s\n redis: %s", got, want)
	}
	if !strings.Contains(lines["shoal"][0], `"set" "k" "a \"quoted\"\n\x01 value"`) && !strings.Contains(lines["shoal"][0], `"SET" "k" "a \"quoted\"\n\x01 value"`) {
		t.Errorf("quoting: %s", lines["shoal"][0])
	}
	// A second MONITOR gets no reply; the monitor answers PING, then sees
	// its own PING.
	for name, m := range mon {
		m.send("MONITOR")
		if r := m.do("PING"); r != "+PONG\r\n" {
			t.Errorf("%s: %q", name, r)
		}
		if line := m.reply(); !strings.HasSuffix(line, `] "PING"`+"\r\n") {
			t.Errorf("%s own PING: %q", name, line)
		}
	}
	// RESET ends monitoring.
	for name, m := range mon {
		if r := m.do("RESET"); r != "+RESET\r\n" {
			t.Errorf("%s RESET: %q", name, r)
		}
	}
	p.both("SET", "after", "reset")
	for name, m := range mon {
		if r := m.do("PING"); r != "+PONG\r\n" {
			t.Errorf("%s after RESET: %q", name, r)
		}
	}
}

func TestServerLatency(t *testing.T) {
	p := srvPair(t, "enable-debug-command yes")
	t.Cleanup(func() {
		p.both("CONFIG", "SET", "latency-monitor-threshold", "0")
		p.both("LATENCY", "RESET")
	})
	p.both("LATENCY", "RESET")
	p.script("LATENCY HELP", "LATENCY LATEST", "LATENCY HISTORY command", "LATENCY RESET",
		"LATENCY RESET a b", "LATENCY DOCTOR", "LATENCY GRAPH command", "LATENCY FOO", "LATENCY",
		"LATENCY HISTORY", "LATENCY LATEST x")
	p.eq("CONFIG", "SET", "latency-monitor-threshold", "5")
	p.eq("LATENCY", "DOCTOR")
	p.eq("DEBUG", "SLEEP", "0.02")
	shape := regexp.MustCompile(`^\*1\r\n\*4\r\n\$7\r\ncommand\r\n:\d{10}\r\n:(\d+)\r\n:(\d+)\r\n$`)
	for name, c := range map[string]*rconn{"shoal": p.shoal, "redis": p.redis} {
		raw := c.do("LATENCY", "LATEST")
		m := shape.FindStringSubmatch(raw)
		if m == nil {
			t.Fatalf("%s LATENCY LATEST: %q", name, raw)
		}
		if ms, _ := strconv.Atoi(m[1]); ms < 20 {
			t.Errorf("%s latency %d < 20ms", name, ms)
		}
		hist := c.do("LATENCY", "HISTORY", "command")
		if !regexp.MustCompile(`^\*1\r\n\*2\r\n:\d{10}\r\n:\d+\r\n$`).MatchString(hist) {
			t.Errorf("%s LATENCY HISTORY: %q", name, hist)
		}
		if g := c.do("LATENCY", "GRAPH", "command"); !strings.Contains(g, "command - high ") {
			t.Errorf("%s LATENCY GRAPH: %q", name, g)
		}
		doc := c.do("LATENCY", "DOCTOR")
		if !strings.Contains(doc, "1. command: 1 latency spikes") {
			t.Errorf("%s LATENCY DOCTOR: %q", name, doc)
		}
	}
	// A second, longer sample in the next second: the graph has two columns.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)))
	p.both("DEBUG", "SLEEP", "0.04")
	// The graph, digits aside (latencies and ages may differ by one).
	digits := regexp.MustCompile(`\d+`)
	if got, want := digits.ReplaceAllString(p.shoal.do("LATENCY", "GRAPH", "command"), "N"),
		digits.ReplaceAllString(p.redis.do("LATENCY", "GRAPH", "command"), "N"); got != want || !strings.Contains(got, "\n_|\n") {
		t.Errorf("LATENCY GRAPH\n shoal: %q\n redis: %q", got, want)
	}
	if got, want := digits.ReplaceAllString(p.shoal.do("LATENCY", "DOCTOR"), "N"),
		digits.ReplaceAllString(p.redis.do("LATENCY", "DOCTOR"), "N"); got != want {
		t.Errorf("LATENCY DOCTOR\n shoal: %q\n redis: %q", got, want)
	}
	p.eq("LATENCY", "RESET", "command", "other")
	p.eq("LATENCY", "LATEST")
	// HISTOGRAM: calls and power-of-two buckets per command.
	p.both("CONFIG", "RESETSTAT")
	p.both("SET", "a", "1")
	p.both("SET", "a", "2")
	shapeH := regexp.MustCompile(`^\*2\r\n\$3\r\nset\r\n\*4\r\n\$5\r\ncalls\r\n:2\r\n\$14\r\nhistogram_usec\r\n\*(\d+)\r\n`)
	for name, c := range map[string]*rconn{"shoal": p.shoal, "redis": p.redis} {
		if raw := c.do("LATENCY", "HISTOGRAM", "set"); !shapeH.MatchString(raw) {
			t.Errorf("%s LATENCY HISTOGRAM set: %q", name, raw)
		}
	}
	p.eq("LATENCY", "HISTOGRAM", "nosuchcommand")
}

func TestServerDebug(t *testing.T) {
	p := srvPair(t, "enable-debug-command yes")
	p.script("DEBUG foo", "DEBUG sleep", "DEBUG sleep 0", "DEBUG sleep x", "DEBUG SET-ACTIVE-EXPIRE",
		"DEBUG set-active-expire 0", "DEBUG set-active-expire 1", "DEBUG LOG hello", "DEBUG LOG",
		"DEBUG OBJECT nokey", "DEBUG OBJECT", "DEBUG CHANGE-REPL-ID", "DEBUG CHANGE-REPL-ID x",
		"DEBUG", "DEBUG ERROR oops", "DEBUG ERROR", "DEBUG PROTOCOL", "DEBUG PROTOCOL foo",
		"DEBUG POPULATE -1", "DEBUG POPULATE x", "DEBUG POPULATE 3", "DEBUG POPULATE 2 p 10", "DEBUG POPULATE 2 p -1",
		"DBSIZE", "GET key:0", "GET key:2", "GET p:1", "DEBUG POPULATE 5 key", "DBSIZE", "DEBUG RELOADX")
	types := []string{"string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push", "verbatim", "true", "false"}
	for _, ty := range types {
		p.eq("DEBUG", "PROTOCOL", ty)
	}
	p.both("HELLO", "3")
	for _, ty := range types {
		p.eq("DEBUG", "PROTOCOL", ty)
		if ty == "push" {
			got, want := p.shoal.reply(), p.redis.reply() // the reply after the push
			if got != want {
				t.Errorf("after push\n shoal: %q\n redis: %q", got, want)
			}
		}
	}
	p.both("HELLO", "2")
	// DEBUG OBJECT's shape.
	p.both("SET", "n", "12345")
	re := regexp.MustCompile(`^\+Value at:0x[0-9a-f]+ refcount:1 encoding:int serializedlength:3 lru:\d+ lru_seconds_idle:\d+\r\n$`)
	for name, c := range map[string]*rconn{"shoal": p.shoal, "redis": p.redis} {
		if raw := c.do("DEBUG", "OBJECT", "n"); !re.MatchString(raw) {
			t.Errorf("%s DEBUG OBJECT: %q", name, raw)
		}
	}
	// DEBUG SET-ACTIVE-EXPIRE 0 keeps expired keys in DBSIZE until read.
	p.both("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	p.both("SET", "e", "1", "PX", "1")
	time.Sleep(150 * time.Millisecond)
	p.eq("DBSIZE")
	p.eq("GET", "e")
	p.both("DEBUG", "SET-ACTIVE-EXPIRE", "1")
	// DEBUG SLEEP stops every other client too.
	other := dial(t, p.shoal.nc.RemoteAddr().String())
	p.shoal.send("DEBUG", "SLEEP", "0.2")
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	other.do("GET", "n")
	if time.Since(start) < 100*time.Millisecond {
		t.Errorf("GET ran during DEBUG SLEEP")
	}
	p.shoal.reply()
}

func TestServerDebugNotAllowed(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, []string{"enable-debug-command no"}, []string{"--enable-debug-command", "no"})
	p := pairAt(t, shoalAddr, redisAddr)
	p.both("CONFIG", "RESETSTAT")
	p.script("DEBUG HELP", "DEBUG SLEEP 0", "DEBUG foo", "DEBUG")
	// Shoal refuses DEBUG inside the handler, so its usec is not 0.
	debugLine := func(raw string) string {
		line := srvInfoFields(srvBulk(t, raw))["commandstats"]["cmdstat_debug"]
		return regexp.MustCompile(`usec=\d+`).ReplaceAllString(line, "usec=N")
	}
	got, want := debugLine(p.shoal.do("INFO", "commandstats")), debugLine(p.redis.do("INFO", "commandstats"))
	if got != want || want == "" {
		t.Errorf("commandstats\n shoal: %q\n redis: %q", got, want)
	}
}

func TestServerMemory(t *testing.T) {
	p := newPair(t)
	p.both("SET", "k", "v")
	p.script("MEMORY HELP", "MEMORY USAGE nokey", "MEMORY USAGE k samples x", "MEMORY USAGE k foo",
		"MEMORY USAGE k SAMPLES", "MEMORY USAGE", "MEMORY FOO", "MEMORY", "MEMORY PURGE", "MEMORY STATS x",
		"MEMORY DOCTOR x")
	for name, c := range map[string]*rconn{"shoal": p.shoal, "redis": p.redis} {
		for _, args := range [][]string{{"MEMORY", "USAGE", "k"}, {"MEMORY", "USAGE", "k", "SAMPLES", "0"}} {
			if raw := c.do(args...); !regexp.MustCompile(`^:[1-9]\d*\r\n$`).MatchString(raw) {
				t.Errorf("%s %v: %q", name, args, raw)
			}
		}
	}
	// MEMORY STATS: the same field names in the same order.
	names := func(raw string) string {
		var out []string
		lines := strings.Split(raw, "\r\n")
		for i := 1; i+1 < len(lines); i++ {
			if strings.HasPrefix(lines[i], "$") && i+1 < len(lines) && strings.Contains(lines[i+1], ".") && !regexp.MustCompile(`^[\d.]+$`).MatchString(lines[i+1]) {
				out = append(out, lines[i+1])
			}
		}
		return strings.Join(out, " ")
	}
	if got, want := names(p.shoal.do("MEMORY", "STATS")), names(p.redis.do("MEMORY", "STATS")); got != want {
		t.Errorf("MEMORY STATS fields\n shoal: %s\n redis: %s", got, want)
	}
	if raw := p.shoal.do("MEMORY", "DOCTOR"); !strings.Contains(raw, "Sam") {
		t.Errorf("MEMORY DOCTOR: %q", raw)
	}
}

func TestServerShutdownErrors(t *testing.T) {
	p := newPair(t)
	p.script("SHUTDOWN foo", "SHUTDOWN ABORT", "SHUTDOWN NOSAVE SAVE", "SHUTDOWN ABORT NOW", "SHUTDOWN SAVE NOSAVE NOW")
}

// srvBinary builds cmd/shoal once per test binary run.
func srvBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shoal")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/shoal").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestServerCommandLine(t *testing.T) {
	needRedis(t)
	bin := srvBinary(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "t.conf")
	os.WriteFile(conf, []byte("port 0\n# comment\nfoo bar\n"), 0o644)
	badQuote := filepath.Join(dir, "q.conf")
	os.WriteFile(badQuote, []byte("port 0\nrequirepass \"abc\n"), 0o644)
	run := func(name string, args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		// Log lines carry a pid and a time: keep only the fatal error text.
		var keep []string
		for _, l := range strings.Split(out.String(), "\n") {
			if regexp.MustCompile(`^\d+:[CM] `).MatchString(l) {
				if i := strings.Index(l, "# "); i > 0 && strings.Contains(l, "Fatal error") {
					keep = append(keep, l[i:])
				}
				continue
			}
			keep = append(keep, l)
		}
		return strings.Join(keep, "\n") + "\nexit " + strconv.Itoa(code)
	}
	for _, args := range [][]string{
		{"--foo", "bar"}, {"--port", "abc"}, {"--maxmemory-policy", "x"}, {"--port", "1", "2"},
		{conf, "--hz", "5"}, {"--port"}, {"--save", "--port", "abc"}, {"--hz", "5", "--maxmemory", "1.5gb"},
		{"--notify-keyspace-events", "xyz"}, {"--loglevel", "loud"}, {"/nonexistent.conf"}, {badQuote},
		{"--port", "0", "--appendonly", "maybe"}, {"--databases", "0"}, {"--dir", "/nonexistent"},
	} {
		got, want := run(bin, args...), run("redis-server", args...)
		if got != want {
			t.Errorf("%v\n shoal: %q\n redis: %q", args, got, want)
		}
	}
}

func TestServerSignals(t *testing.T) {
	bin := srvBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		var out bytes.Buffer
		cmd, c := runBinary(t, bin, &out)
		if r := c.do("PING"); r != "+PONG\r\n" {
			t.Fatalf("PING: %q", r)
		}
		cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: exit %v\n%s", sig, err, out.String())
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: did not exit", sig)
		}
		if !strings.Contains(out.String(), "scheduling shutdown...") || !strings.Contains(out.String(), "ready to exit, bye bye") {
			t.Errorf("%v log:\n%s", sig, out.String())
		}
		c.nc.Close()
	}
	// SHUTDOWN closes the connection without a reply and stops the process.
	cmd, c := runBinary(t, bin, nil)
	c.send("SHUTDOWN", "NOSAVE")
	if data, closed := c.readUntilClose(3 * time.Second); !closed || data != "" {
		t.Errorf("SHUTDOWN: got %q closed=%v", data, closed)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SHUTDOWN: process did not exit")
	}
}

// runBinary starts the built shoal on a free port (its output to out, if
// not nil) and connects to it once it listens.
func runBinary(t *testing.T, bin string, out *bytes.Buffer) (*exec.Cmd, *rconn) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--save", "")
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A test that fails before stopping the server must not leave it running.
	// (Kill after Wait is a no-op: os.Process knows it has finished.)
	t.Cleanup(func() { cmd.Process.Kill() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 200; i++ {
		if nc, err := netDialQuick(addr); err == nil {
			return cmd, &rconn{t: t, nc: nc, rd: bufio.NewReader(nc)}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatal("shoal did not start")
	return nil, nil
}

func netDialQuick(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, 200*time.Millisecond)
}

// TestServerCommandInfo: the table entries of this family match Redis's.
func TestServerCommandInfo(t *testing.T) {
	p := newPair(t)
	for _, name := range []string{"dbsize", "flushall", "flushdb", "swapdb", "info", "time", "shutdown",
		"monitor", "debug", "config|get", "config|set", "config|resetstat", "config|rewrite", "config|help",
		"slowlog|get", "slowlog|len", "slowlog|reset", "slowlog|help", "latency|latest", "latency|history",
		"latency|reset", "latency|doctor", "latency|graph", "latency|histogram", "latency|help",
		"memory|usage", "memory|stats", "memory|doctor", "memory|malloc-stats", "memory|purge", "memory|help"} {
		// Containers are left out: Redis lists their subcommands in hash order.
		p.eq("COMMAND", "INFO", name)
	}
}
