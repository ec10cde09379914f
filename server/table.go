package server

// table is an ordered hash table: open addressing with linear probing where
// the entries stand in ascending order of their 56-bit hash, and an entry's
// home slot is the top bits of its hash. So a lookup is a hash-table lookup
// (usually one cache line of slots), while a walk of the slots visits the
// keys in hash order, the property SCAN needs: a cursor that is a hash value
// stays valid whatever inserts, deletes and resizes happen between calls.
//
// Invariants: occupied slots hold non-decreasing hashes in index order; an
// entry stands at or after its home slot; the slots from an entry's home to
// its position are all occupied (so an empty slot ends a probe). Inserts
// shift a run right to make room, deletes shift the following displaced run
// left. There is no wrap-around: slack slots past the last home absorb runs,
// and a run that would overflow them grows the table.
type table struct {
	slots []tslot
	bits  uint // log2 of the number of home slots
	n     int
}

type tslot struct {
	tag uint64 // hash | occupied; 0 = empty
	e   *Entry
}

const (
	occupied     = 1 << 63
	minTableBits = 3
)

func (t *table) home(h uint64) int { return int(h >> (hashBits - t.bits)) }

func (t *table) len() int { return t.n }

// slack is the number of slots past the last home slot.
func slackFor(bits uint) int { return 8 + int(bits)*2 }

func (t *table) init(bits uint) {
	t.bits = bits
	t.slots = make([]tslot, 1<<bits+slackFor(bits))
	t.n = 0
}

// find returns the index of key's entry, or -1.
func (t *table) find(h uint64, key []byte) int {
	if t.slots == nil {
		return -1
	}
	tag := h | occupied
	for i := t.home(h); i < len(t.slots); i++ {
		s := &t.slots[i]
		if s.tag == 0 || s.tag > tag {
			return -1
		}
		if s.tag == tag && s.e.Key() == string(key) {
			return i
		}
	}
	return -1
}

// get returns key's entry, or nil.
func (t *table) get(h uint64, key []byte) *Entry {
	if i := t.find(h, key); i >= 0 {
		return t.slots[i].e
	}
	return nil
}

// insert adds e (whose key must be absent) under hash h.
func (t *table) insert(h uint64, e *Entry) {
	if t.slots == nil {
		t.init(minTableBits)
	}
	if t.n >= (1<<t.bits)*7/8 {
		t.resize(t.bits + 1)
	}
	for !t.tryInsert(h|occupied, e) {
		t.resize(t.bits + 1)
	}
	t.n++
}

// tryInsert places the entry in order; false if its run would overflow.
func (t *table) tryInsert(tag uint64, e *Entry) bool {
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
	t.slots[i] = tslot{tag, e}
	return true
}

// removeAt deletes the entry at index i and closes the gap.
func (t *table) removeAt(i int) {
	j := i + 1
	for j < len(t.slots) && t.slots[j].tag != 0 && t.home(t.slots[j].tag&^occupied) < j {
		j++
	}
	copy(t.slots[i:j-1], t.slots[i+1:j])
	t.slots[j-1] = tslot{}
	t.n--
	if t.bits > minTableBits && t.n < (1<<t.bits)/8 {
		t.resize(t.bits - 1)
	}
}

// remove deletes e, which must be present under hash h.
func (t *table) remove(h uint64, e *Entry) {
	tag := h | occupied
	for i := t.home(h); i < len(t.slots); i++ {
		if t.slots[i].e == e {
			t.removeAt(i)
			return
		}
		if t.slots[i].tag == 0 || t.slots[i].tag > tag {
			break
		}
	}
	panic("table: removing an entry that is not present")
}

// resize rebuilds the table with 2^bits home slots. Entries are already in
// hash order, so each goes at max(its home, the slot after the previous one).
func (t *table) resize(bits uint) {
	old := t.slots
	for {
		t.bits = bits
		t.slots = make([]tslot, 1<<bits+slackFor(bits))
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

// ascend calls fn for the entries with hash >= from, in hash order, until fn
// returns false. fn must not change the table.
func (t *table) ascend(from uint64, fn func(h uint64, e *Entry) bool) {
	if t.slots == nil {
		return
	}
	tag := from | occupied
	for i := t.home(from); i < len(t.slots); i++ {
		s := t.slots[i]
		if s.tag == 0 || s.tag < tag {
			continue
		}
		if !fn(s.tag&^occupied, s.e) {
			return
		}
	}
}

// random returns the first entry at or after slot r mod the table size
// (wrapping), or nil when the table is empty.
func (t *table) random(r int) *Entry {
	if t.n == 0 {
		return nil
	}
	size := len(t.slots)
	for k, i := 0, r%size; k < size; k, i = k+1, i+1 {
		if i == size {
			i = 0
		}
		if t.slots[i].tag != 0 {
			return t.slots[i].e
		}
	}
	return nil
}

// clear drops every entry and shrinks the table to its minimum.
func (t *table) clear() {
	t.slots = nil
	t.bits = 0
	t.n = 0
}
