package scripting

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// cmsgpack is Redis's bundled lua-cmsgpack 0.4.0: MessagePack encoding of
// Lua values, byte for byte as Redis's C version.
//
// The C library runs into Lua 5.1's limit of LUAI_MAXCSTACK stack slots
// per C function (luaL_checkstack), and scripts can see where: how many
// values unpack returns, how deep a decoded object nests, how many
// arguments pack takes. The Go code builds values without the Lua stack,
// so it counts the slots the C code would hold and fails where it fails.

const (
	mpMaxNesting = 16   // LUACMSGPACK_MAX_NESTING: deeper tables pack as nil
	mpMaxStack   = 8000 // LUAI_MAXCSTACK

	// mpMaxPackLen bounds pack's output. A table that contains itself
	// packs to (entries)^16 bytes; Redis would run out of memory, Shoal
	// fails with Lua's memory error instead. 512MB is the largest string
	// Redis accepts anywhere (proto-max-bulk-len).
	mpMaxPackLen = 512 << 20
	// mpCheckEvery is how much output pack writes between looks at the
	// script's context, so a long pack can be killed.
	mpCheckEvery = 1 << 20
)

// openCMsgpack returns the cmsgpack module table.
func openCMsgpack(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 8)
	t.RawSetString("pack", L.NewFunction(mpPack))
	t.RawSetString("unpack", L.NewFunction(mpUnpack))
	t.RawSetString("unpack_one", L.NewFunction(mpUnpackOne))
	t.RawSetString("unpack_limit", L.NewFunction(mpUnpackLimit))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

// mpError raises luaL_error's message: prefixed with the caller's
// position when the caller is Lua code, bare when it is a Go function
// such as pcall (luaL_where finds no line there).
func mpError(L *lua.LState, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if dbg, ok := L.GetStack(1); ok {
		if fn, _ := L.GetInfo("f", dbg, nil); fn != nil {
			if f, ok := fn.(*lua.LFunction); ok && !f.IsG {
				L.RaiseError("%s", msg)
			}
		}
	}
	L.Error(lua.LString(msg), 0)
}

// mpCheckStack raises luaL_checkstack's error when the C code would hold
// more than mpMaxStack slots: top now, plus need more.
func mpCheckStack(L *lua.LState, top, need int, what string) {
	if top+need > mpMaxStack {
		mpError(L, "stack overflow (%s)", what)
	}
}

func mpPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		argError(L, 0, "pack", "MessagePack pack needs input.")
	}
	// lua_checkstack(L, nargs): room for one packed string per argument.
	if 2*n > mpMaxStack {
		argError(L, 0, "pack", "Too many arguments for MessagePack pack.")
	}
	e := mpEncoder{L: L, check: mpCheckEvery}
	e.out.Grow(64) // most packs are small: one allocation
	for i := 1; i <= n; i++ {
		// The C code keeps the arguments and the strings packed so far on
		// the stack, and pushes argument i to encode it.
		e.value(L.Get(i), 0, n+i)
	}
	L.Push(lua.LString(e.out.String()))
	return 1
}

type mpEncoder struct {
	L     *lua.LState
	out   strings.Builder
	check int // output length at which to check the limits again
	tmp   [9]byte
}

// value encodes v, which the C code would hold at stack slot top, nested
// in level tables.
func (e *mpEncoder) value(v lua.LValue, level, top int) {
	if e.out.Len() >= e.check {
		e.limits()
	}
	switch v := v.(type) {
	case lua.LString:
		e.str(string(v))
	case lua.LBool:
		if v {
			e.out.WriteByte(0xc3)
		} else {
			e.out.WriteByte(0xc2)
		}
	case lua.LNumber:
		e.number(float64(v))
	case *lua.LTable:
		if level == mpMaxNesting {
			e.out.WriteByte(0xc0)
		} else {
			e.table(v, level, top)
		}
	default: // nil, functions, coroutines, userdata
		e.out.WriteByte(0xc0)
	}
}

// limits stops a pack that outgrew mpMaxPackLen or whose script was
// stopped.
func (e *mpEncoder) limits() {
	if e.out.Len() > mpMaxPackLen {
		e.L.RaiseError("not enough memory")
	}
	if ctx := e.L.Context(); ctx != nil {
		select {
		case <-ctx.Done():
			e.L.RaiseError("%s", ctx.Err().Error())
		default:
		}
	}
	e.check = e.out.Len() + mpCheckEvery
}

func (e *mpEncoder) str(s string) {
	n := len(s)
	if n > mpMaxPackLen-e.out.Len() {
		e.L.RaiseError("not enough memory")
	}
	switch {
	case n < 32:
		e.out.WriteByte(0xa0 | byte(n))
	case n <= 0xff:
		e.head(0xd9, 1, uint64(n))
	case n <= 0xffff:
		e.head(0xda, 2, uint64(n))
	default:
		e.head(0xdb, 4, uint64(n))
	}
	e.out.WriteString(s)
}

// head writes a type byte followed by size bytes of n, big endian.
func (e *mpEncoder) head(typ byte, size int, n uint64) {
	e.tmp[0] = typ
	binary.BigEndian.PutUint64(e.tmp[1:], n<<(64-8*size))
	e.out.Write(e.tmp[:1+size])
}

// number packs integral doubles that fit int64 as the smallest integer
// encoding, others as a float when float32 holds them exactly, else as a
// double. -0 packs as 0, NaN as a double, infinities as floats.
func (e *mpEncoder) number(f float64) {
	if f >= -0x1p63 && f < 0x1p63 && f == math.Trunc(f) {
		e.int(int64(f))
		return
	}
	if f32 := float32(f); float64(f32) == f {
		e.head(0xca, 4, uint64(math.Float32bits(f32)))
	} else {
		e.head(0xcb, 8, math.Float64bits(f))
	}
}

func (e *mpEncoder) int(n int64) {
	u := uint64(n)
	switch {
	case n >= 0 && n <= 127, n < 0 && n >= -32: // positive and negative fixnums
		e.out.WriteByte(byte(n))
	case n > 0 && n <= math.MaxUint8:
		e.head(0xcc, 1, u)
	case n > 0 && n <= math.MaxUint16:
		e.head(0xcd, 2, u)
	case n > 0 && n <= math.MaxUint32:
		e.head(0xce, 4, u)
	case n > 0:
		e.head(0xcf, 8, u)
	case n >= math.MinInt8:
		e.head(0xd0, 1, u)
	case n >= math.MinInt16:
		e.head(0xd1, 2, u)
	case n >= math.MinInt32:
		e.head(0xd2, 4, u)
	default:
		e.head(0xd3, 8, u)
	}
}

// table packs t as an array when its keys are exactly 1..n, else as a map
// in the order next() visits its keys.
func (e *mpEncoder) table(t *lua.LTable, level, top int) {
	mpCheckStack(e.L, top, 2, "in function table_is_an_array")
	n, array := mpTableKeys(t)
	if array {
		mpCheckStack(e.L, top, 1, "in function mp_encode_lua_table_as_array")
		e.count(0x90, 0xdc, n)
		for i := 1; i <= n; i++ {
			v := t.RawGetInt(i)
			if v == lua.LNil { // beyond gopher-lua's array part
				v = t.RawGet(lua.LNumber(i))
			}
			e.value(v, level+1, top+1)
		}
		return
	}
	mpCheckStack(e.L, top, 3, "in function mp_encode_lua_table_as_map")
	e.count(0x80, 0xde, n)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		// The C code holds key, value and a copy of the key.
		e.value(k, level+1, top+3)
		e.value(v, level+1, top+2)
	}
}

// count writes an array or map header: fix, 16 or 32 bits (typ16+1).
func (e *mpEncoder) count(fix, typ16 byte, n int) {
	switch {
	case n <= 15:
		e.out.WriteByte(fix | byte(n))
	case n <= 0xffff:
		e.head(typ16, 2, uint64(n))
	default:
		e.head(typ16+1, 4, uint64(uint32(n)))
	}
}

// mpTableKeys counts t's keys and reports whether they are exactly 1..n
// (table_is_an_array: only number keys that are C ints >= 1, as many as
// the largest).
func mpTableKeys(t *lua.LTable) (count int, array bool) {
	largest := 0
	array = true
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		count++
		if !array {
			continue
		}
		n, ok := k.(lua.LNumber)
		if !ok || n < 1 || n > math.MaxInt32 || n != lua.LNumber(math.Trunc(float64(n))) {
			array = false
		} else if int(n) > largest {
			largest = int(n)
		}
	}
	return count, array && largest == count
}
