package server

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// Benchmarks of the bitmap commands through the dispatcher (benchClient,
// as for GET and SET): parsing, locking, keyspace, bit work and reply.

const benchBitmapSize = 1 << 20

// bitClient returns a client with two 1 MB random bitmaps at "bm" and "bm2".
func bitClient(b *testing.B) *Client {
	c := benchClient(b)
	r := rand.New(rand.NewPCG(1, 2))
	for _, key := range []string{"bm", "bm2"} {
		v := make([]byte, benchBitmapSize)
		for i := range v {
			v[i] = byte(r.Uint32())
		}
		c.execute([][]byte{[]byte("SET"), []byte(key), v})
	}
	return c
}

func benchArgs(words ...string) [][]byte {
	args := make([][]byte, len(words))
	for i, w := range words {
		args[i] = []byte(w)
	}
	return args
}

// runBench executes args b.N times, checking the first reply is no error.
func runBench(b *testing.B, c *Client, args [][]byte) {
	c.out = c.out[:0]
	c.execute(args)
	if len(c.out) > 0 && c.out[0] == '-' {
		b.Fatalf("%s: %s", args[0], c.out)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(args)
	}
}

func BenchmarkBitCount1MB(b *testing.B) {
	c := bitClient(b)
	b.SetBytes(benchBitmapSize)
	runBench(b, c, benchArgs("BITCOUNT", "bm"))
}

func BenchmarkBitCountRange1MB(b *testing.B) {
	c := bitClient(b)
	b.SetBytes(benchBitmapSize)
	runBench(b, c, benchArgs("BITCOUNT", "bm", "3", "-3", "BIT"))
}

func BenchmarkBitPos1MB(b *testing.B) {
	c := benchClient(b)
	// One set bit at the very end: the search crosses the whole megabyte.
	c.execute(benchArgs("SETBIT", "bm", strconv.Itoa(benchBitmapSize*8-1), "1"))
	b.SetBytes(benchBitmapSize)
	runBench(b, c, benchArgs("BITPOS", "bm", "1"))
}

func BenchmarkSetBit(b *testing.B) {
	c := bitClient(b)
	args := benchArgs("SETBIT", "bm", "0", "1")
	r := rand.New(rand.NewPCG(3, 4))
	offs := make([][]byte, 1024)
	for i := range offs {
		offs[i] = []byte(strconv.Itoa(r.IntN(benchBitmapSize * 8)))
	}
	bitVals := [][]byte{[]byte("0"), []byte("1")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		args[2] = offs[i&1023]
		args[3] = bitVals[i&1]
		i++
		c.out = c.out[:0]
		c.execute(args)
	}
}

func BenchmarkGetBit(b *testing.B) {
	c := bitClient(b)
	runBench(b, c, benchArgs("GETBIT", "bm", "4567891"))
}

func BenchmarkBitOpAnd1MB(b *testing.B) {
	c := bitClient(b)
	b.SetBytes(2 * benchBitmapSize)
	runBench(b, c, benchArgs("BITOP", "AND", "dest", "bm", "bm2"))
}

func BenchmarkBitfieldIncrBy(b *testing.B) {
	c := bitClient(b)
	runBench(b, c, benchArgs("BITFIELD", "bm", "INCRBY", "i13", "1000003", "7", "GET", "u8", "#100"))
}

func BenchmarkBitfieldRO(b *testing.B) {
	c := bitClient(b)
	runBench(b, c, benchArgs("BITFIELD_RO", "bm", "GET", "i13", "1000003", "GET", "u8", "#100"))
}
