package server

import (
	"errors"
	"math"
	"strconv"
	"unsafe"
)

// Parsing of sorted-set ranges as Redis reads them: score bounds with C's
// strtod (hex, inf, leading spaces, "(" for open bounds) and lex bounds
// ("[a", "(a", "-", "+").

// parseScoreRange parses ZRANGEBYSCORE's min and max: a float as C's
// strtod reads it, "(" in front for an open bound, never NaN.
func parseScoreRange(lo, hi []byte, r *scoreRange) bool {
	var ok bool
	if r.min, r.minEx, ok = parseScoreBound(lo); !ok {
		return false
	}
	r.max, r.maxEx, ok = parseScoreBound(hi)
	return ok
}

func parseScoreBound(b []byte) (f float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		b, ex = b[1:], true
	}
	// Redis hands the C string to strtod, so a NUL byte ends it.
	for i, ch := range b {
		if ch == 0 {
			b = b[:i]
			break
		}
	}
	if f, ok := smallInt(b); ok {
		return f, ex, true
	}
	f, n, _ := cStrtod(b)
	if n != len(b) || math.IsNaN(f) {
		return 0, false, false
	}
	return f, ex, true
}

// smallInt is the fast path for the usual bounds: a plain integer short
// enough to be exact as a float.
func smallInt(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	i, neg := 0, false
	if b[0] == '-' {
		i, neg = 1, true
		if len(b) == 1 {
			return 0, false
		}
	}
	var v int64
	for ; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return 0, false
		}
		v = v*10 + int64(b[i]-'0')
	}
	if neg {
		return -float64(v), true
	}
	return float64(v), true
}

// parseLexRange parses ZRANGEBYLEX's min and max.
func parseLexRange(lo, hi []byte, from, to *lexBound) bool {
	return parseLexBound(lo, from) && parseLexBound(hi, to)
}

func parseLexBound(b []byte, lb *lexBound) bool {
	if len(b) == 0 {
		return false
	}
	switch b[0] {
	case '+', '-':
		// Redis compares the C string: "+" followed by a NUL passes.
		if len(b) > 1 && b[1] != 0 {
			return false
		}
		lb.inf = 1
		if b[0] == '-' {
			lb.inf = -1
		}
		lb.ex = true
	case '(':
		lb.m, lb.ex = b[1:], true
	case '[':
		lb.m, lb.ex = b[1:], false
	default:
		return false
	}
	return true
}

// isCSpace is C's isspace in the C locale.
func isCSpace(ch byte) bool {
	return ch == ' ' || (ch >= '\t' && ch <= '\r')
}

// cStrtod parses the longest prefix of b that C's strtod accepts (after
// white space): decimal and hexadecimal floats, inf, infinity, nan and
// nan(chars). It returns the value, the bytes used (0 when there is no
// number) and strtod's ERANGE: the value overflowed to ±inf, or a nonzero
// number underflowed to 0.
func cStrtod(b []byte) (f float64, n int, erange bool) {
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	sign := 1.0
	if neg {
		sign = -1
	}
	switch {
	case cPrefixFold(b[i:], "inf"):
		i += 3
		if cPrefixFold(b[i:], "inity") {
			i += 5
		}
		return math.Inf(int(sign)), i, false
	case cPrefixFold(b[i:], "nan"):
		i += 3
		if i < len(b) && b[i] == '(' {
			j := i + 1
			for j < len(b) && (cAlnum(b[j]) || b[j] == '_') {
				j++
			}
			if j < len(b) && b[j] == ')' {
				i = j + 1
			}
		}
		return math.NaN(), i, false
	}
	hex := i+1 < len(b) && b[i] == '0' && (b[i+1] == 'x' || b[i+1] == 'X')
	if hex {
		j := i + 2
		if j < len(b) && b[j] == '.' {
			j++
		}
		hex = j < len(b) && cHex(b[j])
	}
	if hex {
		i += 2
	}
	digit := cDigit
	if hex {
		digit = cHex
	}
	nonzero, ndigits, dot := false, 0, false
	for ; i < len(b); i++ {
		if b[i] == '.' && !dot {
			dot = true
			continue
		}
		if !digit(b[i]) {
			break
		}
		ndigits++
		nonzero = nonzero || b[i] != '0'
	}
	if ndigits == 0 {
		return 0, 0, false
	}
	mantEnd := i
	expCh := byte('e')
	if hex {
		expCh = 'p'
	}
	if i < len(b) && (b[i]|0x20) == expCh {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && cDigit(b[j]) {
			for j < len(b) && cDigit(b[j]) {
				j++
			}
			i = j
		}
	}
	var err error
	if hex {
		// Go wants a binary exponent on every hex float.
		s := append(append([]byte(nil), b[start:i]...), "p0"...)
		if i > mantEnd {
			s = s[:len(s)-2]
		}
		f, err = strconv.ParseFloat(string(s), 64)
	} else {
		f, err = strconv.ParseFloat(unsafe.String(unsafe.SliceData(b[start:]), i-start), 64)
	}
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, 0, false // cannot happen: the grammar above is Go's too
	}
	return f, i, err != nil || (f == 0 && nonzero)
}

func cPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && eqFold(b[:len(p)], p)
}

func cDigit(ch byte) bool { return ch >= '0' && ch <= '9' }
func cHex(ch byte) bool   { return cDigit(ch) || (ch|0x20 >= 'a' && ch|0x20 <= 'f') }
func cAlnum(ch byte) bool { return cDigit(ch) || (ch|0x20 >= 'a' && ch|0x20 <= 'z') }

// zsBytes views a string's bytes without copying; the callee must not
// keep or change them (ZSet.Set copies).
func zsBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
