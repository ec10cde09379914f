package scripting

import (
	"reflect"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 names the variable behind a failed operation ("attempt to index
// local 't' (a nil value)"); gopher-lua's VM only says what failed. While
// an error handler runs the failing frame is still on the stack, so its
// instruction and registers tell which value it was and, by Lua 5.1's
// getobjname, what the script called it. gopher-lua does not export the
// frame or the registers: they are read by reflection (gopher-lua is
// pinned at v1.1.2, whose layout this follows; any surprise leaves the
// message as gopher-lua worded it).

// vmMessage rewords msg, raised by the VM in the Lua function at level.
func vmMessage(L *lua.LState, level int, msg string) (out string) {
	defer func() {
		if recover() != nil {
			out = msg
		}
	}()
	var verb string
	at := -1
	for _, w := range []struct{ marker, verb string }{
		{"attempt to index a non-table object", "index"},
		{"attempt to call a non-function object", "call"},
		{"cannot perform concat operation", "concatenate"},
		{"cannot perform", "perform arithmetic on"},
		{"__unm undefined", "perform arithmetic on"},
		{"__len undefined", "get length of"},
	} {
		if at = strings.Index(msg, w.marker); at >= 0 {
			verb = w.verb
			break
		}
	}
	if at < 0 {
		return msg
	}
	prefix := msg[:at] // the position
	dbg, ok := L.GetStack(level)
	if !ok {
		return msg
	}
	frame := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if frame.IsNil() {
		return msg
	}
	frame = frame.Elem()
	fn := (*lua.LFunction)(unsafe.Pointer(frame.FieldByName("Fn").Pointer()))
	if fn == nil || fn.IsG || fn.Proto == nil {
		return msg
	}
	pc := int(frame.FieldByName("Pc").Int()) - 1
	base := int(frame.FieldByName("LocalBase").Int())
	regs := reflect.ValueOf(L).Elem().FieldByName("reg").Elem().FieldByName("array")
	p := fn.Proto
	if pc < 0 || pc >= len(p.Code) {
		return msg
	}
	typeOf := func(r int) string { return luaTypeName(regs.Index(base + r)) }
	inst := p.Code[pc]
	op, a, b, c := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff

	// The operand at fault: a register (with a name, perhaps) or a constant.
	reg, typ := -1, ""
	rk := func(x int) (int, string) {
		if x&0x100 != 0 {
			return -1, p.Constants[x&0xff].Type().String()
		}
		return x, typeOf(x)
	}
	switch verb {
	case "index":
		switch op {
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
			reg = b
		case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			reg = a
		default:
			return msg
		}
		typ = typeOf(reg)
	case "call":
		if op != lua.OP_CALL && op != lua.OP_TAILCALL && op != lua.OP_TFORLOOP {
			return msg
		}
		reg, typ = a, typeOf(a)
	case "perform arithmetic on", "get length of":
		switch {
		case op >= lua.OP_ADD && op <= lua.OP_POW:
			// Lua names the first operand that is not a number.
			reg, typ = rk(b)
			if typ == "number" || typ == "string" && isNumeric(regs, base, reg, p, b) {
				reg, typ = rk(c)
			}
		case op == lua.OP_UNM || op == lua.OP_LEN:
			reg, typ = b, typeOf(b)
		default:
			return msg
		}
	case "concatenate":
		if op != lua.OP_CONCAT {
			return msg
		}
		// Lua concatenates from the right: the first pair that fails
		// names its left operand unless that one is a string or number.
		for i := c - 1; i >= b; i-- {
			l, r := typeOf(i), typeOf(i+1)
			if i < c-1 {
				r = "string" // what has been concatenated so far
			}
			if (l == "string" || l == "number") && (r == "string" || r == "number") {
				continue
			}
			reg = i
			if l == "string" || l == "number" {
				reg = i + 1
			}
			typ = typeOf(reg)
			break
		}
		if reg < 0 {
			return msg
		}
	}
	if reg >= 0 {
		if kind, name := objName(p, pc, reg); kind != "" {
			return prefix + "attempt to " + verb + " " + kind + " '" + name + "' (a " + typ + " value)"
		}
	}
	return prefix + "attempt to " + verb + " a " + typ + " value"
}

// isNumeric tells whether the operand RK(x) is a string that converts to
// a number (Lua's arithmetic accepts those).
func isNumeric(regs reflect.Value, base, reg int, p *lua.FunctionProto, x int) bool {
	var s string
	if reg < 0 {
		ks, ok := p.Constants[x&0xff].(lua.LString)
		if !ok {
			return false
		}
		s = string(ks)
	} else {
		s = regs.Index(base + reg).Elem().String()
	}
	_, ok := str2number(s)
	return ok
}

// Lua type names of gopher-lua's value types.
var luaTypeNames = map[reflect.Type]string{
	reflect.TypeOf(lua.LNil):              "nil",
	reflect.TypeOf(lua.LTrue):             "boolean",
	reflect.TypeOf(lua.LNumber(0)):        "number",
	reflect.TypeOf(lua.LString("")):       "string",
	reflect.TypeOf((*lua.LTable)(nil)):    "table",
	reflect.TypeOf((*lua.LFunction)(nil)): "function",
	reflect.TypeOf((*lua.LUserData)(nil)): "userdata",
	reflect.TypeOf((*lua.LState)(nil)):    "thread",
}

func luaTypeName(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	if name, ok := luaTypeNames[v.Elem().Type()]; ok {
		return name
	}
	return "userdata"
}

// objName is Lua 5.1's getobjname: what the script calls register reg at
// instruction pc ("local", "global", "field", "upvalue", "method").
func objName(p *lua.FunctionProto, pc, reg int) (string, string) {
	if name, ok := localName(p, reg, pc); ok {
		return "local", name
	}
	last := lastSetter(p, pc, reg)
	if last < 0 {
		return "", ""
	}
	inst := p.Code[last]
	op, a, b, c := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
	switch op {
	case lua.OP_GETGLOBAL:
		if s, ok := p.Constants[int(inst&0x3ffff)].(lua.LString); ok {
			return "global", string(s)
		}
	case lua.OP_MOVE, lua.OP_MOVEN:
		if b < a {
			return objName(p, pc, b)
		}
	case lua.OP_GETTABLE, lua.OP_GETTABLEKS:
		return "field", constName(p, c)
	case lua.OP_SELF:
		return "method", constName(p, c)
	case lua.OP_GETUPVAL:
		if b < len(p.DbgUpvalues) {
			return "upvalue", p.DbgUpvalues[b]
		}
		return "upvalue", "?"
	}
	return "", ""
}

func constName(p *lua.FunctionProto, x int) string {
	if x&0x100 != 0 {
		if s, ok := p.Constants[x&0xff].(lua.LString); ok {
			return string(s)
		}
	}
	return "?"
}

// lastSetter is the core of Lua 5.1's symbexec: the last instruction
// before lastpc that set register reg, following forward jumps.
func lastSetter(p *lua.FunctionProto, lastpc, reg int) int {
	last := -1
	for pc := 0; pc < lastpc; pc++ {
		inst := p.Code[pc]
		op, a, b := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff)
		switch op {
		case lua.OP_LOADNIL:
			if a <= reg && reg <= b {
				last = pc
			}
		case lua.OP_CALL, lua.OP_TAILCALL:
			if reg >= a {
				last = pc
			}
		case lua.OP_TFORLOOP:
			if reg >= a+2 {
				last = pc
			}
		case lua.OP_JMP:
			dest := pc + 1 + int(inst&0x3ffff) - 0x1ffff
			if pc < dest && dest <= lastpc {
				pc = dest - 1
			}
		case lua.OP_MOVE, lua.OP_MOVEN, lua.OP_LOADK, lua.OP_LOADBOOL, lua.OP_GETUPVAL,
			lua.OP_GETGLOBAL, lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_NEWTABLE,
			lua.OP_ADD, lua.OP_SUB, lua.OP_MUL, lua.OP_DIV, lua.OP_MOD, lua.OP_POW,
			lua.OP_UNM, lua.OP_NOT, lua.OP_LEN, lua.OP_CONCAT, lua.OP_TESTSET,
			lua.OP_FORLOOP, lua.OP_FORPREP, lua.OP_CLOSURE, lua.OP_VARARG:
			if a == reg {
				last = pc
			}
		case lua.OP_SELF:
			if a == reg || a+1 == reg {
				last = pc
			}
		}
	}
	return last
}

// localName is luaF_getlocalname: the local living in register reg at pc
// (gopher-lua's LocalName is off by one at a local's first instruction).
func localName(p *lua.FunctionProto, reg, pc int) (string, bool) {
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc < l.EndPc {
			if reg == 0 {
				return l.Name, true
			}
			reg--
		}
	}
	return "", false
}
