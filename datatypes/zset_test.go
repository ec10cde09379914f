package datatypes

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// zmodel is the naive sorted set the ZSet is checked against.
type zmodel []ZItem

func (m zmodel) find(member string) int {
	for i, it := range m {
		if it.Member == member {
			return i
		}
	}
	return -1
}

func (m *zmodel) set(member string, score float64) bool {
	i := m.find(member)
	added := i < 0
	if !added {
		*m = slices.Delete(*m, i, i+1)
	}
	it := ZItem{member, score}
	j := sort.Search(len(*m), func(k int) bool { return !zless((*m)[k], it) })
	*m = slices.Insert(*m, j, it)
	return added
}

func (m zmodel) count(pred func(ZItem) bool) int {
	n := 0
	for _, it := range m {
		if pred(it) {
			n++
		}
	}
	return n
}

// checkTree verifies the B+tree's invariants: counts, separators, order,
// the leaf chain, node fill.
func checkTree(t *testing.T, tr *ztree) {
	t.Helper()
	if tr.root == nil {
		if tr.n != 0 {
			t.Fatalf("empty root with n=%d", tr.n)
		}
		return
	}
	var leaves []*znode
	var walk func(nd *znode, lo, hi *ZItem, isRoot bool) int
	walk = func(nd *znode, lo, hi *ZItem, isRoot bool) int {
		if nd.kids == nil {
			if !isRoot && len(nd.items) == 0 {
				t.Fatalf("empty leaf")
			}
			for i, it := range nd.items {
				if i > 0 && !zless(nd.items[i-1], it) {
					t.Fatalf("leaf out of order")
				}
				if lo != nil && zless(it, *lo) || hi != nil && !zless(it, *hi) {
					t.Fatalf("item %v outside separators", it)
				}
			}
			leaves = append(leaves, nd)
			return len(nd.items)
		}
		if len(nd.kids) != len(nd.keys) || len(nd.kids) != len(nd.cnt) || (!isRoot && len(nd.kids) < 2) {
			t.Fatalf("bad inner node shape")
		}
		total := 0
		for i, k := range nd.kids {
			l, h := lo, hi
			if i > 0 {
				l = &nd.keys[i]
			}
			if i+1 < len(nd.kids) {
				h = &nd.keys[i+1]
			}
			s := walk(k, l, h, false)
			if s != nd.cnt[i] {
				t.Fatalf("count %d, subtree has %d", nd.cnt[i], s)
			}
			total += s
		}
		return total
	}
	if n := walk(tr.root, nil, nil, true); n != tr.n {
		t.Fatalf("tree n=%d, has %d", tr.n, n)
	}
	for i, l := range leaves {
		var prev, next *znode
		if i > 0 {
			prev = leaves[i-1]
		}
		if i+1 < len(leaves) {
			next = leaves[i+1]
		}
		if l.prev != prev || l.next != next {
			t.Fatalf("leaf chain broken at %d", i)
		}
	}
}

// checkZSet compares every query of z with the model.
func checkZSet(t *testing.T, z *ZSet, m zmodel, r *rand.Rand) {
	t.Helper()
	if z.Len() != len(m) {
		t.Fatalf("Len %d, want %d", z.Len(), len(m))
	}
	if z.dict != nil {
		checkTree(t, &z.tree)
		if z.dict.Len() != len(m) {
			t.Fatalf("dict has %d", z.dict.Len())
		}
	}
	var bytes int64
	for _, it := range m {
		bytes += int64(len(it.Member))
	}
	if bytes != z.bytes {
		t.Fatalf("bytes %d, want %d", z.bytes, bytes)
	}
	probes := min(len(m), 20)
	for range probes {
		i := r.IntN(len(m))
		it := m[i]
		if got := z.At(i); got != it {
			t.Fatalf("At(%d)=%v want %v", i, got, it)
		}
		if rk, ok := z.Rank([]byte(it.Member)); !ok || rk != i {
			t.Fatalf("Rank(%q)=%d,%v want %d", it.Member, rk, ok, i)
		}
		if s, ok := z.Score([]byte(it.Member)); !ok || s != it.Score {
			t.Fatalf("Score(%q)=%v,%v", it.Member, s, ok)
		}
		for _, excl := range []bool{false, true} {
			s := it.Score + float64(r.IntN(3)-1)
			want := m.count(func(x ZItem) bool { return x.Score < s || excl && x.Score == s })
			if got := z.ScoreRank(s, excl); got != want {
				t.Fatalf("ScoreRank(%v,%v)=%d want %d", s, excl, got, want)
			}
			mb := it.Member
			if r.IntN(2) == 0 {
				mb += "x"
			}
			// LexRank assumes equal scores; check it on the model's
			// member order only when all scores are equal.
			if allEqualScores(m) {
				want = m.count(func(x ZItem) bool { return x.Member < mb || excl && x.Member == mb })
				if got := z.LexRank([]byte(mb), excl); got != want {
					t.Fatalf("LexRank(%q,%v)=%d want %d", mb, excl, got, want)
				}
			}
		}
	}
	if _, ok := z.Score([]byte("absent-member")); ok {
		t.Fatalf("absent member found")
	}
	if len(m) > 0 {
		from := r.IntN(len(m))
		k := from
		z.Ascend(from, func(rank int, it ZItem) bool {
			if rank != k || it != m[k] {
				t.Fatalf("Ascend rank %d item %v, want %d %v", rank, it, k, m[k])
			}
			k++
			return k-from < 100
		})
		if k != min(len(m), from+100) {
			t.Fatalf("Ascend stopped at %d", k)
		}
		k = from
		z.Descend(from, func(rank int, it ZItem) bool {
			if rank != k || it != m[k] {
				t.Fatalf("Descend rank %d item %v, want %d %v", rank, it, k, m[k])
			}
			k--
			return from-k < 100
		})
		if k != max(-1, from-100) {
			t.Fatalf("Descend stopped at %d", k)
		}
	}
}

func allEqualScores(m zmodel) bool {
	for _, it := range m {
		if it.Score != m[0].Score {
			return false
		}
	}
	return true
}

// runZOps drives a ZSet and the model with the operations encoded in ops.
func runZOps(t *testing.T, ops []byte, lim ZLimits, scores int, r *rand.Rand) {
	z := NewZSet(maphash.MakeSeed())
	var m zmodel
	for len(ops) >= 3 {
		op, a, b := ops[0], int(ops[1]), int(ops[2])
		ops = ops[3:]
		member := fmt.Sprintf("m%d", a*7%251)
		if a%17 == 0 {
			member += "-a-longer-member-name"
		}
		score := float64(b%max(scores, 1)) - 2
		switch op % 8 {
		case 0, 1, 2:
			if z.Set([]byte(member), score, lim) != m.set(member, score) {
				t.Fatalf("Set(%q) added mismatch", member)
			}
		case 3:
			i := m.find(member)
			if z.Remove([]byte(member)) != (i >= 0) {
				t.Fatalf("Remove(%q) mismatch", member)
			}
			if i >= 0 {
				m = slices.Delete(m, i, i+1)
			}
		case 4:
			from, to := a%(len(m)+2)-1, a%(len(m)+2)+b%5-1
			wf, wt := max(from, 0), min(to, len(m)-1)
			want := 0
			if wf <= wt {
				want = wt - wf + 1
				m = slices.Delete(m, wf, wt+1)
			}
			if got := z.DeleteRange(from, to); got != want {
				t.Fatalf("DeleteRange(%d,%d)=%d want %d", from, to, got, want)
			}
		case 5:
			z = z.Copy().(*ZSet)
		case 6:
			enc := z.Encoding()
			z.FitSmall(lim)
			if enc == "listpack" && z.Encoding() != enc {
				t.Fatalf("FitSmall converted a small set")
			}
		case 7:
			wantBig := int64(len(m)) > lim.MaxEntries
			for _, it := range m {
				wantBig = wantBig || int64(len(it.Member)) > lim.MaxValue
			}
			if !wantBig && z.Encoding() == "skiplist" {
				z.FitSmall(lim)
				if z.Encoding() != "listpack" {
					t.Fatalf("FitSmall kept a fitting set big")
				}
			}
		}
		checkZSet(t, z, m, r)
		if z.Len() > 0 && z.MemUsage() <= 0 {
			t.Fatalf("MemUsage %d", z.MemUsage())
		}
	}
}

func TestZSetProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, lim := range []ZLimits{{128, 64}, {4, 64}, {0, 0}, {16, 10}} {
		for _, scores := range []int{1, 5, 1000} {
			ops := make([]byte, 3*3000)
			for i := range ops {
				ops[i] = byte(r.IntN(256))
			}
			runZOps(t, ops, lim, scores, r)
		}
	}
}

// TestZTreeLarge exercises deep trees (inner splits, merges and
// redistributions) with random, ascending and descending workloads.
func TestZTreeLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 12000 // three levels of nodes
	if testing.Short() {
		n = 6000
	}
	for _, order := range []string{"random", "ascending", "descending"} {
		z := NewZSet(maphash.MakeSeed())
		m := make(zmodel, 0, n)
		lim := ZLimits{128, 64}
		for i := range n {
			s := float64(r.IntN(n / 4))
			switch order {
			case "ascending":
				s = float64(i)
			case "descending":
				s = float64(-i)
			}
			member := fmt.Sprintf("member:%d", i)
			z.Set([]byte(member), s, lim)
			m = append(m, ZItem{member, s})
		}
		slices.SortFunc(m, func(a, b ZItem) int {
			if zless(a, b) {
				return -1
			}
			if zless(b, a) {
				return 1
			}
			return 0
		})
		checkZSet(t, z, m, r)
		if root := z.tree.root; root.kids == nil || root.kids[0].kids == nil {
			t.Fatalf("%s: %d items make fewer than three levels", order, n)
		}
		// Score changes, then removals by member and by rank range.
		for i := range n / 4 {
			j := r.IntN(len(m))
			it := m[j]
			m = slices.Delete(m, j, j+1)
			if i%2 == 0 {
				ns := it.Score + float64(r.IntN(100)-50)
				m.set(it.Member, ns)
				z.Set([]byte(it.Member), ns, lim)
			} else if !z.Remove([]byte(it.Member)) {
				t.Fatalf("Remove %q failed", it.Member)
			}
		}
		checkZSet(t, z, m, r)
		for len(m) > 0 {
			from := r.IntN(len(m))
			to := from + r.IntN(300)
			want := min(to, len(m)-1) - from + 1
			m = slices.Delete(m, from, from+want)
			if got := z.DeleteRange(from, to); got != want {
				t.Fatalf("DeleteRange=%d want %d", got, want)
			}
			if len(m)%8 == 0 || len(m) < 500 {
				checkZSet(t, z, m, r)
			}
		}
		checkZSet(t, z, m, r)
		if z.tree.leaves != 0 || z.tree.inners != 0 || z.tree.root != nil {
			t.Fatalf("empty tree keeps nodes: %d leaves %d inner", z.tree.leaves, z.tree.inners)
		}
	}
}

// TestZSetEncoding checks the conversions happen where Redis's do.
func TestZSetEncoding(t *testing.T) {
	lim := ZLimits{3, 5}
	z := NewZSet(maphash.MakeSeed())
	for i, m := range []string{"a", "b", "c"} {
		z.Set([]byte(m), float64(i), lim)
	}
	if z.Encoding() != "listpack" {
		t.Fatalf("3 entries: %s", z.Encoding())
	}
	z.Set([]byte("b"), 10, lim) // an update is no insert
	if z.Encoding() != "listpack" || z.At(2).Member != "b" {
		t.Fatalf("update: %s %v", z.Encoding(), z.At(2))
	}
	z.Set([]byte("d"), 0, lim)
	if z.Encoding() != "skiplist" {
		t.Fatalf("4 entries: %s", z.Encoding())
	}
	z.Remove([]byte("d"))
	if z.Encoding() != "skiplist" {
		t.Fatalf("a big set never converts back by itself")
	}
	z.FitSmall(lim)
	if z.Encoding() != "listpack" || z.Len() != 3 || z.At(0).Member != "a" {
		t.Fatalf("FitSmall: %s %d", z.Encoding(), z.Len())
	}
	z2 := NewZSet(maphash.MakeSeed())
	z2.Set([]byte("sixsix"), 1, lim)
	if z2.Encoding() != "skiplist" {
		t.Fatalf("long member: %s", z2.Encoding())
	}
	z3 := NewZSet(maphash.MakeSeed())
	z3.Set([]byte("a"), 1, ZLimits{0, 64})
	if z3.Encoding() != "skiplist" {
		t.Fatalf("max entries 0: %s", z3.Encoding())
	}
	// -0 and 0 are the same score; inf sorts last.
	z4 := NewZSet(maphash.MakeSeed())
	z4.Set([]byte("b"), math.Copysign(0, -1), lim)
	z4.Set([]byte("a"), 0, lim)
	z4.Set([]byte("c"), math.Inf(-1), lim)
	if z4.At(0).Member != "c" || z4.At(1).Member != "a" || z4.ScoreRank(0, true) != 3 || z4.ScoreRank(0, false) != 1 {
		t.Fatalf("-0/0/-inf order: %v %v", z4.At(0), z4.At(1))
	}
}

func FuzzZSet(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 2, 3, 3, 1, 0, 4, 0, 3}, uint8(4), uint8(3))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, again and again and again"), uint8(0), uint8(200))
	seed := make([]byte, 600)
	for i := range seed {
		seed[i] = byte(i * 37)
	}
	f.Add(seed, uint8(8), uint8(50))
	f.Fuzz(func(t *testing.T, ops []byte, maxEntries, scores uint8) {
		r := rand.New(rand.NewPCG(uint64(len(ops)), uint64(maxEntries)))
		runZOps(t, ops, ZLimits{int64(maxEntries % 20), 12}, int(scores), r)
	})
}
