package tests

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Differential tests of the hash family against redis-server.

func TestHashBasic(t *testing.T) {
	p := newPair(t)
	p.script(
		"HSET h a 1 b 2 c 3",
		"HSET h a 10 d 4",
		"HGETALL h",
		"HKEYS h",
		"HVALS h",
		"HLEN h",
		"HGET h a",
		"HGET h zz",
		"HGET nokey a",
		"HMGET h a zz b",
		"HMGET nokey a b",
		"HEXISTS h a",
		"HEXISTS h zz",
		"HEXISTS nokey a",
		"HSTRLEN h a",
		"HSTRLEN h zz",
		"HSTRLEN nokey a",
		"HMSET h e 5 f 6",
		"HGETALL h",
		"HSETNX h a 99",
		"HSETNX h g 7",
		"HSETNX newh x y",
		"HGETALL newh",
		"HDEL h b zz d",
		"HGETALL h",
		"HDEL h a c e f g",
		"EXISTS h",
		"HDEL nokey a",
		"HLEN nokey",
		"HGETALL nokey",
		"HKEYS nokey",
		"HVALS nokey",
		"TYPE newh",
		"OBJECT ENCODING newh",
	)
	// Empty fields and values, binary data.
	p.eq("HSET", "e", "", "", "f", "")
	p.eq("HGETALL", "e")
	p.eq("HSET", "e", "", "x\r\ny")
	p.eq("HGET", "e", "")
	p.eq("HSTRLEN", "e", "")
}

func TestHashErrors(t *testing.T) {
	p := newPair(t)
	p.script("SET s x", "HSET h a 1 s str f 1.5")
	for _, cmd := range []string{
		"HSET s a 1", "HMSET s a 1", "HSETNX s a 1", "HGET s a", "HMGET s a", "HDEL s a",
		"HLEN s", "HSTRLEN s a", "HEXISTS s a", "HINCRBY s a 1", "HINCRBYFLOAT s a 1",
		"HGETALL s", "HKEYS s", "HVALS s", "HRANDFIELD s", "HRANDFIELD s 2", "HRANDFIELD s -2 WITHVALUES",
		"HSCAN s 0",
		// Arity.
		"HSET h", "HSET h a", "HSET h a 1 b", "HMSET h a 1 b", "HMSET h a", "HSETNX h a", "HGET h",
		"HMGET h", "HDEL h", "HLEN", "HSTRLEN h", "HEXISTS h", "HINCRBY h a", "HINCRBYFLOAT h a",
		"HGETALL", "HKEYS h x", "HVALS", "HRANDFIELD", "HSCAN h",
		// Numbers.
		"HINCRBY h a x", "HINCRBY h a 1.5", "HINCRBY h s 1", "HINCRBY h f 1", "HINCRBY s a x",
		"HINCRBY h a 9223372036854775808",
		"HINCRBYFLOAT h a x", "HINCRBYFLOAT h s 1", "HINCRBYFLOAT h a inf", "HINCRBYFLOAT h a -inf",
		"HINCRBYFLOAT h a nan", "HINCRBYFLOAT h a 1e5000", "HINCRBYFLOAT s a x", "HINCRBYFLOAT s a inf",
		"HINCRBYFLOAT h a  1",
		// HRANDFIELD count.
		"HRANDFIELD h x", "HRANDFIELD h 1.5", "HRANDFIELD h 1 foo", "HRANDFIELD h 1 WITHVALUES x",
		"HRANDFIELD h -9223372036854775808", "HRANDFIELD h 9223372036854775808",
		"HRANDFIELD h -4611686018427387904 WITHVALUES", "HRANDFIELD h 4611686018427387904 WITHVALUES",
		"HRANDFIELD nokey x", "HRANDFIELD nokey 1 foo", "HRANDFIELD s x",
		// HSCAN.
		"HSCAN h x", "HSCAN h -x", "HSCAN h 0 COUNT 0", "HSCAN h 0 COUNT x", "HSCAN h 0 MATCH",
		"HSCAN h 0 TYPE string", "HSCAN h 0 foo bar", "HSCAN nokey 0 COUNT 0", "HSCAN s x", "HSCAN s 0 COUNT 0",
		"HSCAN nokey x",
	} {
		p.eq(strings.Split(cmd, " ")...)
	}
	p.eq("HINCRBYFLOAT", "h", "a", " 1")
	p.eq("HINCRBY", "h", "a", " 1")
	p.eq("EXISTS", "nokey")
}

func TestHashIncr(t *testing.T) {
	p := newPair(t)
	p.script(
		"HINCRBY h a 5",
		"HINCRBY h a -12",
		"HINCRBY h a 0",
		"HSET h big 9223372036854775807 small -9223372036854775808",
		"HINCRBY h big 1",
		"HINCRBY h big -1",
		"HINCRBY h small -1",
		"HINCRBY h small 1",
		"HINCRBY h big -9223372036854775808",
		"HSET h sp 007",
		"HINCRBY h sp 1",
		"HINCRBYFLOAT h fl 1.5",
		"HINCRBYFLOAT h fl 0.1",
		"HINCRBYFLOAT h fl -1.6",
		"HINCRBYFLOAT h a 2.5e3",
		"HINCRBYFLOAT h x 0x10",
		"HINCRBYFLOAT h y 1e308",
		"HINCRBYFLOAT h y 1e308",
		"HINCRBYFLOAT h z 5.0e-1",
		"HSET h i inf",
		"HINCRBYFLOAT h i 1",
		"OBJECT ENCODING h",
		"HINCRBYFLOAT new f 3",
		"HGETALL new",
	)
	p.eqUnordered("HGETALL", "h")
	// A long field converts the hash (Redis checks it in hashTypeSet).
	long := strings.Repeat("f", 70)
	p.eq("HINCRBY", "h2", long, "1")
	p.eq("OBJECT", "ENCODING", "h2")
	p.eq("HINCRBYFLOAT", "h3", long, "1.5")
	p.eq("OBJECT", "ENCODING", "h3")
}

// TestHashEncodingDiff crosses both conversion thresholds and compares
// OBJECT ENCODING and contents.
func TestHashEncodingDiff(t *testing.T) {
	p := newPair(t)
	defer p.both("CONFIG", "SET", "hash-max-listpack-entries", "128")
	defer p.both("CONFIG", "SET", "hash-max-listpack-value", "64")
	p.both("CONFIG", "SET", "hash-max-listpack-entries", "4")
	p.both("CONFIG", "SET", "hash-max-listpack-value", "8")
	p.script(
		"HSET h a 1 b 2 c 3 d 4",
		"OBJECT ENCODING h",
		"HGETALL h",
		"HSET h e 5",
		"OBJECT ENCODING h",
		"HDEL h a b c d",
		"OBJECT ENCODING h",
		"HSET v a 12345678",
		"OBJECT ENCODING v",
		"HSET v b 123456789",
		"OBJECT ENCODING v",
		"HSET w 123456789 x",
		"OBJECT ENCODING w",
		"HSETNX x a 123456789",
		"OBJECT ENCODING x",
		"HMSET y a 1 b 2 c 3 d 4 e 5",
		"OBJECT ENCODING y",
		"HINCRBY z a 1",
		"HINCRBY z b 1",
		"HINCRBY z c 1",
		"HINCRBY z d 1",
		"OBJECT ENCODING z",
		"HINCRBY z e 1",
		"OBJECT ENCODING z",
	)
	for _, k := range []string{"h", "v", "w", "x", "y", "z"} {
		p.eqUnordered("HGETALL", k)
		p.eqUnordered("HKEYS", k)
		p.eqUnordered("HVALS", k)
		p.eq("HLEN", k)
	}
	// Replacing a value in a listpack keeps the order.
	p.both("CONFIG", "SET", "hash-max-listpack-entries", "128")
	p.both("CONFIG", "SET", "hash-max-listpack-value", "64")
	p.script("HSET o a 1 b 2 c 3", "HSET o b 2222222", "HSET o a x", "HGETALL o", "HDEL o b", "HSET o b 1", "HGETALL o")
}

func TestHashLarge(t *testing.T) {
	p := newPair(t)
	args := []string{"HSET", "big"}
	for i := 0; i < 300; i++ {
		args = append(args, fmt.Sprint("field:", i), fmt.Sprint("value:", i))
	}
	p.eq(args...)
	p.eq("OBJECT", "ENCODING", "big")
	p.eq("HLEN", "big")
	p.eqUnordered("HKEYS", "big")
	p.eqUnordered("HVALS", "big")
	p.eq("HMGET", "big", "field:1", "field:299", "nope")
	p.eq("HDEL", "big", "field:1", "field:2")
	p.eq("HLEN", "big")
	p.eq("HINCRBY", "big", "field:3", "1")

	// A full HSCAN with a small count returns each field once.
	for _, c := range []*rconn{p.shoal, p.redis} {
		seen := map[string]int{}
		cursor := "0"
		for {
			vals := parseFlat(t, c.do("HSCAN", "big", cursor, "COUNT", "7"))
			cursor = vals[0]
			for i := 1; i+1 < len(vals); i += 2 {
				seen[vals[i]]++
			}
			if cursor == "0" {
				break
			}
		}
		if len(seen) != 298 {
			t.Fatalf("HSCAN saw %d fields, want 298", len(seen))
		}
		for f, n := range seen {
			if n != 1 {
				t.Fatalf("HSCAN saw %q %d times", f, n)
			}
		}
	}
	// MATCH on a hashtable: compare the union of a full iteration.
	var res [2]map[string]bool
	for i, c := range []*rconn{p.shoal, p.redis} {
		res[i] = map[string]bool{}
		cursor := "0"
		for {
			vals := parseFlat(t, c.do("HSCAN", "big", cursor, "MATCH", "field:1*", "COUNT", "50"))
			cursor = vals[0]
			for _, v := range vals[1:] {
				res[i][v] = true
			}
			if cursor == "0" {
				break
			}
		}
	}
	if fmt.Sprint(res[0]) != fmt.Sprint(res[1]) {
		t.Fatalf("HSCAN MATCH differs:\n shoal %v\n redis %v", res[0], res[1])
	}
}

// parseFlat parses a reply made of bulk strings and arrays into the list of
// its strings (the cursor then the elements for a SCAN reply).
func parseFlat(t *testing.T, raw string) []string {
	t.Helper()
	var out []string
	lines := strings.Split(raw, "\r\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "$") {
			if n, _ := strconv.Atoi(l[1:]); n >= 0 {
				i++
				out = append(out, lines[i])
			}
		}
	}
	return out
}

func TestHashScanSmall(t *testing.T) {
	p := newPair(t)
	p.script(
		"HSET h a 1 b 2 c 3 ab 4",
		"HSCAN h 0",
		"HSCAN h 0 COUNT 1",
		"HSCAN h 0 MATCH a*",
		"HSCAN h 0 MATCH * COUNT 100",
		"HSCAN h 123",
		"HSCAN nokey 0",
		"HSCAN nokey 0 MATCH x",
		"HSCAN h 0 MATCH zz",
	)
}

func TestHashRandField(t *testing.T) {
	p := newPair(t)
	p.script("HSET h a 1 b 2 c 3")
	for _, resp := range []string{"2", "3"} {
		p.both("HELLO", resp)
		p.script(
			"HRANDFIELD nokey",
			"HRANDFIELD nokey 5",
			"HRANDFIELD nokey -5 WITHVALUES",
			"HRANDFIELD h 0",
			"HRANDFIELD h 0 WITHVALUES",
			"HRANDFIELD h 3",
			"HRANDFIELD h 10",
			"HRANDFIELD h 3 WITHVALUES",
			"HRANDFIELD h 100 withvalues",
			"HGETALL h",
		)
		// Random replies: compare the shape and membership.
		p.eq("HSET", "one", "x", "y")
		p.eq("HRANDFIELD", "one")
		p.eq("HRANDFIELD", "one", "1")
		p.eq("HRANDFIELD", "one", "-3")
		p.eq("HRANDFIELD", "one", "-2", "WITHVALUES")
		p.eq("HRANDFIELD", "one", "1", "WITHVALUES")
	}
	p.both("HELLO", "2")
	args := []string{"HSET", "big"}
	for i := 0; i < 200; i++ {
		args = append(args, fmt.Sprint("f", i), fmt.Sprint("v", i))
	}
	p.eq(args...)
	for _, tc := range []struct {
		args     []string
		n        int
		distinct bool
		pairs    bool
	}{
		{[]string{"2"}, 2, true, false},
		{[]string{"150"}, 150, true, false},
		{[]string{"-500"}, 500, false, false},
		{[]string{"5", "WITHVALUES"}, 10, true, true},
		{[]string{"150", "WITHVALUES"}, 300, true, true},
		{[]string{"-7", "WITHVALUES"}, 14, false, true},
	} {
		for _, c := range []*rconn{p.shoal, p.redis} {
			vals := parseFlat(t, c.do(append([]string{"HRANDFIELD", "big"}, tc.args...)...))
			if len(vals) != tc.n {
				t.Fatalf("HRANDFIELD %v: %d elements, want %d", tc.args, len(vals), tc.n)
			}
			seen := map[string]bool{}
			step := 1
			if tc.pairs {
				step = 2
			}
			for i := 0; i < len(vals); i += step {
				f := vals[i]
				if tc.pairs && "v"+f[1:] != vals[i+1] {
					t.Fatalf("HRANDFIELD pair %q %q", f, vals[i+1])
				}
				if tc.distinct && seen[f] {
					t.Fatalf("HRANDFIELD %v repeated %q", tc.args, f)
				}
				seen[f] = true
			}
		}
	}
	// RESP3 WITHVALUES nests pairs.
	p.both("HELLO", "3")
	got := p.shoal.do("HRANDFIELD", "big", "-2", "WITHVALUES")
	if !strings.HasPrefix(got, "*2\r\n*2\r\n$") {
		t.Fatalf("RESP3 HRANDFIELD WITHVALUES: %q", got)
	}
	p.eq("HGETALL", "one")
}

func TestHashRESP3(t *testing.T) {
	p := newPair(t)
	p.both("HELLO", "3")
	p.script(
		"HSET h a 1 b 2",
		"HGETALL h",
		"HGETALL nokey",
		"HKEYS nokey",
		"HGET h nope",
		"HMGET h a nope",
		"HINCRBYFLOAT h a 0.5",
		"HSCAN h 0",
		"HSCAN nokey 0",
		"HRANDFIELD nokey",
		"HRANDFIELD h 5 WITHVALUES",
	)
}

// TestHashKeyspace checks the keyspace effects: TTLs kept, emptied hashes
// deleted, COPY deep.
func TestHashKeyspace(t *testing.T) {
	p := newPair(t)
	p.script(
		"HSET h a 1",
		"EXPIRE h 100",
		"HSET h b 2",
		"TTL h",
		"HDEL h a b",
		"EXISTS h",
		"HINCRBY h x 1",
		"HDEL h x",
		"TYPE h",
		"HSET h2 f v",
		"COPY h2 h3",
		"HGETALL h3",
		"HSET h3 g w",
		"HGETALL h2",
	)
}

// TestHashPropagation checks what hash writes send to replicas: HINCRBYFLOAT
// as HSET of its exact result, writes that change nothing not at all.
func TestHashPropagation(t *testing.T) {
	srv := ownShoal(t)
	propagated := recordPropagation(srv)
	c := dial(t, srv.Addr().String())
	for _, cmd := range [][]string{
		{"HINCRBYFLOAT", "h", "f", "1.5"},
		{"HINCRBYFLOAT", "h", "f", "x"},
		{"HSETNX", "h", "f", "9"},
		{"HDEL", "h", "nope"},
		{"HINCRBY", "h", "n", "2"},
		{"HDEL", "h", "n"},
	} {
		c.do(cmd...)
	}
	got := propagated()
	want := []string{"HSET h f 1.5", "HINCRBY h n 2", "HDEL h n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("propagated %q, want %q", got, want)
	}
}
