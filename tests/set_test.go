package tests

// Differential tests of the set family against redis-server, in RESP2 and
// RESP3. Intsets reply in ascending order and are compared byte for byte,
// as are the results Redis builds in an intset; hashtable replies come in
// hash order and are compared as multisets. The random commands (SPOP,
// SRANDMEMBER) are compared by shape: sizes, distinctness, membership, and
// what is left in the set.

import (
	"bufio"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// setIntsetEntries sets set-max-intset-entries on both servers until the
// test ends.
func setIntsetEntries(t *testing.T, p *pair, n int) {
	t.Helper()
	p.eq("CONFIG", "SET", "set-max-intset-entries", strconv.Itoa(n))
	t.Cleanup(func() { p.both("CONFIG", "SET", "set-max-intset-entries", "512") })
}

// bulks parses a flat array (or RESP3 set) reply of bulk strings.
func bulks(t testing.TB, raw string) (kind byte, elems []string) {
	t.Helper()
	rd := bufio.NewReader(strings.NewReader(raw))
	head, err := rd.ReadString('\n')
	if err != nil || (head[0] != '*' && head[0] != '~') {
		t.Fatalf("not an array reply: %q", raw)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(head[1:]))
	for i := 0; i < n; i++ {
		l, err := rd.ReadString('\n')
		if err != nil || l[0] != '$' {
			t.Fatalf("not a bulk in %q", raw)
		}
		size, _ := strconv.Atoi(strings.TrimSpace(l[1:]))
		b := make([]byte, size+2)
		if _, err := io.ReadFull(rd, b); err != nil {
			t.Fatalf("short bulk in %q", raw)
		}
		elems = append(elems, string(b[:size]))
	}
	return head[0], elems
}

// members returns a set's members on one server, sorted.
func members(t testing.TB, c *rconn, key string) []string {
	t.Helper()
	_, m := bulks(t, c.do("SMEMBERS", key))
	slices.Sort(m)
	return m
}

// checkShape sends a random command to both servers and checks each reply
// has the same kind and length, only members of universe, and (distinct)
// no repeats. It returns both replies' elements.
func (p *pair) checkShape(universe []string, distinct bool, args ...string) (shoal, redis []string) {
	p.t.Helper()
	rawS, rawR := p.shoal.do(args...), p.redis.do(args...)
	kindS, shoal := bulks(p.t, rawS)
	kindR, redis := bulks(p.t, rawR)
	if kindS != kindR || len(shoal) != len(redis) {
		p.t.Fatalf("%s\n shoal: %q\n redis: %q", quoteArgs(args), rawS, rawR)
	}
	seen := map[string]bool{}
	for _, m := range shoal {
		if !slices.Contains(universe, m) {
			p.t.Errorf("%s: %q is not a member", quoteArgs(args), m)
		}
		if distinct && seen[m] {
			p.t.Errorf("%s: %q twice in %q", quoteArgs(args), m, rawS)
		}
		seen[m] = true
	}
	return shoal, redis
}

func seq(from, to int) []string {
	var s []string
	for i := from; i <= to; i++ {
		s = append(s, strconv.Itoa(i))
	}
	return s
}

func TestSetBasics(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SADD s 3 1 2 -5 9223372036854775807 -9223372036854775808 0", "SMEMBERS s", "OBJECT ENCODING s",
			"SADD s 1 2 3", "SCARD s", "SISMEMBER s 3", "SISMEMBER s 4", "SISMEMBER s 03", "SISMEMBER s x",
			"SMISMEMBER s 1 x 1 -5 +1", "SMISMEMBER nokey 1 2", "SCARD nokey", "SISMEMBER nokey 1",
			"SREM s 1 1 x 01", "SMEMBERS s", "SREM nokey 1", "SREM s 2 3 -5 0 9223372036854775807 -9223372036854775808",
			"EXISTS s", "SMEMBERS s",
			// Integers that are not canonical make a hashtable.
			"SADD t1 01", "OBJECT ENCODING t1", "SADD t2 +1", "OBJECT ENCODING t2", "SADD t3 -0",
			"OBJECT ENCODING t3", "SADD t4 9223372036854775808", "OBJECT ENCODING t4",
			"SADD t5 -9223372036854775809", "OBJECT ENCODING t5", "SADD t6 1.0", "OBJECT ENCODING t6",
			// A first integer makes an intset, a later string converts it.
			"SADD u 5 4", "OBJECT ENCODING u", "SADD u a", "OBJECT ENCODING u", "SREM u a",
			"OBJECT ENCODING u", "SADD v a 1", "OBJECT ENCODING v",
		)
		p.eq("SADD", "t7", " 1")
		p.eq("OBJECT", "ENCODING", "t7")
		p.eq("SADD", "t8", "")
		p.eq("SISMEMBER", "t8", "")
		p.eq("OBJECT", "ENCODING", "t8")
		p.eqUnordered("SMEMBERS", "u")
		p.eqUnordered("SMEMBERS", "v")
		p.eqUnordered("SMISMEMBER", "v", "a", "1", "b")
	})
}

func TestSetWrongTypeAndArity(t *testing.T) {
	p := newPair(t)
	p.both("SET", "str", "x")
	p.both("SADD", "s", "1")
	p.script(
		"SADD str a", "SREM str a", "SCARD str", "SISMEMBER str a", "SMISMEMBER str a", "SMEMBERS str",
		"SPOP str", "SPOP str 2", "SRANDMEMBER str", "SRANDMEMBER str 2", "SSCAN str 0", "SMOVE str s a",
		"SMOVE s str 1", "SMOVE str nokey a", "SINTER s str", "SINTER nokey str", "SINTERCARD 2 nokey str",
		"SINTERSTORE d s str", "SUNION s str", "SUNIONSTORE d nokey str", "SDIFF str s", "SDIFF nokey str",
		"SDIFFSTORE d s str", "EXISTS d", "GET str",
		"SADD", "SADD s", "SREM s", "SCARD", "SCARD s s", "SISMEMBER s", "SISMEMBER s a b", "SMISMEMBER s",
		"SMEMBERS", "SMEMBERS s s", "SPOP", "SRANDMEMBER", "SSCAN s", "SMOVE s d", "SMOVE s d a b", "SINTER",
		"SINTERCARD 1", "SINTERSTORE d", "SUNION", "SUNIONSTORE d", "SDIFF", "SDIFFSTORE d",
	)
}

func TestSetEncodingThresholds(t *testing.T) {
	p := newPair(t)
	setIntsetEntries(t, p, 3)
	p.script(
		"SADD i 3 2 1", "OBJECT ENCODING i", "SADD i 3", "OBJECT ENCODING i", "SADD i 4", "OBJECT ENCODING i",
		"SADD j 1 2 3 4", "OBJECT ENCODING j", "SREM j 4 3", "OBJECT ENCODING j",
		// Lowering the limit converts an intset only when it next grows.
		"SADD k 1 2 3", "CONFIG SET set-max-intset-entries 2", "SADD k 1", "OBJECT ENCODING k",
		"SADD k 5", "OBJECT ENCODING k", "CONFIG SET set-max-intset-entries 3",
		// Results are built in a new intset: it follows the limit too.
		"SADD a 1 2 3 x", "SADD b 1 2 3 y", "SINTERSTORE d a b", "OBJECT ENCODING d", "SMEMBERS d",
		"SADD b 4", "SADD a 4", "SINTERSTORE d a b", "OBJECT ENCODING d",
		"SADD c 1 2", "SADD e 3", "SUNIONSTORE d c e", "OBJECT ENCODING d", "SMEMBERS d",
		"SADD e 4", "SUNIONSTORE d c e", "OBJECT ENCODING d",
		"SDIFFSTORE d a b", "EXISTS d", "SDIFFSTORE d j a", "OBJECT ENCODING d",
		// SMOVE creates its destination for the member it moves.
		"SMOVE a m1 1", "OBJECT ENCODING m1", "SMOVE a m2 x", "OBJECT ENCODING m2", "SMOVE a m1 2",
		"SMOVE a m1 3", "SMOVE b m1 4", "OBJECT ENCODING m1",
		"CONFIG SET set-max-intset-entries 0", "SADD z 1", "OBJECT ENCODING z",
		"SUNIONSTORE d c", "OBJECT ENCODING d",
	)
	for _, k := range []string{"i", "j", "k", "d", "m1"} {
		p.eqUnordered("SMEMBERS", k)
	}
}

func TestSetLarge(t *testing.T) {
	p := newPair(t)
	ints := append([]string{"SADD", "big"}, seq(1, 600)...)
	p.eq(ints...)
	p.eq("OBJECT", "ENCODING", "big")
	ints[1] = "fit"
	p.eq(ints[:514]...)
	p.eq("OBJECT", "ENCODING", "fit")
	p.eq("SMEMBERS", "fit") // 512 integers: still an intset, in order
	words := []string{"SADD", "w"}
	for i := 0; i < 1000; i++ {
		words = append(words, "element:"+strconv.Itoa(i*7%1000))
	}
	p.eq(words...)
	p.script("SCARD w", "OBJECT ENCODING w", "SISMEMBER w element:999", "SREM w element:1 element:2",
		"SUNIONSTORE u w big", "SINTERSTORE i big fit", "SDIFFSTORE d big fit", "OBJECT ENCODING d",
		"SINTERCARD 2 big fit", "SINTERCARD 2 big fit LIMIT 100", "SINTERCARD 2 big fit LIMIT 0")
	for _, args := range [][]string{{"SMEMBERS", "w"}, {"SMEMBERS", "big"}, {"SUNION", "w", "big"},
		{"SINTER", "big", "fit"}, {"SDIFF", "big", "fit"}, {"SDIFF", "w", "big"}, {"SMEMBERS", "d"}} {
		p.eqUnordered(args...)
	}
}

func TestSetOps(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script("SADD a 1 2 3 4 5", "SADD b 3 4 5 6 7 8", "SADD h 1 2 3 x y", "SADD g x y z", "SET str v")
		// Deterministic orders: the smallest set walked is an intset, or
		// the result was built as one.
		p.script(
			"SINTER a b", "SINTER b a", "SINTER a h", "SINTER a a", "SINTER a b a", "SINTER a nokey", "SINTER nokey",
			"SMEMBERS a", "SUNION a b", "SUNION b nokey a", "SUNION nokey", "SDIFF a b", "SDIFF b a", "SDIFF a a",
			"SDIFF a b a", "SDIFF b nokey", "SDIFF nokey a", "SDIFF a h", "SDIFF a g", "SINTER h b",
			"SINTERCARD 1 a", "SINTERCARD 2 a b", "SINTERCARD 2 a b LIMIT 2", "SINTERCARD 2 a b limit 0",
			"SINTERCARD 2 a b LIMIT 9", "SINTERCARD 2 a nokey", "SINTERCARD 2 g h", "SINTERCARD 2 g h LIMIT 1",
			"SINTERCARD 1 a LIMIT 1 LIMIT 3",
		)
		for _, args := range [][]string{{"SINTER", "h", "g"}, {"SUNION", "a", "g"}, {"SDIFF", "h", "a"},
			{"SDIFF", "g", "a", "b"}, {"SUNION", "h"}, {"SMEMBERS", "h"}, {"SINTER", "g", "h", "g"},
			{"SINTER", "h", "a"}, {"SUNION", "h", "g", "h"}} {
			p.eqUnordered(args...)
		}
		// STORE forms: the destination is replaced (TTL and type too), or
		// deleted when the result is empty.
		p.script(
			"SET d x", "EXPIRE d 100", "SINTERSTORE d a b", "TTL d", "TYPE d", "SMEMBERS d", "OBJECT ENCODING d",
			"SINTERSTORE d a nokey", "EXISTS d", "SINTERSTORE d a nokey", "SADD d 1", "SINTERSTORE d a g",
			"EXISTS d", "SUNIONSTORE d a b", "SMEMBERS d", "SUNIONSTORE d nokey", "EXISTS d",
			"SUNIONSTORE d h g", "OBJECT ENCODING d", "SDIFFSTORE d a b", "SMEMBERS d", "SDIFFSTORE d a a",
			"EXISTS d", "SADD d 9", "SDIFFSTORE d nokey a", "EXISTS d", "SDIFFSTORE d h a", "OBJECT ENCODING d",
			"SINTERSTORE a a b", "SMEMBERS a", "SUNIONSTORE b b b", "SMEMBERS b", "SDIFFSTORE str str",
			"SDIFFSTORE x g",
		)
		p.eqUnordered("SMEMBERS", "x")
	})
}

// TestSetOpsRandom compares the STORE forms on random sets of integers and
// strings: sizes, reply order when Redis's result is an intset, and the
// encoding each leaves, which follows the algorithm Redis picks.
func TestSetOpsRandom(t *testing.T) {
	p := newPair(t)
	setIntsetEntries(t, p, 16)
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 60; round++ {
		p.both("FLUSHALL")
		nkeys := 2 + rng.IntN(3)
		keys := make([]string, nkeys)
		for k := range keys {
			keys[k] = "k" + strconv.Itoa(k)
			n := rng.IntN(24)
			if n == 0 {
				continue // a missing key
			}
			args := []string{"SADD", keys[k]}
			for i := 0; i < n; i++ {
				if rng.IntN(8) == 0 {
					args = append(args, "m"+strconv.Itoa(rng.IntN(10)))
				} else {
					args = append(args, strconv.Itoa(rng.IntN(30)))
				}
			}
			p.eq(args...)
		}
		for _, op := range []string{"SINTER", "SUNION", "SDIFF"} {
			p.eq(append([]string{op + "STORE", "dst"}, keys...)...)
			enc := p.eq("OBJECT", "ENCODING", "dst")
			switch {
			case op == "SINTER":
				// The reply's order is the walked set's, not the result's.
				p.eqUnordered(append([]string{op}, keys...)...)
			case strings.Contains(enc, "intset"):
				p.eq("SMEMBERS", "dst")
				p.eq(append([]string{op}, keys...)...)
			default:
				p.eqUnordered("SMEMBERS", "dst")
				p.eqUnordered(append([]string{op}, keys...)...)
			}
		}
		p.eq(append([]string{"SINTERCARD", strconv.Itoa(nkeys)}, keys...)...)
	}
}

func TestSetSInterCardErrors(t *testing.T) {
	p := newPair(t)
	p.both("SADD", "s", "a", "b")
	p.script(
		"SINTERCARD 0 s", "SINTERCARD -1 s", "SINTERCARD abc s", "SINTERCARD 99999999999999999999 s",
		"SINTERCARD 3 s s", "SINTERCARD 2 s", "SINTERCARD 1 s LIMIT -1", "SINTERCARD 1 s LIMIT abc",
		"SINTERCARD 1 s LIMIT", "SINTERCARD 1 s FOO 1", "SINTERCARD 1 s s", "SINTERCARD 1 s LIMIT 1 FOO",
		"SINTERCARD 1 s LIMIT 1.5", "SINTERCARD 01 s", "SINTERCARD 1 s LIMIT 9223372036854775807",
		"COMMAND GETKEYS SINTERCARD 2 a b LIMIT 1", "COMMAND GETKEYS SINTERCARD 1 a",
	)
}

func TestSetMove(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SADD src 1 2 x", "SET str v",
			"SMOVE nokey dst 1", "SMOVE nokey str 1", "SMOVE src src 1", "SMOVE src src 9", "SMOVE src dst 9",
			"EXISTS dst", "SMOVE src dst 1", "OBJECT ENCODING dst", "SMEMBERS dst", "SMOVE src dst x",
			"OBJECT ENCODING dst", "SADD other 2", "EXPIRE other 100", "SMOVE src other 2", "TTL other",
			"SMEMBERS other", "EXISTS src", "SADD src 5", "SADD dst 5", "SMOVE src dst 5", "EXISTS src",
			"SCARD dst",
		)
		p.eqUnordered("SMEMBERS", "dst")
	})
}

func TestSetPop(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SPOP nokey", "SPOP nokey 3", "SPOP nokey 0", "SPOP nokey -1", "SADD one 7", "SPOP one", "EXISTS one",
			"SADD s 1 2 3", "SPOP s -1", "SPOP s abc", "SPOP s 1.5", "SPOP s 1 2", "SPOP s 0", "SPOP s 3", "EXISTS s",
			"SADD s 3 1 2", "SPOP s 99", "EXISTS s",
			// A hashtable of integers pops all through a union built as an intset: in order.
			"SADD h 3 1 2 x", "SREM h x", "SPOP h 10", "SADD w a", "SPOP w 1", "SADD w b", "SPOP w 5",
		)
		for _, src := range [][]string{seq(1, 20), append(seq(1, 19), "x"), {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}} {
			for _, count := range []int{1, 3, len(src) - 5, len(src) - 3, len(src) - 1} {
				p.both("DEL", "s")
				p.eq(append([]string{"SADD", "s"}, src...)...)
				popS, popR := p.checkShape(src, true, "SPOP", "s", strconv.Itoa(count))
				p.eq("SCARD", "s")
				// What is left and what was popped make the set again.
				for _, side := range []struct {
					c      *rconn
					popped []string
				}{{p.shoal, popS}, {p.redis, popR}} {
					all := append(members(t, side.c, "s"), side.popped...)
					slices.Sort(all)
					want := slices.Clone(src)
					slices.Sort(want)
					if !slices.Equal(all, want) {
						t.Errorf("SPOP s %d: left and popped %q, want %q", count, all, want)
					}
				}
			}
		}
		// Popping most of a hashtable of integers keeps the rest in a new set,
		// an intset; popping a few keeps the hashtable.
		for _, count := range []string{"18", "2"} {
			p.both("DEL", "s")
			p.eq(append([]string{"SADD", "s", "x"}, seq(1, 20)...)...)
			p.eq("SREM", "s", "x")
			p.checkShape(seq(1, 20), true, "SPOP", "s", count)
			p.eq("OBJECT", "ENCODING", "s")
		}
		p.both("DEL", "s")
		p.both("SADD", "s", "a", "b")
		if got := p.shoal.do("SPOP", "s"); got != "$1\r\na\r\n" && got != "$1\r\nb\r\n" {
			t.Errorf("SPOP s = %q", got)
		}
		p.redis.do("SPOP", "s")
		p.eq("SCARD", "s")
	})
}

func TestSetRandMember(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SRANDMEMBER nokey", "SRANDMEMBER nokey 5", "SRANDMEMBER nokey -5", "SRANDMEMBER nokey 0",
			"SRANDMEMBER nokey abc", "SRANDMEMBER nokey -9223372036854775808", "SADD s 3 1 2",
			"SRANDMEMBER s 0", "SRANDMEMBER s 3", "SRANDMEMBER s 100", "SRANDMEMBER s 9223372036854775807",
			"SRANDMEMBER s -9223372036854775808", "SRANDMEMBER s -9223372036854775809", "SRANDMEMBER s abc",
			"SRANDMEMBER s 1 2", "SRANDMEMBER s 1.5", "SADD one x", "SRANDMEMBER one", "SRANDMEMBER one -3",
			"SRANDMEMBER one 1", "SCARD s",
		)
		for _, src := range [][]string{seq(1, 30), append(seq(1, 29), "x")} {
			p.both("DEL", "s")
			p.eq(append([]string{"SADD", "s"}, src...)...)
			for _, count := range []int{1, 2, 9, 11, 29, -1, -5, -100} {
				p.checkShape(src, count > 0, "SRANDMEMBER", "s", strconv.Itoa(count))
			}
			for i := 0; i < 5; i++ {
				got := p.shoal.do("SRANDMEMBER", "s")
				p.redis.do("SRANDMEMBER", "s")
				if !strings.HasPrefix(got, "$") || !slices.Contains(src, strings.Split(got, "\r\n")[1]) {
					t.Errorf("SRANDMEMBER s = %q", got)
				}
			}
			p.eqUnordered("SRANDMEMBER", "s", "30")
			p.eq("SCARD", "s")
		}
	})
}

func TestSetScan(t *testing.T) {
	p := newPair(t)
	p.both("SADD", "i", "5", "10", "15", "1", "-3")
	p.both("SET", "str", "v")
	p.script(
		"SSCAN i 0", "SSCAN i 0 MATCH 1*", "SSCAN i 0 COUNT 1", "SSCAN i 77 COUNT 2 MATCH *5",
		"SSCAN i 0 match -* count 100", "SSCAN i abc", "SSCAN i -1", "SSCAN i 0 COUNT 0", "SSCAN i 0 COUNT -1",
		"SSCAN i 0 COUNT abc", "SSCAN i 0 MATCH", "SSCAN i 0 TYPE set", "SSCAN i 0 FOO bar", "SSCAN nokey 0",
		"SSCAN nokey 0 FOO", "SSCAN nokey abc", "SSCAN str 0", "SSCAN str 0 FOO", "SSCAN i 18446744073709551616",
	)
	words := []string{"SADD", "h"}
	for i := 0; i < 300; i++ {
		words = append(words, "m"+strconv.Itoa(i))
	}
	p.eq(words...)
	for _, opts := range [][]string{nil, {"COUNT", "7"}, {"MATCH", "m1*"}, {"MATCH", "*9", "COUNT", "1000"}} {
		var got [2][]string
		for side, c := range []*rconn{p.shoal, p.redis} {
			cursor, calls := "0", 0
			for {
				raw := c.do(append([]string{"SSCAN", "h", cursor}, opts...)...)
				rd := bufio.NewReader(strings.NewReader(raw))
				rd.ReadString('\n') // *2
				rd.ReadString('\n') // $n
				cur, _ := rd.ReadString('\n')
				cursor = strings.TrimSpace(cur)
				rest, _ := rd.ReadString(0)
				_, elems := bulks(t, rest)
				got[side] = append(got[side], elems...)
				if calls++; cursor == "0" || calls > 1000 {
					break
				}
			}
			slices.Sort(got[side])
			got[side] = slices.Compact(got[side])
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("SSCAN h %q: shoal saw %d members, redis %d", opts, len(got[0]), len(got[1]))
		}
	}
}

func TestSetCopyAndRename(t *testing.T) {
	p := newPair(t)
	p.script(
		"SADD i 1 2 3", "SADD h a b", "COPY i i2", "COPY h h2", "OBJECT ENCODING i2", "OBJECT ENCODING h2",
		"SADD i2 4", "SADD h2 c", "SMEMBERS i", "SCARD h", "SCARD h2", "RENAME i2 i3", "SMEMBERS i3", "TYPE i3",
	)
}

// TestSetPropagation compares what set writes send to replicas with
// redis-server's replication stream, for the commands whose effect is
// deterministic.
func TestSetPropagation(t *testing.T) {
	needRedis(t)
	cmd, addr, err := startRedis("--repl-diskless-sync", "no")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	srv := ownShoal(t)
	var mu sync.Mutex
	var shoalStream [][]string
	srv.SetPropagateHook(func(db int, args [][]byte) {
		mu.Lock()
		defer mu.Unlock()
		c := make([]string, len(args))
		for i, a := range args {
			c[i] = string(a)
		}
		shoalStream = append(shoalStream, c)
	})
	repl := newFakeReplica(t, addr)
	script := []string{
		"SADD s 1 2 3", "SADD s 1", "SREM s 9", "SREM s 1 9", "SREM nokey 1", "SMOVE s d 2", "SMOVE s d 9",
		"SMOVE s s 3", "SMOVE nokey d 1", "SADD one x", "SPOP one", "SPOP one", "SADD s 2 4", "SPOP s 0",
		"SPOP s 10", "SPOP nokey 2", "SADD a 1 2", "SADD b 2 3", "SINTERSTORE c a b", "SINTERSTORE c a nokey",
		"SINTERSTORE c a nokey", "SUNIONSTORE c a b", "SDIFFSTORE c a a", "SDIFFSTORE c a b", "SINTER a b",
		"SINTERCARD 2 a b", "SSCAN a 0", "SMEMBERS a",
	}
	sh := dial(t, srv.Addr().String())
	rc := dial(t, addr)
	for _, line := range script {
		args := strings.Fields(line)
		if a, b := sh.do(args...), rc.do(args...); a != b {
			t.Errorf("%s: shoal %q, redis %q", line, a, b)
		}
	}
	sh.do("SET", "end", "1")
	rc.do("SET", "end", "1")
	want := repl.readUntil(t, "end")
	mu.Lock()
	got := shoalStream[:len(shoalStream)-1]
	mu.Unlock()
	render := func(cmds [][]string) (lines []string) {
		for _, c := range cmds {
			lines = append(lines, strings.ToUpper(c[0])+" "+strings.Join(c[1:], " "))
		}
		return lines
	}
	g, w := render(got), render(want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("propagated commands differ\n shoal:\n  %s\n redis:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}

	// SPOP with a count propagates the members it popped. Redis 7.0 sends
	// one SREM each inside MULTI/EXEC; Shoal sends one SREM with all.
	for _, count := range []string{"2", "9"} {
		mu.Lock()
		shoalStream = nil
		mu.Unlock()
		sh.do(append([]string{"SADD", "p"}, seq(1, 10)...)...)
		_, popped := bulks(t, sh.do("SPOP", "p", count))
		mu.Lock()
		prop := shoalStream[len(shoalStream)-1]
		mu.Unlock()
		if len(prop) < 2 || prop[0] != "SREM" || prop[1] != "p" {
			t.Fatalf("SPOP p %s propagated %q", count, prop)
		}
		slices.Sort(popped)
		rem := slices.Clone(prop[2:])
		slices.Sort(rem)
		if !slices.Equal(rem, popped) {
			t.Errorf("SPOP p %s popped %q, propagated %q", count, popped, prop)
		}
		sh.do("DEL", "p")
	}
}
