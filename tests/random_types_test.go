package tests

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestRandomCollections sends one seeded random sequence of list, hash,
// set and sorted-set commands, mixed with key commands, to Shoal and
// redis-server and requires identical replies. Keys are few so types
// collide (WRONGTYPE paths) and collections grow, shrink, empty and cross
// encodings. Replies whose order is a hash table's (large sets, SMEMBERS of
// non-integer sets, set algebra) are compared as multisets; commands whose
// replies are random (SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER) are only
// run where they are deterministic.
// Longer runs: go test ./tests -run RandomCollections -random.steps 200000 -random.seed N
func TestRandomCollections(t *testing.T) {
	p := newPair(t)
	// Small thresholds on both servers so conversions happen often.
	for _, kv := range [][2]string{
		{"hash-max-listpack-entries", "6"}, {"hash-max-listpack-value", "8"},
		{"set-max-intset-entries", "6"},
		{"zset-max-listpack-entries", "6"}, {"zset-max-listpack-value", "8"},
	} {
		p.both("CONFIG", "SET", kv[0], kv[1])
	}
	defer func() {
		for _, kv := range [][2]string{
			{"hash-max-listpack-entries", "512"}, {"hash-max-listpack-value", "64"},
			{"set-max-intset-entries", "512"},
			{"zset-max-listpack-entries", "128"}, {"zset-max-listpack-value", "64"},
		} {
			p.both("CONFIG", "SET", kv[0], kv[1])
		}
	}()
	r := rand.New(rand.NewPCG(*randomSeed, 7))
	key := func() string { return "c" + strconv.Itoa(r.IntN(8)) }
	// Lex ranges are defined only when all scores are equal: they get keys
	// of their own, which only ZADD with score 0 writes.
	lexKey := func() string { return "lex" + strconv.Itoa(r.IntN(2)) }
	elem := func() string {
		switch r.IntN(4) {
		case 0:
			return strconv.Itoa(r.IntN(20) - 5)
		case 1:
			return strings.Repeat("x", r.IntN(12))
		default:
			return string(rune('a' + r.IntN(10)))
		}
	}
	num := func() string { return strconv.Itoa(r.IntN(14) - 7) }
	score := func() string {
		switch r.IntN(6) {
		case 0:
			return "-inf"
		case 1:
			return "+inf"
		case 2:
			return strconv.FormatFloat(r.Float64()*10-5, 'f', r.IntN(3), 64)
		default:
			return strconv.Itoa(r.IntN(6))
		}
	}
	bound := func() string {
		s := score()
		if r.IntN(3) == 0 && s[0] != '+' && s[0] != '-' {
			return "(" + s
		}
		return s
	}
	lex := func() string {
		switch r.IntN(5) {
		case 0:
			return "-"
		case 1:
			return "+"
		case 2:
			return "(" + elem()
		default:
			return "[" + elem()
		}
	}
	type gen struct {
		unordered bool
		f         func() []string
	}
	o := func(f func() []string) gen { return gen{false, f} }
	u := func(f func() []string) gen { return gen{true, f} }
	gens := []gen{
		// Lists.
		o(func() []string { return []string{"LPUSH", key(), elem(), elem()} }),
		o(func() []string { return []string{"RPUSH", key(), elem()} }),
		o(func() []string { return []string{"LPUSHX", key(), elem()} }),
		o(func() []string { return []string{"RPUSHX", key(), elem()} }),
		o(func() []string { return []string{"LPOP", key()} }),
		o(func() []string { return []string{"RPOP", key(), strconv.Itoa(r.IntN(4))} }),
		o(func() []string { return []string{"LRANGE", key(), num(), num()} }),
		o(func() []string { return []string{"LINDEX", key(), num()} }),
		o(func() []string { return []string{"LSET", key(), num(), elem()} }),
		o(func() []string {
			return []string{"LINSERT", key(), []string{"BEFORE", "AFTER"}[r.IntN(2)], elem(), elem()}
		}),
		o(func() []string { return []string{"LREM", key(), num(), elem()} }),
		o(func() []string { return []string{"LTRIM", key(), num(), num()} }),
		o(func() []string { return []string{"LLEN", key()} }),
		o(func() []string {
			return []string{"LPOS", key(), elem(), "RANK", []string{"1", "-1", "2"}[r.IntN(3)], "COUNT", strconv.Itoa(r.IntN(3))}
		}),
		o(func() []string {
			return []string{"LMOVE", key(), key(), []string{"LEFT", "RIGHT"}[r.IntN(2)], []string{"LEFT", "RIGHT"}[r.IntN(2)]}
		}),
		o(func() []string { return []string{"RPOPLPUSH", key(), key()} }),
		o(func() []string {
			return []string{"LMPOP", "2", key(), key(), []string{"LEFT", "RIGHT"}[r.IntN(2)], "COUNT", "2"}
		}),
		o(func() []string { return []string{"BLPOP", key(), key(), "0.01"} }),
		// Hashes.
		o(func() []string { return []string{"HSET", key(), elem(), elem(), elem(), elem()} }),
		o(func() []string { return []string{"HSETNX", key(), elem(), elem()} }),
		o(func() []string { return []string{"HGET", key(), elem()} }),
		o(func() []string { return []string{"HMGET", key(), elem(), elem()} }),
		o(func() []string { return []string{"HDEL", key(), elem(), elem()} }),
		o(func() []string { return []string{"HLEN", key()} }),
		o(func() []string { return []string{"HEXISTS", key(), elem()} }),
		o(func() []string { return []string{"HSTRLEN", key(), elem()} }),
		o(func() []string { return []string{"HINCRBY", key(), elem(), num()} }),
		o(func() []string { return []string{"HINCRBYFLOAT", key(), elem(), score()} }),
		u(func() []string { return []string{"HGETALL", key()} }),
		u(func() []string { return []string{"HKEYS", key()} }),
		u(func() []string { return []string{"HVALS", key()} }),
		// Sets.
		o(func() []string { return []string{"SADD", key(), elem(), elem(), elem()} }),
		o(func() []string { return []string{"SREM", key(), elem(), elem()} }),
		o(func() []string { return []string{"SISMEMBER", key(), elem()} }),
		o(func() []string { return []string{"SMISMEMBER", key(), elem(), elem()} }),
		o(func() []string { return []string{"SCARD", key()} }),
		o(func() []string { return []string{"SMOVE", key(), key(), elem()} }),
		o(func() []string { return []string{"SINTERCARD", "2", key(), key()} }),
		u(func() []string { return []string{"SMEMBERS", key()} }),
		u(func() []string { return []string{"SINTER", key(), key()} }),
		u(func() []string { return []string{"SUNION", key(), key()} }),
		u(func() []string { return []string{"SDIFF", key(), key()} }),
		o(func() []string { return []string{"SINTERSTORE", key(), key(), key()} }),
		o(func() []string { return []string{"SUNIONSTORE", key(), key(), key()} }),
		o(func() []string { return []string{"SDIFFSTORE", key(), key(), key()} }),
		// Sorted sets.
		o(func() []string { return []string{"ZADD", key(), score(), elem(), score(), elem()} }),
		o(func() []string {
			return []string{"ZADD", key(), []string{"NX", "XX", "GT", "LT", "CH"}[r.IntN(5)], score(), elem()}
		}),
		o(func() []string { return []string{"ZADD", key(), "INCR", score(), elem()} }),
		o(func() []string { return []string{"ZINCRBY", key(), score(), elem()} }),
		o(func() []string { return []string{"ZREM", key(), elem(), elem()} }),
		o(func() []string { return []string{"ZSCORE", key(), elem()} }),
		o(func() []string { return []string{"ZMSCORE", key(), elem(), elem()} }),
		o(func() []string { return []string{"ZRANK", key(), elem()} }),
		o(func() []string { return []string{"ZREVRANK", key(), elem()} }),
		o(func() []string { return []string{"ZCARD", key()} }),
		o(func() []string { return []string{"ZCOUNT", key(), bound(), bound()} }),
		o(func() []string { return []string{"ZLEXCOUNT", lexKey(), lex(), lex()} }),
		o(func() []string { return []string{"ZRANGE", key(), num(), num(), "WITHSCORES"} }),
		o(func() []string { return []string{"ZRANGE", key(), bound(), bound(), "BYSCORE", "LIMIT", num(), num()} }),
		o(func() []string { return []string{"ZRANGE", lexKey(), lex(), lex(), "BYLEX", "REV"} }),
		o(func() []string { return []string{"ZRANGEBYSCORE", key(), bound(), bound(), "WITHSCORES"} }),
		o(func() []string { return []string{"ZREVRANGEBYSCORE", key(), bound(), bound()} }),
		o(func() []string { return []string{"ZRANGEBYLEX", lexKey(), lex(), lex(), "LIMIT", "0", num()} }),
		o(func() []string { return []string{"ZADD", lexKey(), "0", elem(), "0", elem()} }),
		o(func() []string { return []string{"ZREM", lexKey(), elem()} }),
		o(func() []string { return []string{"ZREMRANGEBYRANK", key(), num(), num()} }),
		o(func() []string { return []string{"ZREMRANGEBYSCORE", key(), bound(), bound()} }),
		o(func() []string { return []string{"ZREMRANGEBYLEX", lexKey(), lex(), lex()} }),
		o(func() []string { return []string{"ZPOPMIN", key()} }),
		o(func() []string { return []string{"ZPOPMAX", key(), strconv.Itoa(r.IntN(3))} }),
		o(func() []string { return []string{"ZMPOP", "2", key(), key(), "MIN", "COUNT", "2"} }),
		o(func() []string { return []string{"ZUNIONSTORE", key(), "2", key(), key(), "WEIGHTS", num(), num()} }),
		o(func() []string {
			return []string{"ZINTERSTORE", key(), "2", key(), key(), "AGGREGATE", []string{"SUM", "MIN", "MAX"}[r.IntN(3)]}
		}),
		o(func() []string { return []string{"ZDIFFSTORE", key(), "2", key(), key()} }),
		o(func() []string { return []string{"ZRANGESTORE", key(), key(), num(), num()} }),
		o(func() []string { return []string{"ZUNION", "2", key(), key(), "WITHSCORES"} }),
		o(func() []string { return []string{"ZINTERCARD", "2", key(), key()} }),
		o(func() []string { return []string{"BZPOPMIN", key(), "0.01"} }),
		// Keys across types.
		o(func() []string { return []string{"TYPE", key()} }),
		o(func() []string { return []string{"OBJECT", "ENCODING", key()} }),
		o(func() []string { return []string{"DEL", key()} }),
		o(func() []string { return []string{"RENAME", key(), key()} }),
		o(func() []string { return []string{"COPY", key(), key(), "REPLACE"} }),
		o(func() []string { return []string{"EXISTS", key(), key()} }),
		o(func() []string { return []string{"SET", key(), elem()} }),
		o(func() []string { return []string{"SORT", key(), "ALPHA", "LIMIT", "0", "5"} }),
	}
	var history []string
	defer func() {
		if t.Failed() {
			t.Logf("last commands:\n%s", strings.Join(history, "\n"))
		}
	}()
	for i := 0; i < *randomSteps && !t.Failed(); i++ {
		g := gens[r.IntN(len(gens))]
		args := g.f()
		history = append(history, quoteArgs(args))
		if len(history) > 40 {
			history = history[1:]
		}
		if g.unordered {
			p.eqUnordered(args...)
		} else {
			p.eq(args...)
		}
	}
	p.eqUnordered("KEYS", "*")
}
