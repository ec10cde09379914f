package datatypes

import "strconv"

// The sparse HLL encoding: after the header, opcodes describe the 16384
// registers in order as runs.
//
//	ZERO   00xxxxxx           xxxxxx+1 registers (1..64) at zero
//	XZERO  01xxxxxx yyyyyyyy  xxxxxxyyyyyyyy+1 registers (1..16384) at zero
//	VAL    1vvvvvxx           xx+1 registers (1..4) at vvvvv+1 (1..32)
//
// Updates follow Redis's hllSparseSet step by step (split the run holding
// the register, then merge equal neighbouring VALs within a small window),
// since the exact bytes are visible to clients through GET.

func isZero(b byte) bool  { return b&0xc0 == 0 }
func isXZero(b byte) bool { return b&0xc0 == 0x40 }
func isVal(b byte) bool   { return b&0x80 != 0 }

func zeroLen(b byte) int    { return int(b&0x3f) + 1 }
func valLen(b byte) int     { return int(b&3) + 1 }
func valValue(b byte) uint8 { return (b>>2)&0x1f + 1 }

// xzeroLen reads the XZERO opcode at sp[k]; a second byte missing from a
// truncated value reads as zero, like the sds terminator Redis reads.
func xzeroLen(sp []byte, k int) int {
	var lo byte
	if k+1 < len(sp) {
		lo = sp[k+1]
	}
	return (int(sp[k]&0x3f)<<8 | int(lo)) + 1
}

func valByte(val uint8, n int) byte { return byte(int(val-1)<<2|(n-1)) | 0x80 }

func setXZero(p []byte, n int) {
	n--
	p[0] = byte(n>>8) | 0x40
	p[1] = byte(n)
}

// appendZeros appends the shortest zero opcode for a run of n registers.
func appendZeros(seq []byte, n int) []byte {
	if n > hllSparseZeroMaxN {
		n--
		return append(seq, byte(n>>8)|0x40, byte(n))
	}
	return append(seq, byte(n-1))
}

// opSpan returns the number of registers the opcode at sp[k] covers and
// its length in bytes.
func opSpan(sp []byte, k int) (span, oplen int) {
	switch b := sp[k]; {
	case isZero(b):
		return zeroLen(b), 1
	case isVal(b):
		return valLen(b), 1
	}
	return xzeroLen(sp, k), 2
}

// sparseCursor lets a series of sparseSet calls at ascending registers
// resume the search where the previous one left off (PFMERGE), instead of
// walking the opcodes from the start each time.
type sparseCursor struct {
	pos, first int // an opcode boundary and the first register it covers
	last       int // the register of the previous call; -1 before the first
	set        bool
}

// sparseSet is Redis's hllSparseSet: raise register index to count.
func sparseSet(v []byte, index int, count uint8, sparseMax int64, cur *sparseCursor) ([]byte, bool, error) {
	if count > hllSparseValMax {
		return sparsePromote(v, index, count)
	}
	// Worst case the value grows by 3 bytes (XZERO -> XZERO VAL XZERO);
	// one more byte is written past the end when a truncated XZERO is split.
	if cap(v)-len(v) < 4 {
		nv := make([]byte, len(v), len(v)*2+4)
		copy(nv, v)
		v = nv
	}
	sp := v[HLLHeaderSize : len(v)+4]
	end := len(v) - HLLHeaderSize

	// Step 1: find the opcode covering index, and the one before it.
	p, first, span, prev := 0, 0, 0, -1
	if cur != nil && cur.set && index > cur.last {
		p, first = cur.pos, cur.first
	}
	for p < end {
		// The hot loop of sparse adds: the span of a ZERO or a VAL without
		// a branch on which it is (their length fields are 6 and 2 bits).
		b, oplen := sp[p], 1
		if isXZero(b) {
			span, oplen = xzeroLen(sp[:end], p), 2
		} else {
			span = int(b&(0x3f>>(b>>7<<2))) + 1
		}
		if index < first+span {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return v, false, ErrHLLCorrupt
	}
	if cur != nil {
		// The opcode before the one updated keeps its place and first
		// register whatever the update and merges below do.
		cur.set, cur.last = true, index
		if prev >= 0 {
			pspan, _ := opSpan(sp[:end], prev)
			cur.pos, cur.first = prev, first-pspan
		} else {
			cur.pos, cur.first = 0, 0
		}
	}
	b := sp[p]
	oldlen := 1
	if isXZero(b) {
		oldlen = 2
	}
	next := p + oldlen
	if next >= end {
		next = -1
	}

	// Step 2: the trivial cases, then splitting the run.
	switch {
	case isVal(b) && valValue(b) >= count:
		return v, false, nil
	case isVal(b) && span == 1, isZero(b) && span == 1:
		sp[p] = valByte(count, 1)
	default:
		var buf [5]byte
		seq := buf[:0]
		last := first + span - 1
		if isVal(b) {
			curval := valValue(b)
			if index != first {
				seq = append(seq, valByte(curval, index-first))
			}
			seq = append(seq, valByte(count, 1))
			if index != last {
				seq = append(seq, valByte(curval, last-index))
			}
		} else {
			if index != first {
				seq = appendZeros(seq, index-first)
			}
			seq = append(seq, valByte(count, 1))
			if index != last {
				seq = appendZeros(seq, last-index)
			}
		}
		// Step 3: put the new sequence in place of the old opcode.
		delta := len(seq) - oldlen
		if delta > 0 && int64(len(v)+delta) > sparseMax {
			return sparsePromote(v, index, count)
		}
		if delta != 0 && next >= 0 {
			copy(sp[next+delta:], sp[next:end])
		}
		copy(sp[p:], seq)
		end += delta
	}

	// Step 4: merge neighbouring VALs of equal value, scanning at most five
	// opcodes from the one before the update.
	p = max(prev, 0)
	for scan := 5; p < end && scan > 0; scan-- {
		b := sp[p]
		if isXZero(b) {
			p += 2
			continue
		}
		if isZero(b) {
			p++
			continue
		}
		if p+1 < end && isVal(sp[p+1]) && valValue(b) == valValue(sp[p+1]) {
			if n := valLen(b) + valLen(sp[p+1]); n <= hllSparseValMaxN {
				sp[p+1] = valByte(valValue(b), n)
				copy(sp[p:], sp[p+1:end])
				end--
				continue // and try merging the result with its right neighbour
			}
		}
		p++
	}
	v = v[:HLLHeaderSize+end]
	hllInvalidate(v)
	return v, true, nil
}

// sparsePromote converts v to dense and sets the register there.
func sparsePromote(v []byte, index int, count uint8) ([]byte, bool, error) {
	d, err := sparseToDense(v)
	if err != nil {
		return v, false, err
	}
	denseSet(d[HLLHeaderSize:], index, count)
	return d, true, nil
}

// sparseToDense returns the dense form of sparse v, with v's header (magic,
// unused bytes and cache kept), or ErrHLLCorrupt.
func sparseToDense(v []byte) ([]byte, error) {
	sp := v[HLLHeaderSize:]
	d := make([]byte, HLLDenseSize)
	copy(d, v[:HLLHeaderSize])
	d[4] = hllEncDense
	r := d[HLLHeaderSize:]
	idx := 0
	for k := 0; k < len(sp); {
		b := sp[k]
		switch {
		case isZero(b):
			idx += zeroLen(b)
			k++
		case isXZero(b):
			idx += xzeroLen(sp, k)
			k += 2
		default:
			n, val := valLen(b), valValue(b)
			if idx+n > HLLRegisters {
				return nil, ErrHLLCorrupt
			}
			for ; n > 0; n-- {
				denseSet(r, idx, val)
				idx++
			}
			k++
		}
	}
	if idx != HLLRegisters {
		return nil, ErrHLLCorrupt
	}
	return d, nil
}

// sparseHisto counts the sparse registers by value; false if the opcodes
// do not cover exactly 16384 registers.
func sparseHisto(sp []byte, histo *[64]int) bool {
	idx := 0
	for k := 0; k < len(sp); {
		b := sp[k]
		switch {
		case isZero(b):
			n := zeroLen(b)
			idx += n
			histo[0] += n
			k++
		case isXZero(b):
			n := xzeroLen(sp, k)
			idx += n
			histo[0] += n
			k += 2
		default:
			n := valLen(b)
			idx += n
			histo[valValue(b)] += n
			k++
		}
	}
	return idx == HLLRegisters
}

// sparseMerge raises regs to the sparse registers sp.
func sparseMerge(regs *[HLLRegisters]uint8, sp []byte) error {
	i := 0
	for k := 0; k < len(sp); {
		b := sp[k]
		switch {
		case isZero(b):
			i += zeroLen(b)
			k++
		case isXZero(b):
			i += xzeroLen(sp, k)
			k += 2
		default:
			n, val := valLen(b), valValue(b)
			if i+n > HLLRegisters {
				return ErrHLLCorrupt
			}
			for ; n > 0; n-- {
				regs[i] = max(regs[i], val)
				i++
			}
			k++
		}
	}
	if i != HLLRegisters {
		return ErrHLLCorrupt
	}
	return nil
}

// HLLDecode appends PFDEBUG DECODE's text for a sparse value: its opcodes
// as "z:len", "Z:len" and "v:value,len", space-separated.
func HLLDecode(dst, v []byte) []byte {
	sp := v[HLLHeaderSize:]
	start := len(dst)
	for k := 0; k < len(sp); {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		b := sp[k]
		switch {
		case isZero(b):
			dst = append(dst, "z:"...)
			dst = strconv.AppendInt(dst, int64(zeroLen(b)), 10)
			k++
		case isXZero(b):
			dst = append(dst, "Z:"...)
			dst = strconv.AppendInt(dst, int64(xzeroLen(sp, k)), 10)
			k += 2
		default:
			dst = append(dst, "v:"...)
			dst = strconv.AppendInt(dst, int64(valValue(b)), 10)
			dst = append(dst, ',')
			dst = strconv.AppendInt(dst, int64(valLen(b)), 10)
			k++
		}
	}
	return dst
}
