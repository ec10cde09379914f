package datatypes

import (
	"hash/maphash"
	"sort"
	"unsafe"
)

// ZItem is one member of a sorted set with its score.
type ZItem struct {
	Member string
	Score  float64
}

// zless is Redis's order: by score, then by member bytes. Scores are never
// NaN; -0 and 0 compare equal, as they do in C.
func zless(a, b ZItem) bool {
	return a.Score < b.Score || (a.Score == b.Score && a.Member < b.Member)
}

// ZLimits are the zset-max-listpack-entries and zset-max-listpack-value
// thresholds past which a sorted set takes its big encoding.
type ZLimits struct{ MaxEntries, MaxValue int64 }

// ZSet is a sorted set. Small ones ("listpack") are a sorted slice, as
// compact as Redis's listpack and in the same order. Big ones ("skiplist")
// are a Dict from member to score for O(1) lookups plus an order-statistic
// B+tree (ztree) for ranks; both share each member's string.
type ZSet struct {
	small []ZItem        // the listpack encoding, sorted; unused once big
	dict  *Dict[float64] // nil while small
	tree  ztree          // the skiplist encoding's order
	seed  maphash.Seed   // for the Dict
	bytes int64          // the members' bytes, for MemUsage
}

// zitemSize is the in-memory size of a ZItem (string header and score).
const zitemSize = int64(unsafe.Sizeof(ZItem{}))

// NewZSet returns an empty sorted set in the small encoding; seed hashes
// its Dict if it grows big.
func NewZSet(seed maphash.Seed) *ZSet { return &ZSet{seed: seed} }

// Len is the number of members.
func (z *ZSet) Len() int {
	if z.dict != nil {
		return z.tree.n
	}
	return len(z.small)
}

// Encoding is the name OBJECT ENCODING gives (Redis 7.0).
func (z *ZSet) Encoding() string {
	if z.dict != nil {
		return "skiplist"
	}
	return "listpack"
}

// MemUsage estimates the bytes the set takes; O(1).
func (z *ZSet) MemUsage() int64 {
	if z.dict != nil {
		return 64 + z.bytes + z.dict.SlotBytes() + z.tree.bytes()
	}
	return 64 + z.bytes + int64(cap(z.small))*zitemSize
}

// Copy returns a deep copy (member strings are immutable, so shared).
func (z *ZSet) Copy() any {
	c := &ZSet{seed: z.seed, bytes: z.bytes}
	if z.dict == nil {
		c.small = append([]ZItem(nil), z.small...)
		return c
	}
	c.dict = NewDict[float64](z.seed)
	z.tree.ascend(0, func(_ int, it ZItem) bool {
		c.dict.Set(it.Member, it.Score)
		c.tree.insert(it)
		return true
	})
	return c
}

// smallFind returns the index of member in the small encoding, or -1.
func (z *ZSet) smallFind(member []byte) int {
	for i := range z.small {
		if z.small[i].Member == string(member) {
			return i
		}
	}
	return -1
}

// smallPos is the index where it belongs in the small encoding.
func (z *ZSet) smallPos(it ZItem) int {
	return sort.Search(len(z.small), func(i int) bool { return !zless(z.small[i], it) })
}

// Score returns member's score and whether it is present.
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.dict != nil {
		return z.dict.Get(member)
	}
	if i := z.smallFind(member); i >= 0 {
		return z.small[i].Score, true
	}
	return 0, false
}

// Set inserts member or changes its score; reports whether it was added.
// Converts to the big encoding when lim is exceeded (never back, except as
// Redis does: see FitSmall). member is copied.
func (z *ZSet) Set(member []byte, score float64, lim ZLimits) (added bool) {
	if z.dict != nil {
		ref := z.dict.Ref(member)
		if ref != nil {
			if *ref == score {
				return false
			}
			key := z.tree.remove(ZItem{unsafe.String(unsafe.SliceData(member), len(member)), *ref})
			*ref = score
			z.tree.insert(ZItem{key, score})
			return false
		}
		m := string(member)
		z.dict.Set(m, score)
		z.tree.insert(ZItem{m, score})
		z.bytes += int64(len(m))
		return true
	}
	orig := score
	if score == 0 {
		score = 0 // a listpack stores -0 as the integer 0
	}
	if i := z.smallFind(member); i >= 0 {
		if z.small[i].Score == score {
			return false
		}
		it := ZItem{z.small[i].Member, score}
		z.small = append(z.small[:i], z.small[i+1:]...)
		z.smallInsert(it)
		return false
	}
	it := ZItem{string(member), score}
	z.bytes += int64(len(it.Member))
	if int64(len(z.small))+1 > lim.MaxEntries || int64(len(member)) > lim.MaxValue {
		// The skiplist keeps the score as given, -0 included.
		it.Score = orig
		z.toBig()
		z.dict.Set(it.Member, it.Score)
		z.tree.insert(it)
		return true
	}
	z.smallInsert(it)
	return true
}

func (z *ZSet) smallInsert(it ZItem) {
	i := z.smallPos(it)
	z.small = append(z.small, ZItem{})
	copy(z.small[i+1:], z.small[i:])
	z.small[i] = it
}

// toBig converts to the skiplist encoding.
func (z *ZSet) toBig() {
	z.dict = NewDict[float64](z.seed)
	for _, it := range z.small {
		z.dict.Set(it.Member, it.Score)
		z.tree.insert(it)
	}
	z.small = nil
}

// ToSkiplist converts to the big encoding if not there yet: Redis's SORT
// does so to any sorted set it sorts.
func (z *ZSet) ToSkiplist() {
	if z.dict == nil {
		z.toBig()
	}
}

// FitSmall converts a big set back to the small encoding if it fits lim,
// as Redis does for the destinations of ZUNIONSTORE and friends (and never
// otherwise). O(n).
func (z *ZSet) FitSmall(lim ZLimits) {
	if z.dict == nil || int64(z.tree.n) > lim.MaxEntries {
		return
	}
	small := make([]ZItem, 0, z.tree.n)
	fits := true
	z.tree.ascend(0, func(_ int, it ZItem) bool {
		if int64(len(it.Member)) > lim.MaxValue {
			fits = false
			return false
		}
		if it.Score == 0 {
			it.Score = 0 // no -0 in a listpack
		}
		small = append(small, it)
		return true
	})
	if fits {
		z.small, z.dict, z.tree = small, nil, ztree{}
	}
}

// Remove deletes member and reports whether it was present.
func (z *ZSet) Remove(member []byte) bool {
	if z.dict != nil {
		key, score, ok := z.dict.Delete(member)
		if ok {
			z.tree.remove(ZItem{key, score})
			z.bytes -= int64(len(key))
		}
		return ok
	}
	i := z.smallFind(member)
	if i < 0 {
		return false
	}
	z.bytes -= int64(len(z.small[i].Member))
	z.small = append(z.small[:i], z.small[i+1:]...)
	return true
}

// Rank returns member's 0-based ascending rank and whether it is present.
func (z *ZSet) Rank(member []byte) (int, bool) {
	if z.dict != nil {
		score, ok := z.dict.Get(member)
		if !ok {
			return 0, false
		}
		it := ZItem{unsafe.String(unsafe.SliceData(member), len(member)), score}
		return z.tree.countWhile(func(x ZItem) bool { return zless(x, it) }), true
	}
	if i := z.smallFind(member); i >= 0 {
		return i, true
	}
	return 0, false
}

// At returns the item of ascending rank rank, 0 <= rank < Len.
func (z *ZSet) At(rank int) ZItem {
	if z.dict != nil {
		return z.tree.at(rank)
	}
	return z.small[rank]
}

// Ascend calls fn for ranks from, from+1, ... until fn returns false or the
// end. fn must not change the set.
func (z *ZSet) Ascend(from int, fn func(rank int, it ZItem) bool) {
	if from < 0 {
		from = 0
	}
	if z.dict != nil {
		z.tree.ascend(from, fn)
		return
	}
	for i := from; i < len(z.small); i++ {
		if !fn(i, z.small[i]) {
			return
		}
	}
}

// Descend calls fn for ranks from, from-1, ... down to 0 until fn returns
// false. fn must not change the set.
func (z *ZSet) Descend(from int, fn func(rank int, it ZItem) bool) {
	if from >= z.Len() {
		from = z.Len() - 1
	}
	if z.dict != nil {
		z.tree.descend(from, fn)
		return
	}
	for i := from; i >= 0; i-- {
		if !fn(i, z.small[i]) {
			return
		}
	}
}

// ScoreRank is the number of items with score < s (excl false) or <= s
// (excl true): the rank of the first item above the bound s.
func (z *ZSet) ScoreRank(s float64, excl bool) int {
	var pred func(ZItem) bool
	if excl {
		pred = func(x ZItem) bool { return x.Score <= s }
	} else {
		pred = func(x ZItem) bool { return x.Score < s }
	}
	if z.dict != nil {
		return z.tree.countWhile(pred)
	}
	return sort.Search(len(z.small), func(i int) bool { return !pred(z.small[i]) })
}

// LexRank is ScoreRank by member (meaningful when all scores are equal, as
// Redis assumes): the number of items with member < m (excl false) or
// <= m (excl true).
func (z *ZSet) LexRank(m []byte, excl bool) int {
	var pred func(ZItem) bool
	if excl {
		pred = func(x ZItem) bool { return x.Member <= string(m) }
	} else {
		pred = func(x ZItem) bool { return x.Member < string(m) }
	}
	if z.dict != nil {
		return z.tree.countWhile(pred)
	}
	return sort.Search(len(z.small), func(i int) bool { return !pred(z.small[i]) })
}

// DeleteRange removes ascending ranks [from, to] (clamped to the set) and
// returns how many it removed.
func (z *ZSet) DeleteRange(from, to int) int {
	from = max(from, 0)
	to = min(to, z.Len()-1)
	if from > to {
		return 0
	}
	n := to - from + 1
	if z.dict == nil {
		for _, it := range z.small[from : to+1] {
			z.bytes -= int64(len(it.Member))
		}
		z.small = append(z.small[:from], z.small[to+1:]...)
		return n
	}
	for range n {
		it := z.tree.removeAt(from)
		z.dict.Delete(strBytes(it.Member))
		z.bytes -= int64(len(it.Member))
	}
	return n
}

// Scan visits about count members from cursor (0 starts) and returns the
// cursor to continue from, 0 when done. The small encoding is returned
// whole in one call, as Redis does for a listpack.
func (z *ZSet) Scan(cursor uint64, count int, fn func(member string, score float64)) uint64 {
	if z.dict != nil {
		return z.dict.Scan(cursor, count, fn)
	}
	for _, it := range z.small {
		fn(it.Member, it.Score)
	}
	return 0
}
