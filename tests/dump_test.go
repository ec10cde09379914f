package tests

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/shoaldb/shoal/persistence"
)

// bulkOf extracts a bulk string reply's bytes.
func bulkOf(t testing.TB, raw string) string {
	t.Helper()
	rd := bufio.NewReader(strings.NewReader(raw))
	line, _ := rd.ReadString('\n')
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if line[0] != '$' || err != nil || n < 0 {
		t.Fatalf("not a bulk string: %q", raw)
	}
	return raw[len(line) : len(line)+n]
}

// withFooter appends the RDB version and CRC-64 to a value.
func withFooter(v []byte) string {
	v = binary.LittleEndian.AppendUint16(v, 10)
	return string(binary.LittleEndian.AppendUint64(v, persistence.CRC64(0, v)))
}

// dumpFixture is a command filling key in one type and encoding.
type dumpFixture struct {
	name  string
	setup [][]string // commands with "K" standing for the key
	small bool       // DUMP bytes must equal redis-server's
}

func args(s ...string) []string { return s }

func manyArgs(prefix []string, n int, elem func(i int) []string) []string {
	out := append([]string(nil), prefix...)
	for i := range n {
		out = append(out, elem(i)...)
	}
	return out
}

func dumpFixtures() []dumpFixture {
	itoa := strconv.Itoa
	long := strings.Repeat("long value ", 20)
	return []dumpFixture{
		{"int", [][]string{args("SET", "K", "123456")}, true},
		{"negative int", [][]string{args("SET", "K", "-2147483648")}, true},
		{"big int", [][]string{args("SET", "K", "9223372036854775807")}, true},
		{"embstr", [][]string{args("SET", "K", "hello world")}, true},
		{"lzf string", [][]string{args("SET", "K", strings.Repeat("abcdefgh", 200))}, true},
		{"incompressible", [][]string{args("SET", "K", "0123456789abcdefghijklmnopqrstuvwxyz")}, true},
		{"binary", [][]string{args("SET", "K", "\x00\xff\r\n\x80")}, true},
		{"small list", [][]string{args("RPUSH", "K", "a", "1", "-1", "300", "-70000", "3000000000", "x"+long)}, true},
		{"list of ints", [][]string{manyArgs(args("RPUSH", "K"), 500, func(i int) []string { return args(itoa(i * 1001)) })}, true},
		{"big list", [][]string{manyArgs(args("RPUSH", "K"), 3000, func(i int) []string { return args("element:" + itoa(i)) })}, true},
		{"list of long elements", [][]string{manyArgs(args("RPUSH", "K"), 30, func(i int) []string { return args(strings.Repeat(itoa(i%10), 1000*(i%12))) })}, true},
		{"list of ints and strings", [][]string{manyArgs(args("RPUSH", "K"), 4000, func(i int) []string { return args(itoa(i*i), strings.Repeat("s", i%300)) })}, true},
		{"intset", [][]string{args("SADD", "K", "1", "2", "-3", "70000")}, true},
		{"intset64", [][]string{args("SADD", "K", "1", "9000000000")}, true},
		{"hashtable set", [][]string{args("SADD", "K", "a", "b", "c", "1")}, false},
		{"big intset", [][]string{manyArgs(args("SADD", "K"), 600, func(i int) []string { return args(itoa(i)) })}, false},
		{"listpack hash", [][]string{args("HSET", "K", "a", "1", "b", "hello", "c", "-5000", "123", "x")}, true},
		{"hashtable hash", [][]string{manyArgs(args("HSET", "K"), 600, func(i int) []string { return args("f"+itoa(i), itoa(i)) })}, false},
		{"long value hash", [][]string{args("HSET", "K", "a", long)}, false},
		{"listpack zset", [][]string{args("ZADD", "K", "1.5", "a", "0", "b", "-7", "c", "1e20", "d", "0.1", "e", "inf", "f", "-inf", "g", "3", "1")}, true},
		{"skiplist zset", [][]string{manyArgs(args("ZADD", "K"), 200, func(i int) []string { return args(fmt.Sprint(float64(i)/7), "m"+itoa(i)) })}, false},
		{"long member zset", [][]string{args("ZADD", "K", "1", long)}, false},
	}
}

func setupFixture(p *pair, f dumpFixture, key string) {
	for _, cmd := range f.setup {
		c := append([]string(nil), cmd...)
		for i := range c {
			if c[i] == "K" {
				c[i] = key
			}
		}
		p.both(c...)
	}
}

// sameContents compares a key's type, contents and encoding on both servers.
func sameContents(p *pair, key string) {
	p.t.Helper()
	typ := p.eq("TYPE", key)
	switch {
	case strings.Contains(typ, "string"):
		p.eq("GET", key)
	case strings.Contains(typ, "list"):
		p.eq("LRANGE", key, "0", "-1")
	case strings.Contains(typ, "zset"):
		p.eq("ZRANGE", key, "0", "-1", "WITHSCORES")
	case strings.Contains(typ, "set"):
		p.eqUnordered("SMEMBERS", key)
	case strings.Contains(typ, "hash"):
		p.eq("HLEN", key)
		p.eqUnordered("HKEYS", key)
		p.eqUnordered("HVALS", key)
	}
	p.eq("OBJECT", "ENCODING", key)
}

func TestDumpMatchesRedis(t *testing.T) {
	p := newPair(t)
	for _, f := range dumpFixtures() {
		setupFixture(p, f, "src")
		if f.small {
			p.eq("DUMP", "src")
		}
		fromRedis := bulkOf(t, p.redis.do("DUMP", "src"))
		fromShoal := bulkOf(t, p.shoal.do("DUMP", "src"))
		// Each server's payload restores into the other; both must then
		// hold what the source held.
		if got := p.shoal.do("RESTORE", "fromredis", "0", fromRedis); got != "+OK\r\n" {
			t.Errorf("%s: shoal RESTORE of redis's payload: %q", f.name, got)
		}
		if got := p.redis.do("RESTORE", "fromredis", "0", fromShoal); got != "+OK\r\n" {
			t.Errorf("%s: redis RESTORE of shoal's payload: %q", f.name, got)
		}
		sameContents(p, "fromredis")
		// And each server restores its own.
		p.eq("RESTORE", "self", "0", bulkOf(t, p.redis.do("DUMP", "src")), "REPLACE")
		p.shoal.do("DEL", "self")
		p.shoal.do("RESTORE", "self", "0", fromShoal)
		p.redis.do("DEL", "self")
		p.redis.do("RESTORE", "self", "0", fromRedis)
		sameContents(p, "self")
		p.both("FLUSHALL")
	}
}

func TestDumpEncodingLimits(t *testing.T) {
	p := newPair(t)
	// A payload saved under big limits loads into the encoding the
	// restoring server's limits give.
	p.both("SADD", "s", "1", "2", "3", "4")
	p.both("HSET", "h", "a", "1", "b", "2", "c", "3")
	p.both("ZADD", "z", "1", "a", "2", "b", "3", "c")
	p.both("RPUSH", "l", "a", "b")
	payloads := map[string]string{}
	for _, k := range []string{"s", "h", "z", "l"} {
		payloads[k] = bulkOf(t, p.redis.do("DUMP", k))
	}
	p.both("CONFIG", "SET", "set-max-intset-entries", "2")
	p.both("CONFIG", "SET", "hash-max-listpack-entries", "2")
	p.both("CONFIG", "SET", "zset-max-listpack-entries", "2")
	defer func() {
		p.both("CONFIG", "SET", "set-max-intset-entries", "512")
		p.both("CONFIG", "SET", "hash-max-listpack-entries", "512")
		p.both("CONFIG", "SET", "zset-max-listpack-entries", "128")
	}()
	for k, pl := range payloads {
		p.eq("RESTORE", k+"2", "0", pl)
		sameContents(p, k+"2")
	}
	p.both("CONFIG", "SET", "set-max-intset-entries", "512")
	p.both("CONFIG", "SET", "hash-max-listpack-value", "1")
	p.both("CONFIG", "SET", "zset-max-listpack-value", "0")
	defer p.both("CONFIG", "SET", "hash-max-listpack-value", "64")
	defer p.both("CONFIG", "SET", "zset-max-listpack-value", "64")
	p.both("CONFIG", "SET", "hash-max-listpack-entries", "512")
	p.both("CONFIG", "SET", "zset-max-listpack-entries", "128")
	p.both("DEL", "h2", "z2")
	p.eq("RESTORE", "h2", "0", payloads["h"])
	p.eq("RESTORE", "z2", "0", payloads["z"])
	sameContents(p, "h2")
	sameContents(p, "z2")
	// Plain encodings convert on value length as they load.
	p.both("HSET", "hbig", "field", strings.Repeat("v", 100))
	p.both("ZADD", "zbig", "1", strings.Repeat("m", 100), "2", "x")
	for _, k := range []string{"hbig", "zbig"} {
		pl := bulkOf(t, p.redis.do("DUMP", k))
		p.eq("RESTORE", k+"2", "0", pl)
		sameContents(p, k+"2")
	}
}

func TestRestoreOptions(t *testing.T) {
	p := newPair(t)
	p.both("SET", "src", "value")
	pl := bulkOf(t, p.redis.do("DUMP", "src"))
	bad := []byte(pl)
	bad[len(bad)-1] ^= 1
	newer := []byte(pl)
	newer[len(newer)-10] = 11
	p.script("SET busy x")
	for _, c := range [][]string{
		{"RESTORE", "busy", "0", pl},
		{"RESTORE", "k", "0", string(bad)},
		{"RESTORE", "k", "0", string(newer)},
		{"RESTORE", "k", "0", "short"},
		{"RESTORE", "k", "-1", pl},
		{"RESTORE", "k", "abc", pl},
		{"RESTORE", "busy", "abc", pl},
		{"RESTORE", "k", "0", pl, "IDLETIME", "-1"},
		{"RESTORE", "k", "0", pl, "IDLETIME", "x"},
		{"RESTORE", "k", "0", pl, "FREQ", "256"},
		{"RESTORE", "k", "0", pl, "FREQ", "-1"},
		{"RESTORE", "k", "0", pl, "IDLETIME", "1", "FREQ", "1"},
		{"RESTORE", "k", "0", pl, "FREQ", "1", "IDLETIME", "1"},
		{"RESTORE", "k", "0", pl, "IDLETIME"},
		{"RESTORE", "k", "0", pl, "BOGUS"},
		{"RESTORE", "k", "0"},
		{"RESTORE", "k", "0", withFooter([]byte("\x02\x00"))},           // an empty set
		{"RESTORE", "k", "0", withFooter([]byte("\x0f\x00"))},           // a stream
		{"RESTORE", "k", "0", withFooter([]byte("\x00\x05ab"))},         // runs into the footer
		{"RESTORE", "k", "0", withFooter([]byte("\x02\x02\x01a\x01a"))}, // duplicate members
		{"RESTORE", "k", "0", withFooter(nil)},
		{"DUMP", "nosuchkey"},
		{"RESTORE", "busy", "0", pl, "REPLACE"},
		{"GET", "busy"},
		{"RESTORE", "ttl", "100000", pl},
		{"TTL", "ttl"},
		{"RESTORE", "abs", "4102444800000", pl, "ABSTTL"},
		{"PEXPIRETIME", "abs"},
		{"RESTORE", "past", "1", pl, "ABSTTL"},
		{"EXISTS", "past"},
		{"RESTORE", "busy", "1", pl, "ABSTTL", "REPLACE"},
		{"EXISTS", "busy"},
		{"RESTORE", "idle", "0", pl, "IDLETIME", "1000"},
		{"RESTORE", "idle2", "0", pl, "IDLETIME", "100000000"},
		{"RESTORE", "freq", "0", pl, "FREQ", "100", "replace", "absttl"},
		{"restore-asking", "asking", "0", pl},
		{"GET", "asking"},
	} {
		p.eq(c...)
	}
	// The clocks may tick between the two servers' replies.
	got, want := p.shoal.do("OBJECT", "IDLETIME", "idle"), p.redis.do("OBJECT", "IDLETIME", "idle")
	if g, w := replyInt(got), replyInt(want); g < w-1 || g > w+1 || w < 1000 {
		t.Errorf("idle: shoal %q redis %q", got, want)
	}
	// Way past the LRU clock's start: the 24-bit clock wraps.
	got, want = p.shoal.do("OBJECT", "IDLETIME", "idle2"), p.redis.do("OBJECT", "IDLETIME", "idle2")
	if g, w := replyInt(got), replyInt(want); g < w-1 || g > w+1 || w < 100000000%(1<<24) || w > 100000000%(1<<24)+2 {
		t.Errorf("idle2: shoal %q redis %q", got, want)
	}
}

func TestRestoreLFU(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, []string{"maxmemory-policy allkeys-lfu"}, []string{"--maxmemory-policy", "allkeys-lfu"})
	p := pairAt(t, shoalAddr, redisAddr)
	p.both("SET", "src", "v")
	pl := bulkOf(t, p.redis.do("DUMP", "src"))
	p.eq("RESTORE", "a", "0", pl, "FREQ", "100")
	p.eq("OBJECT", "FREQ", "a")
	p.eq("RESTORE", "b", "0", pl, "IDLETIME", "100")
	p.eq("OBJECT", "FREQ", "b")
}

func TestRestorePropagation(t *testing.T) {
	srv := ownShoal(t)
	got := recordPropagation(srv)
	c := dial(t, srv.Addr().String())
	pl := withFooter([]byte("\x00\x01v"))
	c.do("RESTORE", "a", "0", pl)
	c.do("RESTORE", "b", "4102444800000", pl, "ABSTTL")
	c.do("RESTORE", "c", "100000", pl)
	c.do("RESTORE", "a", "1", pl, "ABSTTL", "REPLACE")
	c.do("RESTORE", "nothing", "1", pl, "ABSTTL")
	rec := got()
	if len(rec) != 4 {
		t.Fatalf("propagated %q", rec)
	}
	for i, want := range []string{"RESTORE a 0 " + pl, "RESTORE b 4102444800000 " + pl + " ABSTTL", "RESTORE c ", "DEL a"} {
		if !strings.HasPrefix(rec[i], want) {
			t.Errorf("propagated %q, want %q", rec[i], want)
		}
	}
	if !strings.HasSuffix(rec[2], pl+" ABSTTL") {
		t.Errorf("relative TTL propagated as %q", rec[2])
	}
}

func TestRestoreKeyspaceEvents(t *testing.T) {
	p := newPair(t)
	p.both("CONFIG", "SET", "notify-keyspace-events", "KEA")
	defer p.both("CONFIG", "SET", "notify-keyspace-events", "")
	sub := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	sub.eq("PSUBSCRIBE", "__keyspace@0__:*")
	pl := withFooter([]byte("\x00\x01v"))
	p.eq("RESTORE", "k", "0", pl)
	p.eq("RESTORE", "k", "1", pl, "ABSTTL", "REPLACE")
	p.eq("RESTORE", "k", "0", pl)
	p.eq("RESTORE", "k", "100000", pl, "REPLACE")
	for range 4 {
		got, want := sub.shoal.reply(), sub.redis.reply()
		if got != want {
			t.Errorf("event shoal %q redis %q", got, want)
		}
	}
}

// Payloads in the encodings Redis 7 no longer writes, built from their
// format descriptions (ziplist.c, zipmap.c, rdb.h).

func ziplist(elems ...string) []byte {
	zl := make([]byte, 10)
	prev, tail := 0, 10
	for _, e := range elems {
		tail = len(zl)
		start := len(zl)
		if prev < 254 {
			zl = append(zl, byte(prev))
		} else {
			zl = binary.LittleEndian.AppendUint32(append(zl, 0xfe), uint32(prev))
		}
		v, err := strconv.ParseInt(e, 10, 64)
		isInt := err == nil && strconv.FormatInt(v, 10) == e
		switch {
		case isInt && v >= 0 && v <= 12:
			zl = append(zl, 0xf1+byte(v))
		case isInt && v >= math.MinInt8 && v <= math.MaxInt8:
			zl = append(zl, 0xfe, byte(v))
		case isInt && v >= math.MinInt16 && v <= math.MaxInt16:
			zl = binary.LittleEndian.AppendUint16(append(zl, 0xc0), uint16(v))
		case isInt && v >= -1<<23 && v < 1<<23:
			zl = append(zl, 0xf0, byte(v), byte(v>>8), byte(v>>16))
		case isInt && v >= math.MinInt32 && v <= math.MaxInt32:
			zl = binary.LittleEndian.AppendUint32(append(zl, 0xd0), uint32(v))
		case isInt:
			zl = binary.LittleEndian.AppendUint64(append(zl, 0xe0), uint64(v))
		case len(e) < 64:
			zl = append(append(zl, byte(len(e))), e...)
		case len(e) < 16384:
			zl = append(append(zl, 0x40|byte(len(e)>>8), byte(len(e))), e...)
		default:
			zl = append(binary.BigEndian.AppendUint32(append(zl, 0x80), uint32(len(e))), e...)
		}
		prev = len(zl) - start
	}
	zl = append(zl, 0xff)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(tail))
	binary.LittleEndian.PutUint16(zl[8:], uint16(len(elems)))
	return zl
}

func zipmap(pairs ...string) []byte {
	zm := []byte{byte(len(pairs) / 2)}
	lenOf := func(n int) []byte {
		if n < 254 {
			return []byte{byte(n)}
		}
		return binary.LittleEndian.AppendUint32([]byte{254}, uint32(n))
	}
	for i := 0; i < len(pairs); i += 2 {
		zm = append(append(zm, lenOf(len(pairs[i]))...), pairs[i]...)
		zm = append(append(append(zm, lenOf(len(pairs[i+1]))...), 0), pairs[i+1]...)
	}
	return append(zm, 255)
}

func rdbString(b []byte) []byte { return persistence.AppendString(nil, b, nil) }

func TestRestoreOldEncodings(t *testing.T) {
	p := newPair(t)
	long := strings.Repeat("z", 300)
	elems := []string{"a", "0", "12", "13", "-100", "1000", "-70000", "3000000000", long, "-9223372036854775808"}
	var many []string
	for i := range 600 {
		many = append(many, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	quicklist := append([]byte{14, 2}, rdbString(ziplist(elems...))...)
	quicklist = append(quicklist, rdbString(ziplist("x", "y"))...)
	for name, v := range map[string][]byte{
		"ziplist list":     append([]byte{10}, rdbString(ziplist(elems...))...),
		"quicklist v1":     quicklist,
		"zipmap":           append([]byte{9}, rdbString(zipmap("f1", "v1", "f2", "7", "n", "-12"))...),
		"zipmap long":      append([]byte{9}, rdbString(zipmap("f1", "v1", "f2", long))...),
		"ziplist hash":     append([]byte{13}, rdbString(ziplist("f1", "v1", "f2", "7", "f3", long))...),
		"ziplist hash big": append([]byte{13}, rdbString(ziplist(many...))...),
		"ziplist zset":     append([]byte{12}, rdbString(ziplist("d", "-3", "a", "1.5", "b", "2", "c", "inf"))...),
		"plain list":       []byte("\x01\x03\x01a\xc0\x05\x01c"),
		"plain zset":       []byte("\x03\x03\x01a\x031.5\x01b\xfe\x01c\xff"),
		"plain set":        []byte("\x02\x03\xc0\x01\xc0\x02\x01x"),
		"plain intset":     []byte("\x02\x02\xc0\x01\xc0\x02"),
		"plain hash":       []byte("\x04\x02\x01a\x01b\x01c\xc0\x05"),
		"quicklist plain":  []byte("\x12\x02\x01\x05plain\x02" + string(rdbString(listpackOf(p, "p", "1")))),
	} {
		pl := withFooter(v)
		if got := p.eq("RESTORE", "k", "0", pl); got != "+OK\r\n" {
			t.Errorf("%s: %q", name, got)
		}
		sameContents(p, "k")
		p.both("DEL", "k")
	}
}

// listpackOf gets a listpack from redis-server: the payload of a small
// hash holding elems as fields (and values).
func listpackOf(p *pair, elems ...string) []byte {
	p.both("DEL", "lp")
	for _, e := range elems {
		p.redis.do("RPUSH", "lp", e)
	}
	pl := bulkOf(p.t, p.redis.do("DUMP", "lp"))
	p.redis.do("DEL", "lp")
	// type 18, one node, container 2, then the listpack as a string.
	r := persistence.NewReader([]byte(pl[3:]))
	lp, ok := r.ReadString()
	if !ok {
		p.t.Fatalf("no listpack in %q", pl)
	}
	return append([]byte(nil), lp...)
}

// replyInt parses an integer reply, -1 if it is none.
func replyInt(raw string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(raw, ":"), "\r\n"))
	if err != nil || !strings.HasPrefix(raw, ":") {
		return -1
	}
	return n
}
