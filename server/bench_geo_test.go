package server

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// Benchmarks of the geo commands through the dispatcher (parsing, locking,
// keyspace, search, reply), on an index of 1M members spread uniformly
// over a 10 by 10 degree area (about 1,100 by 780 km).

// geoBenchIndex builds the 1M-member index "geo" with members m:0, m:1...
func geoBenchIndex(b *testing.B) *Client {
	c := benchClient(b)
	r := rand.New(rand.NewPCG(7, 8))
	args := [][]byte{[]byte("GEOADD"), []byte("geo")}
	for i := range 1_000_000 {
		args = append(args,
			strconv.AppendFloat(nil, 10*r.Float64(), 'f', 6, 64),
			strconv.AppendFloat(nil, 40+10*r.Float64(), 'f', 6, 64),
			strconv.AppendInt([]byte("m:"), int64(i), 10))
		if len(args) >= 2+3*1000 {
			c.out = c.out[:0]
			c.execute(args)
			args = args[:2]
		}
	}
	c.out = c.out[:0]
	return c
}

func BenchmarkGeoAdd(b *testing.B) {
	c := benchClient(b)
	r := rand.New(rand.NewPCG(4, 5))
	args := [][]byte{[]byte("GEOADD"), []byte("geo"), nil, nil, nil}
	b.ReportAllocs()
	for b.Loop() {
		args[2] = strconv.AppendFloat(args[2][:0], 360*r.Float64()-180, 'f', 6, 64)
		args[3] = strconv.AppendFloat(args[3][:0], 170*r.Float64()-85, 'f', 6, 64)
		args[4] = strconv.AppendInt(append(args[4][:0], "m:"...), int64(r.IntN(100_000)), 10)
		c.out = c.out[:0]
		c.execute(args)
	}
}

// BenchmarkGeoSearch finds the ~1,000 members within 16.5 km of a point
// of the 1M-member index, unsorted and sorted by distance; then the
// point commands on the same index.
func BenchmarkGeoSearch(b *testing.B) {
	c := geoBenchIndex(b)
	search := func(extra ...string) func(b *testing.B) {
		args := [][]byte{[]byte("GEOSEARCH"), []byte("geo"), []byte("FROMLONLAT"), []byte("5"), []byte("45"),
			[]byte("BYRADIUS"), []byte("16.5"), []byte("km")}
		for _, e := range extra {
			args = append(args, []byte(e))
		}
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.out = c.out[:0]
				c.execute(args)
			}
			n, _ := strconv.Atoi(string(c.out[1:indexCRLF(c.out)]))
			b.ReportMetric(float64(n), "results/op")
		}
	}
	b.Run("BYRADIUS-unsorted", search())
	b.Run("BYRADIUS-ASC", search("ASC"))
	b.Run("BYRADIUS-ASC-WITHDIST-WITHCOORD", search("ASC", "WITHDIST", "WITHCOORD"))
	b.Run("BYBOX-unsorted", func(b *testing.B) {
		b.ReportAllocs()
		args := [][]byte{[]byte("GEOSEARCH"), []byte("geo"), []byte("FROMLONLAT"), []byte("5"), []byte("45"),
			[]byte("BYBOX"), []byte("30"), []byte("30"), []byte("km")}
		for b.Loop() {
			c.out = c.out[:0]
			c.execute(args)
		}
	})
	r := rand.New(rand.NewPCG(9, 10))
	member := func(buf []byte) []byte {
		return strconv.AppendInt(append(buf[:0], "m:"...), int64(r.IntN(1_000_000)), 10)
	}
	b.Run("GEODIST", func(b *testing.B) {
		args := [][]byte{[]byte("GEODIST"), []byte("geo"), nil, nil, []byte("km")}
		b.ReportAllocs()
		for b.Loop() {
			args[2], args[3] = member(args[2]), member(args[3])
			c.out = c.out[:0]
			c.execute(args)
		}
	})
	b.Run("GEOPOS", func(b *testing.B) {
		args := [][]byte{[]byte("GEOPOS"), []byte("geo"), nil}
		b.ReportAllocs()
		for b.Loop() {
			args[2] = member(args[2])
			c.out = c.out[:0]
			c.execute(args)
		}
	})
}

// indexCRLF is the position of the first "\r\n" in b.
func indexCRLF(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
	return len(b)
}
