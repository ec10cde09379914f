package server

import (
	"strconv"
	"testing"
)

// BenchmarkMultiExec10Sets is a transaction of ten SETs on ten keys: the
// queueing, EXEC's locking of their shards and the ten commands.
func BenchmarkMultiExec10Sets(b *testing.B) {
	c := benchClient(b)
	multi, exec := [][]byte{[]byte("MULTI")}, [][]byte{[]byte("EXEC")}
	var sets [10][][]byte
	for i := range sets {
		sets[i] = [][]byte{[]byte("SET"), []byte("tx:key:" + strconv.Itoa(i)), []byte("value")}
	}
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(multi)
		for _, s := range sets {
			c.execute(s)
		}
		c.execute(exec)
	}
}

// BenchmarkTenSets is the same ten SETs outside a transaction.
func BenchmarkTenSets(b *testing.B) {
	c := benchClient(b)
	var sets [10][][]byte
	for i := range sets {
		sets[i] = [][]byte{[]byte("SET"), []byte("tx:key:" + strconv.Itoa(i)), []byte("value")}
	}
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		for _, s := range sets {
			c.execute(s)
		}
	}
}
