package scripting

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library: Roberto Ierusalimschy's struct 1.4 as Redis 7.0
// bundles it, with Redis's overflow fixes. Format codes: < > little and big
// endian, ![n] alignment, x padding, b B h H l L T i[n] I[n] integers (n up
// to 32 bytes), f d floats, s zero-terminated and c[n] fixed strings
// (c0: the whole string when packing, the previous number's length when
// unpacking); spaces are ignored. There is no '=' nor 'n' here.

const (
	structMaxIntSize = 32 // MAXINTSIZE
	structMaxAlign   = 8  // MAXALIGN on x86-64: the alignment of a double
	structMaxStack   = 8000
)

func openStruct(L *lua.LState) *lua.LTable {
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"pack":   structPack,
		"unpack": structUnpack,
		"size":   structSize,
	})
}

// structFormat walks a format string. Options are read as C reads them:
// a NUL ends the format.
type structFormat struct {
	L      *lua.LState
	s      string
	i      int
	little bool
	align  uint64
}

func newStructFormat(L *lua.LState, s string) *structFormat {
	if z := strings.IndexByte(s, 0); z >= 0 {
		s = s[:z]
	}
	return &structFormat{L: L, s: s, little: true, align: 1}
}

func (f *structFormat) more() bool { return f.i < len(f.s) }

func (f *structFormat) next() byte {
	f.i++
	return f.s[f.i-1]
}

// num reads an optional decimal count, refusing values beyond a C int.
func (f *structFormat) num(df int) int {
	if f.i >= len(f.s) || !bitIsDigit(f.s[f.i]) {
		return df
	}
	a := 0
	for f.i < len(f.s) && bitIsDigit(f.s[f.i]) {
		d := int(f.s[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			f.L.RaiseError("integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

// size is optsize: the bytes option opt takes (0 for s, c0 and controls).
func (f *structFormat) size(opt byte) uint64 {
	switch opt {
	case 'b', 'B', 'x':
		return 1
	case 'h', 'H':
		return 2
	case 'l', 'L', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'c':
		return uint64(f.num(1))
	case 'i', 'I':
		sz := f.num(4)
		if sz > structMaxIntSize {
			f.L.RaiseError("integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return uint64(sz)
	}
	return 0
}

// toAlign is gettoalign: the padding before an item of the given size at
// pos. Sizes that are not powers of two give the C code's odd answers.
func (f *structFormat) toAlign(pos uint64, opt byte, size uint64) uint64 {
	if size == 0 || opt == 'c' {
		return 0
	}
	size = min(size, f.align)
	return (size - pos&(size-1)) & (size - 1)
}

// control handles the options that are not items, and rejects unknown ones.
func (f *structFormat) control(opt byte, fname string) {
	switch opt {
	case ' ':
	case '>':
		f.little = false
	case '<':
		f.little = true
	case '!':
		a := f.num(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			f.L.RaiseError("alignment %d is not a power of 2", a)
		}
		f.align = uint64(a)
	default:
		argError(f.L, 1, fname, "invalid format option '"+string([]byte{opt})+"'")
	}
}

// structToInt64 is C's (long)d on x86-64: truncation toward zero, and
// LONG_MIN for NaN and values out of range.
func structToInt64(d float64) int64 {
	if d >= -0x1p63 && d < 0x1p63 {
		return int64(d)
	}
	return math.MinInt64
}

// structToUint64 is C's (unsigned long)d as gcc compiles it on x86-64.
func structToUint64(d float64) uint64 {
	if d >= 0x1p63 {
		return uint64(structToInt64(d-0x1p63)) ^ 1<<63
	}
	return uint64(structToInt64(d))
}

// structNumberString is Lua 5.1's number to string conversion, "%.14g".
func structNumberString(d float64) string {
	switch {
	case math.IsNaN(d):
		if math.Signbit(d) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(d, 1):
		return "inf"
	case math.IsInf(d, -1):
		return "-inf"
	}
	return strconv.FormatFloat(d, 'g', 14, 64)
}

// structCheckString is luaL_checklstring: strings, and numbers as text.
// In pack an argument past the last reads the nil that separates the
// arguments from C's string buffer, so missing is "nil" there.
func structCheckString(L *lua.LState, n int, fname string, missingNil bool) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return structNumberString(float64(v))
	}
	structTypeError(L, n, fname, "string", missingNil)
	return ""
}

func structCheckNumber(L *lua.LState, n int, fname string, missingNil bool) float64 {
	if d, ok := bitToNumber(L.Get(n)); ok {
		return d
	}
	structTypeError(L, n, fname, "number", missingNil)
	return 0
}

func structTypeError(L *lua.LState, n int, fname, want string, missingNil bool) {
	if missingNil && n > L.GetTop() {
		argError(L, n, fname, want+" expected, got nil")
	}
	typeError(L, n, fname, want)
}

func structPack(L *lua.LState) int {
	f := newStructFormat(L, structCheckString(L, 1, "pack", false))
	arg := 2
	var out []byte
	for f.more() {
		opt := f.next()
		size := f.size(opt)
		for pad := f.toAlign(uint64(len(out)), opt, size); pad > 0; pad-- {
			out = append(out, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			d := structCheckNumber(L, arg, "pack", true)
			arg++
			var v uint64
			if d < 0 {
				v = uint64(structToInt64(d))
			} else {
				v = structToUint64(d)
			}
			out = structPutInt(out, v, int(size), f.little)
		case 'x':
			out = append(out, 0)
		case 'f':
			v := structFloat32Bits(structCheckNumber(L, arg, "pack", true))
			arg++
			out = structPutInt(out, uint64(v), 4, f.little)
		case 'd':
			v := math.Float64bits(structCheckNumber(L, arg, "pack", true))
			arg++
			out = structPutInt(out, v, 8, f.little)
		case 'c', 's':
			s := structCheckString(L, arg, "pack", true)
			arg++
			if size == 0 {
				size = uint64(len(s))
			}
			if uint64(len(s)) < size {
				argError(L, arg, "pack", "string too short") // C reports the next argument
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
			}
		default:
			f.control(opt, "pack")
		}
	}
	L.Push(lua.LString(out))
	return 1
}

// structFloat32Bits is C's (float)d: rounded to nearest, and a NaN keeps
// its sign and the top of its payload, quieted, as x86's cvtsd2ss does.
func structFloat32Bits(d float64) uint32 {
	if math.IsNaN(d) {
		b := math.Float64bits(d)
		return uint32(b>>32)&0x80000000 | 0x7fc00000 | uint32(b>>29)&0x3fffff
	}
	return math.Float32bits(float32(d))
}

// structPutInt appends the low size bytes of v; sizes past 8 bytes are
// zero-filled, as the C code's shifts of an unsigned long give.
func structPutInt(out []byte, v uint64, size int, little bool) []byte {
	n := len(out)
	out = append(out, make([]byte, size)...)
	for i := 0; i < size && i < 8; i++ {
		b := byte(v >> (8 * i))
		if little {
			out[n+i] = b
		} else {
			out[n+size-1-i] = b
		}
	}
	return out
}

// structGetBits reads the bytes of s as an integer in the given byte
// order. Only the last eight bytes read stay, as the C code's shifts of an
// unsigned long leave them.
func structGetBits(s string, little bool) uint64 {
	var l uint64
	for i := range len(s) {
		if little {
			l = l<<8 | uint64(s[len(s)-1-i])
		} else {
			l = l<<8 | uint64(s[i])
		}
	}
	return l
}

// structGetInt reads an integer item; the sign mask is shifted by
// (size*8-1) mod 64, as x86 does with the C code's oversized shifts.
func structGetInt(s string, little, signed bool) float64 {
	l := structGetBits(s, little)
	if !signed {
		return float64(l)
	}
	mask := ^uint64(0) << (uint(len(s)*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

func structUnpack(L *lua.LState) int {
	f := newStructFormat(L, structCheckString(L, 1, "unpack", false))
	data := structCheckString(L, 2, "unpack", false)
	ld := uint64(len(data))
	pos := uint64(1)
	if v := L.Get(3); v != lua.LNil {
		pos = uint64(structToInt64(structCheckNumber(L, 3, "unpack", false)))
	}
	if pos == 0 {
		argError(L, 3, "unpack", "offset must be 1 or greater")
	}
	pos--
	nargs, n := L.GetTop(), 0
	for f.more() {
		opt := f.next()
		size := f.size(opt)
		pos += f.toAlign(pos, opt, size)
		if size > ld || pos > ld-size {
			argError(L, 2, "unpack", "data string too short")
		}
		// Lua 5.1's C functions may hold LUAI_MAXCSTACK values.
		if nargs+n+2 > structMaxStack {
			L.RaiseError("stack overflow (too many results)")
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a'
			L.Push(lua.LNumber(structGetInt(data[pos:pos+size], f.little, signed)))
			n++
		case 'x':
		case 'f':
			v := uint32(structGetBits(data[pos:pos+4], f.little))
			L.Push(lua.LNumber(math.Float32frombits(v)))
			n++
		case 'd':
			v := structGetBits(data[pos:pos+8], f.little)
			L.Push(lua.LNumber(math.Float64frombits(v)))
			n++
		case 'c':
			if size == 0 {
				prev, ok := 0.0, false
				if n > 0 {
					prev, ok = bitToNumber(L.Get(-1))
				}
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = structToUint64(prev)
				L.Pop(1)
				n--
				if size > ld || pos > ld-size {
					argError(L, 2, "unpack", "data string too short")
				}
			}
			L.Push(lua.LString(data[pos : pos+size]))
			n++
		case 's':
			e := strings.IndexByte(data[pos:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = uint64(e) + 1
			L.Push(lua.LString(data[pos : pos+size-1]))
			n++
		default:
			f.control(opt, "unpack")
		}
		pos += size
	}
	L.Push(lua.LNumber(int64(pos + 1)))
	return n + 1
}

func structSize(L *lua.LState) int {
	f := newStructFormat(L, structCheckString(L, 1, "size", false))
	var pos uint64
	for f.more() {
		opt := f.next()
		size := f.size(opt)
		pos += f.toAlign(pos, opt, size)
		if opt == 's' {
			argError(L, 1, "size", "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "size", "option 'c0' has no fixed size")
		}
		if !bitIsAlnum(opt) {
			f.control(opt, "size")
		}
		pos += size
	}
	L.Push(lua.LNumber(int64(pos)))
	return 1
}
