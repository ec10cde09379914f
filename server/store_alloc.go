package server

import "unsafe"

// An entry and its key and string value are one allocation when they fit
// in 256 bytes: the Entry, then a buffer that rounds the whole up to one of
// Go's size classes (80, 96, ..., 256 bytes). A lookup then misses the CPU
// caches twice (table slot, entry) rather than three times (slot, entry,
// key), and the keyspace holds half as many objects for the collector.
// The buffer's address is known from the entry's (Entry.Key uses that), and
// a value that outgrows it moves to a separate allocation as before.

// withBuf is an Entry followed by its buffer; B is a byte array.
type withBuf[B any] struct {
	e   Entry
	buf B
}

// maxInline is the largest buffer: Entry and buffer in 256 bytes.
const maxInline = 256 - int(unsafe.Sizeof(Entry{}))

// allocEntry returns a zero Entry whose kv has length n, inside the
// entry's own allocation when n fits.
func allocEntry(n int) *Entry {
	var e *Entry
	switch (n + 15) / 16 {
	case 0, 1:
		e = newWithBuf[[16]byte]()
	case 2:
		e = newWithBuf[[32]byte]()
	case 3:
		e = newWithBuf[[48]byte]()
	case 4:
		e = newWithBuf[[64]byte]()
	case 5:
		e = newWithBuf[[80]byte]()
	case 6:
		e = newWithBuf[[96]byte]()
	case 7:
		e = newWithBuf[[112]byte]()
	case 8:
		e = newWithBuf[[128]byte]()
	case 9:
		e = newWithBuf[[144]byte]()
	case 10:
		e = newWithBuf[[160]byte]()
	case 11:
		e = newWithBuf[[176]byte]()
	case 12:
		e = newWithBuf[[192]byte]()
	default:
		return &Entry{kv: make([]byte, n)}
	}
	e.kv = unsafe.Slice(e.inline(), int(e.inl)*16)[:n]
	return e
}

func newWithBuf[B any]() *Entry {
	x := new(withBuf[B])
	x.e.inl = uint8(unsafe.Sizeof(x.buf) / 16)
	return &x.e
}

// inline is the address of the buffer allocated with e; only for e.inl > 0
// (otherwise it would point past e's allocation).
func (e *Entry) inline() *byte {
	return (*byte)(unsafe.Add(unsafe.Pointer(e), unsafe.Sizeof(Entry{})))
}

// The layout allocEntry's size classes assume.
var _ [64 - unsafe.Sizeof(Entry{})]struct{}
var _ [unsafe.Sizeof(Entry{}) - 64]struct{}
