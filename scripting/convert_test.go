package scripting

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestRespToLuaValues checks the conversion rules on one reply of each kind.
func TestRespToLuaValues(t *testing.T) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	field := func(v lua.LValue, name string) lua.LValue {
		tb, ok := v.(*lua.LTable)
		if !ok {
			t.Fatalf("%v is not a table", v)
		}
		return tb.RawGetString(name)
	}
	for _, tc := range []struct {
		reply string
		check func(v lua.LValue) bool
	}{
		{":-42\r\n", func(v lua.LValue) bool { return v == lua.LNumber(-42) }},
		{"$3\r\nabc\r\n", func(v lua.LValue) bool { return v == lua.LString("abc") }},
		{"$-1\r\n", func(v lua.LValue) bool { return v == lua.LFalse }},
		{"+OK\r\n", func(v lua.LValue) bool { return field(v, "ok") == lua.LString("OK") }},
		{"-WRONGTYPE bad\r\n", func(v lua.LValue) bool { return field(v, "err") == lua.LString("WRONGTYPE bad") }},
		{",1.5\r\n", func(v lua.LValue) bool { return field(v, "double") == lua.LNumber(1.5) }},
		{"(123\r\n", func(v lua.LValue) bool { return field(v, "big_number") == lua.LString("123") }},
		{"#t\r\n", func(v lua.LValue) bool { return v == lua.LTrue }},
		{"*2\r\n:1\r\n$1\r\nx\r\n", func(v lua.LValue) bool {
			tb := v.(*lua.LTable)
			return tb.Len() == 2 && tb.RawGetInt(1) == lua.LNumber(1) && tb.RawGetInt(2) == lua.LString("x")
		}},
		{"%1\r\n$1\r\nk\r\n:7\r\n", func(v lua.LValue) bool {
			return field(v, "map").(*lua.LTable).RawGetString("k") == lua.LNumber(7)
		}},
		{"~1\r\n$1\r\nm\r\n", func(v lua.LValue) bool {
			return field(v, "set").(*lua.LTable).RawGetString("m") == lua.LTrue
		}},
	} {
		v, rest := respToLua(L, newLuaStrings(), []byte(tc.reply))
		if !tc.check(v) || len(rest) != 0 {
			t.Errorf("%q: got %v, rest %q", tc.reply, v, rest)
		}
	}
}

// TestRespToLuaCost guards the conversion's cost: an array reply is read
// in one pass (it once copied the rest of the reply at every element:
// quadratic, 9.6 MB for a 1,000-element LRANGE), and a status reply's
// table is sized for its one field (gopher-lua's default of 32 made it a
// kilobyte).
func TestRespToLuaCost(t *testing.T) {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	const n = 1000
	reply := []byte("*" + strconv.Itoa(n) + "\r\n")
	for i := 0; i < n; i++ {
		e := "element-" + strconv.Itoa(i)
		reply = append(reply, "$"+strconv.Itoa(len(e))+"\r\n"+e+"\r\n"...)
	}
	// Elements share their byte chunks and header slabs (luaStrings):
	// some 30 allocations in all, not two per element, plus the table.
	if a, bytes := allocated(10, func() { respToLua(L, newLuaStrings(), reply) }); a > n/10 || bytes > 64*n {
		t.Errorf("%d-element array: %.0f allocations, %.0f bytes per conversion", n, a, bytes)
	}
	if _, bytes := allocated(100, func() { respToLua(L, nil, []byte("+OK\r\n")) }); bytes > 1000 {
		t.Errorf("status reply: %.0f bytes per conversion (3.3 KB when unsized)", bytes)
	}
}

// allocated runs f runs times and returns the allocations and bytes per run.
func allocated(runs int, f func()) (allocs, bytes float64) {
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs), float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// TestArgTablesAcrossRuns: KEYS and ARGV are refilled between runs, keeping
// the strings that did not change; each run must see exactly its own.
func TestArgTablesAcrossRuns(t *testing.T) {
	e := NewEngine()
	s, msg := e.Load([]byte("return {#KEYS, #ARGV, table.concat(KEYS, ','), table.concat(ARGV, ',')}"))
	if s == nil {
		t.Fatal(msg)
	}
	edit, msg := e.Load([]byte("KEYS[1] = 'changed' return 1"))
	if edit == nil {
		t.Fatal(msg)
	}
	run := func(sc *Script, keys, args []string) string {
		var w fnReply
		e.Eval(sc, toBytes(keys), toBytes(args), &fnHost{}, &w)
		return strings.Join(w.out, " ")
	}
	for _, tc := range []struct {
		keys, args []string
		want       string
	}{
		{[]string{"a", "b", "c"}, []string{"1"}, "*4 :3 :1 $a,b,c $1"},
		{[]string{"a", "b", "c"}, []string{"1"}, "*4 :3 :1 $a,b,c $1"},
		{[]string{"a", "x", "c"}, []string{"2", "3"}, "*4 :3 :2 $a,x,c $2,3"},
		{[]string{"a"}, nil, "*4 :1 :0 $a $"},
		{[]string{"", "bb"}, []string{""}, "*4 :2 :1 $,bb $"},
		{[]string{"a", "b", "c"}, []string{"1"}, "*4 :3 :1 $a,b,c $1"},
	} {
		if got := run(s, tc.keys, tc.args); got != tc.want {
			t.Errorf("KEYS %q ARGV %q: got %s, want %s", tc.keys, tc.args, got, tc.want)
		}
	}
	// A script that changes KEYS does not reach the next run.
	run(edit, []string{"a"}, nil)
	if got := run(s, []string{"a"}, nil); got != "*4 :1 :0 $a $" {
		t.Errorf("after a script changed KEYS[1]: %s", got)
	}
}

// TestLuaStrings: strings made from shared chunks and slabs keep their
// contents through garbage collections and behave as any Lua string: equal
// to the same text made the plain way, usable as a table key.
func TestLuaStrings(t *testing.T) {
	ls := newLuaStrings()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	tbl := L.NewTable()
	const n = 5000
	text := func(i int) string {
		return strings.Repeat(strconv.Itoa(i), i%97) // unique, or empty; up to 384 bytes
	}
	vals := make([]lua.LValue, n)
	for i := range vals {
		b := []byte(text(i))
		vals[i] = ls.value(b)
		clear(b) // the Lua string must not share the caller's bytes
		tbl.RawSet(vals[i], lua.LNumber(i))
	}
	for range 3 {
		runtime.GC()
		_ = make([]byte, 1<<20)
	}
	for i, v := range vals {
		s, ok := v.(lua.LString)
		if !ok || string(s) != text(i) || v != lua.LValue(lua.LString(text(i))) {
			t.Fatalf("string %d: got %T %q", i, v, v)
		}
		if got := tbl.RawGet(lua.LString(text(i))); text(i) != "" && got != lua.LNumber(i) {
			t.Fatalf("string %d as a key: %v", i, got)
		}
	}
}
