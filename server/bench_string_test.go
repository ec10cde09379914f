package server

import (
	"fmt"
	"testing"
)

// Benchmarks of the GET and SET handler path: dispatch, locking, keyspace
// and reply, without the network. GET must not allocate.

func benchClient(b *testing.B) *Client {
	cfg := DefaultConfig()
	cfg.Port = 0
	s := New(cfg)
	return s.newInternalClient()
}

func BenchmarkGet(b *testing.B) {
	c := benchClient(b)
	c.execute([][]byte{[]byte("SET"), []byte("key:000001"), []byte("a value of some thirty bytes..")})
	args := [][]byte{[]byte("GET"), []byte("key:000001")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(args)
	}
}

func BenchmarkSet(b *testing.B) {
	c := benchClient(b)
	args := [][]byte{[]byte("SET"), []byte("key:000001"), []byte("a value of some thirty bytes..")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(args)
	}
}

// TestGetDoesNotAllocate holds the GET path to zero allocations.
func TestGetDoesNotAllocate(t *testing.T) {
	c, _ := newStringTestClient(t)
	c.execute([][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	args := [][]byte{[]byte("GET"), []byte("k")}
	c.out = c.out[:0]
	c.execute(args) // warm up the output buffer
	if n := testing.AllocsPerRun(100, func() {
		c.out = c.out[:0]
		c.execute(args)
	}); n != 0 {
		t.Fatalf("GET allocates %v times per call", n)
	}
}

// benchKeys fills a keyspace of n keys "key:%012d" as redis-benchmark's -r
// does, so that lookups miss the CPU caches as they do in a real run (the
// loop's own pick of a key misses too: compare with BenchmarkGet).
func benchKeys(c *Client, n int, val string) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key:%012d", i)
		c.execute([][]byte{[]byte("SET"), keys[i], []byte(val)})
	}
	c.out = c.out[:0]
	return keys
}

// benchRandom runs cmd on random keys of a million-key space holding val.
func benchRandom(b *testing.B, cmd, val string) {
	c := benchClient(b)
	keys := benchKeys(c, 1<<20, val)
	args := [][]byte{[]byte(cmd), nil}
	i := uint32(1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		i = i*1664525 + 1013904223
		args[1] = keys[i>>12]
		c.out = c.out[:0]
		c.execute(args)
	}
}

func BenchmarkGetRandom1M(b *testing.B)  { benchRandom(b, "GET", "a value of some thirty bytes..") }
func BenchmarkIncrRandom1M(b *testing.B) { benchRandom(b, "INCR", "1") }

func BenchmarkIncr(b *testing.B) {
	c := benchClient(b)
	args := [][]byte{[]byte("INCR"), []byte("counter:000001")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(args)
	}
}
