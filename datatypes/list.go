package datatypes

import "unsafe"

// List is the value of a Redis list: a deque of strings in a ring buffer
// whose size is a power of two. Pushes and pops at either end are O(1)
// (amortized), indexing is O(1), and inserting or removing in the middle
// moves the shorter side. Redis's quicklist trades index speed for
// compactness; a ring of strings keeps LINDEX, LSET and LRANGE O(1) per
// element, and small strings share the allocator's tiny blocks.
type List struct {
	buf   []string // len(buf) is 0 or a power of two
	head  int      // index in buf of the first element
	n     int
	bytes int64 // total length of the elements, for MemUsage
}

// listMinCap is the smallest ring a list grows to.
const listMinCap = 4

// NewList returns an empty list.
func NewList() *List { return &List{} }

// Len is the number of elements.
func (l *List) Len() int { return l.n }

// Encoding is what Redis 7.0's OBJECT ENCODING says of any list.
func (l *List) Encoding() string { return "quicklist" }

// MemUsage estimates the bytes the list takes.
func (l *List) MemUsage() int64 {
	return int64(unsafe.Sizeof(*l)) + int64(len(l.buf))*int64(unsafe.Sizeof("")) + l.bytes
}

// Copy returns a deep copy (the strings are immutable and shared).
func (l *List) Copy() any {
	c := &List{n: l.n, bytes: l.bytes}
	if l.n > 0 {
		c.buf = make([]string, ringSize(l.n))
		l.copyTo(c.buf)
	}
	return c
}

// ringSize is the ring size holding n elements.
func ringSize(n int) int {
	size := listMinCap
	for size < n {
		size <<= 1
	}
	return size
}

// pos maps element index i to its slot in buf.
func (l *List) pos(i int) int { return (l.head + i) & (len(l.buf) - 1) }

// copyTo copies the elements in order to dst[0:n].
func (l *List) copyTo(dst []string) {
	if l.n == 0 {
		return
	}
	end := l.head + l.n
	if end <= len(l.buf) {
		copy(dst, l.buf[l.head:end])
		return
	}
	k := copy(dst, l.buf[l.head:])
	copy(dst[k:], l.buf[:end-len(l.buf)])
}

// resize moves the elements to a ring of the given size, starting at 0.
func (l *List) resize(size int) {
	nb := make([]string, size)
	l.copyTo(nb)
	l.buf, l.head = nb, 0
}

// grow makes room for one more element.
func (l *List) grow() {
	if l.n == len(l.buf) {
		l.resize(max(listMinCap, 2*len(l.buf)))
	}
}

// shrink releases memory once the list uses a quarter of its ring.
func (l *List) shrink() {
	if len(l.buf) > listMinCap && l.n <= len(l.buf)/4 {
		l.resize(max(listMinCap, len(l.buf)/2))
	}
}

// PushFront adds a copy of v at the head.
func (l *List) PushFront(v []byte) {
	l.grow()
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = string(v)
	l.n++
	l.bytes += int64(len(v))
}

// PushBack adds a copy of v at the tail.
func (l *List) PushBack(v []byte) {
	l.grow()
	l.buf[l.pos(l.n)] = string(v)
	l.n++
	l.bytes += int64(len(v))
}

// PushFrontString and PushBackString add v itself (already a copy).
func (l *List) PushFrontString(v string) {
	l.grow()
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = v
	l.n++
	l.bytes += int64(len(v))
}

// PushBackString adds v at the tail.
func (l *List) PushBackString(v string) {
	l.grow()
	l.buf[l.pos(l.n)] = v
	l.n++
	l.bytes += int64(len(v))
}

// PopFront removes and returns the head; the list must not be empty.
func (l *List) PopFront() string {
	v := l.buf[l.head]
	l.buf[l.head] = "" // let the GC have it
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	l.bytes -= int64(len(v))
	l.shrink()
	return v
}

// PopBack removes and returns the tail; the list must not be empty.
func (l *List) PopBack() string {
	p := l.pos(l.n - 1)
	v := l.buf[p]
	l.buf[p] = ""
	l.n--
	l.bytes -= int64(len(v))
	l.shrink()
	return v
}

// Index returns element i, 0 <= i < Len().
func (l *List) Index(i int) string { return l.buf[l.pos(i)] }

// Set replaces element i with a copy of v.
func (l *List) Set(i int, v []byte) {
	p := l.pos(i)
	l.bytes += int64(len(v)) - int64(len(l.buf[p]))
	l.buf[p] = string(v)
}

// Insert puts a copy of v before element i (i == Len() appends).
func (l *List) Insert(i int, v []byte) {
	if i <= l.n/2 {
		l.PushFront(v)
		for j := 0; j < i; j++ { // shift the first i elements back to the front
			a, b := l.pos(j), l.pos(j+1)
			l.buf[a], l.buf[b] = l.buf[b], l.buf[a]
		}
		return
	}
	l.PushBack(v)
	for j := l.n - 1; j > i; j-- {
		a, b := l.pos(j), l.pos(j-1)
		l.buf[a], l.buf[b] = l.buf[b], l.buf[a]
	}
}

// Remove deletes element i.
func (l *List) Remove(i int) {
	gone := int64(len(l.Index(i)))
	var moved string // the end element popped after the shift, now a duplicate
	if i < l.n/2 {
		for j := i; j > 0; j-- {
			l.buf[l.pos(j)] = l.buf[l.pos(j-1)]
		}
		moved = l.PopFront()
	} else {
		for j := i; j < l.n-1; j++ {
			l.buf[l.pos(j)] = l.buf[l.pos(j+1)]
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
	match := func(i int) bool { return l.buf[l.pos(i)] == string(v) }
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
			l.buf[l.pos(w)] = l.buf[l.pos(r)]
			w++
		}
		for j := w; j < l.n; j++ {
			l.buf[l.pos(j)] = ""
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
			l.buf[l.pos(w)] = l.buf[l.pos(r)]
			w--
		}
		kept := l.n - 1 - w
		for j := 0; j <= w; j++ {
			l.buf[l.pos(j)] = ""
		}
		l.head = l.pos(w + 1)
		l.n = kept
	}
	if l.n == 0 {
		l.clear()
	} else {
		for len(l.buf) > listMinCap && l.n <= len(l.buf)/4 {
			l.shrink()
		}
	}
	return removed
}
