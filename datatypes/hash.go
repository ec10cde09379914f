package datatypes

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/rand/v2"
	"unsafe"
)

// Hash is the value of a hash key. Small hashes use the "listpack"
// encoding: one byte slice of (length, field, length, value) records in
// insertion order, which is the order Redis replies in. Once a hash has more
// than hash-max-listpack-entries fields, or a field or value longer than
// hash-max-listpack-value, it converts to "hashtable" and never goes back.
//
// The hashtable is a Table of hashItems keyed by field: each item is one
// pointer to a single allocation holding both lengths, the field and the
// value, so a field costs a 16-byte slot plus its bytes, about as compact
// as Redis's dictEntry with two sds strings (a 1M-field hash of 64-byte
// values takes ~165 bytes of RSS per field, Redis ~160).
type Hash struct {
	lp    []byte           // listpack records; unused once ht is set
	n     int              // number of fields in lp
	ht    *Table[hashItem] // nil while the encoding is listpack
	seed  maphash.Seed
	bytes int64 // hashtable: bytes allocated for fields and values
}

// hashItem is a field and its value in a single allocation, which p
// points at: uvarint(len(field)), field, uvarint(len(value)), value. Keeping
// the lengths in the allocation makes the item one pointer, so a slot of
// the table is 16 bytes.
type hashItem struct{ p unsafe.Pointer }

// uvarintAt decodes the uvarint at p and returns it and its size in bytes.
func uvarintAt(p unsafe.Pointer) (v uint64, n int) {
	for shift := uint(0); ; shift += 7 {
		b := *(*byte)(unsafe.Add(p, n))
		n++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, n
		}
	}
}

func (it hashItem) Key() string {
	fl, n := uvarintAt(it.p)
	return unsafe.String((*byte)(unsafe.Add(it.p, n)), fl)
}

func (it hashItem) field() []byte {
	fl, n := uvarintAt(it.p)
	return unsafe.Slice((*byte)(unsafe.Add(it.p, n)), fl)
}

// value returns the value's bytes, which may be changed in place.
func (it hashItem) value() []byte {
	fl, n := uvarintAt(it.p)
	vp := unsafe.Add(it.p, n+int(fl))
	vl, m := uvarintAt(vp)
	if vl == 0 {
		return []byte{} // vp+m would point past the allocation
	}
	return unsafe.Slice((*byte)(unsafe.Add(vp, m)), vl)
}

// newHashItem copies field and value into one allocation.
func newHashItem(field, value []byte) hashItem {
	buf := make([]byte, 0, itemSize(len(field), len(value)))
	buf = appendRecord(buf, field, value)
	return hashItem{unsafe.Pointer(&buf[0])}
}

func itemSize(flen, vlen int) int {
	return uvarintLen(flen) + flen + uvarintLen(vlen) + vlen
}

func uvarintLen(n int) int {
	k := 1
	for ; n >= 0x80; n >>= 7 {
		k++
	}
	return k
}

// allocSize is what an item's allocation is accounted as.
func (it hashItem) allocSize() int64 {
	return int64(itemSize(len(it.Key()), len(it.value())))
}

// NewHash returns an empty hash in the listpack encoding.
func NewHash() *Hash { return &Hash{} }

// Len is the number of fields.
func (h *Hash) Len() int {
	if h.ht != nil {
		return h.ht.Len()
	}
	return h.n
}

// Encoding is the name OBJECT ENCODING gives.
func (h *Hash) Encoding() string {
	if h.ht != nil {
		return "hashtable"
	}
	return "listpack"
}

// MemUsage estimates the bytes the hash takes, in O(1).
func (h *Hash) MemUsage() int64 {
	n := int64(unsafe.Sizeof(*h))
	if h.ht != nil {
		return n + h.bytes + int64(h.ht.Slots())*int64(unsafe.Sizeof(slot[hashItem]{}))
	}
	return n + int64(cap(h.lp))
}

func (h *Hash) hash(field []byte) uint64 { return maphash.Bytes(h.seed, field) & HashMask }

// lpRecord decodes the record at offset i of the listpack: its field, its
// value and the offset of the next record.
func (h *Hash) lpRecord(i int) (field, value []byte, next int) {
	fl, k := binary.Uvarint(h.lp[i:])
	i += k
	field = h.lp[i : i+int(fl)]
	i += int(fl)
	vl, k := binary.Uvarint(h.lp[i:])
	i += k
	value = h.lp[i : i+int(vl)]
	return field, value, i + int(vl)
}

// lpFind returns the offsets of field's record and of the record after it,
// or -1.
func (h *Hash) lpFind(field []byte) (start, end int) {
	for i := 0; i < len(h.lp); {
		f, _, next := h.lpRecord(i)
		if bytes.Equal(f, field) {
			return i, next
		}
		i = next
	}
	return -1, -1
}

func appendRecord(b, field, value []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(field)))
	b = append(b, field...)
	b = binary.AppendUvarint(b, uint64(len(value)))
	return append(b, value...)
}

// Get returns field's value, valid until the hash changes.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.ht != nil {
		it, ok := h.ht.Get(h.hash(field), field)
		if !ok {
			return nil, false
		}
		return it.value(), true
	}
	start, _ := h.lpFind(field)
	if start < 0 {
		return nil, false
	}
	_, v, _ := h.lpRecord(start)
	return v, true
}

// Has reports whether field is present.
func (h *Hash) Has(field []byte) bool {
	_, ok := h.Get(field)
	return ok
}

// Set stores value under field (both copied) and reports whether the field
// is new. maxEntries and maxValue are hash-max-listpack-entries and
// hash-max-listpack-value: a field or value longer than maxValue converts
// the hash before the change, more than maxEntries fields after it.
func (h *Hash) Set(field, value []byte, maxEntries, maxValue int) bool {
	if h.ht == nil && (len(field) > maxValue || len(value) > maxValue) {
		h.convert()
	}
	if h.ht != nil {
		return h.htSet(field, value)
	}
	start, end := h.lpFind(field)
	if start < 0 {
		h.lp = appendRecord(h.lp, field, value)
		h.n++
		if h.n > maxEntries {
			h.convert()
		}
		return true
	}
	// Replace the record in place, keeping its position.
	rec := appendRecord(nil, field, value)
	if len(rec) == end-start {
		copy(h.lp[start:], rec)
		return false
	}
	tail := len(h.lp) - end
	if d := len(rec) - (end - start); d > 0 {
		h.lp = append(h.lp, make([]byte, d)...)
	}
	copy(h.lp[start+len(rec):], h.lp[end:end+tail])
	copy(h.lp[start:], rec)
	h.lp = h.lp[:start+len(rec)+tail]
	return false
}

func (h *Hash) htSet(field, value []byte) bool {
	hv := h.hash(field)
	if ref := h.ht.Ref(hv, field); ref != nil {
		old := *ref
		if v := old.value(); len(v) == len(value) {
			// Same length: overwrite the value in its allocation.
			copy(v, value)
			return false
		}
		*ref = newHashItem(field, value)
		h.bytes += ref.allocSize() - old.allocSize()
		return false
	}
	it := newHashItem(field, value)
	h.ht.Insert(hv, it)
	h.bytes += it.allocSize()
	return true
}

// convert moves the fields from the listpack to a hashtable.
func (h *Hash) convert() {
	h.seed = maphash.MakeSeed()
	h.ht = &Table[hashItem]{}
	for i := 0; i < len(h.lp); {
		f, v, next := h.lpRecord(i)
		it := newHashItem(f, v)
		h.ht.Insert(h.hash(f), it)
		h.bytes += it.allocSize()
		i = next
	}
	h.lp, h.n = nil, 0
}

// Delete removes field and reports whether it was present. The listpack
// keeps the order of the remaining fields.
func (h *Hash) Delete(field []byte) bool {
	if h.ht != nil {
		it, ok := h.ht.Delete(h.hash(field), field)
		if ok {
			h.bytes -= it.allocSize()
		}
		return ok
	}
	start, end := h.lpFind(field)
	if start < 0 {
		return false
	}
	h.lp = append(h.lp[:start], h.lp[end:]...)
	h.n--
	if h.n == 0 {
		h.lp = nil
	}
	return true
}

// Each calls fn for every field and value until fn returns false: in
// insertion order for a listpack, hash order for a hashtable. The slices
// are valid until the hash changes; fn must not change it.
func (h *Hash) Each(fn func(field, value []byte) bool) {
	if h.ht != nil {
		h.ht.Ascend(0, func(_ uint64, it hashItem) bool { return fn(it.field(), it.value()) })
		return
	}
	for i := 0; i < len(h.lp); {
		f, v, next := h.lpRecord(i)
		if !fn(f, v) {
			return
		}
		i = next
	}
}

// Scan visits about count fields from cursor (0 starts) and returns the
// cursor to continue from, 0 when done. A listpack is visited whole in one
// call, as Redis does; a hashtable walks its Table (see Table.Scan).
func (h *Hash) Scan(cursor uint64, count int, fn func(field, value []byte)) uint64 {
	if h.ht == nil {
		h.Each(func(f, v []byte) bool { fn(f, v); return true })
		return 0
	}
	return h.ht.Scan(cursor, count, func(it hashItem) { fn(it.field(), it.value()) })
}

// Random returns a field and its value picked at random; the hash must not
// be empty. The slices are valid until the hash changes.
func (h *Hash) Random(r *rand.Rand) (field, value []byte) {
	if h.ht != nil {
		it, _ := h.ht.Random(r)
		return it.field(), it.value()
	}
	k := r.IntN(h.n)
	for i := 0; ; k-- {
		f, v, next := h.lpRecord(i)
		if k == 0 {
			return f, v
		}
		i = next
	}
}

// Copy returns a deep copy (COPY).
func (h *Hash) Copy() any {
	c := &Hash{n: h.n}
	if h.ht == nil {
		c.lp = append([]byte(nil), h.lp...)
		return c
	}
	c.seed = maphash.MakeSeed()
	c.ht = &Table[hashItem]{}
	h.ht.Ascend(0, func(_ uint64, it hashItem) bool {
		c.htSet(it.field(), it.value())
		return true
	})
	return c
}
