package datatypes

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"strconv"
)

// HyperLogLog in Redis 7.0's own representation, so a value made by either
// server is read the same by the other (GET on one, SET on the other).
//
// A value is a 16-byte header then the registers:
//
//	"HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cardinality
//
// The cardinality is a little-endian uint64 cache of the last count; the top
// bit of its last byte set means "stale, recompute". Dense: 16384 six-bit
// registers packed from the low bits of each byte up (12288 bytes). Sparse:
// a run-length code of opcodes (see hll_sparse.go).
//
// Corrupted values (anything a client can SET) never panic or read out of
// bounds: where Redis reads one byte past the end of a string, it reads the
// sds terminator, a zero, and so do we, so replies agree even then.

const (
	hllP              = 14                               // index bits of the hash
	hllQ              = 64 - hllP                        // bits left for the run of zeroes
	HLLRegisters      = 1 << hllP                        // 16384
	hllRegMax         = 63                               // six bits
	HLLHeaderSize     = 16                               // magic, encoding, unused, cache
	HLLDenseSize      = HLLHeaderSize + HLLRegisters*6/8 // 12304
	hllEncDense       = 0
	hllEncSparse      = 1
	hllCacheByte      = 15 // the cache's most significant byte: top bit = stale
	hllHashSeed       = 0xadc83b19
	hllAlphaInf       = 0.721347520444481703680 // 0.5/ln(2)
	hllSparseValMax   = 32                      // largest value a VAL opcode holds
	hllSparseValMaxN  = 4                       // longest run of a VAL opcode
	hllSparseZeroMaxN = 64                      // longest run of a ZERO opcode
)

// ErrHLLCorrupt reports a value that passes IsHLL but whose sparse opcodes
// do not describe exactly 16384 registers (Redis's INVALIDOBJ).
var ErrHLLCorrupt = errors.New("corrupted HLL object")

// IsHLL reports whether v may be used as a HyperLogLog, with Redis's checks:
// the header, a known encoding, and the exact size of a dense value.
func IsHLL(v []byte) bool {
	if len(v) < HLLHeaderSize || v[0] != 'H' || v[1] != 'Y' || v[2] != 'L' || v[3] != 'L' {
		return false
	}
	switch v[4] {
	case hllEncDense:
		return len(v) == HLLDenseSize
	case hllEncSparse:
		return true
	}
	return false
}

// HLLIsSparse reports whether a valid HLL value uses the sparse encoding.
func HLLIsSparse(v []byte) bool { return v[4] == hllEncSparse }

// AppendNewHLL appends an empty HLL as Redis creates it: sparse, one
// XZERO opcode covering every register, a valid cached cardinality of 0.
func AppendNewHLL(dst []byte) []byte {
	n := len(dst)
	dst = append(dst, "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"...)
	setXZero(dst[n+HLLHeaderSize:], HLLRegisters)
	return dst
}

// HLLEmptySize is the length of an empty HLL.
const HLLEmptySize = HLLHeaderSize + 2

// hllInvalidate marks the cached cardinality stale.
func hllInvalidate(v []byte) { v[hllCacheByte] |= 0x80 }

// MurmurHash64A is the 64-bit MurmurHash2 Redis hashes HLL elements with
// (reading 8-byte blocks little-endian on every platform).
func MurmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	if tail := key[n:]; len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * uint(i))
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// HLLHash returns the register an element falls in and the length of the
// run "000..1" in the rest of its hash (1..51): Redis's hllPatLen.
func HLLHash(elem []byte) (index int, count uint8) {
	h := MurmurHash64A(elem, hllHashSeed)
	index = int(h & (HLLRegisters - 1))
	h >>= hllP
	h |= 1 << hllQ // the run ends by bit Q at the latest
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// denseGet reads register i of packed registers r.
func denseGet(r []byte, i int) uint8 {
	b, fb := i*6>>3, uint(i*6)&7
	x := uint(r[b]) >> fb
	if b+1 < len(r) {
		x |= uint(r[b+1]) << (8 - fb)
	}
	return uint8(x & hllRegMax)
}

// denseSet writes register i of packed registers r.
func denseSet(r []byte, i int, val uint8) {
	b, fb := i*6>>3, uint(i*6)&7
	r[b] = r[b]&^byte(hllRegMax<<fb) | byte(uint(val)<<fb)
	if b+1 < len(r) {
		r[b+1] = r[b+1]&^byte(hllRegMax>>(8-fb)) | byte(uint(val)>>(8-fb))
	}
}

// HLLAdd adds elem to the HLL value v (valid per IsHLL) and returns the
// value, changed when a register grew. A sparse value is updated in place
// within v's capacity (keep 4 bytes spare to avoid a reallocation); it
// turns dense, in a new slice, when a register exceeds what the sparse code
// holds or the value would outgrow sparseMax bytes. A dense value is updated
// in place and the cache is left for the caller to invalidate, as Redis's
// PFADD does once at the end; a sparse update invalidates it itself.
func HLLAdd(v, elem []byte, sparseMax int64) (out []byte, changed bool, err error) {
	index, count := HLLHash(elem)
	return HLLSet(v, index, count, sparseMax)
}

// HLLSet raises register index of v to count if it is lower (see HLLAdd).
func HLLSet(v []byte, index int, count uint8, sparseMax int64) (out []byte, changed bool, err error) {
	if v[4] == hllEncDense {
		r := v[HLLHeaderSize:]
		if denseGet(r, index) >= count {
			return v, false, nil
		}
		denseSet(r, index, count)
		return v, true, nil
	}
	return sparseSet(v, index, count, sparseMax, nil)
}

// HLLInvalidate marks v's cached cardinality stale.
func HLLInvalidate(v []byte) { hllInvalidate(v) }

// HLLCount returns v's cardinality: the cached value when valid, otherwise
// computed and written back into v's header (recomputed is then true: the
// value changed). A sparse value that does not cover exactly the 16384
// registers gives ErrHLLCorrupt.
func HLLCount(v []byte) (card uint64, recomputed bool, err error) {
	if v[hllCacheByte]&0x80 == 0 {
		return binary.LittleEndian.Uint64(v[8:HLLHeaderSize]), false, nil
	}
	var histo [64]int
	if v[4] == hllEncDense {
		denseHisto(v[HLLHeaderSize:], &histo)
	} else if !sparseHisto(v[HLLHeaderSize:], &histo) {
		return 0, false, ErrHLLCorrupt
	}
	card = hllEstimate(&histo)
	binary.LittleEndian.PutUint64(v[8:HLLHeaderSize], card)
	return card, true, nil
}

// HLLMerge raises each regs[i] to register i of v (valid per IsHLL).
func HLLMerge(regs *[HLLRegisters]uint8, v []byte) error {
	if v[4] != hllEncDense {
		return sparseMerge(regs, v[HLLHeaderSize:])
	}
	r := v[HLLHeaderSize:HLLDenseSize]
	for k, i := 0, 0; i < HLLRegisters; k, i = k+6, i+8 {
		d := binary.LittleEndian.Uint64(regs[i:])
		binary.LittleEndian.PutUint64(regs[i:], maxBytes(d, unpack8(r[k:k+6])))
	}
	return nil
}

// unpack8 spreads the eight 6-bit registers packed in b[:6] one per byte.
func unpack8(b []byte) uint64 {
	x := uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint16(b[4:]))<<32
	return x&0x3f | x>>6&0x3f<<8 | x>>12&0x3f<<16 | x>>18&0x3f<<24 |
		x>>24&0x3f<<32 | x>>30&0x3f<<40 | x>>36&0x3f<<48 | x>>42&0x3f<<56
}

// pack8 is the inverse of unpack8, writing b[:6].
func pack8(b []byte, u uint64) {
	x := u&0x3f | u>>8&0x3f<<6 | u>>16&0x3f<<12 | u>>24&0x3f<<18 |
		u>>32&0x3f<<24 | u>>40&0x3f<<30 | u>>48&0x3f<<36 | u>>56&0x3f<<42
	binary.LittleEndian.PutUint32(b, uint32(x))
	binary.LittleEndian.PutUint16(b[4:], uint16(x>>32))
}

// maxBytes is the bytewise maximum of a and b, whose bytes are all below
// 0x80, without branches: (a|0x80)-b keeps its high bit where a >= b and
// never borrows from the next byte.
func maxBytes(a, b uint64) uint64 {
	const hi = 0x8080808080808080
	ge := ((a | hi) - b) & hi
	mask := (ge >> 7) * 0xff
	return a&mask | b&^mask
}

// HLLCountRegisters estimates the cardinality of plain byte registers (the
// union PFCOUNT computes over several keys).
func HLLCountRegisters(regs *[HLLRegisters]uint8) uint64 {
	var h [4][64]int32
	for i := 0; i < HLLRegisters; i += 8 {
		w := binary.LittleEndian.Uint64(regs[i:])
		if w == 0 {
			h[0][0] += 8
			continue
		}
		h[0][w&hllRegMax]++
		h[1][w>>8&hllRegMax]++
		h[2][w>>16&hllRegMax]++
		h[3][w>>24&hllRegMax]++
		h[0][w>>32&hllRegMax]++
		h[1][w>>40&hllRegMax]++
		h[2][w>>48&hllRegMax]++
		h[3][w>>56&hllRegMax]++
	}
	var histo [64]int
	for j := range histo {
		histo[j] = int(h[0][j] + h[1][j] + h[2][j] + h[3][j])
	}
	return hllEstimate(&histo)
}

// HLLStore writes merged registers into v, which was itself merged into
// regs (so no register goes down), as Redis's PFMERGE does: a dense v is
// rewritten whole; a sparse one gets one register at a time in ascending
// order, which can turn it dense along the way. The cache is invalidated.
func HLLStore(v []byte, regs *[HLLRegisters]uint8, sparseMax int64) []byte {
	if v[4] == hllEncSparse {
		var cur sparseCursor
		for i := 0; i < HLLRegisters; i++ {
			if regs[i] == 0 {
				continue
			}
			// Redis ignores a failure here: v was validated as a source.
			if out, _, err := sparseSet(v, i, regs[i], sparseMax, &cur); err == nil {
				v = out
			}
			if v[4] == hllEncDense {
				break // promoted: the dense pass below sets the rest
			}
		}
	}
	if v[4] == hllEncDense {
		r := v[HLLHeaderSize:HLLDenseSize]
		for k, i := 0, 0; i < HLLRegisters; k, i = k+6, i+8 {
			pack8(r[k:k+6], maxBytes(unpack8(r[k:k+6]), binary.LittleEndian.Uint64(regs[i:])&0x3f3f3f3f3f3f3f3f))
		}
	}
	hllInvalidate(v)
	return v
}

// HLLToDense returns v converted to the dense encoding, in a new slice with
// the same header (the cache is kept), or v itself if it already is dense.
func HLLToDense(v []byte) ([]byte, error) {
	if v[4] == hllEncDense {
		return v, nil
	}
	return sparseToDense(v)
}

// HLLRegister returns register i of a dense value.
func HLLRegister(v []byte, i int) uint8 { return denseGet(v[HLLHeaderSize:], i) }

// denseHisto counts the dense registers r by value. Four sets of counters
// taken in turn keep runs of equal registers from waiting on each other's
// increments.
func denseHisto(r []byte, histo *[64]int) {
	var h [4][64]int32
	for k := 0; k+3 <= len(r); k += 3 {
		w := uint32(r[k]) | uint32(r[k+1])<<8 | uint32(r[k+2])<<16
		h[0][w&hllRegMax]++
		h[1][w>>6&hllRegMax]++
		h[2][w>>12&hllRegMax]++
		h[3][w>>18&hllRegMax]++
	}
	for j := range histo {
		histo[j] += int(h[0][j] + h[1][j] + h[2][j] + h[3][j])
	}
}

// hllEstimate is Redis 7's estimator over the register histogram: Otmar
// Ertl's improved raw estimator ("New cardinality estimation algorithms
// for HyperLogLog sketches", arXiv:1702.01284). Values above Q+1, which the
// hash cannot produce, are not counted, as in Redis.
func hllEstimate(histo *[64]int) uint64 {
	const m = float64(HLLRegisters)
	z := m * hllTau((m-float64(histo[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += m * hllSigma(float64(histo[0])/m)
	e := math.Round(hllAlphaInf * m * m / z)
	if !(e < 1<<63) {
		// Only registers all above Q+1 get here (z is 0): llroundl's
		// out-of-range result on x86-64 is the "integer indefinite".
		return 1 << 63
	}
	return uint64(e)
}

// hllSigma is Ertl's sigma function. The explicit float64 conversions keep
// the compiler from fusing multiply-adds, so results match Redis's bit for
// bit.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if prev == z {
			return z
		}
	}
}

// hllTau is Ertl's tau function.
func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if prev == z {
			return z / 3
		}
	}
}

// HLLSelfTest is PFSELFTEST: the register accessors keep every value and
// leave their neighbours alone, and the estimate stays within six standard
// errors for 1 to 10 million elements, with a sparse and a dense HLL fed
// the same elements agreeing. It returns "" or the failure, worded as
// Redis's (after "TESTFAILED ").
func HLLSelfTest(rnd func() uint64, sparseMax int64) string {
	dense := make([]byte, HLLDenseSize)
	copy(dense, "HYLL")
	r := dense[HLLHeaderSize:]
	var want [HLLRegisters]uint8
	for range 1000 {
		for i := range want {
			want[i] = uint8(rnd()) & hllRegMax
			denseSet(r, i, want[i])
		}
		for i, w := range want {
			if got := denseGet(r, i); got != w {
				return "Register " + strconv.Itoa(i) + " should be " + strconv.Itoa(int(w)) +
					" but is " + strconv.Itoa(int(got))
			}
		}
	}

	clear(r)
	sparse := AppendNewHLL(make([]byte, 0, 64))
	relerr := 1.04 / math.Sqrt(HLLRegisters)
	seed := rnd()
	var ele [8]byte
	checkpoint := int64(1)
	for j := int64(1); j <= 10_000_000; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)^seed)
		index, count := HLLHash(ele[:])
		if denseGet(r, index) < count {
			denseSet(r, index, count)
		}
		if out, _, err := HLLSet(sparse, index, count, sparseMax); err == nil {
			sparse = out
		} else {
			return "sparse encoding corrupted"
		}
		if j != checkpoint {
			continue
		}
		if j < sparseMax/2 && sparse[4] != hllEncSparse {
			return "sparse encoding not used"
		}
		hllInvalidate(dense)
		hllInvalidate(sparse)
		dc, _, _ := HLLCount(dense)
		sc, _, err := HLLCount(sparse)
		if err != nil || dc != sc {
			return "dense/sparse disagree"
		}
		abserr := checkpoint - int64(dc)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1 // collisions make a larger error at 10 likely enough
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			return "Too big error. card:" + strconv.FormatInt(checkpoint, 10) +
				" abserr:" + strconv.FormatInt(abserr, 10)
		}
		checkpoint *= 10
	}
	return ""
}
