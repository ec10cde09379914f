package datatypes

import (
	"math/big"
)

// String helpers: the longest common subsequence LCS reports, and the
// 80-bit long double arithmetic of INCRBYFLOAT.

// LCSRun is one run of consecutive matching bytes: a[AStart..AEnd] equals
// b[BStart..BEnd] (inclusive bounds, as LCS IDX reports them).
type LCSRun struct {
	AStart, AEnd, BStart, BEnd int
}

// Len is the number of bytes in the run.
func (r LCSRun) Len() int { return r.AEnd - r.AStart + 1 }

// LCSCells is the number of table cells LCS needs for strings of these
// lengths; callers refuse inputs whose table would not fit in memory.
func LCSCells(alen, blen int) uint64 { return uint64(alen+1) * uint64(blen+1) }

// LCS returns the longest common subsequence of a and b and its runs of
// contiguous matches, walking back from the ends of the strings the way
// Redis does, so ties between equally long subsequences resolve the same.
func LCS(a, b []byte) (seq []byte, runs []LCSRun) {
	alen, blen := len(a), len(b)
	w := blen + 1
	// t[i*w+j] is the LCS length of a[:i] and b[:j].
	t := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		row, prev := t[i*w:], t[(i-1)*w:]
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	n := int(t[alen*w+blen])
	seq = make([]byte, n)
	idx := n
	// A run is open while open is true; it grows backwards from its end.
	var cur LCSRun
	open := false
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			seq[idx-1] = a[i-1]
			switch {
			case !open:
				cur = LCSRun{AStart: i - 1, AEnd: i - 1, BStart: j - 1, BEnd: j - 1}
				open = true
			case cur.AStart == i && cur.BStart == j:
				cur.AStart--
				cur.BStart--
			default:
				emit = true
			}
			// A match on the first byte of either string ends the walk.
			if cur.AStart == 0 || cur.BStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if t[(i-1)*w+j] > t[i*w+j-1] {
				i--
			} else {
				j--
			}
			if open {
				emit = true
			}
		}
		if emit {
			runs = append(runs, cur)
			open = false
		}
	}
	return seq, runs
}

// Long doubles. Redis's INCRBYFLOAT parses with strtold, adds in the x87
// 80-bit extended format (64-bit significand, 15-bit exponent) and prints
// with "%.17Lf". A big.Float holds such a value exactly; every result is
// rounded once from the exact rational, as the FPU rounds an exact sum.

const (
	ldMaxChars = 5 * 1024 // Redis's MAX_LONG_DOUBLE_CHARS
	ldPrec     = 64
	ldMaxExp   = 16384  // values are below 2^16384 (big.Float MantExp convention)
	ldMinExp   = -16381 // the smallest normal is 2^-16382 = 0.5 * 2^-16381
	ldQuantum  = -16445 // the smallest subnormal is 2^-16445
)

// ParseLongDouble parses s as Redis's string2ld does: all of s must be a
// number strtold accepts (decimal, hexadecimal, inf, infinity), with no
// leading space, not NaN, and neither overflowing nor underflowing to zero.
func ParseLongDouble(s []byte) (*big.Float, bool) {
	if len(s) == 0 || len(s) >= ldMaxChars {
		return nil, false
	}
	i := 0
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		i++
	}
	rest := s[i:]
	if eqFoldASCII(rest, "inf") || eqFoldASCII(rest, "infinity") {
		return new(big.Float).SetInf(neg), true
	}
	var r *big.Rat
	var ok bool
	if len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		r, ok = parseHexFloat(rest[2:])
	} else {
		r, ok = parseDecFloat(rest)
	}
	if !ok {
		return nil, false
	}
	if r.Sign() == 0 {
		z := new(big.Float).SetPrec(ldPrec)
		if neg {
			z.Neg(z)
		}
		return z, true
	}
	f, ok := roundLongDouble(r)
	if !ok {
		return nil, false // ERANGE: overflow, or underflow to zero
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

// AddLongDouble returns x+y rounded to a long double, or false when the sum
// is infinite or NaN.
func AddLongDouble(x, y *big.Float) (*big.Float, bool) {
	if x.IsInf() || y.IsInf() {
		return nil, false
	}
	rx, _ := x.Rat(nil)
	ry, _ := y.Rat(nil)
	sum := rx.Add(rx, ry)
	if sum.Sign() == 0 {
		return new(big.Float).SetPrec(ldPrec), true
	}
	neg := sum.Sign() < 0
	f, ok := roundLongDouble(sum.Abs(sum))
	if !ok {
		return nil, false // overflow; a sum cannot underflow to zero
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

// FormatLongDouble prints x as Redis's "human friendly" ld2string: "%.17Lf"
// with trailing zeros (and a trailing point) removed, and "-0" as "0".
func FormatLongDouble(x *big.Float) []byte {
	b := x.Append(nil, 'f', 17)
	for _, c := range b {
		if c == '.' {
			for b[len(b)-1] == '0' {
				b = b[:len(b)-1]
			}
			if b[len(b)-1] == '.' {
				b = b[:len(b)-1]
			}
			break
		}
	}
	if len(b) == 2 && b[0] == '-' && b[1] == '0' {
		b = b[1:]
	}
	return b
}

// roundLongDouble rounds a positive exact value to the nearest long double
// (ties to even), subnormals included; false on overflow or underflow to 0.
func roundLongDouble(r *big.Rat) (*big.Float, bool) {
	// Truncating gives the exact binary exponent: r is in [2^(e-1), 2^e).
	e := new(big.Float).SetPrec(ldPrec).SetMode(big.ToZero).SetRat(r).MantExp(nil)
	if e > ldMaxExp {
		return nil, false
	}
	prec := ldPrec
	if e < ldMinExp {
		// Subnormal: only the bits down to 2^ldQuantum remain.
		prec = e - ldQuantum
		if prec <= 0 {
			// Below half the smallest subnormal, or exactly half (a tie
			// that rounds to the even zero): underflow.
			half := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), uint(-ldQuantum+1)))
			if prec < 0 || r.Cmp(half) <= 0 {
				return nil, false
			}
			return new(big.Float).SetPrec(ldPrec).SetMantExp(big.NewFloat(0.5), ldQuantum+1), true
		}
	}
	f := new(big.Float).SetPrec(uint(prec)).SetRat(r)
	if f.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return f.SetPrec(ldPrec), true // widening is exact
}

// parseDecFloat parses strtold's decimal form: digits with an optional
// point (at least one digit), then an optional exponent.
func parseDecFloat(s []byte) (*big.Rat, bool) {
	var mant []byte
	digits, frac := 0, 0
	i := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		mant = append(mant, s[i])
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isDigit(s[i]); i++ {
			mant = append(mant, s[i])
			digits++
			frac++
		}
	}
	if digits == 0 {
		return nil, false
	}
	exp, ok := parseExp(s[i:], 'e')
	if !ok {
		return nil, false
	}
	sig := len(mant)
	for sig > 0 && mant[len(mant)-sig] == '0' {
		sig--
	}
	if sig == 0 {
		return new(big.Rat), true
	}
	m, _ := new(big.Int).SetString(string(mant), 10)
	// The value is in [10^(top-1), 10^top): decide the extremes without
	// building huge powers of ten.
	exp -= int64(frac)
	top := exp + int64(sig)
	if top-1 > 4933 { // above LDBL_MAX ~ 1.19e4932: overflows
		return new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), ldMaxExp+1)), true
	}
	if top < -4952 { // below half the smallest subnormal ~ 3.6e-4951: underflows
		return new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), -ldQuantum+2)), true
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(exp)), nil)
	if exp >= 0 {
		return new(big.Rat).SetInt(m.Mul(m, p)), true
	}
	return new(big.Rat).SetFrac(m, p), true
}

// parseHexFloat parses what follows "0x": hex digits with an optional point
// (at least one digit), then an optional binary exponent "p[+-]digits".
func parseHexFloat(s []byte) (*big.Rat, bool) {
	var mant []byte
	digits, frac := 0, 0
	i := 0
	for ; i < len(s) && isHexDigit(s[i]); i++ {
		mant = append(mant, s[i])
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && isHexDigit(s[i]); i++ {
			mant = append(mant, s[i])
			digits++
			frac++
		}
	}
	if digits == 0 {
		return nil, false
	}
	exp, ok := parseExp(s[i:], 'p')
	if !ok {
		return nil, false
	}
	m, _ := new(big.Int).SetString(string(mant), 16)
	if m.Sign() == 0 {
		return new(big.Rat), true
	}
	exp -= 4 * int64(frac)
	// The value is in [2^(top-1), 2^top); clamp the extremes to values
	// that still overflow or underflow, to keep the shifts small.
	switch top := exp + int64(m.BitLen()); {
	case top > ldMaxExp+1:
		exp, m = ldMaxExp, big.NewInt(1)
	case top < ldQuantum-1:
		exp, m = ldQuantum-2, big.NewInt(1)
	}
	if exp >= 0 {
		return new(big.Rat).SetInt(m.Lsh(m, uint(exp))), true
	}
	return new(big.Rat).SetFrac(m, new(big.Int).Lsh(big.NewInt(1), uint(-exp))), true
}

// parseExp parses an optional exponent introduced by marker (either case)
// that must end the input; a huge exponent saturates, which is enough to
// tell overflow and underflow apart.
func parseExp(s []byte, marker byte) (int64, bool) {
	if len(s) == 0 {
		return 0, true
	}
	if s[0]|0x20 != marker {
		return 0, false
	}
	s = s[1:]
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range s {
		if !isDigit(c) {
			return 0, false
		}
		if v < 1<<40 {
			v = v*10 + int64(c-'0')
		}
	}
	if neg {
		v = -v
	}
	return v, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// eqFoldASCII compares s with a lower-case word, ignoring ASCII case.
func eqFoldASCII(s []byte, word string) bool {
	if len(s) != len(word) {
		return false
	}
	for i := range s {
		if s[i]|0x20 != word[i] {
			return false
		}
	}
	return true
}
