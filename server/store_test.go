package server

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"testing"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/tidwall/btree"
)

// BenchmarkShardStore compares the ordered hash table with a tidwall/btree
// Map keyed by the same hash (the alternative design.md names), for lookups
// of present keys in a shard of 4096 keys (1M keys over 256 shards) and for
// inserts.
func BenchmarkShardStore(b *testing.B) {
	seed := maphash.MakeSeed()
	const n = 4096
	keys := make([][]byte, n)
	hashes := make([]uint64, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", i))
		hashes[i] = maphash.Bytes(seed, keys[i]) & hashMask
	}
	// Many shards, so lookups miss the cache as they do with 1M keys.
	const shards = 256
	b.Run("table/get", func(b *testing.B) {
		tbs := make([]datatypes.Table[*Entry], shards)
		for s := range tbs {
			for i := range keys {
				tbs[s].Insert(hashes[i], newEntry(keys[i], nil))
			}
		}
		r := rand.New(rand.NewPCG(1, 2))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			k := r.IntN(n)
			if _, ok := tbs[r.IntN(shards)].Get(hashes[k], keys[k]); !ok {
				b.Fatal("missing")
			}
		}
	})
	b.Run("btree/get", func(b *testing.B) {
		trs := make([]btree.Map[uint64, *Entry], shards)
		for s := range trs {
			for i := range keys {
				trs[s].Set(hashes[i], newEntry(keys[i], nil))
			}
		}
		r := rand.New(rand.NewPCG(1, 2))
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			k := r.IntN(n)
			e, ok := trs[r.IntN(shards)].Get(hashes[k])
			if !ok || e.Key() != string(keys[k]) {
				b.Fatal("missing")
			}
		}
	})
	b.Run("table/insert", func(b *testing.B) {
		for i := 0; i < b.N; i += n {
			var tb datatypes.Table[*Entry]
			for j := range keys {
				tb.Insert(hashes[j], newEntry(keys[j], nil))
			}
		}
	})
	b.Run("btree/insert", func(b *testing.B) {
		for i := 0; i < b.N; i += n {
			var tr btree.Map[uint64, *Entry]
			for j := range keys {
				tr.Set(hashes[j], newEntry(keys[j], nil))
			}
		}
	})
}
