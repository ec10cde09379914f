package scripting

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// respRecorder writes a script's result as RESP2-like text.
type respRecorder struct{ strings.Builder }

func (r *respRecorder) Bulk(s string)            { fmt.Fprintf(r, "$%s;", s) }
func (r *respRecorder) Int(n int64)              { fmt.Fprintf(r, ":%d;", n) }
func (r *respRecorder) Status(s string)          { fmt.Fprintf(r, "+%s;", s) }
func (r *respRecorder) Error(msg string)         { fmt.Fprintf(r, "-%s;", msg) }
func (r *respRecorder) Null()                    { r.WriteString("nil;") }
func (r *respRecorder) Array(n int)              { fmt.Fprintf(r, "*%d;", n) }
func (r *respRecorder) Map(n int)                { fmt.Fprintf(r, "%%%d;", n) }
func (r *respRecorder) Set(n int)                { fmt.Fprintf(r, "~%d;", n) }
func (r *respRecorder) Double(f float64)         { fmt.Fprintf(r, ",%v;", f) }
func (r *respRecorder) Bool(b bool)              { fmt.Fprintf(r, "#%v;", b) }
func (r *respRecorder) BigNumber(s string)       { fmt.Fprintf(r, "(%s;", s) }
func (r *respRecorder) Verbatim(f, s string)     { fmt.Fprintf(r, "=%s:%s;", f, s) }
func (h nopHost) Call([][]byte, int) []byte      { return []byte("+PONG\r\n") }
func (h nopHost) SetRepl(int)                    {}
func (h nopHost) Log(int, string)                {}
func (h nopHost) ACLCheck([][]byte) (bool, bool) { return true, true }

// nopHost answers every command with PONG.
type nopHost struct{}

// eval runs body on e and returns its recorded reply.
func eval(t *testing.T, e *Engine, body string) string {
	t.Helper()
	s, msg := e.Load([]byte(body))
	if msg != "" {
		return "-" + msg + ";"
	}
	var w respRecorder
	e.Eval(s, [][]byte{[]byte("k1")}, [][]byte{[]byte("a1")}, nopHost{}, &w)
	return w.String()
}

func TestNumberText(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1, "1"}, {-0.0, "0"}, {math.Copysign(0, -1), "-0"}, {0.1, "0.1"}, {1.0 / 3, "0.33333333333333"},
		{1e14, "1e+14"}, {1e13, "10000000000000"}, {99999999999999, "99999999999999"},
		{123456789012345, "1.2345678901234e+14"}, {2e15, "2e+15"}, {-1.5e-7, "-1.5e-07"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
		{math.Copysign(math.NaN(), -1), "-nan"}, {1e100, "1e+100"}, {2.5, "2.5"},
	} {
		if got := numberText(c.f); got != c.want {
			t.Errorf("numberText(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func TestStr2Number(t *testing.T) {
	for _, c := range []struct {
		s  string
		f  float64
		ok bool
	}{
		{"10", 10, true}, {" 10 ", 10, true}, {"0x10", 16, true}, {"0X1f", 31, true}, {"1e2", 100, true},
		{"010", 10, true}, {"-5", -5, true}, {".5", 0.5, true}, {"5.", 5, true}, {"\t7\n", 7, true},
		{"", 0, false}, {"abc", 0, false}, {"1e", 0, false}, {"0x", 0, false}, {"1_000", 0, false},
		{"0b101", 0, false}, {"0o17", 0, false}, {"1 2", 0, false},
	} {
		f, ok := str2number(c.s)
		if ok != c.ok || ok && f != c.f {
			t.Errorf("str2number(%q) = %v %v, want %v %v", c.s, f, ok, c.f, c.ok)
		}
	}
}

func TestLuaMessage(t *testing.T) {
	for in, want := range map[string]string{
		"user_script:1: cannot perform add operation between number and string":   "user_script:1: attempt to perform arithmetic on a string value",
		"user_script:1: cannot perform mul operation between table and number":    "user_script:1: attempt to perform arithmetic on a table value",
		"user_script:1: cannot perform concat operation between string and nil":   "user_script:1: attempt to concatenate a nil value",
		"user_script:1: cannot perform concat operation between table and string": "user_script:1: attempt to concatenate a table value",
		"user_script:2: attempt to index a non-table object(nil) with key 'x'":    "user_script:2: attempt to index a nil value",
		"user_script:1: attempt to compare table with table":                      "user_script:1: attempt to compare two table values",
		"user_script:1: attempt to compare number with nil":                       "user_script:1: attempt to compare number with nil",
		"user_script:1: bad argument #1 to select (index out of range)":           "user_script:1: bad argument #1 to 'select' (index out of range)",
		"user_script:1: for statement limit must be a number":                     "user_script:1: 'for' limit must be a number",
		"lua callstack overflow": "stack overflow",
		"user_script:1: plain":   "user_script:1: plain",
	} {
		if got := luaMessage(in); got != want {
			t.Errorf("luaMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSandboxEval(t *testing.T) {
	e := NewEngine()
	for _, c := range []struct{ body, want string }{
		{"return tostring(1/3)", "$0.33333333333333;"},
		{"return string.format('%5.2f|%d|%q', 3.14159, 42.9, 'a\\n')", "$ 3.14|42|\"a\\\n\";"},
		{"return string.format('%99999d', 1)", "-ERR user_script:1: invalid format (width or precision too long)"},
		{"return string.format('%s %s', 1)", "-ERR user_script:1: bad argument #3 to 'format' (no value)"},
		{"return {tonumber('1e2'), tonumber('z', 36), tonumber('010')}", "*3;:100;:35;:10;"},
		{"x = 1", "-ERR user_script:1: Attempt to modify a readonly table"},
		{"return y", "-ERR user_script:1: Script attempted to access nonexistent global variable 'y'"},
		{"local t = nil return t.x", "-ERR user_script:1: attempt to index local 't' (a nil value)"},
		{"return KEYS.a.b", "-ERR user_script:1: attempt to index field 'a' (a nil value)"},
		{"local s = 'a' return 1 + s", "-ERR user_script:1: attempt to perform arithmetic on local 's' (a string value)"},
		{"local a return 'x' .. a", "-ERR user_script:1: attempt to concatenate local 'a' (a nil value)"},
		{"local v return #v", "-ERR user_script:1: attempt to get length of local 'v' (a nil value)"},
		{"return redis.nope()", "-ERR user_script:1: attempt to call field 'nope' (a nil value)"},
		{"local ok, e = pcall(function() local up; return function() return up.x end end) return select(2, pcall(e))", "$user_script:1: attempt to index upvalue 'up' (a nil value);"},
		{"error(42)", "-ERR user_script:1: 42"},
		{"local ok, e = pcall(error, 'x') return e", "$x;"},
		{"return {pcall(1)}", "*2;nil;$attempt to call a number value;"},
		{"return coroutine.yield()", "-ERR attempt to yield across metamethod/C-call boundary"},
		{"return coroutine.wrap(function() pcall(coroutine.yield, 1) end)()", "nil;"},
		{"return {string.gsub('hello world', '(o)(.)', '%2%1')}", "*2;$hell owrold;:2;"},
		{"return {string.byte('ABC')}", "*1;:65;"},
		{"return table.concat({1, 2.5, 1/3}, ',')", "$1,2.5,0.33333333333333;"},
		{"return getmetatable('').__index == string", ":1;"},
		{"getmetatable('').__index.upper = nil", "-ERR user_script:1: Attempt to modify a readonly table"},
		{"return #string.gsub(string.rep('x', 1e5), 'x', 'yy')", ":200000;"},
		{"return select('#', unpack({}, 1, 2^31))", ":0;"},
	} {
		if got := eval(t, e, c.body); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.body, got, c.want)
		}
	}
}

// Runs on one pooled state must not see each other's changes, and a
// script that made coroutines must leave a state that runs the next one.
func TestSandboxIsolation(t *testing.T) {
	e := NewEngine()
	canary := "local n = 0 for k in pairs(_G) do n = n + 1 end return {n, ('x'):upper(), type(string.upper)}"
	want := eval(t, e, canary)
	for i := 0; i < 50; i++ {
		for _, s := range []string{
			"rawset(_G, 'x', 1)",
			"getmetatable('').__index = {}",
			"string.upper = nil",
			"local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co)",
			"local co = coroutine.wrap(function() error('x') end) co()",
			"for i = 1, 3 do coroutine.wrap(function() while true do coroutine.yield() end end)() end",
		} {
			eval(t, e, s)
			if got := eval(t, e, canary); got != want {
				t.Fatalf("after %q: %q, want %q", s, got, want)
			}
		}
	}
}

// A state's context must always report why it is done: context.WithCancel
// children (coroutines) read Err once Done closes, and a nil Err panics.
func TestRunContextChildren(t *testing.T) {
	c := newRunContext()
	for i := 0; i < 100; i++ {
		child, cancel := context.WithCancel(c)
		if i%2 == 0 {
			c.renew(true)
		} else {
			c.stop(errKilled)
			c.renew(false)
		}
		<-child.Done()
		if child.Err() == nil {
			t.Fatal("child context not cancelled")
		}
		cancel()
		if c.Err() != nil {
			t.Fatalf("renewed context reports %v", c.Err())
		}
	}
	child, cancel := context.WithCancel(c)
	cancel() // unregisters from the parent
	if len(c.afters) != 0 {
		t.Fatalf("%d callbacks left after the child was cancelled", len(c.afters))
	}
	_ = child
}

func TestStringRepAndConcatBounds(t *testing.T) {
	e := NewEngine()
	e.MemoryLimit = 1 << 20
	for _, c := range []struct{ body, want string }{
		{"return #string.rep('x', 2^40)", ":0;"},
		{"return #string.rep('x', 2^21)", "-ERR user_script:1: not enough memory"},
		{"return #string.rep('x', 2^19)", ":524288;"},
		{"return #table.concat({'a', 'b'}, string.rep('x', 2^20))", "-ERR user_script:1: not enough memory"},
		{"local s = string.rep('x', 2^11) return #string.gsub(s, 'x', s)", "-ERR user_script:1: not enough memory"},
		{"local s = string.rep('x', 2^11) return #string.gsub(s, 'x', {x = s})", "-ERR user_script:1: not enough memory"},
		{"local s = string.rep('x', 2^10) return #string.gsub(s, 'x', '%0%0')", ":2048;"},
	} {
		if got := eval(t, e, c.body); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.body, got, c.want)
		}
	}
}

func TestUnclosedBlocks(t *testing.T) {
	for body, want := range map[string]string{
		"local function f()\nreturn 1":        "function@1",
		"if x then\n while y do\n":            "while@2",
		"for i = 1, 2 do\n":                   "for@1",
		"repeat\n":                            "repeat@1",
		"local t = {1,\n2":                    "{@1",
		"f(1":                                 "(@1",
		"local s = [==[ do ]] ]==] if s then": "if@1",
		"-- function\nlocal s = 'end' do":     "do@2",
		"--[[ if\n]] return 1":                "@0",
		"f(function() end)":                   "@0",
	} {
		kind, line := unclosed([]byte(body))
		if got := fmt.Sprintf("%s@%d", kind, line); got != want {
			t.Errorf("unclosed(%q) = %s, want %s", body, got, want)
		}
	}
}

// protectedRun makes the error table when the error is raised, also on a
// full call stack, where an error handler cannot run.
func TestProtectedRun(t *testing.T) {
	e := NewEngine()
	st := newState(e)
	defer st.L.Close()
	for body, want := range map[string]string{
		"local function f() return 1 + f() end return f()": "ERR user_script:1: stack overflow @user_script 1",
		"local t\nreturn t.x":                              "ERR user_script:2: attempt to index local 't' (a nil value) @user_script 2",
		"redis.call('x')":                                  "ERR redis.call/pcall can only be called inside a script invocation @user_script 1",
		"error({err = 'MY code'})":                         "MY code @user_script 1",
		"error({})":                                        "ERR unknown error @user_script 1",
		"return 1":                                         "ok 1",
	} {
		proto, msg := compileChunk([]byte(body), "user_script")
		if msg != "" {
			t.Fatal(msg)
		}
		fn := st.L.NewFunctionFromProto(proto)
		fn.Env = st.env
		st.L.Push(fn)
		var got string
		if err := st.protectedRun(0, 1); err != nil {
			tab, ok := err.(*lua.ApiError).Object.(*lua.LTable)
			if !ok {
				t.Fatalf("%q: error object %v", body, err)
			}
			got = fmt.Sprintf("%s %s %s", tab.RawGetString("err"), tab.RawGetString("source"), tab.RawGetString("line"))
		} else {
			got = "ok " + st.L.Get(-1).String()
		}
		st.L.SetTop(0)
		if got != want {
			t.Errorf("%q: %q, want %q", body, got, want)
		}
	}
}
