package tests

// Differential tests of the strings family: every command, option and error
// against redis-server, in RESP2 and RESP3, and the form each write takes in
// the replication stream.

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// inBothProtocols runs f on a fresh pair speaking RESP2, then RESP3.
func inBothProtocols(t *testing.T, f func(t *testing.T, p *pair)) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := newPair(t)
			p.both("HELLO", proto)
			f(t, p)
		})
	}
}

// makeListKey creates a list at key on both servers, or skips the test when
// Shoal has no list commands yet (server/cmd_string_test.go covers the
// wrong-type cases in-process meanwhile).
func makeListKey(t *testing.T, p *pair, key string) {
	t.Helper()
	if strings.HasPrefix(p.shoal.do("RPUSH", key, "x"), "-ERR unknown command") {
		t.Skip("RPUSH is not implemented yet")
	}
	p.redis.do("RPUSH", key, "x")
}

func TestStringSetOptions(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SET a 1", "GET a", "SET a 2 NX", "SET a 2 XX", "GET a", "SET b 1 XX", "EXISTS b",
			"SET b 1 NX", "GET b", "SET a 3 GET", "SET c 3 GET", "SET a 4 NX GET", "SET a 5 XX GET",
			"SET d 5 XX GET", "EXISTS d", "SET d 5 NX GET", "SET a 6 get GET", "SET a 7 nx Nx",
			"SET a 7 Xx xX", "SET a 8 KEEPTTL KEEPTTL", "SET a 9 kEePtTl GeT", "GET a", "GET nosuchkey",
			// Option conflicts and syntax errors.
			"SET a 1 NX XX", "SET a 1 XX NX", "SET a 1 EX", "SET a 1 PX", "SET a 1 EXAT", "SET a 1 PXAT",
			"SET a 1 EX 10 PX 10", "SET a 1 PX 10 EX 10", "SET a 1 EX 10 EXAT 10", "SET a 1 PXAT 10 PX 10",
			"SET a 1 EX 10 KEEPTTL", "SET a 1 KEEPTTL EX 10", "SET a 1 KEEPTTL PXAT 10", "SET a 1 FOO",
			"SET a 1 PERSIST", "SET a 1 EX 10 10", "SET a 1 NX EX", "SET a 1 GET FOO", "SET a 1 EX 10 PX abc",
			"SET a 1 NX XX EX abc",
			// Expiry values.
			"SET a 1 EX 0", "SET a 1 EX -1", "SET a 1 EX abc", "SET a 1 EX 1.5", "SET a 1 EX 010",
			"SET a 1 EX +10", "SET a 1 PX 0", "SET a 1 EXAT 0", "SET a 1 PXAT -5", "SET a 1 ex 9223372036854775807",
			"SET a 1 EX 9223372036854775", "SET a 1 PX 9223372036854775807", "SET a 1 EXAT 9223372036854775807",
			"SET a 1 EXAT 9223372036854776", "SET a 1 PX 92233720368547758070", "SET a 1 EX -9223372036854775808",
			"SET a 1 EX abc EX 100", "TTL a", "SET a 1 EX 100 EX abc", "SET a 1 EX 10 EX 200", "TTL a",
			"SET a 1 PX 100 PX 300000", "TTL a", "SET a 1 EXAT 99999999999 EXAT 99999999990", "EXPIRETIME a",
			"SET a 1 PXAT 99999999999999", "PEXPIRETIME a", "SET a 1 pxat 99999999999999 XX GET", "PEXPIRETIME a",
			"SET a 2 EXAT 9223372036854775", "PEXPIRETIME a",
			// TTLs: kept by KEEPTTL only.
			"SET t 1 EX 100", "TTL t", "SET t 2 KEEPTTL", "TTL t", "GET t", "SET t 3", "TTL t",
			"SET t 4 PX 200000", "TTL t", "SET t 5 KEEPTTL GET", "TTL t", "SET t 6 XX", "TTL t",
			"SET u 1 KEEPTTL", "TTL u",
			// An absolute time in the past: the key is gone at once.
			"SET p 1 EXAT 1", "GET p", "EXISTS p", "SET p 1 PXAT 1 GET", "GET p",
			// Arity.
			"SET a", "SET", "GET", "GET a b",
		)
		p.eq("SET", "bin", "a\x00b\r\nc\xff")
		p.eq("GET", "bin")
		p.eq("SET", "empty", "")
		p.eq("GET", "empty")
		p.eq("SET", "", "emptykey")
		p.eq("GET", "")
		p.eq("SET", "big", strings.Repeat("x", 100000), "GET")
		p.eq("GET", "big")
	})
}

func TestStringSetVariants(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SETNX n 1", "SETNX n 2", "GET n", "SETNX", "SETNX n", "SETNX n 1 2",
			"SET e 1 EX 100", "SETNX e 2", "TTL e",
			"SETEX s 100 v", "TTL s", "GET s", "SETEX s 0 v", "SETEX s -1 v", "SETEX s abc v", "SETEX s 1.5 v",
			"SETEX s 9223372036854775807 v", "SETEX s 9223372036854775 v", "SETEX s 9223372036854774 v", "TTL s",
			"PSETEX s 100000 w", "TTL s", "GET s", "PSETEX s 0 v", "PSETEX s -100 v", "PSETEX s x v",
			"PSETEX s 9223372036854775807 v", "SETEX s 10", "PSETEX s 10", "SETEX s 10 v extra",
			"GETSET g 1", "GETSET g 2", "GET g", "SET g 1 EX 100", "GETSET g 2", "TTL g", "GETSET g", "GETSET g 1 2",
			"GETDEL g", "GETDEL g", "EXISTS g", "GETDEL", "GETDEL g h",
		)
	})
}

func TestStringGetEx(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SET x v", "GETEX x", "TTL x", "GETEX x EX 100", "TTL x", "GETEX x", "TTL x",
			"GETEX x PX 200000", "TTL x", "GETEX x ex 300 EX 400", "TTL x",
			"GETEX x EXAT 99999999999", "EXPIRETIME x", "GETEX x PXAT 99999999999999", "PEXPIRETIME x",
			"GETEX x PERSIST", "TTL x", "GETEX x PERSIST", "GETEX x persist PERSIST", "TTL x",
			// Syntax and value errors.
			"GETEX x EX", "GETEX x EX 10 PX 10", "GETEX x PERSIST EX 10", "GETEX x EX 10 PERSIST", "GETEX x NX",
			"GETEX x XX", "GETEX x KEEPTTL", "GETEX x GET", "GETEX x EX 0", "GETEX x EX -1", "GETEX x EX abc",
			"GETEX x PX 0", "GETEX x EXAT 0", "GETEX x PXAT -1", "GETEX x EX 9223372036854775807",
			"GETEX x PX 9223372036854775807", "GETEX x EXAT 9223372036854775807", "GETEX x FOO", "TTL x",
			// A missing key: null before the expiry value is even looked at.
			"GETEX missing", "GETEX missing EX abc", "GETEX missing EX 0", "GETEX missing FOO", "GETEX missing EX",
			// An absolute time in the past deletes the key.
			"GETEX x EXAT 1", "EXISTS x", "SET y v", "GETEX y PXAT 1", "EXISTS y",
			"GETEX",
		)
	})
}

func TestStringMultiKey(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"MSET a 1 b 2 c 3", "MGET a b c d", "MGET d", "MSET a 1 b", "MSET a", "MSET", "MSETNX a 1 x 2", "MGET x",
			"MSETNX x 1 y 2", "MGET x y", "MSETNX x 1 y", "MSETNX x", "MSET a 1 a 2", "GET a", "MSETNX z 1 z 2", "GET z",
			"SET t 1 EX 100", "MSET t 2", "TTL t", "MGET", "MSET {u}a 1 {u}b 2", "MGET {u}a {u}b {u}c",
		)
		var mset []string
		var mget []string
		for i := 0; i < 60; i++ {
			mget = append(mget, fmt.Sprintf("key:%d", i))
			if i%6 != 0 {
				mset = append(mset, fmt.Sprintf("key:%d", i), fmt.Sprintf("v%d", i))
			}
		}
		p.eq(append([]string{"MSET"}, mset...)...)
		p.eq(append([]string{"MGET"}, mget...)...)
		p.eq(append([]string{"MSETNX"}, mset...)...)
		p.eq("MSETNX", "new:1", "a", "new:2", "b", "new:3", "c")
		p.eq("MGET", "new:1", "new:2", "new:3", "key:1")
	})
}

func TestStringWrongTypeDifferential(t *testing.T) {
	p := newPair(t)
	makeListKey(t, p, "l")
	p.script(
		"GET l", "SET l v GET EX abc", "SET l v GET", "GETSET l v", "GETDEL l", "GETEX l", "GETEX l EX abc",
		"GETEX l FOO", "MGET l a", "INCR l", "INCRBY l abc", "DECRBY l 1", "DECR l", "INCRBYFLOAT l 1",
		"INCRBYFLOAT l abc", "APPEND l x", "SETRANGE l 0 x", "SETRANGE l -1 x", "GETRANGE l 0 1", "GETRANGE l a 1",
		"SUBSTR l 0 1", "STRLEN l", "LCS l a", "LCS a l FOO", "SETNX l v", "MSETNX a 1 l v", "MGET a", "TYPE l",
		"SET l v", "TYPE l", "GET l",
	)
	makeListKey(t, p, "l2")
	p.eq("SETRANGE", "l2", "0", "")
	p.eq("MSET", "l2", "v")
	p.eq("GET", "l2")
}

func TestStringIncr(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"INCR i", "INCR i", "DECR i", "INCRBY i 10", "INCRBY i -20", "DECRBY i 5", "DECRBY i -5", "GET i",
			"INCRBY i abc", "INCRBY i 1.5", "INCRBY i 9223372036854775808", "INCRBY i 01", "INCRBY i +1", "INCRBY i -0",
			"DECRBY i abc", "DECRBY i -9223372036854775808", "DECRBY nokey -9223372036854775808", "EXISTS nokey",
			"SET i 9223372036854775807", "INCR i", "INCRBY i 1", "INCRBY i 0", "DECR i", "GET i",
			"SET i -9223372036854775808", "DECR i", "DECRBY i 1", "INCRBY i -1", "INCR i", "GET i",
			"SET i -1", "INCRBY i -9223372036854775808", "DECRBY i 9223372036854775807", "GET i",
			"SET i 1", "INCRBY i 9223372036854775807", "INCRBY i 9223372036854775806", "GET i",
			"INCRBY j 0", "GET j", "DECRBY k 0", "DECR k2", "GET k2",
			"SET s abc", "INCR s", "SET s 01", "INCR s", "SET s +1", "INCR s", "SET s 1.0", "INCR s",
			"SET s 18446744073709551616", "INCR s", "SET s -0", "INCR s", "SET s 9223372036854775808", "DECR s",
			"SET s 123456789012345678901", "INCR s", "SET s 0", "INCR s", "SET s -12", "INCR s",
			"SET t 1 EX 100", "INCR t", "TTL t", "INCRBY t 5", "DECR t", "DECRBY t 2", "TTL t", "GET t",
			"INCR", "INCR a b", "INCRBY a", "INCRBY a 1 2", "DECRBY a", "DECR",
		)
		for _, v := range []string{"", " 1", "1 ", "1\x00", "\x001", "1\r\n"} {
			p.eq("SET", "s", v)
			p.eq("INCR", "s")
			p.eq("INCRBY", "n", v)
		}
	})
}

// longDoubleCases are INCRBYFLOAT increments (and stored values) exercising
// strtold's grammar and the long double range.
func longDoubleCases() []string {
	cases := []string{
		"0.1", "10.5", "5.0e3", "5.0E3", "1e4932", "1e4933", "-1e4932", "1.18973149535723176502e+4932",
		"1.18973149535723176508e+4932", "1e-4940", "1e-4951", "3.6e-4951", "1.8e-4951", "1.9e-4951", "1e-5000",
		"0x1p3", "0x1.8p1", "0X.8P-1", "0xAbC.dEf", "0x1p16383", "0x1p16384", "0x1p-16445", "0x1p-16446",
		"0x1.1p-16446", "0x1p-18", "0x3p-18", "0x1.fffffffffffffffep16383", "0x1.ffffffffffffffffp16383", "0x", "0x1p", "0xp1", "0x.p1", "0x1.", "0x.1", "1e", "1e+", "1e-", ".5", "5.", ".", "-", "+",
		"+1", "-.5e-1", "inf", "-inf", "+inf", "infinity", "INF", "Infinity", "-INFINITY", "infin", "nan", "NaN",
		"-nan", "nan(123)", " 1", "1 ", "\t1", "1\t", "", "1e10", "-1e-10", "123456789012345678901234567890",
		"-0", "0", "0e-99999", "0e99999", "1e+00001", "1e0000000000000000000000005", "1e-99999999999999999999",
		"1e99999999999999999999", "1_000", "0b101", "0o17", "1,5", "1..5", "1e5.5", "e5", "--1", "+-1", "0.0",
		"00012.500", "3.14159265358979323846264338327950288", "0.30000000000000000001", "2.5", "-2.5",
		"9223372036854775807", "18446744073709551616", "1e17", "1e18", "1e19", "1e20", "1e21", "12345678.9",
		"0.000000000000000005", "0.000000000000000015", "0.0000038146972656250", "1\x002", "1\n",
		"1." + strings.Repeat("0", 5116), "1." + strings.Repeat("0", 5117), "0x1" + strings.Repeat("0", 4092) + "p-16000",
		"1" + strings.Repeat("0", 4000), "0." + strings.Repeat("0", 4000) + "1",
	}
	return cases
}

func TestStringIncrByFloat(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SET a 10.5", "INCRBYFLOAT a 0.1", "INCRBYFLOAT a 5.0e3", "GET a", "INCRBYFLOAT n 1", "INCRBYFLOAT n -1",
			"GET n", "SET f abc", "INCRBYFLOAT f 1", "SET f inf", "INCRBYFLOAT f 1", "INCRBYFLOAT f -inf",
			"SET f 1e4932", "INCRBYFLOAT f 1e4932", "INCRBYFLOAT f -1e4932", "GET f",
			"SET t 1 EX 100", "INCRBYFLOAT t 1.5", "TTL t", "GET t",
			"INCRBYFLOAT", "INCRBYFLOAT a", "INCRBYFLOAT a 1 2",
		)
	})
	p := newPair(t)
	for _, v := range longDoubleCases() {
		p.eq("DEL", "x")
		p.eq("INCRBYFLOAT", "x", v)
		p.eq("SET", "y", v)
		p.eq("INCRBYFLOAT", "y", "0")
		p.eq("INCRBYFLOAT", "y", "1.5")
		p.eq("INCRBYFLOAT", "y", v)
	}
	// Accumulating steps that are not exact in binary.
	p.eq("DEL", "acc")
	for i := 0; i < 60; i++ {
		p.eq("INCRBYFLOAT", "acc", "0.1")
	}
	for i := 0; i < 30; i++ {
		p.eq("INCRBYFLOAT", "acc", "-0.37")
	}
	rng := rand.New(rand.NewPCG(7, 0x10d))
	for i := 0; i < 400; i++ {
		p.eq("SET", "r", randomFloat(rng))
		p.eq("INCRBYFLOAT", "r", randomFloat(rng))
	}
}

// randomFloat makes a number in one of strtold's forms, of any magnitude.
func randomFloat(rng *rand.Rand) string {
	var b strings.Builder
	if rng.IntN(3) == 0 {
		b.WriteByte('-')
	}
	if rng.IntN(8) == 0 {
		b.WriteString("0x")
		for n := 1 + rng.IntN(20); n > 0; n-- {
			b.WriteByte("0123456789abcdef"[rng.IntN(16)])
		}
		if rng.IntN(2) == 0 {
			b.WriteByte('.')
			b.WriteByte("0123456789abcdef"[rng.IntN(16)])
		}
		fmt.Fprintf(&b, "p%d", rng.IntN(200)-100)
		return b.String()
	}
	for n := 1 + rng.IntN(22); n > 0; n-- {
		b.WriteByte(byte('0' + rng.IntN(10)))
	}
	if rng.IntN(2) == 0 {
		b.WriteByte('.')
		for n := rng.IntN(22); n > 0; n-- {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
	}
	switch rng.IntN(4) {
	case 0:
		fmt.Fprintf(&b, "e%d", rng.IntN(60)-30)
	case 1:
		fmt.Fprintf(&b, "e%d", rng.IntN(9900)-4950)
	}
	return b.String()
}

func TestStringAppendSetRange(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"APPEND a hello", "GET a", "STRLEN a", "APPEND a world", "GET a", "STRLEN a", "APPEND a 12", "GET a",
			"SET n 12", "APPEND n 34", "GET n", "INCR n", "STRLEN missing", "STRLEN", "STRLEN a b",
			"SET t 1 EX 100", "APPEND t 2", "TTL t", "SETRANGE t 0 x", "TTL t", "GET t",
			"SETRANGE s 0 abc", "SETRANGE s 5 xy", "STRLEN s", "SETRANGE s 1 ZZZZZZZZ", "GET s",
			"SETRANGE m 10", "SETRANGE s -1 x", "SETRANGE s abc x", "SETRANGE s 1.5 x",
			"SETRANGE s 536870912 x", "SETRANGE s 536870911 xy", "SETRANGE s 9223372036854775807 x",
			"SETRANGE s 9223372036854775808 x", "SETRANGE new 536870912 x", "EXISTS new",
			"SETRANGE", "SETRANGE s 0", "APPEND", "APPEND a", "APPEND a b c",
		)
		p.eq("GET", "s")
		p.eq("APPEND", "e", "")
		p.eq("EXISTS", "e")
		p.eq("STRLEN", "e")
		p.eq("GET", "e")
		p.eq("APPEND", "a", "")
		p.eq("SETRANGE", "s", "0", "")
		p.eq("SETRANGE", "s", "100", "")
		p.eq("SETRANGE", "s", "536870912", "")
		p.eq("SETRANGE", "m", "10", "")
		p.eq("EXISTS", "m")
		p.eq("SETRANGE", "m", "3", "x\x00\r\n")
		p.eq("GET", "m")
		p.eq("APPEND", "bin", "\x00\xff\r\n")
		p.eq("APPEND", "bin", "\x00")
		p.eq("GET", "bin")
		// Growth by many small appends and overwrites.
		for i := 0; i < 300; i++ {
			p.eq("APPEND", "grow", strconv.Itoa(i))
			if i%37 == 0 {
				p.eq("SETRANGE", "grow", strconv.Itoa(i*3), "<>")
			}
		}
		p.eq("GET", "grow")
		p.eq("SETRANGE", "grow", "5000", "end")
		p.eq("GET", "grow")
	})
}

func TestStringGetRange(t *testing.T) {
	p := newPair(t)
	p.both("SET", "s", "Hello, World")
	p.both("SET", "n", "1234567")
	p.both("SET", "e", "")
	bounds := []string{"-9223372036854775808", "-9223372036854775807", "9223372036854775807"}
	for i := -14; i <= 14; i++ {
		bounds = append(bounds, strconv.Itoa(i))
	}
	for _, a := range bounds {
		for _, b := range bounds {
			p.eq("GETRANGE", "s", a, b)
		}
	}
	for _, a := range bounds[:8] {
		for _, b := range bounds {
			p.eq("GETRANGE", "e", a, b)
			p.eq("SUBSTR", "n", a, b)
		}
	}
	p.script(
		"GETRANGE missing 0 -1", "GETRANGE missing 5 1", "GETRANGE missing x 1", "GETRANGE s x 1", "GETRANGE s 1 x",
		"GETRANGE s 1.5 2", "GETRANGE s 9223372036854775808 1", "SUBSTR s 0 4", "SUBSTR s x 1", "SUBSTR missing 0 1",
		"GETRANGE s 0", "GETRANGE", "SUBSTR s 0", "GETRANGE s 0 1 2",
	)
	p.both("HELLO", "3")
	p.script("GETRANGE missing 0 -1", "GETRANGE s 0 4", "GETRANGE s 5 1", "SUBSTR s -3 -1")
}

func TestStringLCS(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SET a ohmytext", "SET b mynewtext",
			"LCS a b", "LCS a b LEN", "LCS a b IDX", "LCS a b IDX WITHMATCHLEN", "LCS a b idx minmatchlen 4",
			"LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", "LCS a b IDX MINMATCHLEN -5", "LCS a b IDX MINMATCHLEN 0",
			"LCS a b IDX MINMATCHLEN abc", "LCS a b MINMATCHLEN", "LCS a b LEN IDX", "LCS a b IDX LEN",
			"LCS a b FOO", "LCS a b LEN FOO", "LCS a b MINMATCHLEN 3", "LCS a b WITHMATCHLEN", "LCS a b LEN WITHMATCHLEN",
			"LCS a missing", "LCS missing a IDX", "LCS missing missing IDX", "LCS missing missing", "LCS a a IDX",
			"LCS a a LEN", "LCS a b IDX IDX", "LCS a b idx len withmatchlen", "LCS a b MINMATCHLEN 1 MINMATCHLEN 5 IDX",
			"LCS a", "LCS",
		)
		rng := rand.New(rand.NewPCG(3, 0x1c5))
		for i := 0; i < 60; i++ {
			a, b := randomWord(rng, 40), randomWord(rng, 40)
			p.both("SET", "x", a)
			p.both("SET", "y", b)
			p.eq("LCS", "x", "y")
			p.eq("LCS", "x", "y", "LEN")
			p.eq("LCS", "x", "y", "IDX", "WITHMATCHLEN")
			p.eq("LCS", "y", "x", "IDX", "MINMATCHLEN", "2")
		}
		p.both("SET", "x", randomWord(rng, 1500))
		p.both("SET", "y", randomWord(rng, 1500))
		p.eq("LCS", "x", "y", "IDX", "MINMATCHLEN", "3", "WITHMATCHLEN")
	})
}

// randomWord is up to n bytes from a small alphabet, so that matches abound.
func randomWord(rng *rand.Rand, n int) string {
	b := make([]byte, rng.IntN(n+1))
	for i := range b {
		b[i] = "abcd"[rng.IntN(4)]
	}
	return string(b)
}

// TestStringLengthLimit runs both servers with the smallest
// proto-max-bulk-len so that APPEND and SETRANGE reach it cheaply.
func TestStringLengthLimit(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, []string{"proto-max-bulk-len 1048576"}, []string{"--proto-max-bulk-len", "1048576"})
	p := pairAt(t, shoalAddr, redisAddr)
	half := strings.Repeat("x", 600000)
	p.eq("APPEND", "a", half)
	p.eq("APPEND", "a", half)
	p.eq("APPEND", "a", strings.Repeat("y", 448576))
	p.eq("APPEND", "a", "z")
	p.eq("STRLEN", "a")
	p.eq("SETRANGE", "b", "1048576", "x")
	p.eq("SETRANGE", "b", "1048575", "xy")
	p.eq("SETRANGE", "b", "1048575", "x")
	p.eq("STRLEN", "b")
	p.eq("SETRANGE", "b", "0", "abc")
	p.eq("SETRANGE", "b", "1048574", "abc")
	p.eq("APPEND", "b", "x")
	p.eq("GETRANGE", "b", "0", "5")
}

// TestStringConcurrentMSet checks that MSET and MGET over keys in different
// shards are atomic: a reader never sees half of a write.
func TestStringConcurrentMSet(t *testing.T) {
	keys := []string{"k:alpha", "k:beta", "k:gamma", "k:delta"}
	w := dial(t, testEnv.shoalAddr)
	r := dial(t, testEnv.shoalAddr)
	w.do("MSET", keys[0], "0", keys[1], "0", keys[2], "0", keys[3], "0")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= 400; i++ {
			v := strconv.Itoa(i)
			if reply := w.do("MSET", keys[0], v, keys[1], v, keys[2], v, keys[3], v); reply != "+OK\r\n" {
				t.Errorf("MSET: %q", reply)
				return
			}
		}
	}()
	for i := 0; i < 400; i++ {
		reply := r.do("MGET", keys[0], keys[1], keys[2], keys[3])
		lines := strings.Split(reply, "\r\n")
		if len(lines) != 10 || lines[2] != lines[4] || lines[2] != lines[6] || lines[2] != lines[8] {
			t.Fatalf("MGET saw a partial MSET: %q", reply)
		}
	}
	wg.Wait()
}

// TestStringPropagation compares the commands each server sends to its
// replicas: redis-server's replication stream, read by a fake replica,
// against what Shoal hands its propagation hook. Absolute times derived
// from the clock are masked.
func TestStringPropagation(t *testing.T) {
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
		"SET a 1", "SET a 1 PXAT 99999999999999 GET", "SET a 1 PX 100000 GET", "SET a 2 GET NX", "SET b 2 GET XX get",
		"SET b 2 GET KEEPTTL", "SET b 3 NX", "SET b 3 XX EX 100", "SET c 1 EXAT 99999999999", "SET c 2 KEEPTTL",
		"SET c 3 get", "GETEX a PX 50000", "GETEX a PXAT 99999999999990", "GETEX a EXAT 99999999999", "GETEX a",
		"GETEX a PERSIST", "GETEX a PERSIST", "GETEX a EX 100", "GETEX a EXAT 1", "GETEX a EX 100", "GETEX x EX 10",
		"INCRBYFLOAT f 1.5", "INCRBYFLOAT f 0.1", "INCRBYFLOAT f abc", "GETSET f 5", "GETDEL f", "GETDEL f",
		"SETEX d 100 v", "PSETEX d 100000 v", "SETEX d 0 v", "SETNX e 1", "SETNX e 1", "MSETNX f 1 g 2", "MSETNX f 1 h 2",
		"MSET f 3 g 4", "INCR f", "DECRBY f 2", "INCRBY f 9223372036854775807", "APPEND f x", "SETRANGE f 5 y",
		"SETRANGE f 0 ''", "SETRANGE z 3 ''", "GET f", "MGET f g", "LCS f g",
	}
	sh := dial(t, srv.Addr().String())
	rc := dial(t, addr)
	for _, line := range script {
		args := strings.Fields(line)
		for i, a := range args {
			if a == "''" {
				args[i] = ""
			}
		}
		sh.do(args...)
		rc.do(args...)
	}
	// A last write marks the end of the stream.
	sh.do("SET", "end", "1")
	rc.do("SET", "end", "1")
	want := repl.readUntil(t, "end")

	mu.Lock()
	got := shoalStream[:len(shoalStream)-1] // without the end marker
	mu.Unlock()
	now := time.Now().UnixMilli()
	g, w := maskTimes(got, now), maskTimes(want, now)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("propagated commands differ\n shoal:\n  %s\n redis:\n  %s", strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

// maskTimes renders commands one per line, with unix-ms times within a year
// of now (those derived from relative expiries) replaced by "<now+>".
func maskTimes(cmds [][]string, now int64) []string {
	var out []string
	for _, c := range cmds {
		parts := make([]string, len(c))
		for i, a := range c {
			parts[i] = a
			if i == 0 {
				parts[i] = strings.ToUpper(a)
			}
			if n, err := strconv.ParseInt(a, 10, 64); err == nil && n > now-3600_000 && n < now+366*86400_000 {
				parts[i] = "<now+>"
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// fakeReplica is a replication connection to redis-server: it takes the
// full sync and then reads the command stream.
type fakeReplica struct {
	nc net.Conn
	rd *bufio.Reader
}

func newFakeReplica(t *testing.T, addr string) *fakeReplica {
	t.Helper()
	c := dial(t, addr)
	c.send("PSYNC", "?", "-1")
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	// "+FULLRESYNC <id> <offset>", then the RDB as "$<len>\r\n<bytes>"; bare
	// newlines are keepalives while the snapshot is made.
	var line string
	for line == "" {
		l, err := c.rd.ReadString('\n')
		if err != nil {
			t.Fatalf("PSYNC: %v", err)
		}
		line = strings.TrimRight(l, "\r\n")
	}
	if !strings.HasPrefix(line, "+FULLRESYNC") {
		t.Fatalf("PSYNC reply %q", line)
	}
	line = ""
	for line == "" {
		l, err := c.rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the RDB length: %v", err)
		}
		line = strings.TrimRight(l, "\r\n")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(line, "$"))
	if err != nil {
		t.Fatalf("RDB length %q", line)
	}
	if _, err := c.rd.Discard(n); err != nil {
		t.Fatalf("reading the RDB: %v", err)
	}
	return &fakeReplica{nc: c.nc, rd: c.rd}
}

// readUntil returns the stream's commands, without SELECT and PING, up to
// (not including) a SET of key.
func (r *fakeReplica) readUntil(t *testing.T, key string) [][]string {
	t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var cmds [][]string
	for {
		c, err := readCommand(r.rd)
		if err != nil {
			t.Fatalf("reading the replication stream: %v (so far %q)", err, cmds)
		}
		switch strings.ToUpper(c[0]) {
		case "SELECT", "PING":
			continue
		case "SET":
			if len(c) == 3 && c[1] == key {
				return cmds
			}
		}
		cmds = append(cmds, c)
	}
}

// readCommand reads one multibulk request.
func readCommand(rd *bufio.Reader) ([]string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("unexpected %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, err
	}
	args := make([]string, n)
	for i := range args {
		l, err := rd.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(l[1:]))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}
