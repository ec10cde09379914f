package persistence

// LZF is the compressor of Redis's bundled liblzf 3.6 as Redis builds it
// (a 2^16-slot hash table, the VERY_FAST variant), reproduced so that
// compressed RDB strings are the bytes redis-server writes. Its hash table
// is kept between calls; the zero value is ready to use.
type LZF struct {
	// htab holds, per hash slot, gen<<32 | position+1 of the last
	// three-byte sequence seen with that hash; entries of an older
	// generation are empty, which saves clearing 512 KiB per call.
	htab []uint64
	gen  uint32
}

const (
	lzfHLog   = 16
	lzfHSize  = 1 << lzfHLog
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = 1<<8 + 1<<3
)

func lzfIndex(h uint32) uint32 { return (h>>(3*8-lzfHLog) - h*5) & (lzfHSize - 1) }

// Compress compresses in, as lzf_compress(in, len(in), out, maxOut) does:
// nil when the result would not fit in maxOut bytes.
func (z *LZF) Compress(in []byte, maxOut int) []byte {
	n := len(in)
	if n == 0 || maxOut <= 0 || uint64(n) >= 1<<32-1 {
		return nil
	}
	if z.htab == nil {
		z.htab = make([]uint64, lzfHSize)
	}
	z.gen++
	if z.gen == 0 { // wrapped: old stamps would look current
		clear(z.htab)
		z.gen = 1
	}
	gen := uint64(z.gen) << 32
	// lookup returns the position stored for slot and stores ip there.
	lookup := func(slot uint32, ip int) int {
		e := z.htab[slot]
		z.htab[slot] = gen | uint64(ip+1)
		if e&^(1<<32-1) != gen {
			return -1
		}
		return int(uint32(e)) - 1
	}

	// liblzf writes a run's length byte before the run, possibly one byte
	// past maxOut (Redis allocates maxOut+1), and the tail may add three.
	out := make([]byte, maxOut+4)
	op, ip, lit := 1, 0, 0 // out[0] is the first run's length byte
	var hval uint32
	if n >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < n-2 {
		hval = hval<<8 | uint32(in[ip+2])
		ref := lookup(lzfIndex(hval), ip)
		off := ip - ref - 1
		// No "ip+4 < n" test: liblzf 3.6 (which redis-server links on
		// Debian) matches up to the last three bytes, unlike Redis's copy.
		if ref > 0 && off < lzfMaxOff &&
			in[ref] == in[ip] && in[ref+1] == in[ip+1] && in[ref+2] == in[ip+2] {
			// A match: end the literal run and emit a back reference.
			ln := 2
			maxLen := min(n-ip-ln, lzfMaxRef)
			out[op-lit-1] = byte(lit - 1)
			if lit == 0 {
				op-- // no literal run after all
			}
			if op+3+1 >= maxOut {
				return nil
			}
			ln = matchLen(in, ref, ip, ln, maxLen)
			ln -= 2 // the reference stores octets-2
			ip++
			if ln < 7 {
				out[op] = byte(off>>8 + ln<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(ln - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start a run
			ip += ln + 1
			if ip >= n-2 {
				break
			}
			// VERY_FAST: hash only the last two positions of the match.
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			for range 2 {
				hval = hval<<8 | uint32(in[ip+2])
				lookup(lzfIndex(hval), ip)
				ip++
			}
			continue
		}
		if op >= maxOut {
			return nil
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > maxOut {
		return nil
	}
	for ip < n {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return out[:op]
}

// matchLen extends a match of ln verified octets the way liblzf's loop
// does: when more than 16 octets may follow, it first checks 16 without
// consulting maxLen, so a match can end up to two octets past maxLen
// (never past the input, which maxLen under-counts by two).
func matchLen(in []byte, ref, ip, ln, maxLen int) int {
	if maxLen > 16 {
		for range 16 {
			ln++
			if in[ref+ln] != in[ip+ln] {
				return ln
			}
		}
	}
	for {
		ln++
		if ln >= maxLen || in[ref+ln] != in[ip+ln] {
			return ln
		}
	}
}

// LZFDecompress expands in, which must produce exactly outLen bytes (as
// Redis requires of a compressed RDB string).
func LZFDecompress(in []byte, outLen int) ([]byte, bool) {
	// Three input bytes make at most 264 output bytes: refuse an
	// impossible length before allocating it.
	if outLen < 0 || outLen > len(in)*(lzfMaxRef/3)+lzfMaxRef {
		return nil, false
	}
	out := make([]byte, 0, outLen)
	ip := 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 { // a literal run of ctrl+1 bytes
			ctrl++
			if len(out)+ctrl > outLen || ip+ctrl > len(in) {
				return nil, false
			}
			out = append(out, in[ip:ip+ctrl]...)
			ip += ctrl
			continue
		}
		ln := ctrl >> 5
		ref := len(out) - (ctrl&0x1f)<<8 - 1
		if ip >= len(in) {
			return nil, false
		}
		if ln == 7 {
			ln += int(in[ip])
			ip++
			if ip >= len(in) {
				return nil, false
			}
		}
		ref -= int(in[ip])
		ip++
		if len(out)+ln+2 > outLen || ref < 0 {
			return nil, false
		}
		for i := range ln + 2 { // byte by byte: the copy may overlap
			out = append(out, out[ref+i])
		}
	}
	if len(out) != outLen {
		return nil, false
	}
	return out, true
}
