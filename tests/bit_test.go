package tests

// Differential tests of the bitmap commands (SETBIT GETBIT BITCOUNT BITPOS
// BITOP BITFIELD BITFIELD_RO) against redis-server: every option and error,
// the order errors are found in, RESP3, encodings, dirty counting, and a
// seeded random run over random bit patterns.

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// infoField reads a numeric field of an INFO section from a connection.
func infoField(t *testing.T, c *rconn, section, field string) int64 {
	t.Helper()
	info := c.do("INFO", section)
	i := strings.Index(info, "\n"+field+":")
	if i < 0 {
		t.Fatalf("no %s in %q", field, info)
	}
	line := info[i+len(field)+2:]
	line = line[:strings.IndexByte(line, '\r')]
	n, err := strconv.ParseInt(line, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// eqDirty runs a command on both servers, comparing the replies, how many
// changes each counted, and the keyspace hits and misses.
func (p *pair) eqDirty(t *testing.T, args ...string) {
	t.Helper()
	counters := []struct{ section, field string }{
		{"persistence", "rdb_changes_since_last_save"}, {"stats", "keyspace_hits"}, {"stats", "keyspace_misses"},
	}
	var before [3][2]int64
	for i, ctr := range counters {
		before[i] = [2]int64{infoField(t, p.shoal, ctr.section, ctr.field), infoField(t, p.redis, ctr.section, ctr.field)}
	}
	p.eq(args...)
	for i, ctr := range counters {
		ds := infoField(t, p.shoal, ctr.section, ctr.field) - before[i][0]
		dr := infoField(t, p.redis, ctr.section, ctr.field) - before[i][1]
		if ds != dr {
			t.Errorf("%s: %s went up by %d on shoal, %d on redis", quoteArgs(args), ctr.field, ds, dr)
		}
	}
}

func TestBitSetGet(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"SETBIT k 7 1", "GET k", "SETBIT k 7 0", "SETBIT k 7 1", "SETBIT k 100 1", "STRLEN k",
			"GETBIT k 7", "GETBIT k 6", "GETBIT k 100", "GETBIT k 101", "GETBIT k 1000000", "GETBIT nokey 0",
			"GETBIT nokey 4294967295", "GETBIT k 4294967295", "OBJECT ENCODING k", "GET k",
			// Errors, in Redis's order: offset, then value, then type.
			"SETBIT k -1 1", "SETBIT k 4294967296 1", "SETBIT k x 1", "SETBIT k 1 2", "SETBIT k 1 -1",
			"SETBIT k 1 x", "SETBIT k 01 1", "SETBIT k +1 1", "SETBIT k 1 01", "SETBIT k x x",
			"GETBIT k -1", "GETBIT k 4294967296", "GETBIT k 1.5", "GETBIT k #1",
			"SETBIT k 18446744073709551616 1", "SETBIT k 9223372036854775807 1",
			"RPUSH l a", "SETBIT l 0 1", "SETBIT l -1 1", "SETBIT l 0 2", "GETBIT l 0", "GETBIT l x",
			"GETBIT nokey x",
			// Integer- and embstr-encoded values become raw.
			"SET n 123", "GETBIT n 2", "OBJECT ENCODING n", "SETBIT n 0 0", "OBJECT ENCODING n", "GET n",
			"SET s abc", "SETBIT s 1 1", "OBJECT ENCODING s", "SETBIT new 3 0", "OBJECT ENCODING new", "GET new",
			"SETBIT k", "GETBIT k", "SETBIT k 1 1 1",
		)
		// SETBIT keeps a TTL.
		p.both("SET t abc EX 100")
		p.eq("SETBIT", "t", "2", "0")
		p.eq("TTL", "t")
	})
}

func TestBitDirty(t *testing.T) {
	p := newPair(t)
	for _, cmd := range []string{
		"SETBIT a 10 1", "SETBIT a 10 1", "SETBIT a 10 0", "SETBIT a 3 0", "SETBIT a 100 0", "SETBIT a 100 0",
		"SET n 123", "SETBIT n 0 0", "SETBIT n 2 1",
		"BITFIELD b GET u8 0", "EXISTS b", "BITFIELD b OVERFLOW FAIL INCRBY u2 0 100", "EXISTS b",
		"BITFIELD b SET u8 0 1 SET u8 8 2 GET u8 0 OVERFLOW FAIL INCRBY u8 0 300",
		"BITFIELD b INCRBY u8 0 300 SET u4 100 3", "BITFIELD b GET u8 0", "BITFIELD_RO b GET u8 0",
		"SET s abc", "BITOP AND d s", "BITOP AND d s", "BITOP AND d nokey", "BITOP AND d nokey",
		"BITCOUNT s", "BITPOS s 1", "GETBIT s 0", "BITCOUNT nokey", "BITPOS nokey 0", "GETBIT nokey 0",
		"BITOP OR d s nokey", "BITFIELD_RO nokey GET u8 0", "BITFIELD nokey2 SET u8 0 1", "SETBIT nokey3 0 1",
	} {
		p.eqDirty(t, strings.Fields(cmd)...)
	}
}

func TestBitCount(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.both("SET s foobar")
		p.both("SET e", "")
		p.both("SET n 12345")
		p.script(
			"BITCOUNT s", "BITCOUNT s 0 0", "BITCOUNT s 1 1", "BITCOUNT s 1 1 BYTE", "BITCOUNT s 5 30 BIT",
			"BITCOUNT s 5 30 bit", "BITCOUNT s 0 -1", "BITCOUNT s -2 -1", "BITCOUNT s -1 -2", "BITCOUNT s -100 100",
			"BITCOUNT s 100 200", "BITCOUNT s 3 2", "BITCOUNT s -100 -90", "BITCOUNT s -1 -1 BIT", "BITCOUNT s -5 -3 BIT",
			"BITCOUNT s 47 47 BIT", "BITCOUNT s 48 100 BIT", "BITCOUNT s 0 -1 BIT", "BITCOUNT s 7 8 BIT",
			"BITCOUNT s 9223372036854775807 -9223372036854775808", "BITCOUNT s -9223372036854775808 9223372036854775807",
			"BITCOUNT s -9223372036854775808 9223372036854775807 BIT",
			"BITCOUNT e", "BITCOUNT e 0 -1", "BITCOUNT e 0 -1 BIT", "BITCOUNT n", "BITCOUNT n 1 2", "BITCOUNT n 3 20 BIT",
			// Errors: the key is looked up first, so a missing key is 0.
			"BITCOUNT s 0", "BITCOUNT s 0 1 2", "BITCOUNT s 0 1 BIT x", "BITCOUNT s x 1", "BITCOUNT s 0 x",
			"BITCOUNT s x x FOO", "BITCOUNT s 0 1 FOO", "BITCOUNT s 0.5 1",
			"BITCOUNT nokey 0", "BITCOUNT nokey x y", "BITCOUNT nokey 0 1 FOO", "BITCOUNT nokey 0 1 2 3",
			"RPUSH l a", "BITCOUNT l", "BITCOUNT l 0", "BITCOUNT l x y z", "BITCOUNT",
		)
	})
}

func TestBitPos(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.both("SET s", "\xff\xf0\x00")
		p.both("SET ones", "\xff\xff\xff")
		p.both("SET zeros", "\x00\x00\x00")
		p.both("SET e", "")
		p.script(
			"BITPOS s 0", "BITPOS s 1", "BITPOS s 0 1", "BITPOS s 1 1", "BITPOS s 1 2", "BITPOS s 0 -1",
			"BITPOS s 0 0 0", "BITPOS s 1 0 0", "BITPOS s 0 5 10 BIT", "BITPOS s 0 12 12 BIT", "BITPOS s 1 12 23 BIT",
			"BITPOS s 1 -12 -1 BIT", "BITPOS s 0 -100 100", "BITPOS s 1 3 2", "BITPOS s 0 3 2 BYTE",
			"BITPOS s 1 9 9 bit", "BITPOS s 1 11 11 bit", "BITPOS s 0 0 11 BIT", "BITPOS s 0 7 15 BIT",
			"BITPOS ones 0", "BITPOS ones 0 1", "BITPOS ones 0 1 -1", "BITPOS ones 0 0 -1 BYTE", "BITPOS ones 0 3 20 BIT",
			"BITPOS ones 1 -1", "BITPOS ones 0 -9223372036854775808",
			"BITPOS zeros 1", "BITPOS zeros 0", "BITPOS zeros 1 1 2", "BITPOS zeros 1 0 23 BIT",
			"BITPOS e 0", "BITPOS e 1", "BITPOS e 0 0", "BITPOS e 0 0 -1 BIT",
			"BITPOS nokey 0", "BITPOS nokey 1", "BITPOS nokey 1 x", "BITPOS nokey 0 1 2 FOO",
			// Errors: bit first, then key, then range and unit.
			"BITPOS s 2", "BITPOS s -1", "BITPOS s x", "BITPOS nokey 2", "BITPOS s 1 x", "BITPOS s 1 0 x",
			"BITPOS s 1 0 1 FOO", "BITPOS s 1 0 x FOO", "BITPOS s 1 x 1 FOO", "BITPOS s 1 0 1 BIT x",
			"RPUSH l a", "BITPOS l 1", "BITPOS l 2", "BITPOS l 1 x", "BITPOS s", "BITPOS",
		)
	})
}

func TestBitOp(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.both("SET a", "\xff\x0f\xaa\x55\x01\x02\x03\x04\x05\x06")
		p.both("SET b", "\x0f\xf0")
		p.both("SET c 123")
		p.script(
			"BITOP AND d a b", "GET d", "OBJECT ENCODING d", "BITOP OR d a b", "GET d", "BITOP XOR d a b c", "GET d",
			"BITOP NOT d a", "GET d", "BITOP NOT d b", "GET d", "BITOP and d a nokey", "GET d", "BITOP or d nokey b",
			"GET d", "BITOP xor d a a", "GET d", "BITOP AND d nokey nokey2", "EXISTS d", "BITOP NOT d nokey", "EXISTS d",
			"BITOP AND a a b", "GET a", "BITOP XOR b b b", "GET b", "BITOP OR c c", "GET c", "OBJECT ENCODING c",
			// Errors: the operation, NOT's arity, then the types.
			"BITOP FOO d a", "BITOP NOT d a b", "BITOP NOTT d a", "BITOP NOT d", "BITOP AND d",
			"RPUSH l x", "BITOP AND d a l", "BITOP FOO d l", "BITOP NOT d l", "BITOP NOT d a l",
			"BITOP AND l a", "TYPE l", "GET l",
		)
		// Destinations longer than the result: cut in place, or replaced.
		p.both("SET a", "\xff\x0f\xaa\x55\x01\x02\x03\x04\x05\x06")
		p.both("SET d12", "abcdefghijkl")
		p.both("SET big", strings.Repeat("z", 300))
		p.script("BITOP OR d12 a nokey", "GET d12", "BITOP XOR big a d12", "GET big", "STRLEN big",
			"BITOP AND d12 d12 big", "GET d12", "BITOP NOT big big", "GET big")
		// More sources than the handler keeps on its stack.
		p.script("SET s1 a", "SET s2 bb", "SET s3 ccc", "SET s4 dddd", "SET s5 eeeee",
			"BITOP OR m s1 s2 s3 s4 s5 nokey s1 s2 s3 s4 s5", "GET m",
			"BITOP XOR m s1 s2 s3 s4 s5 s5 s4 s3 s2 s1 s5", "GET m",
			"BITOP AND m s5 s4 s5 s4 s5 s4 s5 s4 s5 s4 s5", "GET m")
		// The destination loses its TTL.
		p.both("SET t x EX 100")
		p.eq("BITOP", "OR", "t", "a")
		p.eq("TTL", "t")
	})
}

func TestBitfield(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.script(
			"BITFIELD k GET i8 0", "EXISTS k", "BITFIELD k", "BITFIELD_RO k", "BITFIELD nokey GET u4 100",
			"BITFIELD k SET u8 0 255 GET u8 0 INCRBY u8 0 10 GET i8 0", "GET k", "OBJECT ENCODING k",
			"BITFIELD k SET i5 #3 -7 GET i5 #3 GET u5 15 INCRBY i5 #3 100", "GET k",
			"BITFIELD k OVERFLOW SAT INCRBY u8 0 1000 INCRBY i8 8 -1000 OVERFLOW WRAP INCRBY u8 0 1",
			"BITFIELD k OVERFLOW FAIL INCRBY u8 0 1000 SET i4 0 8 SET i4 0 7 GET i4 0", "GET k",
			"BITFIELD k OVERFLOW SAT SET u8 0 -1 SET i8 0 -9223372036854775808 GET i8 0 SET u8 0 -9223372036854775808",
			"BITFIELD k SET i64 3 9223372036854775807 INCRBY i64 3 1 OVERFLOW SAT INCRBY i64 3 -1 INCRBY i64 3 -10",
			"BITFIELD k OVERFLOW FAIL INCRBY i64 3 -1 INCRBY i64 3 1 SET u63 70 -1 GET u63 70 GET i64 70",
			"BITFIELD k SET u63 1 9223372036854775807 GET u63 1 INCRBY u63 1 1 OVERFLOW SAT INCRBY u63 1 -9223372036854775808",
			"BITFIELD k GET u1 0 GET i1 0 SET i1 5 1 GET i1 5 INCRBY i1 5 -1 OVERFLOW SAT INCRBY i1 5 -5 INCRBY u1 9 5",
			"BITFIELD k overflow wrap get i64 #1 set u8 #4 5 incrby i16 #2 -3", "GET k",
			"BITFIELD k GET u8 #67108863", "BITFIELD k GET u8 4294967295", "BITFIELD k GET i64 4294967295",
			"BITFIELD k SET u4 200 1", "STRLEN k", "BITFIELD k SET i64 300 1", "STRLEN k", "GET k",
			// Errors, in Redis's order: syntax as met, type, offset, value; then the key.
			"BITFIELD k GET I8 0", "BITFIELD k GET u64 0", "BITFIELD k GET i65 0", "BITFIELD k GET i0 0",
			"BITFIELD k GET u 0", "BITFIELD k GET i08 0", "BITFIELD k GET x8 0", "BITFIELD k GET i-8 0",
			"BITFIELD k GET i8 -1", "BITFIELD k GET i8 #-1", "BITFIELD k GET i8 #", "BITFIELD k GET i8 ##1",
			"BITFIELD k GET i8 #9223372036854775807", "BITFIELD k GET i8 #1152921504606846976",
			"BITFIELD k GET i8 4294967296", "BITFIELD k GET u8 #536870912", "BITFIELD k GET i8 1.0",
			"BITFIELD k OVERFLOW FOO GET i8 0", "BITFIELD k OVERFLOW", "BITFIELD k GET i8", "BITFIELD k FOO",
			"BITFIELD k SET i8 0", "BITFIELD k SET i8 0 x", "BITFIELD k INCRBY i8 0 1.5", "BITFIELD k SET x 0 x",
			"BITFIELD k SET i8 x x", "BITFIELD k GET i8 0 FOO", "BITFIELD k GET i8 0 GET", "BITFIELD k GET x 0 FOO",
			"BITFIELD k INCRBY i8 0 1 OVERFLOW FOO", "BITFIELD k INCRBY i8 0 99999999999999999999",
			"BITFIELD_RO k GET i8 0 OVERFLOW SAT", "BITFIELD_RO k OVERFLOW SAT", "BITFIELD_RO k SET i8 0 1",
			"BITFIELD_RO k INCRBY i8 0 1 GET x 0", "BITFIELD_RO k GET i8 0 INCRBY i8 0 x", "BITFIELD_RO k FOO",
			"BITFIELD_RO k GET u8 0 GET i4 4 GET i8 #1",
			"RPUSH l a", "BITFIELD l GET i8 0", "BITFIELD l SET i8 0 1", "BITFIELD_RO l GET i8 0",
			"BITFIELD_RO l SET i8 0 1", "BITFIELD l", "BITFIELD_RO l", "BITFIELD l GET x 0",
			"BITFIELD", "BITFIELD_RO",
			// Integer-encoded and empty values.
			"SET n 12345", "BITFIELD_RO n GET u8 0 GET i16 4", "OBJECT ENCODING n", "BITFIELD n GET u8 8",
			"OBJECT ENCODING n", "BITFIELD n INCRBY u8 0 1", "OBJECT ENCODING n", "GET n",
			// More operations than the handler keeps on its stack.
			"BITFIELD m SET u8 0 1 SET u8 8 2 SET u8 16 3 SET u8 24 4 SET u8 32 5 INCRBY u8 0 1 INCRBY u8 8 1 "+
				"GET u16 0 GET u16 16 OVERFLOW FAIL INCRBY u8 0 255 GET i32 0 SET i3 #20 3 INCRBY i3 #20 1",
			"GET m",
		)
		p.both("SET", "e", "")
		p.both("SET", "e2", "")
		p.script("BITFIELD e GET u8 0", "BITFIELD e SET u1 0 1", "GET e", "SETBIT e2 0 0", "GET e2",
			"OBJECT ENCODING e2")
	})
}

// TestBitLimits checks the offset limit against a small proto-max-bulk-len.
func TestBitLimits(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, []string{"proto-max-bulk-len 1048576"}, []string{"--proto-max-bulk-len", "1048576"})
	p := pairAt(t, shoalAddr, redisAddr)
	p.script(
		"SETBIT a 8388608 1", "SETBIT a 8388607 1", "STRLEN a", "GETBIT a 8388608", "GETBIT a 8388607",
		"BITFIELD b SET u8 8388607 1", "BITFIELD b SET u8 8388608 1", "BITFIELD b SET i64 #131071 -1",
		"BITFIELD b SET i64 #131072 -1", "STRLEN b", "BITFIELD b GET i64 8388607", "BITFIELD_RO b GET u8 #1048576",
		"BITCOUNT a", "BITCOUNT a -1 -1", "BITPOS a 1", "BITPOS a 1 -2", "BITPOS b 0 -1",
		"BITOP XOR c a b", "BITCOUNT c", "BITPOS c 1 1 -1",
	)
}

// TestBitRawArguments sends arguments with NUL bytes: Redis compares the
// option words and bitfield types as C strings, offsets and numbers not.
func TestBitRawArguments(t *testing.T) {
	p := newPair(t)
	p.both("SET s abc")
	for _, args := range [][]string{
		{"BITCOUNT", "s", "0", "-1", "bit\x00x"}, {"BITPOS", "s", "1", "0", "-1", "bit\x00x"},
		{"BITFIELD", "s", "get\x00x", "u8", "0"}, {"BITFIELD", "s", "get", "u8\x00x", "0"},
		{"BITFIELD", "s", "get", "u8", "0\x00"}, {"BITFIELD", "s", "overflow", "sat\x00", "get", "u8", "0"},
		{"BITOP", "and\x00x", "d", "s"}, {"SETBIT", "s", "1\x002", "1"}, {"SETBIT", "s", "1", "1\x00"},
		{"BITFIELD", "s", "get", "\x00", "0"}, {"BITFIELD", "s", "get", "i8", "#\x001"},
	} {
		p.eq(args...)
	}
}

// randomBitIndex is a BITCOUNT/BITPOS index around a value of n bytes.
func randomBitIndex(rng *rand.Rand, n int, isBit bool) string {
	span := n
	if isBit {
		span *= 8
	}
	switch rng.IntN(10) {
	case 0:
		return []string{"9223372036854775807", "-9223372036854775808", "0", "-1"}[rng.IntN(4)]
	case 1, 2:
		return strconv.Itoa(-rng.IntN(span+10) - 1)
	default:
		return strconv.Itoa(rng.IntN(span + 10))
	}
}

func randomInt64Arg(rng *rand.Rand) string {
	switch rng.IntN(5) {
	case 0:
		return []string{"9223372036854775807", "-9223372036854775808", "0", "-1", "1"}[rng.IntN(5)]
	case 1:
		return strconv.FormatInt(int64(rng.Uint64()), 10)
	case 2:
		return strconv.FormatInt(int64(rng.Uint64())>>rng.IntN(64), 10)
	default:
		return strconv.Itoa(rng.IntN(600) - 300)
	}
}

func randomBitfieldArgs(rng *rand.Rand, key string, n int, ro bool) []string {
	args := []string{"BITFIELD", key}
	if ro {
		args[0] = "BITFIELD_RO"
	}
	for k := 1 + rng.IntN(4); k > 0; k-- {
		if rng.IntN(4) == 0 {
			args = append(args, "OVERFLOW", []string{"WRAP", "SAT", "FAIL", "sat"}[rng.IntN(4)])
		}
		op := []string{"GET", "SET", "INCRBY"}[rng.IntN(3)]
		if ro && rng.IntN(8) > 0 {
			op = "GET"
		}
		signed := rng.IntN(2) == 0
		w := 1 + rng.IntN(64)
		typ := "i" + strconv.Itoa(w)
		if !signed {
			if w == 64 && rng.IntN(4) > 0 {
				w = 63
			}
			typ = "u" + strconv.Itoa(w)
		}
		off := strconv.Itoa(rng.IntN(n*8 + 80))
		if rng.IntN(5) == 0 {
			off = "#" + strconv.Itoa(rng.IntN(n*8/w+4))
		}
		args = append(args, op, typ, off)
		if op != "GET" {
			v := randomInt64Arg(rng)
			if rng.IntN(3) == 0 {
				// Near the type's limits, where the overflow rules bite.
				edge := []int64{1<<(w-1) - 1, -(1 << (w - 1)), 1<<w - 1, 1 << (w - 1)}[rng.IntN(4)]
				v = strconv.FormatInt(edge+rng.Int64N(5)-2, 10)
			}
			args = append(args, v)
		}
	}
	return args
}

// randomBitPattern is n bytes of random bits, or of long runs of ones or
// zeros with a few odd bits in them.
func randomBitPattern(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	mode := rng.IntN(4)
	for i := range b {
		switch mode {
		case 0:
			b[i] = byte(rng.Uint32())
		case 1:
			b[i] = 0xff
		case 2:
			b[i] = 0
		default:
			b[i] = []byte{0xff, 0x0f, 0x81, 0}[rng.IntN(4)]
		}
		if mode == 1 || mode == 2 {
			if rng.IntN(n+1) < 2 {
				b[i] ^= 1 << rng.IntN(8)
			}
		}
	}
	return b
}

// TestBitRandom runs random bitmap commands over random bit patterns,
// comparing every reply and, at the end, every value.
func TestBitRandom(t *testing.T) {
	// "l" starts as a list, for WRONGTYPE (until a BITOP or SET replaces it).
	keys := []string{"k0", "k1", "k2", "k3", "l"}
	inBothProtocols(t, func(t *testing.T, p *pair) {
		rng := rand.New(rand.NewPCG(42, uint64(len(t.Name()))))
		lens := map[string]int{}
		for _, k := range keys[:4] {
			// Some values long enough for the unrolled word loops.
			n := rng.IntN(40)
			if rng.IntN(2) == 0 {
				n = 100 + rng.IntN(300)
			}
			b := randomBitPattern(rng, n)
			p.eq("SET", k, string(b))
			lens[k] = n
		}
		p.eq("RPUSH", "l", "a", "b")
		unit := func() []string {
			switch rng.IntN(4) {
			case 0:
				return nil
			case 1:
				return []string{"BYTE"}
			default:
				return []string{"BIT"}
			}
		}
		for i := 0; i < 4000; i++ {
			k := keys[rng.IntN(len(keys)-1)]
			if rng.IntN(50) == 0 {
				k = "l"
			}
			n := lens[k]
			var args []string
			switch rng.IntN(9) {
			case 0:
				off := rng.IntN(n*8 + 40)
				args = []string{"SETBIT", k, strconv.Itoa(off), strconv.Itoa(rng.IntN(2))}
				lens[k] = max(n, off/8+1)
			case 1:
				args = []string{"GETBIT", k, strconv.Itoa(rng.IntN(n*8 + 40))}
			case 2:
				args = []string{"BITCOUNT", k}
				if rng.IntN(4) > 0 {
					u := unit()
					isBit := len(u) == 1 && u[0] == "BIT"
					args = append(args, randomBitIndex(rng, n, isBit), randomBitIndex(rng, n, isBit))
					args = append(args, u...)
				}
			case 3:
				args = []string{"BITPOS", k, strconv.Itoa(rng.IntN(2))}
				if rng.IntN(4) > 0 {
					u := unit()
					isBit := len(u) == 1 && u[0] == "BIT"
					args = append(args, randomBitIndex(rng, n, isBit))
					if len(u) > 0 || rng.IntN(2) == 0 {
						args = append(args, randomBitIndex(rng, n, isBit))
						args = append(args, u...)
					}
				}
			case 4:
				op := []string{"AND", "OR", "XOR", "NOT"}[rng.IntN(4)]
				dest := keys[rng.IntN(len(keys)-1)]
				args = []string{"BITOP", op, dest}
				m := 1 + rng.IntN(3)
				if op == "NOT" {
					m = 1
				}
				l := 0
				for j := 0; j < m; j++ {
					src := keys[rng.IntN(len(keys)-1)]
					switch rng.IntN(30) {
					case 0, 1, 2, 3, 4:
						src = "missing"
					case 5:
						src = "l"
					}
					args = append(args, src)
					l = max(l, lens[src])
				}
				lens[dest] = l
			case 5, 6:
				args = randomBitfieldArgs(rng, k, n, false)
			case 7:
				args = randomBitfieldArgs(rng, k, n, true)
			default:
				// Occasionally reset a key to fresh random bytes.
				b := randomBitPattern(rng, rng.IntN(100))
				args = []string{"SET", k, string(b)}
				lens[k] = len(b)
			}
			p.eq(args...)
			if args[0] == "BITFIELD" {
				// The reply does not say how far the value grew: ask.
				l, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(p.eq("STRLEN", k)), ":"))
				lens[k] = l
			}
		}
		for _, k := range keys {
			p.eq("GET", k)
			p.eq("OBJECT", "ENCODING", k)
		}
	})
}
