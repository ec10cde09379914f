package datatypes

import (
	"hash/maphash"
	"math/rand/v2"
	"unsafe"
)

// Dict maps string keys to values of type V: the "hashtable" encoding of
// large hashes, sets and sorted sets. It is a Table, so its cursor walk
// (HSCAN, SSCAN, ZSCAN) returns every key present for the whole iteration,
// whatever changes happen between calls.
type Dict[V any] struct {
	t    Table[dictItem[V]]
	seed maphash.Seed
}

type dictItem[V any] struct {
	key string
	val V
}

func (d dictItem[V]) Key() string { return d.key }

// NewDict returns an empty Dict hashing with seed.
func NewDict[V any](seed maphash.Seed) *Dict[V] { return &Dict[V]{seed: seed} }

func (d *Dict[V]) hash(key []byte) uint64 { return maphash.Bytes(d.seed, key) & HashMask }

// Len is the number of keys.
func (d *Dict[V]) Len() int { return d.t.Len() }

// Get returns key's value and whether key is present.
func (d *Dict[V]) Get(key []byte) (V, bool) {
	it, ok := d.t.Get(d.hash(key), key)
	return it.val, ok
}

// Has reports whether key is present.
func (d *Dict[V]) Has(key []byte) bool { return d.t.find(d.hash(key), key) >= 0 }

// Ref returns a pointer to key's value for changing it in place, or nil.
// It is valid until the next Set or Delete.
func (d *Dict[V]) Ref(key []byte) *V {
	if it := d.t.Ref(d.hash(key), key); it != nil {
		return &it.val
	}
	return nil
}

// Set stores v under key and reports whether key is new. The Dict keeps
// key: the caller must not change its bytes afterwards.
func (d *Dict[V]) Set(key string, v V) bool {
	kb := strBytes(key)
	h := d.hash(kb)
	if it := d.t.Ref(h, kb); it != nil {
		it.val = v
		return false
	}
	d.t.Insert(h, dictItem[V]{key, v})
	return true
}

// Delete removes key, returning the key as stored, its value and whether
// it was present.
func (d *Dict[V]) Delete(key []byte) (string, V, bool) {
	it, ok := d.t.Delete(d.hash(key), key)
	return it.key, it.val, ok
}

// Each calls fn for every key in hash order until fn returns false. fn must
// not change the Dict.
func (d *Dict[V]) Each(fn func(key string, v V) bool) {
	d.t.Ascend(0, func(_ uint64, it dictItem[V]) bool { return fn(it.key, it.val) })
}

// Scan visits about count keys from cursor (0 starts an iteration) and
// returns the cursor to continue from, 0 when done (see Table.Scan).
func (d *Dict[V]) Scan(cursor uint64, count int, fn func(key string, v V)) uint64 {
	return d.t.Scan(cursor, count, func(it dictItem[V]) { fn(it.key, it.val) })
}

// Random returns a key and its value chosen at random (ok false if empty).
func (d *Dict[V]) Random(r *rand.Rand) (key string, v V, ok bool) {
	if d.t.Len() == 0 {
		return "", v, false
	}
	it, _ := d.t.Random(r)
	return it.key, it.val, true
}

// SlotBytes is the memory the table's slots take, for MEMORY USAGE and
// maxmemory accounting; the keys and values are the caller's to count.
func (d *Dict[V]) SlotBytes() int64 {
	return int64(d.t.Slots()) * int64(unsafe.Sizeof(slot[dictItem[V]]{}))
}

// strBytes views an immutable string as bytes, without copying: for
// lookups by a key the caller holds as a string.
func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
