package scripting

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// ReplyWriter receives a script's result as RESP values; the server writes
// them in the calling client's protocol.
type ReplyWriter interface {
	Bulk(s string)
	Int(n int64)
	Status(s string)
	Error(msg string) // without the leading '-'
	Null()
	Array(n int)
	Map(n int)
	Set(n int)
	Double(f float64)
	Bool(b bool)
	BigNumber(s string)
	Verbatim(format, s string)
}

// respToLua converts a command's reply (RESP2 or RESP3, as the server
// wrote it for the script) to a Lua value by Redis's rules: integers to
// numbers, bulks to strings, null bulks and arrays to false (nil in
// RESP3), status to {ok=...}, errors to {err=...}, maps to {map={...}},
// sets to {set={k=true}}, doubles to {double=n}, big numbers to
// {big_number=s}, verbatim strings to {verbatim_string={format,string}}.
func respToLua(L *lua.LState, ls *luaStrings, b []byte) (lua.LValue, []byte) {
	if len(b) == 0 {
		return lua.LNil, b
	}
	kind := b[0]
	end := bytes.IndexByte(b, '\r')
	if end < 0 {
		return lua.LNil, nil
	}
	line := b[1:end]
	rest := b[end+2:]
	switch kind {
	case ':':
		n, _ := strconv.ParseInt(string(line), 10, 64)
		return lua.LNumber(n), rest
	case '$', '=':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return lua.LFalse, rest
		}
		s := rest[:n]
		rest = rest[n+2:]
		if kind == '=' {
			v := L.CreateTable(0, 2)
			v.RawSetString("format", ls.value(s[:3]))
			v.RawSetString("string", ls.value(s[4:]))
			return oneField(L, "verbatim_string", v), rest
		}
		return ls.value(s), rest
	case '+':
		return oneField(L, "ok", ls.value(line)), rest
	case '-':
		return errorTable(L, string(line)), rest
	case '*', '~', '%':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return lua.LFalse, rest
		}
		switch kind {
		case '*':
			t := L.CreateTable(n, 0)
			for i := 1; i <= n; i++ {
				var v lua.LValue
				v, rest = respToLua(L, ls, rest)
				t.RawSetInt(i, v)
			}
			return t, rest
		case '~':
			set := L.CreateTable(0, n)
			for i := 0; i < n; i++ {
				var v lua.LValue
				v, rest = respToLua(L, ls, rest)
				set.RawSet(v, lua.LTrue)
			}
			return oneField(L, "set", set), rest
		default:
			m := L.CreateTable(0, n)
			for i := 0; i < n; i++ {
				var k, v lua.LValue
				k, rest = respToLua(L, ls, rest)
				v, rest = respToLua(L, ls, rest)
				if k != lua.LNil {
					m.RawSet(k, v)
				}
			}
			return oneField(L, "map", m), rest
		}
	case '_':
		return lua.LNil, rest
	case '#':
		return lua.LBool(string(line) == "t"), rest
	case ',':
		f, _ := strconv.ParseFloat(string(line), 64)
		switch string(line) {
		case "inf":
			f = math.Inf(1)
		case "-inf":
			f = math.Inf(-1)
		}
		return oneField(L, "double", lua.LNumber(f)), rest
	case '(':
		return oneField(L, "big_number", ls.value(line)), rest
	}
	return lua.LNil, nil
}

// oneField is the table {name = v}, sized for its one field: a table
// grown from empty starts with room for 32 (gopher-lua's default), which
// made every status reply in a script cost a kilobyte.
func oneField(L *lua.LState, name string, v lua.LValue) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString(name, v)
	return t
}

// errorTable is Redis's Lua form of an error reply: {err="CODE message"},
// with ERR added when the text has no code of its own.
func errorTable(L *lua.LState, text string) *lua.LTable {
	code, msg, ok := strings.Cut(text, " ")
	if !ok {
		code, msg = "ERR", text
	}
	return oneField(L, "err", lua.LString(code+" "+strings.TrimRight(msg, "\r\n")))
}

// writeLua converts a script's result to RESP by Redis's rules. resp is
// the script's protocol (redis.setresp): under RESP2 a true is 1 and a
// false a null; under RESP3 they are booleans.
func writeLua(w ReplyWriter, v lua.LValue, resp int, depth int) {
	switch v := v.(type) {
	case lua.LString:
		w.Bulk(string(v))
	case lua.LBool:
		switch {
		case resp == 3:
			w.Bool(bool(v))
		case bool(v):
			w.Int(1)
		default:
			w.Null()
		}
	case lua.LNumber:
		w.Int(luaToInt64(float64(v)))
	case *lua.LTable:
		writeLuaTable(w, v, resp, depth)
	default:
		w.Null()
	}
}

// maxReplyDepth bounds nesting of a returned table (Lua's C stack would
// stop Redis at about this depth; a cyclic table must not loop forever).
const maxReplyDepth = 1000

func writeLuaTable(w ReplyWriter, t *lua.LTable, resp int, depth int) {
	if depth > maxReplyDepth {
		w.Error("ERR reached lua stack limit")
		return
	}
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		w.Error(string(e))
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		w.Status(strings.NewReplacer("\r", " ", "\n", " ").Replace(string(s)))
		return
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		w.Double(float64(d))
		return
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		w.BigNumber(strings.NewReplacer("\r", " ", "\n", " ").Replace(string(s)))
		return
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		f, ok1 := vt.RawGetString("format").(lua.LString)
		s, ok2 := vt.RawGetString("string").(lua.LString)
		if ok1 && ok2 {
			w.Verbatim(string(f), string(s))
			return
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		m.ForEach(func(_, _ lua.LValue) { n++ })
		w.Map(n)
		m.ForEach(func(k, v lua.LValue) {
			writeLua(w, k, resp, depth+1)
			writeLua(w, v, resp, depth+1)
		})
		return
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		s.ForEach(func(_, _ lua.LValue) { n++ })
		w.Set(n)
		s.ForEach(func(k, _ lua.LValue) { writeLua(w, k, resp, depth+1) })
		return
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	w.Array(n)
	for i := 1; i <= n; i++ {
		writeLua(w, t.RawGetInt(i), resp, depth+1)
	}
}

// luaToInt64 is C's (long long) cast of a double on x86-64: truncation,
// and the "integer indefinite" value for NaN and out-of-range numbers.
func luaToInt64(f float64) int64 {
	if f != f || f >= 1<<63 || f < -(1<<63) {
		return -1 << 63
	}
	return int64(f)
}

// luaArgs converts redis.call's arguments: strings as they are, numbers
// as "%.17g" (Redis does not use Lua's lossy "%.14g" here).
func luaArgs(L *lua.LState) ([][]byte, string) {
	args, _, msg := appendLuaArgs(L, nil, nil)
	return args, msg
}

// appendLuaArgs is luaArgs into reused buffers: argv for the slices and
// nums for the text of numbers. Strings are not copied: a Lua string
// never changes, and a command treats its arguments as read-only input,
// as it does a request buffer's.
func appendLuaArgs(L *lua.LState, argv [][]byte, nums []byte) ([][]byte, []byte, string) {
	n := L.GetTop()
	if n == 0 {
		return argv, nums, "Please specify at least one argument for this redis lib call"
	}
	argv = argv[:0]
	nums = nums[:0]
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			argv = append(argv, unsafe.Slice(unsafe.StringData(string(v)), len(v)))
		case lua.LNumber:
			f := float64(v)
			start := len(nums)
			if math.IsInf(f, 0) || f != f {
				nums = append(nums, numberText(f)...) // glibc's spelling
			} else {
				nums = strconv.AppendFloat(nums, f, 'g', 17, 64)
			}
			// An earlier number's slice stays valid when nums grows: it
			// keeps the array it was cut from, which append never rewrites.
			argv = append(argv, nums[start:len(nums):len(nums)])
		default:
			return argv, nums, "Lua redis lib command arguments must be strings or integers"
		}
	}
	return argv, nums, ""
}
