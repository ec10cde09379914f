package persistence

import (
	"encoding/binary"
	"io"
	"strconv"
)

// RDB length and string encodings (Redis's rdbSaveLen, rdbSaveRawString
// and their loaders).

const (
	enc6Bit  = 0
	enc14Bit = 1
	enc32Bit = 0x80
	enc64Bit = 0x81
	encValue = 3 // the two top bits of a special string encoding

	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// AppendLen appends n in RDB's length encoding.
func AppendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, byte(n>>8)|enc14Bit<<6, byte(n))
	case n <= 1<<32-1:
		dst = append(dst, enc32Bit)
		return binary.BigEndian.AppendUint32(dst, uint32(n))
	}
	dst = append(dst, enc64Bit)
	return binary.BigEndian.AppendUint64(dst, n)
}

// AppendString appends s as Redis saves a string: a decimal integer that
// fits 32 bits in an integer encoding, a string over 20 bytes compressed
// with z when that saves at least four bytes (z nil: rdbcompression no),
// anything else as length and bytes.
func AppendString(dst, s []byte, z *LZF) []byte {
	if len(s) <= 11 {
		if v, ok := canonicalInt(s); ok {
			switch {
			case v >= -1<<7 && v < 1<<7:
				return append(dst, encValue<<6|encInt8, byte(v))
			case v >= -1<<15 && v < 1<<15:
				dst = append(dst, encValue<<6|encInt16)
				return binary.LittleEndian.AppendUint16(dst, uint16(v))
			case v >= -1<<31 && v < 1<<31:
				dst = append(dst, encValue<<6|encInt32)
				return binary.LittleEndian.AppendUint32(dst, uint32(v))
			}
		}
	}
	if z != nil && len(s) > 20 {
		if c := z.Compress(s, len(s)-4); c != nil {
			dst = append(dst, encValue<<6|encLZF)
			dst = AppendLen(dst, uint64(len(c)))
			dst = AppendLen(dst, uint64(len(s)))
			return append(dst, c...)
		}
	}
	dst = AppendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// canonicalInt parses s if it is an integer written the one way Redis
// would print it (no sign on zero, no leading zeros, no '+'), without the
// allocation of a failed strconv parse: most keys are not numbers.
func canonicalInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 11 {
		return 0, false
	}
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
	}
	if len(d) == 0 || (d[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var v int64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// Reader reads RDB encodings from a byte slice or, with a bounded buffer,
// from an io.Reader. Every read reports whether the input held what was
// asked. Slices it returns may alias its buffer: from a stream they are
// valid only until the next read.
type Reader struct {
	buf    []byte
	pos    int
	src    io.Reader // nil when reading a byte slice
	err    error     // the stream's first error
	crc    uint64    // CRC-64 of buf[:crcPos] and everything discarded before it
	crcPos int
}

// streamChunk is how much a stream reader asks its source for at a time.
const streamChunk = 64 << 10

// NewReader reads from b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// NewStreamReader reads from src through a buffer that grows only as data
// arrives, so a huge declared length fails at the end of the input rather
// than allocating.
func NewStreamReader(src io.Reader) *Reader {
	return &Reader{src: src, buf: make([]byte, 0, streamChunk)}
}

// Remaining is the number of bytes not read yet; from a stream, only
// those already buffered.
func (r *Reader) Remaining() int { return len(r.buf) - r.pos }

// CRC is the CRC-64 of every byte consumed so far.
func (r *Reader) CRC() uint64 {
	r.crc = CRC64(r.crc, r.buf[r.crcPos:r.pos])
	r.crcPos = r.pos
	return r.crc
}

// Err is the error the stream failed with, if any (nil at a plain EOF).
func (r *Reader) Err() error {
	if r.err == io.EOF || r.err == io.ErrUnexpectedEOF {
		return nil
	}
	return r.err
}

// ReadType reads one byte: an RDB type or opcode.
func (r *Reader) ReadType() (byte, bool) {
	if r.pos >= len(r.buf) && !r.fill(1) {
		return 0, false
	}
	r.pos++
	return r.buf[r.pos-1], true
}

func (r *Reader) next(n uint64) ([]byte, bool) {
	if n > uint64(r.Remaining()) && (n > 1<<62 || !r.fill(int(n))) {
		return nil, false
	}
	b := r.buf[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b, true
}

// fill makes at least n unread bytes buffered, reading from the stream.
// The consumed bytes are dropped (after going into the CRC) and the
// buffer grows at most to twice what has actually arrived.
func (r *Reader) fill(n int) bool {
	if r.src == nil || r.err != nil {
		return false
	}
	r.CRC()
	unread := copy(r.buf[:cap(r.buf)], r.buf[r.pos:])
	r.buf, r.pos, r.crcPos = r.buf[:unread], 0, 0
	for len(r.buf) < n {
		if len(r.buf) == cap(r.buf) {
			grown := make([]byte, len(r.buf), min(max(2*cap(r.buf), streamChunk), n+streamChunk))
			copy(grown, r.buf)
			r.buf = grown
		}
		m, err := r.src.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+m]
		if err != nil && len(r.buf) < n {
			r.err = err
			return false
		}
	}
	return true
}

// ReadLen reads a length. encoded reports a special string encoding,
// whose kind is then n.
func (r *Reader) ReadLen() (n uint64, encoded, ok bool) {
	b, ok := r.ReadType()
	if !ok {
		return 0, false, false
	}
	switch {
	case b>>6 == enc6Bit:
		return uint64(b & 0x3f), false, true
	case b>>6 == enc14Bit:
		lo, ok := r.ReadType()
		return uint64(b&0x3f)<<8 | uint64(lo), false, ok
	case b == enc32Bit:
		p, ok := r.next(4)
		if !ok {
			return 0, false, false
		}
		return uint64(binary.BigEndian.Uint32(p)), false, true
	case b == enc64Bit:
		p, ok := r.next(8)
		if !ok {
			return 0, false, false
		}
		return binary.BigEndian.Uint64(p), false, true
	case b>>6 == encValue:
		return uint64(b & 0x3f), true, true
	}
	return 0, false, false // an unknown length encoding
}

// ReadString reads a string in any of its encodings. The result may alias
// the reader's buffer.
func (r *Reader) ReadString() ([]byte, bool) {
	n, encoded, ok := r.ReadLen()
	if !ok {
		return nil, false
	}
	if !encoded {
		return r.next(n)
	}
	switch n {
	case encInt8:
		p, ok := r.next(1)
		if !ok {
			return nil, false
		}
		return strconv.AppendInt(nil, int64(int8(p[0])), 10), true
	case encInt16:
		p, ok := r.next(2)
		if !ok {
			return nil, false
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(p))), 10), true
	case encInt32:
		p, ok := r.next(4)
		if !ok {
			return nil, false
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(p))), 10), true
	case encLZF:
		clen, _, ok1 := r.ReadLen()
		ulen, _, ok2 := r.ReadLen()
		if !ok1 || !ok2 || ulen > 1<<40 {
			return nil, false
		}
		c, ok := r.next(clen)
		if !ok {
			return nil, false
		}
		return LZFDecompress(c, int(ulen))
	}
	return nil, false
}
