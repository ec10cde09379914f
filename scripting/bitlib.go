package scripting

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The bit library: LuaBitOp 1.0.2 as Redis bundles it. Every operand is
// normalised to 32 bits the way LuaBitOp does on doubles, and every result
// is the signed 32-bit value as a Lua number.

func openBit(L *lua.LState) *lua.LTable {
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"tobit":   bitTobit,
		"bnot":    bitBnot,
		"band":    bitBand,
		"bor":     bitBor,
		"bxor":    bitBxor,
		"lshift":  bitLshift,
		"rshift":  bitRshift,
		"arshift": bitArshift,
		"rol":     bitRol,
		"ror":     bitRor,
		"bswap":   bitBswap,
		"tohex":   bitTohex,
	})
}

// bitNorm is LuaBitOp's conversion: adding 2^52+2^51 to the double puts the
// integer part, rounded to nearest even, in the low mantissa bits, which are
// then read as 32 bits. Large values, infinities and NaNs give whatever
// bits that sum leaves there, exactly as in C.
func bitNorm(f float64) uint32 {
	return uint32(math.Float64bits(f + 6755399441055744.0))
}

// bitArg is LuaBitOp's barg for Lua 5.1: a number, or a string Lua can
// read as one; anything else is luaL_typerror's "number expected".
func bitArg(L *lua.LState, n int, fname string) uint32 {
	if f, ok := bitToNumber(L.Get(n)); ok {
		return bitNorm(f)
	}
	typeError(L, n, fname, "number")
	return 0
}

// bitRet pushes a result as LuaBitOp does: the bits read as a signed int.
func bitRet(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func bitTobit(L *lua.LState) int { return bitRet(L, bitArg(L, 1, "tobit")) }
func bitBnot(L *lua.LState) int  { return bitRet(L, ^bitArg(L, 1, "bnot")) }

// bitFold applies op over all arguments; like LuaBitOp it reads them from
// the last to the second, so a bad later argument is reported first.
func bitFold(L *lua.LState, fname string, op func(a, b uint32) uint32) int {
	b := bitArg(L, 1, fname)
	for i := L.GetTop(); i > 1; i-- {
		b = op(b, bitArg(L, i, fname))
	}
	return bitRet(L, b)
}

func bitBand(L *lua.LState) int {
	return bitFold(L, "band", func(a, b uint32) uint32 { return a & b })
}

func bitBor(L *lua.LState) int {
	return bitFold(L, "bor", func(a, b uint32) uint32 { return a | b })
}

func bitBxor(L *lua.LState) int {
	return bitFold(L, "bxor", func(a, b uint32) uint32 { return a ^ b })
}

// bitShift reads a value and a shift count masked to 5 bits.
func bitShift(L *lua.LState, fname string) (uint32, uint32) {
	b := bitArg(L, 1, fname)
	return b, bitArg(L, 2, fname) & 31
}

func bitLshift(L *lua.LState) int {
	b, n := bitShift(L, "lshift")
	return bitRet(L, b<<n)
}

func bitRshift(L *lua.LState) int {
	b, n := bitShift(L, "rshift")
	return bitRet(L, b>>n)
}

func bitArshift(L *lua.LState) int {
	b, n := bitShift(L, "arshift")
	return bitRet(L, uint32(int32(b)>>n))
}

// Rotations: for n == 0 C shifts by 32, which x86 takes as 0, so the
// result is b; masking 32-n to 5 bits does the same here.
func bitRol(L *lua.LState) int {
	b, n := bitShift(L, "rol")
	return bitRet(L, b<<n|b>>((32-n)&31))
}

func bitRor(L *lua.LState) int {
	b, n := bitShift(L, "ror")
	return bitRet(L, b<<((32-n)&31)|b>>n)
}

func bitBswap(L *lua.LState) int {
	b := bitArg(L, 1, "bswap")
	return bitRet(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
}

// bitTohex formats the low n hex digits (default 8); a negative n asks for
// upper case, and n is clamped to 8.
func bitTohex(L *lua.LState) int {
	b := bitArg(L, 1, "tohex")
	n := int64(8)
	if L.GetTop() >= 2 {
		n = int64(int32(bitArg(L, 2, "tohex")))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n, digits = -n, "0123456789ABCDEF"
	}
	n = min(n, 8)
	var buf [8]byte
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf[:n]))
	return 1
}

// bitToNumber is Lua 5.1's lua_tonumber: numbers, and strings that read
// wholly as a number by luaO_str2d (C's strtod, so hex, inf and nan too,
// with surrounding white space). gopher-lua's own conversion differs (it
// takes "010" as octal and "0b1" as binary), so the libraries use this.
func bitToNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return bitStrToNumber(string(v))
	}
	return 0, false
}

func bitIsSpace(c byte) bool {
	return c == ' ' || c-'\t' <= '\r'-'\t'
}

// bitStrToNumber reads s as glibc's strtod does and accepts it only if
// nothing but white space follows. Lua hands strtod the C string, so a NUL
// ends it.
func bitStrToNumber(s string) (float64, bool) {
	if z := strings.IndexByte(s, 0); z >= 0 {
		s = s[:z]
	}
	i := 0
	for i < len(s) && bitIsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var f float64
	switch end, kind := bitScanNumber(s, i); kind {
	case 0:
		return 0, false
	case 'i':
		f, i = math.Inf(1), end
	case 'n':
		// strtod's NaN is the positive quiet NaN; a sign sets the sign bit.
		f, i = math.Float64frombits(0x7ff8000000000000), end
	case 'x':
		// strconv wants a binary exponent on hex mantissas; strtod does not.
		lit := s[i:end]
		if !strings.ContainsAny(lit, "pP") {
			lit += "p0"
		}
		f, _ = strconv.ParseFloat(lit, 64) // range errors give ±Inf or 0 as strtod does
		i = end
	default:
		f, _ = strconv.ParseFloat(s[i:end], 64)
		i = end
	}
	if neg {
		f = -f
	}
	for i < len(s) && bitIsSpace(s[i]) {
		i++
	}
	return f, i == len(s)
}

// bitScanNumber finds the end of the longest number strtod would read at
// s[i:] (after the sign) and its kind: 'd' decimal, 'x' hex, 'i' infinity,
// 'n' NaN, or 0 for none.
func bitScanNumber(s string, i int) (int, byte) {
	if w := bitWord(s, i, "infinity"); w == 8 {
		return i + 8, 'i'
	} else if w >= 3 {
		return i + 3, 'i'
	}
	if bitWord(s, i, "nan") == 3 {
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (bitIsAlnum(s[k]) || s[k] == '_') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		return j, 'n'
	}
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
		if end, ok := bitScanDigits(s, i+2, bitIsHex, 'p'); ok {
			return end, 'x'
		}
		return i + 1, 'd' // just the "0"
	}
	if end, ok := bitScanDigits(s, i, bitIsDigit, 'e'); ok {
		return end, 'd'
	}
	return i, 0
}

// bitScanDigits reads digits[.digits] with at least one digit, then an
// optional exponent letter exp, sign and decimal digits.
func bitScanDigits(s string, i int, isDigit func(byte) bool, exp byte) (int, bool) {
	n := 0
	for i < len(s) && isDigit(s[i]) {
		i, n = i+1, n+1
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i, n = i+1, n+1
		}
	}
	if n == 0 {
		return i, false
	}
	if i < len(s) && s[i]|0x20 == exp {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && bitIsDigit(s[j]) {
			for j < len(s) && bitIsDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	return i, true
}

// bitWord returns how many leading letters of word s[i:] matches,
// ignoring case.
func bitWord(s string, i int, word string) int {
	n := 0
	for n < len(word) && i+n < len(s) && s[i+n]|0x20 == word[n] {
		n++
	}
	return n
}

func bitIsDigit(c byte) bool { return c-'0' <= 9 }
func bitIsHex(c byte) bool   { return bitIsDigit(c) || c|0x20-'a' <= 5 }
func bitIsAlnum(c byte) bool { return bitIsDigit(c) || c|0x20-'a' <= 25 }
