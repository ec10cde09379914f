package datatypes

import (
	"encoding/binary"
	"math/bits"
)

// Bit operations on string values, as Redis's bitmap commands see them:
// bit 0 is the most significant bit of byte 0, and bytes past the end of a
// value read as zero. Everything here works a 64-bit word at a time, with
// the partial bytes at the edges of a range masked.

// PopCount returns the number of set bits in b.
func PopCount(b []byte) int64 {
	var n0, n1 int
	for len(b) >= 64 {
		c := b[:64:64] // one bounds check for the eight loads
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(c)) + bits.OnesCount64(binary.LittleEndian.Uint64(c[8:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(c[16:])) + bits.OnesCount64(binary.LittleEndian.Uint64(c[24:]))
		n1 += bits.OnesCount64(binary.LittleEndian.Uint64(c[32:])) + bits.OnesCount64(binary.LittleEndian.Uint64(c[40:])) +
			bits.OnesCount64(binary.LittleEndian.Uint64(c[48:])) + bits.OnesCount64(binary.LittleEndian.Uint64(c[56:]))
		b = b[64:]
	}
	for len(b) >= 8 {
		n0 += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, c := range b {
		n1 += bits.OnesCount8(c)
	}
	return int64(n0 + n1)
}

// CountRange returns the number of set bits among bits start..end
// (inclusive) of b; 0 <= start <= end < len(b)*8.
func CountRange(b []byte, start, end int64) int64 {
	sb, eb := start>>3, end>>3
	n := PopCount(b[sb : eb+1])
	// Take away the bits of the edge bytes outside the range.
	n -= int64(bits.OnesCount8(b[sb] & ^(byte(0xff) >> (start & 7))))
	n -= int64(bits.OnesCount8(b[eb] & (byte(0xff) >> (end&7 + 1))))
	return n
}

// loadWord returns the 8 bytes of b from i as a big-endian word, bytes
// past the end of b reading as zero, and how many bytes were real.
func loadWord(b []byte, i int64) (uint64, int64) {
	if i+8 <= int64(len(b)) {
		return binary.BigEndian.Uint64(b[i:]), 8
	}
	var w uint64
	n := int64(len(b)) - i
	for k := int64(0); k < n; k++ {
		w |= uint64(b[i+k]) << (56 - 8*k)
	}
	return w, n
}

// BitPos returns the position of the first bit equal to bit (0 or 1) among
// bits start..end (inclusive) of b, or -1; 0 <= start <= end < len(b)*8.
func BitPos(b []byte, bit int, start, end int64) int64 {
	sb, eb := start>>3, end>>3
	b = b[:eb+1]
	var skip uint64 // a word without the bit sought
	if bit == 0 {
		skip = ^uint64(0)
	}
	for i := sb; i <= eb; {
		if i > sb {
			i = skipWords(b, i, eb, skip)
		}
		w, n := loadWord(b, i)
		if bit == 0 {
			w = ^w
		}
		if i == sb {
			w &= ^uint64(0) >> (start - sb*8)
		}
		if i+n > eb {
			// The last word: drop the bits after end (and the padding).
			w &= ^(^uint64(0) >> (end - i*8 + 1))
		}
		if w != 0 {
			return i*8 + int64(bits.LeadingZeros64(w))
		}
		i += n
	}
	return -1
}

// skipWords returns the first index from i where the word of b is not
// skip, stopping at the last word that ends before byte eb (which may need
// masking).
func skipWords(b []byte, i, eb int64, skip uint64) int64 {
	for i+32 <= eb {
		c := b[i : i+32 : i+32]
		w0, w1 := binary.LittleEndian.Uint64(c), binary.LittleEndian.Uint64(c[8:])
		w2, w3 := binary.LittleEndian.Uint64(c[16:]), binary.LittleEndian.Uint64(c[24:])
		if (w0^skip)|(w1^skip)|(w2^skip)|(w3^skip) != 0 {
			break
		}
		i += 32
	}
	for i+8 <= eb && binary.LittleEndian.Uint64(b[i:]) == skip {
		i += 8
	}
	return i
}

// BitOp is one of BITOP's operations.
type BitOp uint8

const (
	BitAnd BitOp = iota
	BitOr
	BitXor
	BitNot
)

// BitOpInto computes op over srcs into dst, whose length is the longest
// source's: shorter sources are zero-padded. NOT takes one source. dst may
// be (a prefix of) one of the sources: each word of the result is made from
// the same word of every source before it is stored.
func BitOpInto(op BitOp, dst []byte, srcs [][]byte) {
	if op == BitNot {
		op2(op, dst, srcs[0], srcs[0])
		return
	}
	m := len(dst) // the shortest source's length
	for _, s := range srcs {
		m = min(m, len(s))
	}
	if len(srcs) == 2 {
		// The common case, 64 bytes a step.
		a, b := srcs[0], srcs[1]
		op2(op, dst[:m], a, b)
		switch {
		case op == BitAnd:
			// Past the shortest source everything is ANDed with zeros.
			clear(dst[m:])
		case len(a) > m:
			copy(dst[m:], a[m:]) // OR and XOR with zeros
		default:
			copy(dst[m:], b[m:])
		}
		return
	}
	if op == BitAnd {
		combine(op, dst[:m], srcs)
		clear(dst[m:])
		return
	}
	combine(op, dst, srcs)
}

// op2 sets dst to a AND|OR|XOR b, or NOT a, over len(dst) bytes (a and b
// are at least as long). The fixed-size blocks let the compiler drop the
// bounds checks: twice as fast as a plain loop over words. One loop per
// operation: a switch inside the loop costs as much again.
func op2(op BitOp, dst, a, b []byte) {
	n := len(dst)
	i := 0
	switch op {
	case BitAnd:
		for ; n-i >= 64; i += 64 {
			d, x, y := dst[i:i+64:i+64], a[i:i+64:i+64], b[i:i+64:i+64]
			for k := 0; k < 64; k += 8 {
				binary.LittleEndian.PutUint64(d[k:], binary.LittleEndian.Uint64(x[k:])&binary.LittleEndian.Uint64(y[k:]))
			}
		}
		for ; i < n; i++ {
			dst[i] = a[i] & b[i]
		}
	case BitOr:
		for ; n-i >= 64; i += 64 {
			d, x, y := dst[i:i+64:i+64], a[i:i+64:i+64], b[i:i+64:i+64]
			for k := 0; k < 64; k += 8 {
				binary.LittleEndian.PutUint64(d[k:], binary.LittleEndian.Uint64(x[k:])|binary.LittleEndian.Uint64(y[k:]))
			}
		}
		for ; i < n; i++ {
			dst[i] = a[i] | b[i]
		}
	case BitXor:
		for ; n-i >= 64; i += 64 {
			d, x, y := dst[i:i+64:i+64], a[i:i+64:i+64], b[i:i+64:i+64]
			for k := 0; k < 64; k += 8 {
				binary.LittleEndian.PutUint64(d[k:], binary.LittleEndian.Uint64(x[k:])^binary.LittleEndian.Uint64(y[k:]))
			}
		}
		for ; i < n; i++ {
			dst[i] = a[i] ^ b[i]
		}
	default:
		for ; n-i >= 64; i += 64 {
			d, x := dst[i:i+64:i+64], a[i:i+64:i+64]
			for k := 0; k < 64; k += 8 {
				binary.LittleEndian.PutUint64(d[k:], ^binary.LittleEndian.Uint64(x[k:]))
			}
		}
		for ; i < n; i++ {
			dst[i] = ^a[i]
		}
	}
}

// combine ORs or XORs (or ANDs, when every source covers dst) srcs into
// dst, a word at a time.
func combine(op BitOp, dst []byte, srcs [][]byte) {
	n := len(dst)
	i := 0
	for ; i+8 <= n; i += 8 {
		var w uint64
		for k, s := range srcs {
			var v uint64
			if i+8 <= len(s) {
				v = binary.LittleEndian.Uint64(s[i:])
			} else if i < len(s) {
				var buf [8]byte
				copy(buf[:], s[i:])
				v = binary.LittleEndian.Uint64(buf[:])
			}
			switch {
			case k == 0:
				w = v
			case op == BitAnd:
				w &= v
			case op == BitOr:
				w |= v
			default:
				w ^= v
			}
		}
		binary.LittleEndian.PutUint64(dst[i:], w)
	}
	for ; i < n; i++ {
		var w byte
		for k, s := range srcs {
			var v byte
			if i < len(s) {
				v = s[i]
			}
			switch {
			case k == 0:
				w = v
			case op == BitAnd:
				w &= v
			case op == BitOr:
				w |= v
			default:
				w ^= v
			}
		}
		dst[i] = w
	}
}

// A bitfield of w bits (1..64) at bit offset off lies within the 9 bytes
// from off/8: the window is those bytes as a 64-bit word (hi) and a ninth
// byte (lo), zero past the end of the value.

func loadWindow(b []byte, i uint64) (hi uint64, lo byte) {
	if i+9 <= uint64(len(b)) {
		return binary.BigEndian.Uint64(b[i:]), b[i+8]
	}
	var win [9]byte
	if i < uint64(len(b)) {
		copy(win[:], b[i:])
	}
	return binary.BigEndian.Uint64(win[:]), win[8]
}

// GetUnsigned returns the w-bit field at bit offset off as an unsigned
// number; bits past the end of b read as zero.
func GetUnsigned(b []byte, off uint64, w uint) uint64 {
	hi, lo := loadWindow(b, off>>3)
	s := off & 7
	top := hi<<s | uint64(lo)>>(8-s) // the 64 bits from off
	return top >> (64 - w)
}

// GetSigned returns the w-bit field at bit offset off as a two's
// complement number.
func GetSigned(b []byte, off uint64, w uint) int64 {
	v := GetUnsigned(b, off, w)
	// Move the field's sign bit to bit 63 and back, extending it.
	return int64(v<<(64-w)) >> (64 - w)
}

// SetField writes the low w bits of v as the field at bit offset off. b
// must hold the field's last bit.
func SetField(b []byte, off uint64, w uint, v uint64) {
	i, s := off>>3, off&7
	field := ^uint64(0) << (64 - w) // the field's bits, aligned at the top
	val := v << (64 - w)
	hiMask, hiVal := field>>s, val>>s
	loMask, loVal := byte(field<<(64-s)>>56), byte(val<<(64-s)>>56)
	if i+9 <= uint64(len(b)) {
		binary.BigEndian.PutUint64(b[i:], binary.BigEndian.Uint64(b[i:])&^hiMask|hiVal)
		b[i+8] = b[i+8]&^loMask | loVal
		return
	}
	var win [9]byte
	n := copy(win[:], b[i:])
	binary.BigEndian.PutUint64(win[:], binary.BigEndian.Uint64(win[:])&^hiMask|hiVal)
	win[8] = win[8]&^loMask | loVal
	copy(b[i:], win[:n])
}

// Overflow is BITFIELD's OVERFLOW behaviour.
type Overflow uint8

const (
	OverflowWrap Overflow = iota
	OverflowSat
	OverflowFail
)

// checkSigned reports whether value+incr overflows a w-bit signed field
// and, for WRAP and SAT, the value to store instead. It follows Redis's
// arithmetic exactly, including its wrapping intermediate results (SET
// passes the new value with incr 0: SET i8 -2^63 under SAT stores 127 in
// Redis, and here).
func checkSigned(value, incr int64, w uint, ow Overflow) (limit int64, overflow bool) {
	max := int64(1)<<(w-1) - 1
	if w == 64 {
		max = 1<<63 - 1
	}
	min := -max - 1
	maxincr := int64(uint64(max) - uint64(value))
	minincr := min - value
	switch {
	case value > max || (w != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr):
		limit = max
	case value < min || (w != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr):
		limit = min
	default:
		return 0, false
	}
	if ow == OverflowWrap {
		c := uint64(value) + uint64(incr)
		if w < 64 {
			// Sign-extend from the field's top bit.
			c = uint64(int64(c<<(64-w)) >> (64 - w))
		}
		limit = int64(c)
	}
	return limit, true
}

// checkUnsigned is checkSigned for a w-bit unsigned field (w <= 63).
func checkUnsigned(value uint64, incr int64, w uint, ow Overflow) (limit uint64, overflow bool) {
	max := uint64(1)<<w - 1
	maxincr := int64(max - value)
	minincr := -int64(value)
	switch {
	case value > max || (incr > 0 && incr > maxincr):
		limit = max
	case incr < 0 && incr < minincr:
		limit = 0
	default:
		return 0, false
	}
	if ow == OverflowWrap {
		limit = (value + uint64(incr)) & max
	}
	return limit, true
}

// Field is one BITFIELD field: its type and place.
type Field struct {
	Off    uint64
	Width  uint // 1..64 signed, 1..63 unsigned
	Signed bool
}

// Get reads the field from b (zero past the end), as Redis replies it.
func (f Field) Get(b []byte) int64 {
	if f.Signed {
		return GetSigned(b, f.Off, f.Width)
	}
	return int64(GetUnsigned(b, f.Off, f.Width))
}

// Set stores v into the field and returns its old value; under FAIL an
// overflowing v is not stored and ok is false. b must hold the field.
func (f Field) Set(b []byte, v int64, ow Overflow) (old int64, ok bool) {
	old = f.Get(b)
	nv, over := f.check(v, 0, ow)
	if over && ow == OverflowFail {
		return 0, false
	}
	if !over {
		nv = v
	}
	SetField(b, f.Off, f.Width, uint64(nv))
	return old, true
}

// IncrBy adds incr to the field and returns the new value; under FAIL an
// overflow leaves the field unchanged and ok is false.
func (f Field) IncrBy(b []byte, incr int64, ow Overflow) (nv int64, ok bool) {
	old := f.Get(b)
	lim, over := f.check(old, incr, ow)
	if over && ow == OverflowFail {
		return 0, false
	}
	nv = old + incr
	if over {
		nv = lim
	}
	SetField(b, f.Off, f.Width, uint64(nv))
	return nv, true
}

func (f Field) check(value, incr int64, ow Overflow) (int64, bool) {
	if f.Signed {
		return checkSigned(value, incr, f.Width, ow)
	}
	lim, over := checkUnsigned(uint64(value), incr, f.Width, ow)
	return int64(lim), over
}
