package datatypes

import "math/rand/v2"

// Table is an ordered hash table: open addressing with linear probing where
// the items stand in ascending order of their 56-bit hash, and an item's
// home slot is the top bits of its hash. So a lookup is a hash-table lookup
// (usually one cache line of slots), while a walk of the slots visits the
// items in hash order, the property SCAN needs: a cursor that is a hash value
// stays valid whatever inserts, deletes and resizes happen between calls.
// The keyspace (one Table per shard) and the large hashes, sets and sorted
// sets (Dict) are built on it.
//
// Invariants: occupied slots hold non-decreasing hashes in index order; an
// item stands at or after its home slot; the slots from an item's home to
// its position are all occupied (so an empty slot ends a probe). Inserts
// shift a run right to make room, deletes shift the following displaced run
// left. There is no wrap-around: slack slots past the last home absorb runs,
// and a run that would overflow them grows the table.
//
// The caller hashes (HashBits bits; equal hashes are fine, keys tell them
// apart) and guarantees a key is inserted at most once.
type Table[T Keyed] struct {
	slots []slot[T]
	bits  uint // log2 of the number of home slots
	n     int
}

// Keyed is what a Table stores: something that knows its key.
type Keyed interface{ Key() string }

type slot[T any] struct {
	tag  uint64 // hash | occupied; 0 = empty
	item T
}

// HashBits is the width of the hashes a Table orders by; HashMask masks a
// 64-bit hash down to it.
const (
	HashBits = 56
	HashMask = 1<<HashBits - 1
)

const (
	occupied     = 1 << 63
	minTableBits = 3
)

func (t *Table[T]) home(h uint64) int { return int(h >> (HashBits - t.bits)) }

// Len is the number of items.
func (t *Table[T]) Len() int { return t.n }

// Slots is the number of slots, for memory accounting and random picks.
func (t *Table[T]) Slots() int { return len(t.slots) }

// slackFor is the number of slots past the last home slot.
func slackFor(bits uint) int { return 8 + int(bits)*2 }

func (t *Table[T]) init(bits uint) {
	t.bits = bits
	t.slots = make([]slot[T], 1<<bits+slackFor(bits))
	t.n = 0
}

// find returns the index of key's item, or -1.
func (t *Table[T]) find(h uint64, key []byte) int {
	if t.slots == nil {
		return -1
	}
	tag := h | occupied
	for i := t.home(h); i < len(t.slots); i++ {
		s := &t.slots[i]
		if s.tag == 0 || s.tag > tag {
			return -1
		}
		if s.tag == tag && s.item.Key() == string(key) {
			return i
		}
	}
	return -1
}

// Get returns key's item (h is its hash) and whether it is there.
func (t *Table[T]) Get(h uint64, key []byte) (T, bool) {
	if i := t.find(h, key); i >= 0 {
		return t.slots[i].item, true
	}
	var zero T
	return zero, false
}

// Ref returns a pointer to key's item for changing it in place, or nil. It
// is valid until the next insert or delete.
func (t *Table[T]) Ref(h uint64, key []byte) *T {
	if i := t.find(h, key); i >= 0 {
		return &t.slots[i].item
	}
	return nil
}

// Insert adds item (whose key must be absent) under hash h.
func (t *Table[T]) Insert(h uint64, item T) {
	if t.slots == nil {
		t.init(minTableBits)
	}
	if t.n >= (1<<t.bits)*7/8 {
		t.resize(t.bits + 1)
	}
	for !t.tryInsert(h|occupied, item) {
		t.resize(t.bits + 1)
	}
	t.n++
}

// Reserve grows the table so that n items in all fit without a resize:
// loading a file whose count is announced builds each table once.
func (t *Table[T]) Reserve(n int) {
	bits := uint(minTableBits)
	for n >= (1<<bits)*7/8 {
		bits++
	}
	switch {
	case t.slots == nil:
		t.init(bits)
	case bits > t.bits:
		t.resize(bits)
	}
}

// tryInsert places the item in order; false if its run would overflow.
func (t *Table[T]) tryInsert(tag uint64, item T) bool {
	i := t.home(tag &^ occupied)
	for i < len(t.slots) && t.slots[i].tag != 0 && t.slots[i].tag <= tag {
		i++
	}
	j := i
	for j < len(t.slots) && t.slots[j].tag != 0 {
		j++
	}
	if j == len(t.slots) {
		return false
	}
	copy(t.slots[i+1:j+1], t.slots[i:j])
	t.slots[i] = slot[T]{tag, item}
	return true
}

// removeAt deletes the item at index i and closes the gap.
func (t *Table[T]) removeAt(i int) {
	j := i + 1
	for j < len(t.slots) && t.slots[j].tag != 0 && t.home(t.slots[j].tag&^occupied) < j {
		j++
	}
	copy(t.slots[i:j-1], t.slots[i+1:j])
	t.slots[j-1] = slot[T]{}
	t.n--
	if t.bits > minTableBits && t.n < (1<<t.bits)/8 {
		t.resize(t.bits - 1)
	}
}

// Delete removes key's item (h is its hash) and returns it.
func (t *Table[T]) Delete(h uint64, key []byte) (T, bool) {
	i := t.find(h, key)
	if i < 0 {
		var zero T
		return zero, false
	}
	item := t.slots[i].item
	t.removeAt(i)
	return item, true
}

// resize rebuilds the table with 2^bits home slots. Items are already in
// hash order, so each goes at max(its home, the slot after the previous one).
func (t *Table[T]) resize(bits uint) {
	old := t.slots
	for {
		t.bits = bits
		t.slots = make([]slot[T], 1<<bits+slackFor(bits))
		next, ok := 0, true
		for _, s := range old {
			if s.tag == 0 {
				continue
			}
			p := max(t.home(s.tag&^occupied), next)
			if p >= len(t.slots) {
				ok = false
				break
			}
			t.slots[p] = s
			next = p + 1
		}
		if ok {
			return
		}
		bits++
	}
}

// Ascend calls fn for the items with hash >= from, in hash order, until fn
// returns false. fn must not insert or delete.
func (t *Table[T]) Ascend(from uint64, fn func(h uint64, item T) bool) {
	if t.slots == nil {
		return
	}
	tag := from | occupied
	for i := t.home(from); i < len(t.slots); i++ {
		s := &t.slots[i]
		if s.tag == 0 || s.tag < tag {
			continue
		}
		if !fn(s.tag&^occupied, s.item) {
			return
		}
	}
}

// Scan visits about count items from cursor (0 starts an iteration) in hash
// order and returns the cursor to continue from, 0 when done: the cursor
// is the next hash to visit plus one, and items sharing a hash are never
// split between calls, so an iteration returns every item present from its
// start to its end (HSCAN, SSCAN, ZSCAN). fn must not change the table.
func (t *Table[T]) Scan(cursor uint64, count int, fn func(item T)) uint64 {
	var from uint64
	if cursor > 0 {
		from = cursor - 1
	}
	var next, last uint64
	n := 0
	t.Ascend(from, func(h uint64, item T) bool {
		if n >= count && h != last {
			next = h + 1
			return false
		}
		fn(item)
		n++
		last = h
		return true
	})
	return next
}

// Random returns an item picked at random (false when the table is
// empty). It probes random slots until one is occupied: every item is then
// equally likely, which SRANDMEMBER's and RANDOMKEY's users rely on (taking
// the first item after a random slot would favour items after long gaps).
// Tables shrink below an eighth full, so a few probes suffice; a nearly
// empty small table falls back to the first item after a random slot.
func (t *Table[T]) Random(rnd *rand.Rand) (T, bool) {
	if t.n > 0 {
		size := len(t.slots)
		for range 64 {
			if s := &t.slots[rnd.IntN(size)]; s.tag != 0 {
				return s.item, true
			}
		}
		for k, i := 0, rnd.IntN(size); k < size; k, i = k+1, i+1 {
			if i == size {
				i = 0
			}
			if t.slots[i].tag != 0 {
				return t.slots[i].item, true
			}
		}
	}
	var zero T
	return zero, false
}

// Clear drops every item and shrinks the table to nothing.
func (t *Table[T]) Clear() {
	t.slots = nil
	t.bits = 0
	t.n = 0
}
