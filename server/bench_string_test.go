package server

import "testing"

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
