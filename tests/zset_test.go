package tests

// Differential tests of the sorted-set point commands (ZADD, ZINCRBY, ZSCORE,
// ZRANK, ZREM, ZRANDMEMBER, ZSCAN, ...) and the pops, blocking ones
// included. The range and set-operation commands are in zset_range_test.go.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestZAddOptions(t *testing.T) {
	p := newPair(t)
	p.script(
		"ZADD z 1 a 2 b 3 c",
		"ZADD z 1 a 5 d",
		"ZADD z CH 1 a 9 b 4 e",
		"ZADD z NX 100 a 6 f",
		"ZADD z XX 100 a 6 g",
		"ZADD z XX CH 7 a 6 g",
		"ZADD z GT CH 1 a 8 b",
		"ZADD z LT CH 1 a 80 b",
		"ZADD z GT 10 newgt",
		"ZADD z XX GT CH 100 a 0 b",
		"ZADD z xx lt ch 50 a 0 b",
		"ZRANGE z 0 -1 WITHSCORES",
		"ZADD z INCR 5 a",
		"ZADD z INCR 5 nope",
		"ZADD z NX INCR 5 a",
		"ZADD z XX INCR 5 missing",
		"ZADD z GT INCR -1 a",
		"ZADD z LT INCR -1 a",
		"ZADD z INCR 0 a",
		"ZADD z INCR CH 1 a",
		"ZADD missing XX 1 a",
		"ZADD missing XX INCR 1 a",
		"EXISTS missing",
		"ZCARD z",
		// Errors, in Redis's order.
		"ZADD z 1",
		"ZADD z 1 a 2",
		"ZADD z NX XX 1 a",
		"ZADD z NX GT 1 a",
		"ZADD z LT GT 1 a",
		"ZADD z NX LT 1 a",
		"ZADD z INCR 1 a 2 b",
		"ZADD z NX XX 1",
		"ZADD z foo 1 a",
		"ZADD z 1 a foo b",
		"ZADD z NX INCR 1 a 2 b",
		"ZADD z XX NX INCR 1 a 2 b",
		"ZADD z",
		"ZADD",
		"ZINCRBY z 1",
		"ZINCRBY z 1 a b",
		"SET s x",
		"ZADD s 1 a",
		"ZADD s x a",
		"ZINCRBY s 1 a",
		"ZINCRBY s x a",
		"ZADD z 1 a 2 b 3",
	)
}

func TestZAddScores(t *testing.T) {
	p := newPair(t)
	for _, s := range []string{"0", "-0", "+0", "1.5", "-2.25", "0.1", "1e10", "1e17", "1e18", "123456789012345678",
		"1e-310", "1e-400", "1e400", "-1e400", "inf", "-inf", "+inf", "Infinity", "-INFINITY", "INF",
		"nan", "NaN", "-nan", "0x10", "0x1p3", "0x.8", "0X1P-2", "0x", "1e", "1e+", ".5", "5.", ".", "-",
		"+", "", " 1", "1 ", "1_0", "1,5", "0x1p", "3.141592653589793238", "4503599627370496",
		"9007199254740993", "-9223372036854775808", "1.7976931348623157e308", "2.2250738585072014e-308",
		"4.9e-324", "00012", "+.5e1", "\t1"} {
		p.eq("ZADD", "z", s, "m")
		p.eq("ZSCORE", "z", "m")
		p.eq("ZINCRBY", "z", s, "m")
		p.eq("ZSCORE", "z", "m")
		p.eq("ZINCRBY", "z2", s, "m")
	}
	p.script(
		"ZADD z inf m",
		"ZINCRBY z -inf m",
		"ZADD z INCR -inf m",
		"ZSCORE z m",
		"ZINCRBY z inf m",
		"ZADD z INCR +inf m",
	)
	// -0 is stored as 0 by a listpack, kept by a skiplist.
	p.script(
		"ZADD lp -0 a",
		"ZSCORE lp a",
		"ZINCRBY lp -0 a",
		"ZINCRBY lp -0 b",
		"ZSCORE lp b",
		"ZADD lp INCR -0 c",
		"ZRANGE lp 0 -1 WITHSCORES",
		"ZSCAN lp 0",
		"CONFIG SET zset-max-listpack-entries 0",
		"ZADD sk -0 a",
		"ZSCORE sk a",
		"ZINCRBY sk -0 a",
		"ZADD sk 0 a",
		"ZSCORE sk a",
		"OBJECT ENCODING sk",
		"ZSCAN sk 0",
		"CONFIG SET zset-max-listpack-entries 128",
	)
}

func TestZSetReads(t *testing.T) {
	p := newPair(t)
	p.script(
		"ZADD z 1 a 2 b 3 c 3 d -5 e inf f -inf g 0.5 h",
		"ZCARD z",
		"ZCARD nokey",
		"ZSCORE z a",
		"ZSCORE z f",
		"ZSCORE z g",
		"ZSCORE z h",
		"ZSCORE z nope",
		"ZSCORE nokey a",
		"ZMSCORE z a nope f h",
		"ZMSCORE nokey a b",
		"ZRANK z a",
		"ZRANK z g",
		"ZRANK z f",
		"ZRANK z d",
		"ZRANK z nope",
		"ZRANK nokey a",
		"ZREVRANK z a",
		"ZREVRANK z f",
		"ZREVRANK z g",
		"ZREVRANK z nope",
		"ZREVRANK nokey a",
		"SET s x",
		"ZCARD s",
		"ZSCORE s a",
		"ZMSCORE s a",
		"ZRANK s a",
		"ZREVRANK s a",
		"ZRANK z",
		"ZRANK z a b",
		"ZMSCORE z",
		"ZREM z a nope b",
		"ZREM z nope",
		"ZREM nokey a",
		"ZREM s a",
		"ZREM z",
		"ZRANGE z 0 -1 WITHSCORES",
		"ZREM z c d e f g h a",
		"EXISTS z",
	)
	p.both("HELLO", "3")
	p.script(
		"ZADD z 1 a 2.5 b inf c",
		"ZSCORE z a",
		"ZSCORE z b",
		"ZSCORE z c",
		"ZSCORE z nope",
		"ZMSCORE z a b nope c",
		"ZMSCORE nokey a",
		"ZRANK z b",
		"ZRANK z nope",
		"ZINCRBY z 1.5 a",
		"ZADD z INCR 1 a",
		"ZADD z NX INCR 1 a",
		"ZADD z INCR -inf c",
	)
}

// TestZSetEncodings crosses the listpack thresholds both ways (entries and
// member length) and checks every read against Redis on both encodings.
func TestZSetEncodings(t *testing.T) {
	p := newPair(t)
	p.both("CONFIG", "SET", "zset-max-listpack-entries", "4")
	p.both("CONFIG", "SET", "zset-max-listpack-value", "8")
	defer p.both("CONFIG", "SET", "zset-max-listpack-entries", "128")
	defer p.both("CONFIG", "SET", "zset-max-listpack-value", "64")
	p.script(
		"ZADD z 1 a 2 b 3 c 4 d",
		"OBJECT ENCODING z",
		"ZADD z 5 e",
		"OBJECT ENCODING z",
		"ZREM z a b c",
		"OBJECT ENCODING z",
		"ZADD long 1 123456789",
		"OBJECT ENCODING long",
		"ZADD short 1 12345678",
		"OBJECT ENCODING short",
		"ZADD short 2 123456789",
		"OBJECT ENCODING short",
		"ZADD many 1 a 2 b 3 c 4 d 5 e",
		"OBJECT ENCODING many",
		"ZINCRBY inc 1 a",
		"OBJECT ENCODING inc",
		"ZINCRBY inc2 1 123456789",
		"OBJECT ENCODING inc2",
	)
	p.both("CONFIG", "SET", "zset-max-listpack-entries", "0")
	p.script("ZADD zero 1 a", "OBJECT ENCODING zero")
	p.both("CONFIG", "SET", "zset-max-listpack-entries", "16")

	// A set of 300 members, big, then checked member by member.
	args := []string{"ZADD", "big"}
	for i := range 300 {
		args = append(args, strconv.Itoa((i*7919)%101), fmt.Sprintf("m%03d", i))
	}
	p.eq(args...)
	p.eq("OBJECT", "ENCODING", "big")
	for i := 0; i < 300; i += 7 {
		m := fmt.Sprintf("m%03d", i)
		p.eq("ZRANK", "big", m)
		p.eq("ZREVRANK", "big", m)
		p.eq("ZSCORE", "big", m)
		p.eq("ZINCRBY", "big", strconv.Itoa(i%13-6), m)
		p.eq("ZRANK", "big", m)
	}
	p.eq("ZRANGE", "big", "0", "-1", "WITHSCORES")
	p.eq("ZRANDMEMBER", "big", "1000")
	p.eq("ZRANDMEMBER", "big", "300", "WITHSCORES")
	for i := 0; i < 300; i += 3 {
		p.eq("ZREM", "big", fmt.Sprintf("m%03d", i), "nope")
	}
	p.eq("ZRANGE", "big", "0", "-1", "WITHSCORES")
	p.eq("OBJECT", "ENCODING", "big")
	p.eq("ZPOPMIN", "big", "10")
	p.eq("ZPOPMAX", "big", "10")
	p.eq("ZCARD", "big")
	// COPY is deep, for both encodings.
	p.script(
		"TYPE big",
		"COPY big bigc",
		"ZREM bigc m001 m002 m004",
		"ZINCRBY bigc 1000 m005",
		"ZCARD big",
		"ZSCORE big m005",
		"ZRANGE bigc 0 -1 WITHSCORES",
		"OBJECT ENCODING bigc",
		"ZADD small 1 a 2 b",
		"COPY small smallc",
		"ZADD smallc 3 c",
		"ZRANGE small 0 -1 WITHSCORES",
		"ZRANGE smallc 0 -1 WITHSCORES",
		"OBJECT ENCODING smallc",
	)
}

func TestZRandMember(t *testing.T) {
	p := newPair(t)
	p.script(
		"ZADD z 1 a 2 b 3 c",
		"ZRANDMEMBER z 3",
		"ZRANDMEMBER z 5",
		"ZRANDMEMBER z 3 WITHSCORES",
		"ZRANDMEMBER z 10 withscores",
		"ZRANDMEMBER z 0",
		"ZRANDMEMBER z 0 WITHSCORES",
		"ZRANDMEMBER nokey",
		"ZRANDMEMBER nokey 3",
		"ZRANDMEMBER nokey -3 WITHSCORES",
		"ZRANDMEMBER z x",
		"ZRANDMEMBER z 1 WITHSCORE",
		"ZRANDMEMBER z 1 WITHSCORES x",
		"ZRANDMEMBER z -9223372036854775808",
		"ZRANDMEMBER z -9223372036854775808 WITHSCORES",
		"ZRANDMEMBER z -4611686018427387904 WITHSCORES",
		"ZRANDMEMBER z 4611686018427387904 WITHSCORES",
		"ZRANDMEMBER z 9223372036854775807",
		"SET s x",
		"ZRANDMEMBER s",
		"ZRANDMEMBER s 0",
		"ZRANDMEMBER s x",
		"ZADD one 7 only",
		"ZRANDMEMBER one",
		"ZRANDMEMBER one -3",
		"ZRANDMEMBER one -3 WITHSCORES",
		"ZRANDMEMBER one 1 WITHSCORES",
	)
	p.both("HELLO", "3")
	p.script(
		"ZRANDMEMBER z 3 WITHSCORES",
		"ZRANDMEMBER one -2 WITHSCORES",
		"ZRANDMEMBER one -2",
		"ZRANDMEMBER nokey 2 WITHSCORES",
		"ZRANDMEMBER nokey",
	)
	// Random picks: the members must come from the set, distinct for a
	// positive count.
	for _, n := range []string{"2", "-5"} {
		r := p.shoal.do("ZRANDMEMBER", "z", n)
		if !strings.HasPrefix(r, "*"+strings.TrimPrefix(n, "-")+"\r\n") {
			t.Fatalf("ZRANDMEMBER z %s: %q", n, r)
		}
		for _, line := range strings.Split(r, "\r\n")[1:] {
			if line != "" && line[0] != '$' && line != "a" && line != "b" && line != "c" {
				t.Fatalf("ZRANDMEMBER z %s returned %q", n, line)
			}
		}
	}
	if r := p.shoal.do("ZRANDMEMBER", "z", "2"); strings.Count(r, "$1\r\na") > 1 || strings.Count(r, "$1\r\nb") > 1 {
		t.Fatalf("ZRANDMEMBER with a positive count repeats: %q", r)
	}
}

func TestZScan(t *testing.T) {
	p := newPair(t)
	p.script(
		"ZADD z 1 a 2.5 b -inf c 3 ab",
		"ZSCAN z 0",
		"ZSCAN z 0 MATCH a*",
		"ZSCAN z 0 COUNT 1",
		"ZSCAN z 0 match a* count 100",
		"ZSCAN nokey 0",
		"ZSCAN nokey 0 COUNT 0",
		"ZSCAN z 0 COUNT 0",
		"ZSCAN z 0 COUNT x",
		"ZSCAN z 0 MATCH",
		"ZSCAN z 0 foo 1",
		"ZSCAN z 0 TYPE zset",
		"ZSCAN z x",
		"ZSCAN z -1",
		"ZSCAN z 18446744073709551616",
		"SET s x",
		"ZSCAN s 0",
		"ZSCAN s x",
	)
	// A big set: a full cursor walk returns every member once.
	args := []string{"ZADD", "big"}
	for i := range 500 {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	p.eq(args...)
	seen := map[string]int{}
	cursor := "0"
	for {
		r := p.shoal.do("ZSCAN", "big", cursor, "COUNT", "50")
		lines := strings.Split(r, "\r\n")
		cursor = lines[2]
		for i := 5; i+2 < len(lines); i += 4 {
			seen[lines[i]]++
			if want := strings.TrimPrefix(lines[i], "m"); lines[i+2] != want {
				t.Fatalf("score of %s is %s", lines[i], lines[i+2])
			}
		}
		if cursor == "0" {
			break
		}
	}
	if len(seen) != 500 {
		t.Fatalf("ZSCAN walk saw %d members", len(seen))
	}
	for m, n := range seen {
		if n != 1 {
			t.Fatalf("%s seen %d times", m, n)
		}
	}
}

func TestZPop(t *testing.T) {
	p := newPair(t)
	p.script(
		"ZADD z 1 a 2 b 3 c 4 d 5 e 6 f",
		"ZPOPMIN z",
		"ZPOPMAX z",
		"ZPOPMIN z 2",
		"ZPOPMAX z 1",
		"ZPOPMIN z 0",
		"ZPOPMIN z 10",
		"EXISTS z",
		"ZPOPMIN z",
		"ZPOPMIN z 3",
		"ZPOPMAX nokey",
		"ZPOPMIN z -1",
		"ZPOPMIN z x",
		"ZPOPMIN z 1 2",
		"SET s x",
		"ZPOPMIN s",
		"ZPOPMIN s 0",
		"ZPOPMAX s 2",
		"ZADD z 1 a 2 b 3 c",
		"ZMPOP 1 z MIN",
		"ZMPOP 2 nokey z max COUNT 5",
		"ZMPOP 1 z MIN",
		"ZMPOP 2 nokey z MIN",
		"ZADD z 1 a 2 b 3 c",
		"ZMPOP 2 s z MIN",
		"ZMPOP 2 z s MIN",
		"ZMPOP 0 z MIN",
		"ZMPOP -1 z MIN",
		"ZMPOP x z MIN",
		"ZMPOP 2 z MIN",
		"ZMPOP 1 z foo",
		"ZMPOP 1 z MIN COUNT 0",
		"ZMPOP 1 z MIN COUNT -1",
		"ZMPOP 1 z MIN COUNT x",
		"ZMPOP 1 z MIN COUNT 1 COUNT 1",
		"ZMPOP 1 z MIN COUNT",
		"ZMPOP 1 z MIN foo",
		"ZMPOP 1 z",
		"BZPOPMIN z x",
		"BZPOPMIN z -1",
		"BZPOPMIN z",
		"BZPOPMAX z 0",
		"BZPOPMIN nokey z 0",
		"BZPOPMIN s z 0",
		"BZPOPMIN z s 0",
		"ZADD z 1 a 2 b 3 c",
		"BZMPOP 0 1 z MIN",
		"BZMPOP x 1 z MIN",
		"BZMPOP x 0 z MIN",
		"BZMPOP 0 0 z MIN",
		"BZMPOP -1 1 z MIN",
		"BZMPOP 0 1 z foo",
		"BZMPOP 0 1 z MIN COUNT 0",
		"BZMPOP 0 2 nokey s MIN",
		"ZRANGE z 0 -1 WITHSCORES",
	)
	p.both("HELLO", "3")
	p.script(
		"ZADD z 1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h 9 i 10 j 11 k",
		"ZPOPMIN z",
		"ZPOPMAX z 2",
		"ZPOPMIN z 1",
		"ZPOPMIN nokey",
		"ZPOPMIN nokey 2",
		"ZMPOP 1 z MAX",
		"ZMPOP 1 z MIN COUNT 2",
		"ZMPOP 1 nokey MIN",
		"BZPOPMIN z 0",
		"BZMPOP 0 1 z MAX COUNT 3",
		"BZPOPMIN nokey 0.01",
		"BZMPOP 0.01 1 nokey MIN",
	)
}

// TestBZPopServedByZAdd blocks BZPOPMIN and BZMPOP on missing keys and
// serves them from another connection; also the timeout replies.
func TestBZPopServedByZAdd(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		waiter, writer := dial(t, addr), dial(t, addr)
		waiter.send("BZPOPMIN", "z1", "z2", "0")
		waitBlocked(t, writer, 1)
		rec(writer.do("ZADD", "z2", "2", "b", "1", "a"))
		rec(waiter.reply())
		rec(writer.do("ZRANGE", "z2", "0", "-1", "WITHSCORES"))

		waiter.send("BZPOPMAX", "z3", "0")
		waitBlocked(t, writer, 1)
		rec(writer.do("ZINCRBY", "z3", "1.5", "x"))
		rec(waiter.reply())
		rec(writer.do("EXISTS", "z3"))

		waiter.send("BZMPOP", "0", "2", "m1", "m2", "MAX", "COUNT", "2")
		waitBlocked(t, writer, 1)
		rec(writer.do("ZADD", "m2", "1", "a", "2", "b", "3", "c"))
		rec(waiter.reply())
		rec(writer.do("ZRANGE", "m2", "0", "-1"))

		// A key of another type set meanwhile does not serve the waiter.
		waiter.send("BZPOPMIN", "w", "1")
		waitBlocked(t, writer, 1)
		rec(writer.do("SET", "w", "x"))
		rec(writer.do("DEL", "w"))
		rec(writer.do("ZADD", "w", "1", "one"))
		rec(waiter.reply())

		// Two waiters: the oldest is served first, and one ZADD of two
		// members serves both.
		w2 := dial(t, addr)
		waiter.send("BZPOPMIN", "q", "0")
		waitBlocked(t, writer, 1)
		w2.send("BZPOPMAX", "q", "0")
		waitBlocked(t, writer, 2)
		rec(writer.do("ZADD", "q", "1", "x"))
		rec(waiter.reply())
		waitBlocked(t, writer, 1)
		rec(writer.do("ZADD", "q", "5", "y", "6", "z", "7", "t"))
		rec(w2.reply())
		waiter.send("BZPOPMIN", "q2", "0")
		waitBlocked(t, writer, 1)
		w2.send("BZPOPMIN", "q2", "0")
		waitBlocked(t, writer, 2)
		rec(writer.do("ZADD", "q2", "1", "a", "2", "b"))
		rec(waiter.reply())
		rec(w2.reply())
		rec(writer.do("EXISTS", "q2"))

		// Timeouts: a null array in RESP2 and RESP3.
		rec(waiter.do("BZPOPMIN", "nokey", "0.05"))
		rec(waiter.do("BZMPOP", "0.05", "1", "nokey", "MIN"))
		waiter.do("HELLO", "3")
		rec(waiter.do("BZPOPMAX", "nokey", "0.05"))
		rec(waiter.do("BZMPOP", "0.05", "1", "nokey", "MIN"))
		waiter.send("BZPOPMIN", "r3", "0")
		waitBlocked(t, writer, 1)
		rec(writer.do("ZADD", "r3", "2.5", "x"))
		rec(waiter.reply())
	})
}

// TestZSetPropagation checks what the sorted-set writes send to replicas:
// the blocking pops as their plain forms, ZMPOP as ZPOPMIN/ZPOPMAX, writes
// that change nothing not at all.
func TestZSetPropagation(t *testing.T) {
	srv := ownShoal(t)
	propagated := recordPropagation(srv)
	c := dial(t, srv.Addr().String())
	for _, cmd := range []string{
		"ZADD z 1 a 2 b 3 c 4 d",
		"ZADD z 1 a",
		"ZADD z NX 5 a",
		"ZREM z nope",
		"ZINCRBY z 1 a",
		"BZPOPMIN z 0",
		"BZPOPMAX nokey z 0",
		"ZMPOP 1 z MAX COUNT 5",
		"ZADD z 1 a",
		"BZMPOP 0 1 z MIN",
		"ZPOPMIN nokey",
	} {
		c.do(strings.Fields(cmd)...)
	}
	got := propagated()
	want := []string{"ZADD z 1 a 2 b 3 c 4 d", "ZINCRBY z 1 a", "ZPOPMIN z", "ZPOPMAX z",
		"ZPOPMAX z 2", "ZADD z 1 a", "ZPOPMIN z 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("propagated %q, want %q", got, want)
	}
}
