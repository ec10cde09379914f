package tests

// CONFIG GET / SET / RESETSTAT / REWRITE / HELP, compared with redis-server.

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/shoaldb/shoal/server"
)

// cfgPairs parses a CONFIG GET reply (RESP2 array or RESP3 map) into
// name -> value.
func cfgPairs(t *testing.T, raw string) map[string]string {
	t.Helper()
	rd := bufio.NewReader(strings.NewReader(raw))
	head, _ := rd.ReadString('\n')
	if head == "" || (head[0] != '*' && head[0] != '%') {
		t.Fatalf("CONFIG GET reply %q", raw)
	}
	var items []string
	for {
		l, err := rd.ReadString('\n')
		if err != nil {
			break
		}
		if l[0] != '$' {
			t.Fatalf("CONFIG GET item %q", l)
		}
		v, _ := rd.ReadString('\n')
		items = append(items, strings.TrimSuffix(v, "\r\n"))
	}
	m := map[string]string{}
	for i := 0; i+1 < len(items); i += 2 {
		m[items[i]] = items[i+1]
	}
	return m
}

// cfgEqMap compares a CONFIG GET on both servers as maps (Redis's order is
// its hash table's).
func cfgEqMap(p *pair, args ...string) {
	p.t.Helper()
	t := p.t.(*testing.T)
	got, want := cfgPairs(t, p.shoal.do(args...)), cfgPairs(t, p.redis.do(args...))
	if len(got) != len(want) {
		t.Errorf("%v: %d pairs, redis %d\n shoal: %v\n redis: %v", args, len(got), len(want), got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%v: %s = %q, redis %q", args, k, got[k], v)
		}
	}
}

// Values that legitimately differ between the two servers.
var cfgHostSpecific = map[string]bool{"port": true, "bind": true, "dir": true, "enable-debug-command": true,
	"appendonly": true, "daemonize": true, "loglevel": true, "save": true, "oom-score-adj-values": false}

func TestConfigGetAll(t *testing.T) {
	p := newPair(t)
	got, want := cfgPairs(t, p.shoal.do("CONFIG", "GET", "*")), cfgPairs(t, p.redis.do("CONFIG", "GET", "*"))
	var missing, extra, differ []string
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok:
			missing = append(missing, k)
		case g != v && !cfgHostSpecific[k]:
			differ = append(differ, k+"="+g+" (redis "+v+")")
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	sort.Strings(differ)
	if len(missing)+len(extra)+len(differ) > 0 {
		t.Errorf("CONFIG GET *\n missing: %v\n extra: %v\n different: %v", missing, extra, differ)
	}
}

func TestConfigGet(t *testing.T) {
	p := newPair(t)
	cfgEqMap(p, "CONFIG", "GET", "maxmemory")
	cfgEqMap(p, "CONFIG", "GET", "MAXMEMORY")
	cfgEqMap(p, "CONFIG", "GET", "maxmemory", "hz", "maxmemory")
	cfgEqMap(p, "CONFIG", "GET", "*max*")
	cfgEqMap(p, "CONFIG", "GET", "*MAX*-entries")
	cfgEqMap(p, "CONFIG", "GET", "hash-max-ziplist-entries")
	cfgEqMap(p, "CONFIG", "GET", "slave*", "replica*")
	cfgEqMap(p, "CONFIG", "GET", "maxmemory*", "*policy")
	cfgEqMap(p, "CONFIG", "GET", "nosuch")
	cfgEqMap(p, "CONFIG", "GET", "h?")
	cfgEqMap(p, "CONFIG", "GET", "[hm]z")
	p.eq("CONFIG", "GET")
	p.eq("CONFIG")
	p.eq("CONFIG", "FOO")
	p.eq("CONFIG", "HELP")
	p.eq("CONFIG", "HELP", "x")
	p.eq("CONFIG", "REWRITE")
	p.eq("CONFIG", "RESETSTAT", "x")
	p.both("HELLO", "3")
	p.eq("CONFIG", "GET", "maxmemory")
}

// TestConfigSetErrors tries bad values on every directive Redis has.
func TestConfigSetErrors(t *testing.T) {
	p := newPair(t)
	all := cfgPairs(t, p.redis.do("CONFIG", "GET", "*"))
	skip := map[string]bool{"requirepass": true, "port": true, "bind": true, "masterauth": true, "masteruser": true,
		"appendonly": true, "dir": true, "save": true, "proc-title-template": true, "tls-port": true}
	var names []string
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		if skip[name] {
			continue
		}
		for _, v := range []string{"abc", "-1", "-9223372036854775808", "99999999999999999999", "1.5", "", "1kb", "normal 1mb 2 3", "replica 1 2 x"} {
			if v == "99999999999999999999" && (name == "maxmemory" || name == "cluster-link-sendbuf-limit") {
				continue // unsigned in Redis: it keeps 2^64-1
			}
			got, want := p.shoal.do("CONFIG", "SET", name, v), p.redis.do("CONFIG", "SET", name, v)
			if got != want {
				t.Errorf("CONFIG SET %s %q\n shoal: %q\n redis: %q", name, v, got, want)
			}
			if strings.HasPrefix(want, "+") || strings.HasPrefix(got, "+") {
				p.both("CONFIG", "SET", name, all[name])
			}
		}
	}
}

func TestConfigSet(t *testing.T) {
	p := newPair(t)
	t.Cleanup(func() {
		p.both("CONFIG", "SET", "maxmemory", "0", "hz", "10", "maxmemory-policy", "noeviction",
			"notify-keyspace-events", "", "maxmemory-samples", "5", "timeout", "0", "slowlog-max-len", "128")
	})
	p.script(
		"CONFIG SET maxmemory 10mb hz 20 foo 1",
		"CONFIG SET maxmemory 10mb hz x",
		"CONFIG SET foo 1 databases 3",
		"CONFIG SET databases 3 foo 1",
		"CONFIG SET databases 3 hz x",
		"CONFIG SET hz x databases 3",
		"CONFIG SET hz 1 hz 2",
		"CONFIG SET HZ 1 hz 2",
		"CONFIG SET dir /tmp",
		"CONFIG SET dbfilename x.rdb",
		"CONFIG SET protected-mode no",
		"CONFIG SET maxmemory 10mb hz",
		"CONFIG SET maxmemory",
		"CONFIG SET",
		"CONFIG SET maxmemory-policy volatile-lru maxmemory-samples x",
		"CONFIG GET maxmemory-policy",
		"CONFIG SET maxmemory 1GB",
		"CONFIG GET maxmemory",
		"CONFIG SET maxmemory 100kb maxmemory-samples 7 MAXMEMORY-POLICY ALLKEYS-LRU",
		"CONFIG GET maxmemory",
		"CONFIG GET maxmemory-samples",
		"CONFIG GET maxmemory-policy",
		"CONFIG SET maxmemory 0",
		"CONFIG SET hz 0",
		"CONFIG GET hz",
		"CONFIG SET hz 1000",
		"CONFIG GET hz",
		"CONFIG SET notify-keyspace-events KEA",
		"CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events Ex",
		"CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events gxEK$",
		"CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events An",
		"CONFIG GET notify-keyspace-events",
		"CONFIG SET notify-keyspace-events ?",
		"CONFIG SET timeout 01",
		"CONFIG SET timeout +1",
		"CONFIG SET timeout 1.5",
		"CONFIG SET slowlog-max-len 5",
		"CONFIG GET slowlog-max-len",
		"CONFIG SET appendfsync ALWAYS",
		"CONFIG GET appendfsync",
		"CONFIG SET appendfsync everysec",
		"CONFIG SET save 100",
		"CONFIG SET save abc",
		"CONFIG SET lazyfree-lazy-eviction YES",
		"CONFIG GET lazyfree-lazy-eviction",
		"CONFIG SET lazyfree-lazy-eviction no",
		"CONFIG SET slave-priority 7",
		"CONFIG GET replica-priority",
		"CONFIG GET slave-priority",
		"CONFIG SET replica-priority 100",
	)
	p.eq("CONFIG", "SET", "notify-keyspace-events", "")
	p.eq("CONFIG", "GET", "notify-keyspace-events")
}

// TestConfigTakesEffect checks directives act at once on Shoal.
func TestConfigTakesEffect(t *testing.T) {
	p := srvPair(t)
	s := p.shoal
	if r := s.do("CONFIG", "SET", "requirepass", "sekrit"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	// Existing connections stay authenticated; new ones must AUTH.
	if r := s.do("PING"); r != "+PONG\r\n" {
		t.Errorf("PING after requirepass: %q", r)
	}
	c2 := dial(t, s.nc.RemoteAddr().String())
	if r := c2.do("GET", "x"); r != "-NOAUTH Authentication required.\r\n" {
		t.Errorf("new connection: %q", r)
	}
	if r := c2.do("AUTH", "sekrit"); r != "+OK\r\n" {
		t.Errorf("AUTH: %q", r)
	}
	s.do("CONFIG", "SET", "requirepass", "")
	// maxclients: one more connection is refused.
	s.do("CONFIG", "SET", "maxclients", "2")
	c3 := dial(t, s.nc.RemoteAddr().String())
	if data, closed := c3.readUntilClose(2e9); !closed || data != "-ERR max number of clients reached\r\n" {
		t.Errorf("maxclients: %q closed=%v", data, closed)
	}
	s.do("CONFIG", "SET", "maxclients", "10000")
	// port: the server moves to the new port at once; connections stay.
	oldAddr := s.nc.RemoteAddr().String()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if r := s.do("CONFIG", "SET", "port", strconv.Itoa(port)); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET port: %q", r)
	}
	moved := dial(t, "127.0.0.1:"+strconv.Itoa(port))
	if r := moved.do("PING"); r != "+PONG\r\n" {
		t.Errorf("PING on the new port: %q", r)
	}
	if nc, err := netDialQuick(oldAddr); err == nil {
		nc.Close()
		t.Errorf("old port %s still accepts connections", oldAddr)
	}
	if r := s.do("PING"); r != "+PONG\r\n" {
		t.Errorf("PING on an old connection: %q", r)
	}
	// proto-max-bulk-len applies to the next request.
	s.do("CONFIG", "SET", "proto-max-bulk-len", "1mb")
	s.writeRaw([]byte("*2\r\n$4\r\nECHO\r\n$2000000\r\n"))
	if r := s.reply(); r != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Errorf("proto-max-bulk-len: %q", r)
	}
}

func TestConfigResetStat(t *testing.T) {
	p := newPair(t)
	p.script("GET", "FOO", "SET a")
	p.eq("CONFIG", "RESETSTAT")
	p.eq("INFO", "errorstats")
	// The slowlog survives RESETSTAT.
	p.both("CONFIG", "SET", "slowlog-log-slower-than", "0")
	p.both("SLOWLOG", "RESET")
	p.both("GET", "a")
	p.both("CONFIG", "RESETSTAT")
	p.both("CONFIG", "SET", "slowlog-log-slower-than", "10000")
	p.eq("SLOWLOG", "LEN")
}

// TestConfigLoad: config text as redis-server reads it, include files too.
func TestConfigLoad(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.conf")
	os.WriteFile(inc, []byte("# included\nhz 7\nsave 100 1\nsave 200 2\n"), 0o644)
	cfg, err := server.LoadConfig("port 0\ninclude " + inc + "\nmaxmemory 2mb\nmaxmemory-policy ALLKEYS-LFU\n")
	if err != nil {
		t.Fatal(err)
	}
	c := cfg
	if c.Hz != 7 || c.MaxMemory != 2<<20 || c.Save != "100 1 200 2" {
		t.Errorf("hz %d maxmemory %d save %q", c.Hz, c.MaxMemory, c.Save)
	}
	if v, _ := c.Get("maxmemory-policy"); v != "allkeys-lfu" {
		t.Errorf("maxmemory-policy %q", v)
	}
	os.WriteFile(inc, []byte("hz 7\nnosuch 1\n"), 0o644)
	_, err = server.LoadConfig("port 0\ninclude " + inc + "\n")
	want := "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'nosuch 1'\nBad directive or wrong number of arguments"
	if err == nil || err.Error() != want {
		t.Errorf("error in included file: %v", err)
	}
}
