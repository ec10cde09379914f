package tests

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The key commands on lists, hashes, sets and sorted sets: TYPE, COPY,
// RENAME, MOVE, expiry, OBJECT ENCODING across the thresholds, SCAN TYPE
// and MEMORY USAGE.

// fillTypes creates one key of each collection type on both servers.
func fillTypes(p *pair) {
	p.script(
		"RPUSH l a b c 1 2",
		"HSET h f1 v1 f2 v2",
		"SADD s 3 1 2",
		"SADD sx a b",
		"ZADD z 1 a 2 b 3 c",
		"SET str x",
	)
}

func TestTypesKeyCommands(t *testing.T) {
	p := newPair(t)
	fillTypes(p)
	for _, k := range []string{"l", "h", "s", "sx", "z", "str", "missing"} {
		p.eq("TYPE", k)
		p.eq("OBJECT", "ENCODING", k)
		p.eq("EXISTS", k)
	}
	// COPY is deep: changing the copy leaves the original alone.
	p.script(
		"COPY l l2", "RPUSH l2 x", "LRANGE l 0 -1", "LRANGE l2 0 -1",
		"COPY h h2", "HSET h2 f3 v3", "HGETALL h", "HGETALL h2",
		"COPY s s2", "SADD s2 9", "SMEMBERS s", "SMEMBERS s2",
		"COPY z z2", "ZADD z2 9 q", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z2 0 -1 WITHSCORES",
		"COPY l h", "COPY l h REPLACE", "TYPE h", "LRANGE h 0 -1",
	)
	p.eqUnordered("SMEMBERS", "sx")
	// RENAME and MOVE carry the value and its type.
	p.script(
		"RENAME z zz", "ZRANGE zz 0 -1", "EXISTS z",
		"RENAME sx s", "TYPE s",
		"MOVE l2 1", "EXISTS l2", "SELECT 1", "LRANGE l2 0 -1", "TYPE l2", "SELECT 0",
		"EXPIRE h2 100", "TTL h2", "PERSIST h2", "TTL h2",
		"DEL zz s", "UNLINK h2", "EXISTS zz s h2",
	)
	// WRONGTYPE across families.
	p.script(
		"GET l", "LPUSH str a", "HGET l f", "SADD h x", "ZADD l 1 a", "INCR z2", "APPEND s2 x",
		"LLEN h", "SCARD z2", "ZCARD s2", "HLEN l",
	)
}

func TestTypesEncodingThresholds(t *testing.T) {
	p := newPair(t)
	defer p.script(
		"CONFIG SET hash-max-listpack-entries 512", "CONFIG SET hash-max-listpack-value 64",
		"CONFIG SET set-max-intset-entries 512",
		"CONFIG SET zset-max-listpack-entries 128", "CONFIG SET zset-max-listpack-value 64",
	)
	p.eqUnordered("CONFIG", "GET", "*-max-*")
	p.script(
		"CONFIG SET hash-max-ziplist-entries 2", "CONFIG GET hash-max-listpack-entries",
		"CONFIG SET hash-max-listpack-value 4",
		"CONFIG SET set-max-intset-entries 3",
		"CONFIG SET zset-max-ziplist-entries 2", "CONFIG SET zset-max-listpack-value 4",
		// Hashes: by entries, then by value length; never back.
		"HSET h1 a 1 b 2", "OBJECT ENCODING h1", "HSET h1 c 3", "OBJECT ENCODING h1",
		"HDEL h1 a b", "OBJECT ENCODING h1",
		"HSET h2 a 12345", "OBJECT ENCODING h2",
		"HSET h3 abcde 1", "OBJECT ENCODING h3",
		// Sets: a non-integer, or more than the limit.
		"SADD s1 1 2 3", "OBJECT ENCODING s1", "SADD s1 4", "OBJECT ENCODING s1",
		"SADD s2 1 x", "OBJECT ENCODING s2",
		"SADD s3 1 01", "OBJECT ENCODING s3",
		// Sorted sets.
		"ZADD z1 1 a 2 b", "OBJECT ENCODING z1", "ZADD z1 3 c", "OBJECT ENCODING z1",
		"ZREM z1 a b", "OBJECT ENCODING z1",
		"ZADD z2 1 abcdefg", "OBJECT ENCODING z2",
		// Lists are always quicklist in 7.0.
		"RPUSH l1 a", "OBJECT ENCODING l1",
	)
}

// TestTypesScanType: SCAN's TYPE filter selects the new types (Shoal only:
// SCAN's order is its own).
func TestTypesScanType(t *testing.T) {
	c := dial(t, testEnv.shoalAddr)
	c.do("FLUSHALL")
	c.do("RPUSH", "l", "a")
	c.do("HSET", "h", "f", "v")
	c.do("SADD", "s", "m")
	c.do("ZADD", "z", "1", "m")
	c.do("SET", "str", "v")
	for typ, want := range map[string]string{"list": "l", "hash": "h", "set": "s", "zset": "z", "string": "str"} {
		got := c.do("SCAN", "0", "COUNT", "100", "TYPE", typ)
		exp := "*2\r\n$1\r\n0\r\n*1\r\n$" + strconv.Itoa(len(want)) + "\r\n" + want + "\r\n"
		if got != exp {
			t.Errorf("SCAN TYPE %s: %q, want %q", typ, got, exp)
		}
	}
}

// TestTypesMemoryUsage: MEMORY USAGE of a collection grows with its
// contents (the exact figure is Shoal's own estimate, not Redis's).
func TestTypesMemoryUsage(t *testing.T) {
	c := dial(t, testEnv.shoalAddr)
	c.do("FLUSHALL")
	usage := func(key string) int {
		t.Helper()
		r := c.do("MEMORY", "USAGE", key)
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(r, ":")))
		if err != nil {
			t.Fatalf("MEMORY USAGE %s: %q", key, r)
		}
		return n
	}
	val := strings.Repeat("v", 100)
	for _, fill := range []func(i int) []string{
		func(i int) []string { return []string{"RPUSH", "l", val} },
		func(i int) []string { return []string{"HSET", "h", "f" + strconv.Itoa(i), val} },
		func(i int) []string { return []string{"SADD", "s", val + strconv.Itoa(i)} },
		func(i int) []string { return []string{"ZADD", "z", strconv.Itoa(i), val + strconv.Itoa(i)} },
	} {
		key := fill(0)[1]
		var sizes []int
		for i := 0; i < 1000; i++ {
			c.do(fill(i)...)
			if i == 9 || i == 999 {
				sizes = append(sizes, usage(key))
			}
		}
		// 1000 elements of 100+ bytes cost at least 100 kB; 10 of them less.
		if sizes[0] < 10*100 || sizes[1] < 1000*100 || !slices.IsSorted(sizes) {
			t.Errorf("MEMORY USAGE %s after 10 and 1000 elements: %v", key, sizes)
		}
	}
}
