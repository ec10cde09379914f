package server

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/shoaldb/shoal/datatypes"
)

// A leaderboard on a big sorted set, at three sizes: each operation should
// cost O(log n), so the ns/op grow slowly from 10k to 1M members. The set is
// driven through the datatypes API, as the handlers drive it.

func leaderboard(n int) (*datatypes.ZSet, [][]byte) {
	z := datatypes.NewZSet(maphash.MakeSeed())
	lim := datatypes.ZLimits{MaxEntries: 128, MaxValue: 64}
	r := rand.New(rand.NewPCG(1, uint64(n)))
	members := make([][]byte, n)
	for i := range members {
		members[i] = []byte("player:" + strconv.Itoa(i))
		z.Set(members[i], float64(r.IntN(1_000_000)), lim)
	}
	return z, members
}

func BenchmarkZSetLeaderboard(b *testing.B) {
	lim := datatypes.ZLimits{MaxEntries: 128, MaxValue: 64}
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		z, members := leaderboard(n)
		r := rand.New(rand.NewPCG(2, 3))
		b.Run(fmt.Sprintf("ZADD/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				z.Set(members[r.IntN(n)], float64(r.IntN(1_000_000)), lim)
			}
		})
		b.Run(fmt.Sprintf("ZINCRBY/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := members[r.IntN(n)]
				s, _ := z.Score(m)
				z.Set(m, s+float64(r.IntN(100)), lim)
			}
		})
		b.Run(fmt.Sprintf("ZREVRANK/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rank, ok := z.Rank(members[r.IntN(n)])
				if !ok {
					b.Fatal("member missing")
				}
				_ = z.Len() - 1 - rank
			}
		})
		// The same on 1000 members only: their dict slots and tree paths
		// stay in cache, which shows the algorithm's cost without the
		// cache misses that dominate at 1M.
		b.Run(fmt.Sprintf("ZREVRANK-hot/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, ok := z.Rank(members[r.IntN(1000)]); !ok {
					b.Fatal("member missing")
				}
			}
		})
		b.Run(fmt.Sprintf("ZREVRANGE0-9/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var sum float64
			for b.Loop() {
				z.Descend(z.Len()-1, func(rank int, it datatypes.ZItem) bool {
					sum += it.Score
					return rank > z.Len()-10
				})
			}
		})
	}
}

// BenchmarkZAddCommand is the ZADD handler path (dispatch, keyspace,
// parsing, reply) adding to a growing set, as redis-benchmark's ZADD does.
func BenchmarkZAddCommand(b *testing.B) {
	c := benchClient(b)
	r := rand.New(rand.NewPCG(4, 5))
	args := [][]byte{[]byte("ZADD"), []byte("myzset"), nil, nil}
	b.ReportAllocs()
	for b.Loop() {
		v := r.IntN(100_000)
		args[2] = strconv.AppendInt(args[2][:0], int64(v), 10)
		args[3] = append(append(args[3][:0], "element:"...), args[2]...)
		c.out = c.out[:0]
		c.execute(args)
	}
}
