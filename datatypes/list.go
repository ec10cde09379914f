package datatypes

import "unsafe"

// List is the value of a Redis list: a deque of strings kept in chunks of
// listChunkSize, the chunks in a ring whose size is a power of two. Pushes
// and pops at either end are O(1), indexing is O(1) (two array steps), and
// inserting or removing in the middle moves the shorter side. Growing never
// copies the elements, only the ring of chunk pointers: a list of millions
// of elements stays cheap to grow and to scan for the GC, which a single
// doubling array of strings is not. Redis's quicklist trades index speed
// for compactness; this keeps LINDEX, LSET and LRANGE O(1) per element.
type List struct {
	ring  []*listChunk // len(ring) is 0 or a power of two
	c0    int          // ring index of the first chunk
	nc    int          // chunks in use
	off   int          // index of the first element in the first chunk
	n     int
	bytes int64 // total length of the elements, for MemUsage
}

const (
	listChunkBits = 6
	listChunkSize = 1 << listChunkBits
	listChunkMask = listChunkSize - 1
	listMinRing   = 4
)

type listChunk [listChunkSize]string

// NewList returns an empty list.
func NewList() *List { return &List{} }

// Len is the number of elements.
func (l *List) Len() int { return l.n }

// Encoding is what Redis 7.0's OBJECT ENCODING says of any list.
func (l *List) Encoding() string { return "quicklist" }

// MemUsage estimates the bytes the list takes.
func (l *List) MemUsage() int64 {
	return int64(unsafe.Sizeof(*l)) + int64(len(l.ring))*8 +
		int64(l.nc)*int64(unsafe.Sizeof(listChunk{})) + l.bytes
}

// Copy returns a deep copy (the strings are immutable and shared).
func (l *List) Copy() any {
	c := &List{}
	for i := 0; i < l.n; i++ {
		c.PushBackString(*l.slot(i))
	}
	return c
}

// slot returns element i's place.
func (l *List) slot(i int) *string {
	j := l.off + i
	return &l.ring[(l.c0+j>>listChunkBits)&(len(l.ring)-1)][j&listChunkMask]
}

// resizeRing moves the chunk pointers to a ring of the given size.
func (l *List) resizeRing(size int) {
	nr := make([]*listChunk, size)
	for k := 0; k < l.nc; k++ {
		nr[k] = l.ring[(l.c0+k)&(len(l.ring)-1)]
	}
	l.ring, l.c0 = nr, 0
}

// addChunk adds an empty chunk at the front or the back.
func (l *List) addChunk(front bool) {
	if l.nc == len(l.ring) {
		l.resizeRing(max(listMinRing, 2*len(l.ring)))
	}
	if front {
		l.c0 = (l.c0 - 1) & (len(l.ring) - 1)
		l.ring[l.c0] = new(listChunk)
	} else {
		l.ring[(l.c0+l.nc)&(len(l.ring)-1)] = new(listChunk)
	}
	l.nc++
}

// dropChunks releases chunks no element uses any more: whole chunks before
// off, and those past the last element. An empty list lets go of all.
func (l *List) dropChunks() {
	if l.n == 0 {
		*l = List{bytes: l.bytes}
		return
	}
	for l.off >= listChunkSize {
		l.ring[l.c0] = nil
		l.c0 = (l.c0 + 1) & (len(l.ring) - 1)
		l.nc--
		l.off -= listChunkSize
	}
	for need := (l.off + l.n + listChunkMask) >> listChunkBits; l.nc > need; l.nc-- {
		l.ring[(l.c0+l.nc-1)&(len(l.ring)-1)] = nil
	}
	if len(l.ring) > listMinRing && l.nc <= len(l.ring)/4 {
		l.resizeRing(len(l.ring) / 2)
	}
}

// PushFront adds a copy of v at the head.
func (l *List) PushFront(v []byte) { l.PushFrontString(string(v)) }

// PushBack adds a copy of v at the tail.
func (l *List) PushBack(v []byte) { l.PushBackString(string(v)) }

// PushFrontString and PushBackString add v itself (already a copy).
func (l *List) PushFrontString(v string) {
	if l.off == 0 {
		l.addChunk(true)
		l.off = listChunkSize
	}
	l.off--
	l.n++
	*l.slot(0) = v
	l.bytes += int64(len(v))
}

// PushBackString adds v at the tail.
func (l *List) PushBackString(v string) {
	if (l.off+l.n)>>listChunkBits == l.nc {
		l.addChunk(false)
	}
	l.n++
	*l.slot(l.n - 1) = v
	l.bytes += int64(len(v))
}

// PopFront removes and returns the head; the list must not be empty.
func (l *List) PopFront() string {
	p := l.slot(0)
	v := *p
	*p = "" // let the GC have it
	l.off++
	l.n--
	l.bytes -= int64(len(v))
	if l.off == listChunkSize || l.n == 0 {
		l.dropChunks()
	}
	return v
}

// PopBack removes and returns the tail; the list must not be empty.
func (l *List) PopBack() string {
	p := l.slot(l.n - 1)
	v := *p
	*p = ""
	l.n--
	l.bytes -= int64(len(v))
	if (l.off+l.n)&listChunkMask == 0 || l.n == 0 {
		l.dropChunks()
	}
	return v
}

// Index returns element i, 0 <= i < Len().
func (l *List) Index(i int) string { return *l.slot(i) }

// Set replaces element i with a copy of v.
func (l *List) Set(i int, v []byte) {
	p := l.slot(i)
	l.bytes += int64(len(v)) - int64(len(*p))
	*p = string(v)
}

// Insert puts a copy of v before element i (i == Len() appends).
func (l *List) Insert(i int, v []byte) {
	if i <= l.n/2 {
		l.PushFront(v)
		for j := 0; j < i; j++ { // shift the first i elements back to the front
			a, b := l.slot(j), l.slot(j+1)
			*a, *b = *b, *a
		}
		return
	}
	l.PushBack(v)
	for j := l.n - 1; j > i; j-- {
		a, b := l.slot(j), l.slot(j-1)
		*a, *b = *b, *a
	}
}

// Remove deletes element i.
func (l *List) Remove(i int) {
	gone := int64(len(l.Index(i)))
	var moved string // the end element popped after the shift, now a duplicate
	if i < l.n/2 {
		for j := i; j > 0; j-- {
			*l.slot(j) = *l.slot(j - 1)
		}
		moved = l.PopFront()
	} else {
		for j := i; j < l.n-1; j++ {
			*l.slot(j) = *l.slot(j + 1)
		}
		moved = l.PopBack()
	}
	l.bytes += int64(len(moved)) - gone
}

// Trim keeps elements start..stop (inclusive, 0 <= start <= stop < Len())
// and drops the rest; start > stop empties the list.
func (l *List) Trim(start, stop int) {
	if start > stop {
		l.clear()
		return
	}
	for l.n > stop+1 {
		l.PopBack()
	}
	for range start {
		l.PopFront()
	}
}

func (l *List) clear() { *l = List{} }

// RemoveValue deletes occurrences of v, as LREM does: the first count from
// the head if count > 0, the last -count from the tail if count < 0, all if
// count == 0. It returns how many were removed.
func (l *List) RemoveValue(v []byte, count int64) int64 {
	limit := count
	if limit < 0 {
		limit = -limit
	}
	match := func(i int) bool { return *l.slot(i) == string(v) }
	var removed int64
	if count >= 0 {
		// Compact forwards: keep what does not match.
		w := 0
		for r := 0; r < l.n; r++ {
			if (count == 0 || removed < limit) && match(r) {
				l.bytes -= int64(len(v))
				removed++
				continue
			}
			*l.slot(w) = *l.slot(r)
			w++
		}
		for j := w; j < l.n; j++ {
			*l.slot(j) = ""
		}
		l.n = w
	} else {
		// Compact backwards from the tail.
		w := l.n - 1
		for r := l.n - 1; r >= 0; r-- {
			if removed < limit && match(r) {
				l.bytes -= int64(len(v))
				removed++
				continue
			}
			*l.slot(w) = *l.slot(r)
			w--
		}
		kept := l.n - 1 - w
		for j := 0; j <= w; j++ {
			*l.slot(j) = ""
		}
		l.off += w + 1
		l.n = kept
	}
	l.dropChunks()
	return removed
}
