package scripting

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// luaStrings makes the Lua strings of command replies and KEYS/ARGV in
// batches. A Lua string made the plain way costs two allocations: its
// bytes, and the string header Go boxes to put it in an LValue. A script
// reading ten keys made twenty, a fifth of its cost. Here short strings
// take their bytes from a shared chunk and their headers from a shared
// slab, so most strings allocate nothing; the chunk and the slab are
// replaced, never reused, when full, so a string lives as long as anything
// refers to it. (Lua itself does not allocate a string it already has: it
// interns them all.)
type luaStrings struct {
	bytes []byte         // unused room for string contents
	hdrs  []lua.LString  // unused string headers
	tab   unsafe.Pointer // the itab of LString as an LValue
}

// Batch sizes: a chunk serves many small strings; longer ones are made
// the plain way, so a chunk never wastes much.
const (
	stringChunk = 4096
	stringSlab  = 64
	stringShort = 256
)

// iface is the layout of an interface value with methods: the itab word,
// then the data pointer.
type iface struct {
	tab  unsafe.Pointer
	data unsafe.Pointer
}

func newLuaStrings() *luaStrings {
	var v lua.LValue = lua.LString("")
	return &luaStrings{tab: (*iface)(unsafe.Pointer(&v)).tab}
}

// value returns b as a Lua string. A nil luaStrings allocates plainly.
func (ls *luaStrings) value(b []byte) lua.LValue {
	if ls == nil || len(b) > stringShort || len(b) == 0 {
		return lua.LString(b)
	}
	if len(ls.bytes) < len(b) {
		ls.bytes = make([]byte, stringChunk)
	}
	copy(ls.bytes, b)
	s := unsafe.String(&ls.bytes[0], len(b))
	ls.bytes = ls.bytes[len(b):]
	return ls.box(lua.LString(s))
}

// box puts s in an LValue without an allocation of its own: the data word
// points at a header in the slab, as Go's own boxing would point at a
// header it allocated. A header is written once, before it is handed out.
func (ls *luaStrings) box(s lua.LString) lua.LValue {
	if len(ls.hdrs) == 0 {
		ls.hdrs = make([]lua.LString, stringSlab)
	}
	h := &ls.hdrs[0]
	*h = s
	ls.hdrs = ls.hdrs[1:]
	var v lua.LValue
	*(*iface)(unsafe.Pointer(&v)) = iface{tab: ls.tab, data: unsafe.Pointer(h)}
	return v
}
