package server

import (
	"strconv"
	"testing"

	"github.com/shoaldb/shoal/datatypes"
)

// Benchmarks of the HyperLogLog commands through the dispatcher, without
// the network. PFADD must not allocate.

// hllArgs builds a command's arguments.
func hllArgs(args ...string) [][]byte {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return b
}

// fillHLL adds n distinct elements with the given prefix to key.
func fillHLL(c *Client, key string, prefix string, n int) {
	for i := 0; i < n; i += 100 {
		args := hllArgs("PFADD", key)
		for j := i; j < min(n, i+100); j++ {
			args = append(args, []byte(prefix+strconv.Itoa(j)))
		}
		c.out = c.out[:0]
		c.execute(args)
	}
}

// pfaddLoop adds one new element per iteration; reset (if not nil) runs
// untimed every 256 iterations.
func pfaddLoop(b *testing.B, c *Client, key string, reset func()) {
	elem := make([]byte, 0, 32)
	args := [][]byte{[]byte("PFADD"), []byte(key), nil}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if reset != nil && i%256 == 0 {
			b.StopTimer()
			reset()
			b.StartTimer()
		}
		elem = strconv.AppendInt(append(elem[:0], "new:"...), int64(i), 10)
		args[2] = elem
		c.out = c.out[:0]
		c.execute(args)
		i++
	}
}

func BenchmarkPFAddDense(b *testing.B) {
	c := benchClient(b)
	fillHLL(c, "hll", "e", 10_000)
	pfaddLoop(b, c, "hll", nil)
}

// A sparse HLL of 500 elements (about 1.3 KB), put back every 256 adds so
// it stays sparse.
func BenchmarkPFAddSparse(b *testing.B) {
	c := benchClient(b)
	fillHLL(c, "hll", "e", 500)
	base := append([]byte(nil), c.peek([]byte("hll")).Str()...)
	set := [][]byte{[]byte("SET"), []byte("hll"), base}
	pfaddLoop(b, c, "hll", func() {
		c.out = c.out[:0]
		c.execute(set)
	})
	if e := c.peek([]byte("hll")); !datatypes.HLLIsSparse(e.Str()) {
		b.Fatal("the HLL turned dense")
	}
}

func BenchmarkPFCountCached(b *testing.B) {
	c := benchClient(b)
	fillHLL(c, "hll", "e", 10_000)
	args := hllArgs("PFCOUNT", "hll")
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(args)
	}
}

// Every iteration finds the cache stale and recomputes it from the 16384
// dense registers.
func BenchmarkPFCountUncached(b *testing.B) {
	c := benchClient(b)
	fillHLL(c, "hll", "e", 10_000)
	e := c.peek([]byte("hll"))
	args := hllArgs("PFCOUNT", "hll")
	b.ReportAllocs()
	for b.Loop() {
		datatypes.HLLInvalidate(e.Str())
		c.out = c.out[:0]
		c.execute(args)
	}
}

func tenHLLs(c *Client) []string {
	keys := make([]string, 10)
	for k := range keys {
		keys[k] = "hll:" + strconv.Itoa(k)
		fillHLL(c, keys[k], keys[k]+":", 10_000)
	}
	return keys
}

func BenchmarkPFCountUnion10(b *testing.B) {
	c := benchClient(b)
	args := hllArgs(append([]string{"PFCOUNT"}, tenHLLs(c)...)...)
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(args)
	}
}

func BenchmarkPFMerge10(b *testing.B) {
	c := benchClient(b)
	args := hllArgs(append([]string{"PFMERGE", "dst"}, tenHLLs(c)...)...)
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(args)
	}
}

// TestPFAddDoesNotAllocate holds PFADD into an existing dense or sparse
// HLL to zero allocations.
func TestPFAddDoesNotAllocate(t *testing.T) {
	c, _ := newStringTestClient(t)
	fillHLL(c, "dense", "e", 5000)
	fillHLL(c, "sparse", "e", 100)
	if datatypes.HLLIsSparse(c.peek([]byte("dense")).Str()) || !datatypes.HLLIsSparse(c.peek([]byte("sparse")).Str()) {
		t.Fatal("unexpected encodings")
	}
	for _, key := range []string{"dense", "sparse"} {
		args := hllArgs("PFADD", key, "x")
		elem := make([]byte, 0, 32)
		i := 0
		c.out = c.out[:0]
		c.execute(args) // warm up the output buffer
		if n := testing.AllocsPerRun(100, func() {
			elem = strconv.AppendInt(append(elem[:0], "new:"...), int64(i), 10)
			args[2] = elem
			i++
			c.out = c.out[:0]
			c.execute(args)
		}); n != 0 {
			t.Errorf("PFADD into the %s HLL allocates %v times per call", key, n)
		}
	}
}
