package scripting

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The cjson module Redis 7.0 bundles: lua-cjson 2.1.0. This file holds the
// module table, its settings and the encoder; cjson_decode.go the decoder.

const (
	// cjsonMaxStack is Lua 5.1's LUAI_MAXCSTACK. lua-cjson guards each
	// nesting level with lua_checkstack, which fails once a C function's
	// stack would pass it, so deep nesting errors out there even when the
	// configured maximum depth is higher.
	cjsonMaxStack = 8000
	// cjsonMaxOutput bounds an encoding. Shared subtables can make the
	// output exponentially larger than the table (t={x,x}, u={t,t}, ...);
	// Redis would die of memory exhaustion, we fail the script instead.
	cjsonMaxOutput = 512 << 20
	// cjsonKeepBufferMax is the largest encode buffer kept for reuse.
	cjsonKeepBufferMax = 1 << 20
)

// cjsonConfig is one module table's settings (json_config_t).
type cjsonConfig struct {
	sparseConvert  int // 0 or 1
	sparseRatio    int
	sparseSafe     int
	encodeMaxDepth int
	decodeMaxDepth int
	encodeInvalid  int // 0 off, 1 on, 2 "null"
	precision      int
	keepBuffer     int // 0 or 1
	decodeInvalid  int // 0 or 1
	maxOutput      int
	buf            []byte
	null           *lua.LUserData
}

// openCJSON returns Redis's cjson module table. cjson.null is a userdata
// shared by every table cjson.new() derives from this one, as Redis's NULL
// lightuserdata is the same value everywhere.
func openCJSON(L *lua.LState) *lua.LTable {
	return newCJSONConfig(L.NewUserData()).module(L)
}

func newCJSONConfig(null *lua.LUserData) *cjsonConfig {
	return &cjsonConfig{
		sparseRatio:    2,
		sparseSafe:     10,
		encodeMaxDepth: 1000,
		decodeMaxDepth: 1000,
		precision:      14,
		keepBuffer:     1,
		decodeInvalid:  1,
		maxOutput:      cjsonMaxOutput,
		null:           null,
	}
}

// module returns a module table whose functions share the settings c.
func (c *cjsonConfig) module(L *lua.LState) *lua.LTable {
	mod := L.NewTable()
	for _, f := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{"encode", c.encode},
		{"decode", c.decode},
		{"encode_sparse_array", c.encodeSparseArray},
		{"encode_max_depth", c.encodeMaxDepthFn},
		{"decode_max_depth", c.decodeMaxDepthFn},
		{"encode_number_precision", c.encodeNumberPrecision},
		{"encode_keep_buffer", c.encodeKeepBuffer},
		{"encode_invalid_numbers", c.encodeInvalidNumbers},
		{"decode_invalid_numbers", c.decodeInvalidNumbers},
		{"new", func(L *lua.LState) int {
			L.Push(newCJSONConfig(c.null).module(L))
			return 1
		}},
	} {
		mod.RawSetString(f.name, L.NewFunction(f.fn))
	}
	mod.RawSetString("null", c.null)
	mod.RawSetString("_NAME", lua.LString("cjson"))
	mod.RawSetString("_VERSION", lua.LString("2.1.0"))
	return mod
}

// ===== Settings =====

// cjsonArgInit is json_arg_init: at most n arguments, padded with nils so
// that the results pushed after them do not read as arguments.
func cjsonArgInit(L *lua.LState, n int, fname string) {
	if L.GetTop() > n {
		argError(L, n+1, fname, "found too many arguments")
	}
	for L.GetTop() < n {
		L.Push(lua.LNil)
	}
}

// cjsonIntOption is json_integer_option. Its range error always names
// argument #1, whichever argument was wrong, as lua-cjson does.
func cjsonIntOption(L *lua.LState, idx int, fname string, setting *int, min, max int) {
	if v := L.Get(idx); v != lua.LNil {
		n := int(cjsonCheckInteger(L, idx, fname))
		if n < min || n > max {
			argError(L, 1, fname, "expected integer between "+strconv.Itoa(min)+" and "+strconv.Itoa(max))
		}
		*setting = n
	}
	L.Push(lua.LNumber(*setting))
}

var cjsonBoolOptions = []string{"off", "on"}

// cjsonEnumOption is json_enum_option with bool_true 1: a boolean or one of
// options; reports 0/1 as a boolean and higher settings by name.
func cjsonEnumOption(L *lua.LState, idx int, fname string, setting *int, options []string) {
	switch v := L.Get(idx).(type) {
	case *lua.LNilType:
	case lua.LBool:
		*setting = 0
		if v {
			*setting = 1
		}
	default:
		*setting = cjsonCheckOption(L, idx, fname, options)
	}
	if *setting <= 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
}

func (c *cjsonConfig) encodeSparseArray(L *lua.LState) int {
	const fname = "encode_sparse_array"
	cjsonArgInit(L, 3, fname)
	cjsonEnumOption(L, 1, fname, &c.sparseConvert, cjsonBoolOptions)
	cjsonIntOption(L, 2, fname, &c.sparseRatio, 0, math.MaxInt32)
	cjsonIntOption(L, 3, fname, &c.sparseSafe, 0, math.MaxInt32)
	return 3
}

func (c *cjsonConfig) encodeMaxDepthFn(L *lua.LState) int {
	cjsonArgInit(L, 1, "encode_max_depth")
	cjsonIntOption(L, 1, "encode_max_depth", &c.encodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func (c *cjsonConfig) decodeMaxDepthFn(L *lua.LState) int {
	cjsonArgInit(L, 1, "decode_max_depth")
	cjsonIntOption(L, 1, "decode_max_depth", &c.decodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func (c *cjsonConfig) encodeNumberPrecision(L *lua.LState) int {
	cjsonArgInit(L, 1, "encode_number_precision")
	cjsonIntOption(L, 1, "encode_number_precision", &c.precision, 1, 14)
	return 1
}

func (c *cjsonConfig) encodeKeepBuffer(L *lua.LState) int {
	cjsonArgInit(L, 1, "encode_keep_buffer")
	cjsonEnumOption(L, 1, "encode_keep_buffer", &c.keepBuffer, cjsonBoolOptions)
	if c.keepBuffer == 0 {
		c.buf = nil
	}
	return 1
}

func (c *cjsonConfig) encodeInvalidNumbers(L *lua.LState) int {
	cjsonArgInit(L, 1, "encode_invalid_numbers")
	cjsonEnumOption(L, 1, "encode_invalid_numbers", &c.encodeInvalid, []string{"off", "on", "null"})
	return 1
}

func (c *cjsonConfig) decodeInvalidNumbers(L *lua.LState) int {
	cjsonArgInit(L, 1, "decode_invalid_numbers")
	cjsonEnumOption(L, 1, "decode_invalid_numbers", &c.decodeInvalid, cjsonBoolOptions)
	return 1
}

// cjsonCheckInteger is Lua 5.1's luaL_checkinteger as lua-cjson stores it
// in an int: numeric strings count, the double is truncated to 64 bits the
// x86-64 way (out of range or NaN gives INT64_MIN) and then to 32.
func cjsonCheckInteger(L *lua.LState, idx int, fname string) int32 {
	var f float64
	switch v := L.Get(idx).(type) {
	case lua.LNumber:
		f = float64(v)
	case lua.LString:
		n, ok := cjsonStr2Number(string(v))
		if !ok {
			typeError(L, idx, fname, "number")
		}
		f = n
	default:
		typeError(L, idx, fname, "number")
	}
	i := int64(math.MinInt64)
	if f >= -(1<<63) && f < 1<<63 {
		i = int64(f)
	}
	return int32(i)
}

// cjsonCheckOption is luaL_checkoption without a default: the argument,
// read as a C string, must name one of options.
func cjsonCheckOption(L *lua.LState, idx int, fname string, options []string) int {
	var s string
	switch v := L.Get(idx).(type) {
	case lua.LString:
		s = string(v)
	case lua.LNumber:
		s = string(cjsonFormatNumber(nil, float64(v), 14))
	default:
		typeError(L, idx, fname, "string")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	for i, o := range options {
		if s == o {
			return i
		}
	}
	argError(L, idx, fname, "invalid option '"+s+"'")
	return 0
}

// cjsonFormatNumber appends f as C's "%.<prec>g" prints it (Go's 'g'
// matches it digit for digit; only the non-finite spellings differ).
func cjsonFormatNumber(buf []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(buf, "inf"...)
	case math.IsInf(f, -1):
		return append(buf, "-inf"...)
	case f != f:
		if math.Signbit(f) {
			return append(buf, "-nan"...)
		}
		return append(buf, "nan"...)
	}
	// Integers with at most prec digits print in full: the common case.
	if f == math.Trunc(f) && math.Abs(f) < cjsonPow10[prec] && (f != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(buf, int64(f), 10)
	}
	return strconv.AppendFloat(buf, f, 'g', prec, 64)
}

var cjsonPow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14}

// ===== Encoding =====

type cjsonEncoder struct {
	L   *lua.LState
	cfg *cjsonConfig
	buf []byte
}

func (c *cjsonConfig) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "encode", "expected 1 argument")
	}
	e := cjsonEncoder{L: L, cfg: c}
	if c.keepBuffer != 0 {
		e.buf = c.buf[:0]
	}
	e.value(L.Get(1), 0, 1)
	L.Push(lua.LString(e.buf))
	if c.keepBuffer != 0 && cap(e.buf) <= cjsonKeepBufferMax {
		c.buf = e.buf
	}
	return 1
}

func (e *cjsonEncoder) fail(typ lua.LValueType, reason string) {
	e.L.RaiseError("Cannot serialise %s: %s", typ.String(), reason)
}

// value appends v. depth counts the enclosing tables; height is how many
// Lua stack slots lua-cjson would be using with v on top.
func (e *cjsonEncoder) value(v lua.LValue, depth, height int) {
	if len(e.buf) > e.cfg.maxOutput {
		e.L.RaiseError("not enough memory")
	}
	switch v := v.(type) {
	case lua.LString:
		e.buf = cjsonAppendString(e.buf, string(v))
	case lua.LNumber:
		e.number(v)
	case lua.LBool:
		if v {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case *lua.LTable:
		depth++
		if depth > e.cfg.encodeMaxDepth || height+3 > cjsonMaxStack {
			e.L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(v); n > 0 {
			e.array(v, n, depth, height)
		} else {
			e.object(v, depth, height)
		}
	case *lua.LUserData:
		if v != e.cfg.null {
			e.fail(v.Type(), "type not supported")
		}
		e.buf = append(e.buf, "null"...)
	default:
		e.fail(v.Type(), "type not supported")
	}
}

func (e *cjsonEncoder) number(n lua.LNumber) {
	f := float64(n)
	if math.IsInf(f, 0) || f != f {
		switch e.cfg.encodeInvalid {
		case 0:
			e.fail(lua.LTNumber, "must not be NaN or Inf")
		case 1:
			if f != f {
				// lua-cjson spells NaN itself: printf may say "-nan".
				e.buf = append(e.buf, "nan"...)
				return
			}
		default:
			e.buf = append(e.buf, "null"...)
			return
		}
	}
	e.buf = cjsonFormatNumber(e.buf, f, e.cfg.precision)
}

// arrayLength is lua_array_length: the largest key if every key is an
// integer >= 1 (kept in a C int, so keys past INT_MAX read as INT_MIN),
// -1 for an object. Too sparse an array is an error or, when converting,
// an object.
func (e *cjsonEncoder) arrayLength(t *lua.LTable) int {
	var max, items int32
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		if !ok || n == 0 || math.Floor(float64(n)) != float64(n) || n < 1 {
			return -1
		}
		if float64(n) > float64(max) {
			max = math.MinInt32
			if n <= math.MaxInt32 {
				max = int32(n)
			}
		}
		items++
	}
	c := e.cfg
	if c.sparseRatio > 0 && max > items*int32(c.sparseRatio) && max > int32(c.sparseSafe) {
		if c.sparseConvert == 0 {
			e.fail(lua.LTTable, "excessively sparse array")
		}
		return -1
	}
	return int(max)
}

func (e *cjsonEncoder) array(t *lua.LTable, n, depth, height int) {
	e.buf = append(e.buf, '[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		var v lua.LValue
		if i < lua.MaxArrayIndex {
			v = t.RawGetInt(i)
		} else {
			v = t.RawGet(lua.LNumber(i))
		}
		e.value(v, depth, height+1)
	}
	e.buf = append(e.buf, ']')
}

func (e *cjsonEncoder) object(t *lua.LTable, depth, height int) {
	e.buf = append(e.buf, '{')
	first := true
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch k := k.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, '"')
			e.number(k)
			e.buf = append(e.buf, '"', ':')
		case lua.LString:
			e.buf = cjsonAppendString(e.buf, string(k))
			e.buf = append(e.buf, ':')
		default:
			e.fail(k.Type(), "table key must be a number or string")
		}
		e.value(v, depth, height+2)
	}
	e.buf = append(e.buf, '}')
}

const cjsonHex = "0123456789abcdef"

// cjsonAppendString appends s quoted. lua-cjson escapes control characters,
// DEL, '"', '\\' and also '/'; other bytes, valid UTF-8 or not, pass as is.
func cjsonAppendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '/' && c != 0x7f {
			continue
		}
		buf = append(buf, s[start:i]...)
		start = i + 1
		switch c {
		case '"', '\\', '/':
			buf = append(buf, '\\', c)
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\r':
			buf = append(buf, '\\', 'r')
		default:
			buf = append(buf, '\\', 'u', '0', '0', cjsonHex[c>>4], cjsonHex[c&15])
		}
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
