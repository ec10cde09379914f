package persistence

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/shoaldb/shoal/datatypes"
)

// The compact blobs Redis stores inside RDB strings: listpack (7.0),
// ziplist (before 7.0), intset and zipmap (before 2.6). Shoal writes
// listpacks and intsets and reads all four, checking them as Redis's deep
// sanitization does, so a corrupt blob is an error and never a crash.

var (
	errListpack = errors.New("listpack integrity check failed")
	errZiplist  = errors.New("ziplist integrity check failed")
	errIntset   = errors.New("intset integrity check failed")
	errZipmap   = errors.New("zipmap integrity check failed")
)

// Listpack entry encodings (first byte).
const (
	lp7BitUint  = 0x00 // 0xxxxxxx
	lp6BitStr   = 0x80 // 10xxxxxx
	lp13BitInt  = 0xc0 // 110xxxxx
	lp12BitStr  = 0xe0 // 1110xxxx
	lp32BitStr  = 0xf0
	lp16BitInt  = 0xf1
	lp24BitInt  = 0xf2
	lp32BitInt  = 0xf3
	lp64BitInt  = 0xf4
	lpEOF       = 0xff
	lpHeaderLen = 6
	lpUnknown   = 0xffff // a count too big for the header
)

// lpBuilder appends a listpack to a byte slice.
type lpBuilder struct {
	buf   []byte
	start int
	n     int
}

func newLPBuilder(buf []byte) lpBuilder {
	return lpBuilder{buf: append(buf, 0, 0, 0, 0, 0, 0), start: len(buf)}
}

// size is the number of bytes the listpack would take if finished now.
func (b *lpBuilder) size() int { return len(b.buf) - b.start + 1 }

// add appends s as lpAppend does: as an integer when it is one.
func (b *lpBuilder) add(s []byte) {
	b.n++
	if v, ok := datatypes.ParseSetInt(s); ok {
		b.addInt(v)
		return
	}
	at := len(b.buf)
	switch n := len(s); {
	case n < 64:
		b.buf = append(b.buf, lp6BitStr|byte(n))
	case n < 4096:
		b.buf = append(b.buf, lp12BitStr|byte(n>>8), byte(n))
	default:
		b.buf = append(b.buf, lp32BitStr)
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(n))
	}
	b.buf = append(b.buf, s...)
	b.buf = appendBacklen(b.buf, len(b.buf)-at)
}

func (b *lpBuilder) addInt(v int64) {
	at := len(b.buf)
	switch {
	case v >= 0 && v <= 127:
		b.buf = append(b.buf, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & (1<<13 - 1)
		b.buf = append(b.buf, lp13BitInt|byte(u>>8), byte(u))
	case v >= -1<<15 && v < 1<<15:
		b.buf = append(b.buf, lp16BitInt)
		b.buf = binary.LittleEndian.AppendUint16(b.buf, uint16(v))
	case v >= -1<<23 && v < 1<<23:
		b.buf = append(b.buf, lp24BitInt, byte(v), byte(v>>8), byte(v>>16))
	case v >= -1<<31 && v < 1<<31:
		b.buf = append(b.buf, lp32BitInt)
		b.buf = binary.LittleEndian.AppendUint32(b.buf, uint32(v))
	default:
		b.buf = append(b.buf, lp64BitInt)
		b.buf = binary.LittleEndian.AppendUint64(b.buf, uint64(v))
	}
	b.buf = appendBacklen(b.buf, len(b.buf)-at)
}

// finish terminates the listpack, fills in its header and returns the
// whole buffer.
func (b *lpBuilder) finish() []byte {
	b.buf = append(b.buf, lpEOF)
	binary.LittleEndian.PutUint32(b.buf[b.start:], uint32(len(b.buf)-b.start))
	binary.LittleEndian.PutUint16(b.buf[b.start+4:], uint16(min(b.n, lpUnknown)))
	return b.buf
}

// appendBacklen appends an entry's length as read backwards: seven bits a
// byte, the most significant first, all but the first with the top bit set.
func appendBacklen(dst []byte, l int) []byte {
	switch {
	case l <= 127:
		return append(dst, byte(l))
	case l < 16383:
		return append(dst, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		return append(dst, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case l < 268435455:
		return append(dst, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
	return append(dst, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
}

func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// elemFunc receives one element of a blob. s is valid only during the call.
type elemFunc func(s []byte) error

// walkListpack validates lp entry by entry and calls fn for each element;
// it returns the number of elements.
func walkListpack(lp []byte, fn elemFunc) (int, error) {
	if len(lp) < lpHeaderLen+1 || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[len(lp)-1] != lpEOF {
		return 0, errListpack
	}
	var num [20]byte
	count := 0
	p := lpHeaderLen
	for lp[p] != lpEOF {
		rest := lp[p : len(lp)-1]
		var elem []byte
		var hdr, n int // header and data lengths
		switch c := rest[0]; {
		case c&0x80 == lp7BitUint:
			hdr, elem = 1, strconv.AppendInt(num[:0], int64(c), 10)
		case c&0xc0 == lp6BitStr:
			hdr, n = 1, int(c&0x3f)
		case c&0xe0 == lp13BitInt:
			if len(rest) < 2 {
				return 0, errListpack
			}
			v := int64(c&0x1f)<<8 | int64(rest[1])
			if v >= 1<<12 {
				v -= 1 << 13
			}
			hdr, elem = 2, strconv.AppendInt(num[:0], v, 10)
		case c&0xf0 == lp12BitStr:
			if len(rest) < 2 {
				return 0, errListpack
			}
			hdr, n = 2, int(c&0x0f)<<8|int(rest[1])
		case c == lp32BitStr:
			if len(rest) < 5 {
				return 0, errListpack
			}
			l := binary.LittleEndian.Uint32(rest[1:])
			if uint64(l) > uint64(len(rest)) {
				return 0, errListpack
			}
			hdr, n = 5, int(l)
		case c >= lp16BitInt && c <= lp64BitInt:
			size := [...]int{2, 3, 4, 8}[c-lp16BitInt]
			if len(rest) < 1+size {
				return 0, errListpack
			}
			var u uint64
			for i := size; i >= 1; i-- {
				u = u<<8 | uint64(rest[i])
			}
			shift := 64 - 8*size
			hdr, elem = 1+size, strconv.AppendInt(num[:0], int64(u<<shift)>>shift, 10)
		default:
			return 0, errListpack
		}
		l := hdr + n
		bl := backlenSize(l)
		if l+bl > len(rest) {
			return 0, errListpack
		}
		var blbuf [5]byte
		if string(appendBacklen(blbuf[:0], l)) != string(rest[l:l+bl]) {
			return 0, errListpack
		}
		if elem == nil {
			elem = rest[hdr:l]
		}
		if fn != nil {
			if err := fn(elem); err != nil {
				return 0, err
			}
		}
		count++
		p += l + bl
	}
	if p != len(lp)-1 {
		return 0, errListpack
	}
	if n := int(binary.LittleEndian.Uint16(lp[4:])); n != lpUnknown && n != count {
		return 0, errListpack
	}
	return count, nil
}

// Ziplist entry encodings.
const (
	zlHeaderLen = 10
	zlEnd       = 0xff
	zlBigPrev   = 0xfe
	zlInt16     = 0xc0
	zlInt32     = 0xd0
	zlInt64     = 0xe0
	zlInt24     = 0xf0
	zlInt8      = 0xfe
)

// walkZiplist validates a ziplist entry by entry and calls fn for each
// element; it returns the number of elements.
func walkZiplist(zl []byte, fn elemFunc) (int, error) {
	if len(zl) < zlHeaderLen+1 || int(binary.LittleEndian.Uint32(zl)) != len(zl) || zl[len(zl)-1] != zlEnd {
		return 0, errZiplist
	}
	tail := int(binary.LittleEndian.Uint32(zl[4:]))
	var num [20]byte
	count, prev, last := 0, 0, zlHeaderLen
	p := zlHeaderLen
	for zl[p] != zlEnd {
		rest := zl[p : len(zl)-1]
		// prevlen: one byte, or 0xfe and four bytes.
		var prevLen, h int
		if rest[0] < zlBigPrev {
			prevLen, h = int(rest[0]), 1
		} else if rest[0] == zlBigPrev && len(rest) >= 5 {
			prevLen, h = int(binary.LittleEndian.Uint32(rest[1:])), 5
		} else {
			return 0, errZiplist
		}
		if prevLen != prev || h >= len(rest) {
			return 0, errZiplist
		}
		var elem []byte
		var n int
		c := rest[h]
		switch {
		case c>>6 == 0:
			h, n = h+1, int(c&0x3f)
		case c>>6 == 1:
			if h+2 > len(rest) {
				return 0, errZiplist
			}
			h, n = h+2, int(c&0x3f)<<8|int(rest[h+1])
		case c>>6 == 2:
			if h+5 > len(rest) {
				return 0, errZiplist
			}
			l := binary.BigEndian.Uint32(rest[h+1:])
			if uint64(l) > uint64(len(rest)) {
				return 0, errZiplist
			}
			h, n = h+5, int(l)
		case c >= 0xf1 && c <= 0xfd:
			h, elem = h+1, strconv.AppendInt(num[:0], int64(c&0x0f)-1, 10)
		default:
			size := zlIntSize(c)
			if size == 0 || h+1+size > len(rest) {
				return 0, errZiplist
			}
			var u uint64
			for i := size; i >= 1; i-- {
				u = u<<8 | uint64(rest[h+i])
			}
			shift := 64 - 8*size
			h, elem = h+1+size, strconv.AppendInt(num[:0], int64(u<<shift)>>shift, 10)
		}
		if h+n > len(rest) {
			return 0, errZiplist
		}
		if elem == nil {
			elem = rest[h : h+n]
		}
		if fn != nil {
			if err := fn(elem); err != nil {
				return 0, err
			}
		}
		count++
		last, prev = p, h+n
		p += h + n
	}
	if p != len(zl)-1 || tail != last {
		return 0, errZiplist
	}
	if n := int(binary.LittleEndian.Uint16(zl[8:])); n != 0xffff && n != count {
		return 0, errZiplist
	}
	return count, nil
}

// appendIntset appends an intset of the ascending vs in the narrowest
// encoding that holds them all.
func appendIntset(dst []byte, vs []int64) []byte {
	enc := 2
	for _, v := range vs {
		if v < -1<<31 || v >= 1<<31 {
			enc = 8
			break
		}
		if v < -1<<15 || v >= 1<<15 {
			enc = 4
		}
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(enc))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(vs)))
	for _, v := range vs {
		switch enc {
		case 2:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(v))
		case 4:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(v))
		default:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v))
		}
	}
	return dst
}

// walkIntset validates an intset (a known width, a length matching the
// blob, members strictly ascending, not empty) and calls fn for each
// member in order.
func walkIntset(b []byte, fn elemFunc) (int, error) {
	if len(b) < 8 {
		return 0, errIntset
	}
	enc := uint64(binary.LittleEndian.Uint32(b))
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if (enc != 2 && enc != 4 && enc != 8) || 8+n*enc != uint64(len(b)) || n == 0 {
		return 0, errIntset
	}
	var num [20]byte
	var prev int64
	for i := range int(n) {
		p := b[8+i*int(enc):]
		var v int64
		switch enc {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if i > 0 && v <= prev {
			return 0, errIntset
		}
		prev = v
		if err := fn(strconv.AppendInt(num[:0], v, 10)); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// walkZipmap validates a zipmap (Redis 2.4's small hash) and calls fn for
// each field and each value, alternately.
func walkZipmap(zm []byte, fn elemFunc) (int, error) {
	if len(zm) < 2 {
		return 0, errZipmap
	}
	const bigLen, end = 254, 255
	p := 1
	// length reads a length at p; lengths of 254 and up take five bytes.
	length := func() (int, bool) {
		if p >= len(zm)-1 {
			return 0, false
		}
		if zm[p] < bigLen {
			p++
			return int(zm[p-1]), true
		}
		if p+5 > len(zm)-1 {
			return 0, false
		}
		l := binary.LittleEndian.Uint32(zm[p+1:])
		p += 5
		return int(min(l, 1<<31)), true
	}
	count := 0
	for p < len(zm)-1 && zm[p] != end {
		kl, ok := length()
		if !ok || kl > len(zm)-1-p {
			return 0, errZipmap
		}
		key := zm[p : p+kl]
		p += kl
		vl, ok := length()
		if !ok || p >= len(zm)-1 {
			return 0, errZipmap
		}
		free := int(zm[p])
		p++
		if vl+free > len(zm)-1-p {
			return 0, errZipmap
		}
		if fn != nil {
			if err := fn(key); err != nil {
				return 0, err
			}
			if err := fn(zm[p : p+vl]); err != nil {
				return 0, err
			}
		}
		p += vl + free
		count++
	}
	if p != len(zm)-1 || zm[p] != end || count == 0 || (zm[0] != bigLen && int(zm[0]) != count) {
		return 0, errZipmap
	}
	return count, nil
}

// zlIntSize is the width of a ziplist integer encoding, 0 if c is none.
func zlIntSize(c byte) int {
	switch c {
	case zlInt8:
		return 1
	case zlInt16:
		return 2
	case zlInt24:
		return 3
	case zlInt32:
		return 4
	case zlInt64:
		return 8
	}
	return 0
}
