package scripting

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// mpSparseSlack bounds the nil slots decoded maps may make gopher-lua
// allocate, with four more per input byte. gopher-lua keeps integer keys
// up to 67108863 in a table's array part, padded with nils, so the 7-byte
// map {[67108863]=1} would cost a gigabyte. Redis keeps such keys in the
// hash part; here a decoded map whose keys are that sparse fails with
// Lua's memory error instead.
const mpSparseSlack = 1 << 16

func mpUnpack(L *lua.LState) int {
	return mpUnpackFull(L, "unpack", 0, 0)
}

func mpUnpackOne(L *lua.LState) int {
	offset := mpOptInteger(L, 2, "unpack_one")
	if L.GetTop() > 1 {
		L.SetTop(1)
	}
	return mpUnpackFull(L, "unpack_one", 1, offset)
}

func mpUnpackLimit(L *lua.LState) int {
	limit := mpCheckInteger(L, 2, "unpack_limit")
	offset := mpOptInteger(L, 3, "unpack_limit")
	if L.GetTop() > 1 {
		L.SetTop(1)
	}
	return mpUnpackFull(L, "unpack_limit", limit, offset)
}

// mpUnpackFull decodes up to limit objects from offset and returns them,
// preceded by the next offset (-1 at the end of the input) unless both
// limit and offset are 0, which decodes everything (also for
// unpack_limit(s, 0)).
func mpUnpackFull(L *lua.LState, fname string, limit, offset int64) int {
	s := mpCheckString(L, 1, fname)
	all := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		// Redis prints the input's length as the limit.
		mpError(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	}
	if uint64(offset) > uint64(len(s)) {
		mpError(L, "Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	if all {
		limit = math.MaxInt32
	}
	d := mpDecoder{L: L, in: s, pos: int(offset), sparse: mpSparseSlack + 4*len(s)}
	top := L.GetTop()
	cnt := 0
	for ; d.pos < len(s) && int64(cnt) < limit; cnt++ {
		L.Push(d.value(top))
		top++
	}
	if !all {
		mpCheckStack(L, top, 1, "in function mp_unpack_full")
		next := lua.LNumber(-1)
		if d.pos < len(s) {
			next = lua.LNumber(d.pos)
		}
		L.Insert(next, 2)
		cnt++
	}
	return cnt
}

// mpDecoder reads MessagePack objects from in, tracking the Lua stack slots
// the C decoder would hold (top).
type mpDecoder struct {
	L      *lua.LState
	in     string
	pos    int
	sparse int // nil slots decoded maps may still pad tables with
}

func (d *mpDecoder) missing() {
	mpError(d.L, "Missing bytes in input.")
}

// need returns the next n bytes without consuming them.
func (d *mpDecoder) need(n uint64) string {
	if uint64(len(d.in)-d.pos) < n {
		d.missing()
	}
	return d.in[d.pos : d.pos+int(n)]
}

// value decodes one object, the C decoder's stack being top slots high.
func (d *mpDecoder) value(top int) lua.LValue {
	if d.pos >= len(d.in) {
		d.missing()
	}
	mpCheckStack(d.L, top, 1, "too many return values at once; use unpack_one or unpack_limit instead.")
	c := d.in[d.pos]
	switch {
	case c <= 0x7f: // positive fixnum
		d.pos++
		return lua.LNumber(c)
	case c >= 0xe0: // negative fixnum
		d.pos++
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0: // fixstr
		d.pos++
		return d.str(uint64(c & 0x1f))
	case c&0xf0 == 0x90:
		d.pos++
		return d.array(top, uint64(c&0xf))
	case c&0xf0 == 0x80:
		d.pos++
		return d.hash(top, uint64(c&0xf))
	}
	switch c {
	case 0xc0:
		d.pos++
		return lua.LNil
	case 0xc2:
		d.pos++
		return lua.LFalse
	case 0xc3:
		d.pos++
		return lua.LTrue
	case 0xca:
		return lua.LNumber(math.Float32frombits(uint32(d.uint(4))))
	case 0xcb:
		return lua.LNumber(math.Float64frombits(d.uint(8)))
	case 0xcc:
		return lua.LNumber(d.uint(1))
	case 0xcd:
		return lua.LNumber(d.uint(2))
	case 0xce:
		return lua.LNumber(d.uint(4))
	case 0xcf: // pushed as a lua_Integer: above 2^63-1 wraps negative
		return lua.LNumber(int64(d.uint(8)))
	case 0xd0:
		return lua.LNumber(int8(d.uint(1)))
	case 0xd1:
		return lua.LNumber(int16(d.uint(2)))
	case 0xd2:
		return lua.LNumber(int32(d.uint(4)))
	case 0xd3:
		return lua.LNumber(int64(d.uint(8)))
	case 0xd9:
		return d.str(d.uint(1))
	case 0xda:
		return d.str(d.uint(2))
	case 0xdb:
		return d.str(d.uint(4))
	case 0xdc:
		return d.array(top, d.uint(2))
	case 0xdd:
		return d.array(top, d.uint(4))
	case 0xde:
		return d.hash(top, d.uint(2))
	case 0xdf:
		return d.hash(top, d.uint(4))
	}
	// bin, ext and 0xc1: lua-cmsgpack 0.4.0 knows none of them.
	mpError(d.L, "Bad data format in input.")
	return lua.LNil
}

// uint consumes a type byte and the n-byte big-endian number after it.
func (d *mpDecoder) uint(n int) uint64 {
	b := d.need(uint64(1 + n))
	var u uint64
	for i := 1; i <= n; i++ {
		u = u<<8 | uint64(b[i])
	}
	d.pos += 1 + n
	return u
}

// str consumes a string of n bytes. It shares the input's memory, as
// string.sub's results do.
func (d *mpDecoder) str(n uint64) lua.LValue {
	s := d.need(n)
	d.pos += len(s)
	return lua.LString(s)
}

// array decodes n elements. Nothing is allocated for elements before they
// are read, whatever n claims: each takes at least one input byte.
func (d *mpDecoder) array(top int, n uint64) lua.LValue {
	t := top + 1 // the new table
	mpCheckStack(d.L, t, 1, "in function mp_decode_to_lua_array")
	tb := d.L.CreateTable(int(min(n, 32)), 0)
	for i := uint64(1); i <= n; i++ {
		if v := d.value(t + 1); v != lua.LNil { // above the index
			tb.RawSetInt(int(i), v)
		}
	}
	return tb
}

// hash decodes n key-value pairs, assigning them in order as lua_settable
// does (a later duplicate key wins; a nil value deletes).
func (d *mpDecoder) hash(top int, n uint64) lua.LValue {
	t := top + 1
	// Size the string-keyed part only for maps whose first key is a
	// string, and no larger than the input can fill.
	hint := 0
	if d.pos < len(d.in) {
		if c := d.in[d.pos]; c&0xe0 == 0xa0 || c >= 0xd9 && c <= 0xdb {
			hint = int(min(n, uint64(len(d.in)-d.pos)/2, 32))
		}
	}
	tb := d.L.CreateTable(0, hint)
	alen := 0 // length of tb's array part
	for ; n > 0; n-- {
		k := d.value(t)
		v := d.value(t + 1)
		switch k := k.(type) {
		case *lua.LNilType:
			d.L.Error(lua.LString("table index is nil"), 0)
		case lua.LNumber:
			if k != k {
				d.L.Error(lua.LString("table index is NaN"), 0)
			}
			if v != lua.LNil && k >= 1 && k < lua.LNumber(lua.MaxArrayIndex) && k == lua.LNumber(math.Trunc(float64(k))) {
				if i := int(k); i > alen {
					if d.sparse -= i - alen - 1; d.sparse < 0 {
						d.L.RaiseError("not enough memory")
					}
					alen = i
				}
			}
		}
		if v != lua.LNil || tb.RawGet(k) != lua.LNil {
			tb.RawSet(k, v)
		}
	}
	return tb
}

// mpCheckString is luaL_checklstring: strings, and numbers as Lua 5.1
// prints them.
func mpCheckString(L *lua.LState, n int, fname string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return mpNumberString(float64(v))
	}
	typeError(L, n, fname, "string")
	return ""
}

// mpNumberString formats f as Lua 5.1's "%.14g".
func mpNumberString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f != f:
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// mpCheckInteger is luaL_checkinteger: a number or a numeric string,
// truncated to int64 as x86-64 does (NaN and values out of range become
// math.MinInt64).
func mpCheckInteger(L *lua.LState, n int, fname string) int64 {
	var f float64
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		f = float64(v)
	case lua.LString:
		var ok bool
		if f, ok = mpStringToNumber(string(v)); !ok {
			typeError(L, n, fname, "number")
		}
	default:
		typeError(L, n, fname, "number")
	}
	if f >= -0x1p63 && f < 0x1p63 {
		return int64(f)
	}
	return math.MinInt64
}

// mpStringToNumber converts s as Lua 5.1 does (luaO_str2d): C's strtod,
// which also reads hexadecimal, with spaces around.
func mpStringToNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	if s == "" || strings.ContainsRune(s, '_') { // Go's digit separators
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !strings.ContainsAny(s, "pP") {
		if u := strings.TrimLeft(s, "+-"); len(u) > 2 && u[0] == '0' && (u[1] == 'x' || u[1] == 'X') {
			f, err = strconv.ParseFloat(s+"p0", 64) // Go wants a binary exponent
		}
	}
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		err = nil // strtod's HUGE_VAL
	}
	return f, err == nil
}

// mpOptInteger is luaL_optinteger with 0 for nil or none.
func mpOptInteger(L *lua.LState, n int, fname string) int64 {
	if L.Get(n) == lua.LNil {
		return 0
	}
	return mpCheckInteger(L, n, fname)
}
