package datatypes

import (
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Set is a set of byte strings with Redis 7.0's two encodings. An "intset"
// holds only members that are canonical 64-bit integers, as a sorted slice
// (compact, and in the order Redis replies with); any other set is a
// "hashtable", a Dict of members. A set starts as an intset when its first
// member is an integer and turns into a hashtable, never back, when a
// non-integer member arrives or it grows past set-max-intset-entries.
type Set struct {
	ints  []int64         // the intset encoding, ascending; unused once dict is set
	dict  *Dict[struct{}] // the hashtable encoding; nil while an intset
	seed  maphash.Seed    // for the Dict
	bytes int64           // the hashtable members' bytes, for MemUsage
}

// maxIntsetCap is where Redis caps set-max-intset-entries (intset internals).
const maxIntsetCap = 1 << 30

// NewSet returns an empty intset (Redis's createIntsetObject); seed hashes
// its Dict once it becomes a hashtable.
func NewSet(seed maphash.Seed) *Set { return &Set{seed: seed} }

// NewSetFor returns an empty set in the encoding Redis's setTypeCreate picks
// for a set about to receive first: an intset if it is an integer.
func NewSetFor(first []byte, seed maphash.Seed) *Set {
	s := &Set{seed: seed}
	if _, ok := ParseSetInt(first); !ok {
		s.dict = NewDict[struct{}](seed)
	}
	return s
}

// Len is the number of members.
func (s *Set) Len() int {
	if s.dict != nil {
		return s.dict.Len()
	}
	return len(s.ints)
}

// IsIntset reports whether the set has the intset encoding.
func (s *Set) IsIntset() bool { return s.dict == nil }

// Encoding is the name OBJECT ENCODING gives (Redis 7.0).
func (s *Set) Encoding() string {
	if s.dict != nil {
		return "hashtable"
	}
	return "intset"
}

// MemUsage estimates the bytes the set takes; O(1).
func (s *Set) MemUsage() int64 {
	if s.dict != nil {
		return 48 + s.bytes + s.dict.SlotBytes()
	}
	return 48 + int64(cap(s.ints))*8
}

// Copy returns a deep copy (member strings are immutable, so shared).
func (s *Set) Copy() any {
	c := &Set{seed: s.seed, bytes: s.bytes}
	if s.dict == nil {
		c.ints = slices.Clone(s.ints)
		return c
	}
	c.dict = NewDict[struct{}](s.seed)
	s.dict.Each(func(m string, _ struct{}) bool {
		c.dict.Set(m, struct{}{})
		return true
	})
	return c
}

// Has reports whether m is a member.
func (s *Set) Has(m []byte) bool {
	if s.dict != nil {
		return s.dict.Has(m)
	}
	v, ok := ParseSetInt(m)
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(s.ints, v)
	return found
}

// Add adds a copy of m and reports whether it was new. maxIntset is
// set-max-intset-entries: an intset holding more converts to a hashtable.
func (s *Set) Add(m []byte, maxIntset int64) bool {
	if s.dict == nil {
		if v, ok := ParseSetInt(m); ok {
			i, found := slices.BinarySearch(s.ints, v)
			if found {
				return false
			}
			s.ints = slices.Insert(s.ints, i, v)
			if int64(len(s.ints)) > min(maxIntset, maxIntsetCap) {
				s.toDict()
			}
			return true
		}
		s.toDict()
	}
	// One hash for the lookup and the insert; the copy is the only allocation.
	h := s.dict.hash(m)
	if s.dict.t.find(h, m) >= 0 {
		return false
	}
	s.dict.t.Insert(h, dictItem[struct{}]{key: string(m)})
	s.bytes += int64(len(m))
	return true
}

// toDict converts an intset to a hashtable.
func (s *Set) toDict() {
	d := NewDict[struct{}](s.seed)
	var buf [20]byte
	for _, v := range s.ints {
		m := string(strconv.AppendInt(buf[:0], v, 10))
		d.Set(m, struct{}{})
		s.bytes += int64(len(m))
	}
	s.dict, s.ints = d, nil
}

// Remove deletes m and reports whether it was a member.
func (s *Set) Remove(m []byte) bool {
	if s.dict != nil {
		if _, _, ok := s.dict.Delete(m); ok {
			s.bytes -= int64(len(m))
			return true
		}
		return false
	}
	v, ok := ParseSetInt(m)
	if !ok {
		return false
	}
	i, found := slices.BinarySearch(s.ints, v)
	if !found {
		return false
	}
	s.ints = slices.Delete(s.ints, i, i+1)
	if cap(s.ints) > 64 && len(s.ints) < cap(s.ints)/4 {
		s.ints = slices.Clip(s.ints) // give back memory after mass removal
	}
	return true
}

// Each calls fn for every member until fn returns false: ascending for an
// intset, hash order for a hashtable. m is valid only during the call and
// must not be changed; fn must not change the set.
func (s *Set) Each(fn func(m []byte) bool) {
	if s.dict != nil {
		s.dict.Each(func(k string, _ struct{}) bool { return fn(strBytes(k)) })
		return
	}
	var buf [20]byte
	for _, v := range s.ints {
		if !fn(strconv.AppendInt(buf[:0], v, 10)) {
			return
		}
	}
}

// Random returns a member picked at random, appending an intset's member to
// buf; a hashtable's is returned as stored. The set must not be empty. The
// result must not be changed.
func (s *Set) Random(r *rand.Rand, buf []byte) []byte {
	if s.dict != nil {
		k, _, _ := s.dict.Random(r)
		return strBytes(k)
	}
	return strconv.AppendInt(buf, s.ints[r.IntN(len(s.ints))], 10)
}

// Scan is SSCAN: an intset returns everything at once (cursor 0 after), as
// Redis does; a hashtable visits about count members from cursor (0 starts)
// and returns the cursor to continue from, 0 when done. m is valid only
// during the call.
func (s *Set) Scan(cursor uint64, count int, fn func(m []byte)) uint64 {
	if s.dict != nil {
		return s.dict.Scan(cursor, count, func(k string, _ struct{}) { fn(strBytes(k)) })
	}
	s.Each(func(m []byte) bool {
		fn(m)
		return true
	})
	return 0
}

// ParseSetInt parses m as Redis's string2ll does (what may go in an
// intset): an optional '-', digits without leading zeros (but "0"), no '+',
// no spaces, within int64.
func ParseSetInt(m []byte) (int64, bool) {
	n := len(m)
	if n == 0 || n > 20 {
		return 0, false
	}
	neg := m[0] == '-'
	i := 0
	if neg {
		i = 1
	}
	if i == n || m[i] < '0' || m[i] > '9' || (m[i] == '0' && (n > 1)) {
		return 0, false
	}
	var v uint64
	for ; i < n; i++ {
		c := m[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
		if v < uint64(c-'0') {
			return 0, false
		}
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
