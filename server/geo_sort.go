package server

import (
	"math"
	"slices"

	"github.com/shoaldb/shoal/geo"
)

// Sorting GEORADIUS/GEOSEARCH matches by distance exactly as Redis orders
// them: a stable full sort, or Redis's partial quicksort for COUNT.

// geoSort sorts the matches by distance so that the first n are the
// nearest (or farthest, desc), in order, and in Redis's order among equal
// distances: a full sort keeps the scan order (glibc's qsort is a merge
// sort), a partial one is Redis's pqsort (geoPartialSort).
func geoSort(pts []geoPoint, n int, desc bool, exact func(*geoPoint), scratch *geoScratch) {
	cmp := func(a, b *geoPoint) int {
		if !(a.exact && b.exact) && math.Abs(a.dist-b.dist) <= 2*geo.FastSlack(max(a.dist, b.dist)) {
			exact(a) // too close to call on estimates
			exact(b)
		}
		c := 0
		switch {
		case a.dist > b.dist:
			c = 1
		case a.dist < b.dist:
			c = -1
		}
		if desc {
			c = -c
		}
		return c
	}
	if n == len(pts) {
		geoFullSort(pts, desc, exact, scratch)
		return
	}
	geoPartialSort(pts, 0, n-1, cmp)
}

// geoScratch are a client's buffers for sorting matches, reused.
type geoScratch struct {
	keys   []geoKey
	sorted []geoPoint
}

// geoKey is a match's sort key: its (estimated, then if need be exact)
// distance, negated for DESC, and its position, which breaks ties as a
// stable sort does.
type geoKey struct {
	d float64
	i int32
}

func geoKeyCmp(a, b geoKey) int {
	switch {
	case a.d < b.d:
		return -1
	case a.d > b.d:
		return 1
	}
	return int(a.i - b.i)
}

// geoFullSort is the stable sort of every match by distance. It sorts on
// the estimates, then re-sorts by exact distance each run of neighbours
// too close to call: two matches further apart than twice the estimate's
// slack are in the same order either way, so the result is the stable
// sort by exact distances, at the cost of few exact ones.
func geoFullSort(pts []geoPoint, desc bool, exact func(*geoPoint), s *geoScratch) {
	key := func(p *geoPoint) float64 {
		if desc {
			return -p.dist
		}
		return p.dist
	}
	keys := s.keys[:0]
	for i := range pts {
		keys = append(keys, geoKey{key(&pts[i]), int32(i)})
	}
	slices.SortFunc(keys, geoKeyCmp)
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && keys[hi].d-keys[hi-1].d <= 2*geo.FastSlack(math.Abs(keys[hi].d)) {
			hi++
		}
		if hi-lo > 1 {
			for k := lo; k < hi; k++ {
				p := &pts[keys[k].i]
				exact(p)
				keys[k].d = key(p)
			}
			slices.SortFunc(keys[lo:hi], geoKeyCmp)
		}
		lo = hi
	}
	sorted := s.sorted[:0]
	for _, k := range keys {
		sorted = append(sorted, pts[k.i])
	}
	copy(pts, sorted)
	clear(sorted)
	if cap(keys) <= geoKeepPts {
		s.keys, s.sorted = keys[:0], sorted[:0]
	}
}

// geoPartialSort is Redis's pqsort: Bentley and McIlroy's quicksort that
// only recurses into the parts overlapping ranks [0, last] (and, unlike
// BSD's qsort, never switches to insertion sort after a partition without
// swaps). pts is the part starting at rank base. Not stable: its exact
// steps decide which of equally distant matches come first, so they
// follow Redis's.
func geoPartialSort(pts []geoPoint, base, last int, cmp func(a, b *geoPoint) int) {
	med3 := func(a, b, c int) int {
		if cmp(&pts[a], &pts[b]) < 0 {
			switch {
			case cmp(&pts[b], &pts[c]) < 0:
				return b
			case cmp(&pts[a], &pts[c]) < 0:
				return c
			}
			return a
		}
		switch {
		case cmp(&pts[b], &pts[c]) > 0:
			return b
		case cmp(&pts[a], &pts[c]) < 0:
			return a
		}
		return c
	}
	insertion := func() {
		for m := 1; m < len(pts); m++ {
			for l := m; l > 0 && cmp(&pts[l-1], &pts[l]) > 0; l-- {
				pts[l], pts[l-1] = pts[l-1], pts[l]
			}
		}
	}
	// wanted reports whether ranks [lo, hi] overlap [0, last].
	wanted := func(lo, hi int) bool { return !(0 < lo && last < lo || 0 > hi && last > hi) }
	vecswap := func(i, j, n int) {
		for k := range n {
			pts[i+k], pts[j+k] = pts[j+k], pts[i+k]
		}
	}
	for {
		n := len(pts)
		if n < 7 {
			insertion()
			return
		}
		pm := n / 2
		if n > 7 {
			pl, pn := 0, n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		pts[0], pts[pm] = pts[pm], pts[0]
		pa, pb, pc, pd := 1, 1, n-1, n-1
		for {
			for ; pb <= pc; pb++ {
				c := cmp(&pts[pb], &pts[0])
				if c > 0 {
					break
				}
				if c == 0 {
					pts[pa], pts[pb] = pts[pb], pts[pa]
					pa++
				}
			}
			for ; pb <= pc; pc-- {
				c := cmp(&pts[pc], &pts[0])
				if c < 0 {
					break
				}
				if c == 0 {
					pts[pc], pts[pd] = pts[pd], pts[pc]
					pd--
				}
			}
			if pb > pc {
				break
			}
			pts[pb], pts[pc] = pts[pc], pts[pb]
			pb++
			pc--
		}
		r := min(pa, pb-pa)
		vecswap(0, pb-r, r)
		r = min(pd-pc, n-pd-1)
		vecswap(pb, n-r, r)
		if r := pb - pa; r > 1 && wanted(base, base+r-1) {
			geoPartialSort(pts[:r], base, last, cmp)
		}
		r = pd - pc
		if r <= 1 || !wanted(base+n-r, base+n-1) {
			return
		}
		base += n - r
		pts = pts[n-r:]
	}
}
