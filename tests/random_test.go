package tests

import (
	"flag"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

var (
	randomSeed  = flag.Uint64("random.seed", 1, "seed of the random differential sequence")
	randomSteps = flag.Int("random.steps", 3000, "commands in the random differential sequence")
)

// TestRandomDifferential sends one seeded random sequence of string and key
// commands to Shoal and redis-server and requires identical replies. The
// key space is small so commands collide on keys, types and expiry states.
// Longer runs: go test ./tests -run RandomDifferential -random.steps 200000 -random.seed N
func TestRandomDifferential(t *testing.T) {
	p := newPair(t)
	r := rand.New(rand.NewPCG(*randomSeed, 99))
	key := func() string { return "k" + strconv.Itoa(r.IntN(12)) }
	val := func() string {
		switch r.IntN(5) {
		case 0:
			return strconv.Itoa(r.IntN(2000) - 1000)
		case 1:
			return strconv.FormatFloat(r.Float64()*100, 'f', r.IntN(4), 64)
		case 2:
			return ""
		default:
			b := make([]byte, r.IntN(20))
			for i := range b {
				b[i] = byte('a' + r.IntN(26))
			}
			return string(b)
		}
	}
	num := func() string { return strconv.Itoa(r.IntN(40) - 10) }
	// A fixed far-future time makes expiry replies deterministic on both.
	farTime := func() string { return strconv.Itoa(4102444800 + r.IntN(1000)) }
	gens := []func() []string{
		func() []string { return []string{"SET", key(), val()} },
		func() []string { return []string{"SET", key(), val(), "NX"} },
		func() []string { return []string{"SET", key(), val(), "XX", "GET"} },
		func() []string { return []string{"SET", key(), val(), "KEEPTTL"} },
		func() []string { return []string{"GET", key()} },
		func() []string { return []string{"GETDEL", key()} },
		func() []string { return []string{"GETSET", key(), val()} },
		func() []string { return []string{"DEL", key(), key()} },
		func() []string { return []string{"EXISTS", key(), key(), key()} },
		func() []string { return []string{"INCR", key()} },
		func() []string { return []string{"DECRBY", key(), num()} },
		func() []string { return []string{"INCRBYFLOAT", key(), val()} },
		func() []string { return []string{"APPEND", key(), val()} },
		func() []string { return []string{"STRLEN", key()} },
		func() []string { return []string{"GETRANGE", key(), num(), num()} },
		func() []string { return []string{"SETRANGE", key(), strconv.Itoa(r.IntN(30)), val()} },
		func() []string { return []string{"MSET", key(), val(), key(), val()} },
		func() []string { return []string{"MSETNX", key(), val(), key(), val()} },
		func() []string { return []string{"MGET", key(), key(), key()} },
		func() []string { return []string{"SETNX", key(), val()} },
		func() []string { return []string{"TYPE", key()} },
		func() []string { return []string{"RENAME", key(), key()} },
		func() []string { return []string{"RENAMENX", key(), key()} },
		func() []string { return []string{"COPY", key(), key()} },
		func() []string { return []string{"COPY", key(), key(), "REPLACE"} },
		func() []string { return []string{"EXPIREAT", key(), farTime()} },
		func() []string { return []string{"PEXPIREAT", key(), farTime() + "000", "GT"} },
		func() []string { return []string{"EXPIRETIME", key()} },
		func() []string { return []string{"PERSIST", key()} },
		func() []string { return []string{"EXPIRE", key(), "-1"} },
		func() []string { return []string{"LCS", key(), key()} },
		func() []string { return []string{"DBSIZE"} },
		func() []string { return []string{"GETEX", key(), "PERSIST"} },
		func() []string { return []string{"STRLEN", key()} },
		func() []string { return []string{"OBJECT", "ENCODING", key()} },
		func() []string { return []string{"MOVE", key(), strconv.Itoa(r.IntN(3))} },
		func() []string { return []string{"COPY", key(), key(), "DB", strconv.Itoa(r.IntN(3))} },
		func() []string { return []string{"SELECT", strconv.Itoa(r.IntN(3))} },
		func() []string { return []string{"SWAPDB", strconv.Itoa(r.IntN(3)), strconv.Itoa(r.IntN(3))} },
		func() []string { return []string{"GETEX", key(), "EXAT", farTime()} },
		func() []string { return []string{"SET", key(), val(), "EXAT", farTime(), "GET"} },
		func() []string { return []string{"SETRANGE", key(), strconv.Itoa(r.IntN(3000)), val()} },
		func() []string { return []string{"HELLO", strconv.Itoa(2 + r.IntN(2))} },
		func() []string { return []string{"TOUCH", key(), key()} },
		func() []string { return []string{"UNLINK", key()} },
		func() []string { return []string{"LCS", key(), key(), "IDX", "MINMATCHLEN", num(), "WITHMATCHLEN"} },
		func() []string { return []string{"LCS", key(), key(), "LEN"} },
		func() []string { return []string{"SUBSTR", key(), num(), num()} },
		func() []string {
			return []string{"INCRBY", key(), []string{"9223372036854775807", "-9223372036854775808", "1", "-1"}[r.IntN(4)]}
		},
		func() []string {
			return []string{"SET", key(), []string{"9223372036854775807", "-9223372036854775808", " 1", "01", "1e3"}[r.IntN(5)]}
		},
		func() []string { return []string{"SET", key(), val(), "PXAT", farTime() + "123", "NX"} },
		func() []string { return []string{"SET", key(), val(), "NX", "XX"} },
		func() []string { return []string{"SET", key(), val(), "EX", "0"} },
		func() []string { return []string{"SET", key(), val(), "KEEPTTL", "EX", "10"} },
		func() []string { return []string{"SETEX", key(), num(), val()} },
		func() []string { return []string{"GETEX", key(), "PERSIST"} },
		func() []string { return []string{"GETEX", key(), "EX", "10", "PERSIST"} },
		func() []string {
			return []string{"EXPIREAT", key(), farTime(), []string{"NX", "XX", "GT", "LT"}[r.IntN(4)]}
		},
		func() []string { return []string{"EXPIREAT", key(), farTime(), "NX", "GT"} },
		func() []string { return []string{"GET"} },
		func() []string { return []string{"SET", key()} },
		func() []string { return []string{"MSET", key(), val(), key()} },
		func() []string {
			return []string{"GETRANGE", key(), "-" + strconv.Itoa(r.IntN(30)), "-" + strconv.Itoa(r.IntN(30))}
		},
		func() []string { return []string{"DECR", key()} },
	}
	// The recent commands, shown when a reply differs.
	var history []string
	defer func() {
		if t.Failed() {
			t.Logf("last commands:\n%s", strings.Join(history, "\n"))
		}
	}()
	for i := 0; i < *randomSteps && !t.Failed(); i++ {
		args := gens[r.IntN(len(gens))]()
		history = append(history, quoteArgs(args))
		if len(history) > 40 {
			history = history[1:]
		}
		if args[0] == "HELLO" {
			p.both(args...) // switches RESP2/RESP3; the reply carries the client id
			continue
		}
		p.eq(args...)
	}
	for db := 0; db < 3; db++ {
		p.eq("SELECT", strconv.Itoa(db))
		p.eqUnordered("KEYS", "*")
	}
}
