package scripting

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fnReply records what a function wrote, one token per reply element.
type fnReply struct{ out []string }

func (w *fnReply) Bulk(s string)        { w.out = append(w.out, "$"+s) }
func (w *fnReply) Int(n int64)          { w.out = append(w.out, fmt.Sprint(":", n)) }
func (w *fnReply) Status(s string)      { w.out = append(w.out, "+"+s) }
func (w *fnReply) Error(msg string)     { w.out = append(w.out, "-"+msg) }
func (w *fnReply) Null()                { w.out = append(w.out, "nil") }
func (w *fnReply) Array(n int)          { w.out = append(w.out, fmt.Sprint("*", n)) }
func (w *fnReply) Map(n int)            { w.out = append(w.out, fmt.Sprint("%", n)) }
func (w *fnReply) Set(n int)            { w.out = append(w.out, fmt.Sprint("~", n)) }
func (w *fnReply) Double(f float64)     { w.out = append(w.out, fmt.Sprint(",", f)) }
func (w *fnReply) Bool(b bool)          { w.out = append(w.out, fmt.Sprint("#", b)) }
func (w *fnReply) BigNumber(s string)   { w.out = append(w.out, "("+s) }
func (w *fnReply) Verbatim(f, s string) { w.out = append(w.out, "="+f+":"+s) }

// fnHost answers every redis.call with the command's name as a status.
type fnHost struct{ calls []string }

func (h *fnHost) Call(args [][]byte, resp int) []byte {
	h.calls = append(h.calls, string(args[0]))
	return []byte("+" + strings.ToUpper(string(args[0])) + "\r\n")
}
func (h *fnHost) SetRepl(int)                    {}
func (h *fnHost) Log(int, string)                {}
func (h *fnHost) ACLCheck([][]byte) (bool, bool) { return true, true }

// fcall runs a function and returns its reply tokens joined by spaces.
func fcall(e *Engine, name string, keys, args []string) string {
	var w fnReply
	e.FCall([]byte(name), toBytes(keys), toBytes(args), nil, &fnHost{}, &w)
	return strings.Join(w.out, " ")
}

func toBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func load(e *Engine, code string, replace bool) (string, string) {
	return e.FunctionLoad([]byte(code), replace, FunctionLoadTimeout, nil)
}

func TestParseLibraryMeta(t *testing.T) {
	for _, c := range []struct{ code, name, err string }{
		{"#!lua name=a\nx", "a", ""},
		{"#!LUA NAME=Ab_9\n", "Ab_9", ""},
		{"#!lua  \t name=a \r\nx", "a", ""},
		{"#!\"lua\" 'name=a'\n", "a", ""},
		{"#!lua \"name=\\x61b\"\n", "ab", ""},
		{"#!lua name=a'b'\n", "ab", ""},
		{"#!lua name='a'b\n", "", "ERR Invalid library metadata"},
		{"", "", "ERR Missing library metadata"},
		{"-- #!lua name=a\n", "", "ERR Missing library metadata"},
		{"#!lua name=a", "", "ERR Invalid library metadata"},
		{"#!lua name=a\x00\n", "", "ERR Invalid library metadata"},
		{"#!lua name='a\n", "", "ERR Invalid library metadata"},
		{"#!lua\n", "", "ERR Library name was not given"},
		{"#!lua name=a name=b\n", "", "ERR Invalid metadata value, name argument was given multiple times"},
		{"#!lua names=a\n", "", "ERR Invalid metadata value given: names=a"},
		{"#!lua name=\n", "", "ERR " + errInvalidName},
		{"#!lua name=a.b\n", "", "ERR " + errInvalidName},
		{"#!js name=a\n", "", "ERR Engine 'js' not found"},
		{"#! name=a\n", "", "ERR Engine '' not found"},
	} {
		name, body, err := parseLibraryMeta([]byte(c.code))
		if name != c.name || err != c.err {
			t.Errorf("%q: name %q err %q, want %q %q", c.code, name, err, c.name, c.err)
		}
		if err == "" && string(body) != c.code[strings.IndexByte(c.code, '\n'):] {
			t.Errorf("%q: body %q", c.code, body)
		}
	}
}

func TestFunctionLoadErrors(t *testing.T) {
	e := NewEngine()
	for _, c := range []struct{ body, err string }{
		{"return 1", "ERR No functions registered"},
		{"foo(", "ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"},
		{"local x = string", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'"},
		{"redis.call('ping')", "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'"},
		{"x = 1", "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table"},
		{"redis.log(1)", "ERR Error registering functions: ERR redis.log() requires two arguments or more."},
		{"redis.register_function()", "ERR Error registering functions: ERR wrong number of arguments to redis.register_function"},
		{"redis.register_function('f', 1)", "ERR Error registering functions: ERR second argument to redis.register_function must be a function"},
		{"redis.register_function('a b', function() end)", "ERR Error registering functions: ERR " + errInvalidName},
		{"redis.register_function('f', function() end) redis.register_function('f', function() end)", "ERR Error registering functions: ERR Function already exists in the library"},
		{"redis.register_function{function_name='f', callback=function() end, flags={'no-writes', 'nope'}}", "ERR Error registering functions: ERR unknown flag given"},
		{"redis.register_function{function_name='f'}", "ERR Error registering functions: ERR redis.register_function must get a callback argument"},
		{"redis.register_function{callback=function() end}", "ERR Error registering functions: ERR redis.register_function must get a function name argument"},
		{"redis.register_function{function_name='f', callback=function() end, x=1}", "ERR Error registering functions: ERR unknown argument given to redis.register_function"},
		{"redis.register_function{[{}]=1}", "ERR Error registering functions: ERR named argument key given to redis.register_function is not a string"},
	} {
		if name, err := load(e, "#!lua name=lib\n"+c.body, false); name != "" || err != c.err {
			t.Errorf("%q: %q %q, want %q", c.body, name, err, c.err)
		}
	}
	if n, fns := e.FunctionCounts(); n != 0 || fns != 0 {
		t.Fatalf("failed loads left %d libraries, %d functions", n, fns)
	}
}

func TestFunctionRegisterAndList(t *testing.T) {
	e := NewEngine()
	code := "#!lua name=lib\n" +
		"redis.register_function{function_name='b', callback=function() end, flags={'ALLOW-OOM', 'no-writes'}, description='desc'}\n" +
		"redis.register_function(7, function() end)\n" +
		"redis.register_function('a', function() end)"
	if name, err := load(e, code, false); name != "lib" || err != "" {
		t.Fatalf("load: %q %q", name, err)
	}
	libs := e.FunctionLibraries()
	if len(libs) != 1 || libs[0].Code != code || len(libs[0].Functions) != 3 {
		t.Fatalf("libraries: %+v", libs)
	}
	var got []string
	for _, f := range libs[0].Functions {
		got = append(got, fmt.Sprintf("%s/%q/%v/%v", f.Name, f.Description, f.HasDescription, f.Flags.Names()))
	}
	want := `7/""/false/[] a/""/false/[] b/"desc"/true/[no-writes allow-oom]`
	if strings.Join(got, " ") != want {
		t.Fatalf("functions %s, want %s", strings.Join(got, " "), want)
	}
	if f := e.LookupFunction([]byte("B")); f == nil || f.Name != "b" {
		t.Fatalf("lookup by another case: %+v", f)
	}
}

func TestFunctionCallAndState(t *testing.T) {
	e := NewEngine()
	load(e, "#!lua name=counter\nlocal n = 0\n"+
		"local function bump() n = n + 1 return n end\n"+
		"redis.register_function('inc', function(keys, args) return {bump(), keys[1], args[1], #keys + #args} end)\n"+
		"redis.register_function('call', function() return redis.call('get', 'x') end)\n"+
		"redis.register_function('boom', function() error('no') end)", false)
	if got := fcall(e, "inc", []string{"k"}, []string{"a", "b"}); got != "*4 :1 $k $a :3" {
		t.Fatalf("inc: %s", got)
	}
	if got := fcall(e, "INC", nil, nil); got != "*1 :2" { // the array ends at the first nil
		t.Fatalf("inc again (shared upvalue): %s", got)
	}
	if got := fcall(e, "call", nil, nil); got != "+GET" {
		t.Fatalf("call: %s", got)
	}
	if got := fcall(e, "boom", nil, nil); got != "-ERR user_function:6: no script: boom, on @user_function:6." {
		t.Fatalf("boom: %s", got)
	}
	if got := fcall(e, "nosuch", nil, nil); got != "-ERR Function not found" {
		t.Fatalf("nosuch: %s", got)
	}
	// A failed REPLACE keeps the library and its state; a good one starts
	// it over.
	if _, err := load(e, "#!lua name=counter\nreturn", true); err != "ERR No functions registered" {
		t.Fatalf("bad replace: %q", err)
	}
	if got := fcall(e, "inc", nil, nil); got != "*1 :3" {
		t.Fatalf("after a failed replace: %s", got)
	}
	load(e, "#!lua name=counter\nlocal n = 10\nredis.register_function('inc', function() n = n + 1 return n end)", true)
	if got := fcall(e, "inc", nil, nil); got != ":11" {
		t.Fatalf("after replace: %s", got)
	}
	if got := fcall(e, "call", nil, nil); got != "-ERR Function not found" {
		t.Fatalf("function of the replaced library: %s", got)
	}
	e.FunctionFlush()
	if got := fcall(e, "inc", nil, nil); got != "-ERR Function not found" {
		t.Fatalf("after flush: %s", got)
	}
}

func TestFunctionCollisions(t *testing.T) {
	e := NewEngine()
	load(e, "#!lua name=a\nredis.register_function('f', function() return 'a' end)", false)
	for _, c := range []struct {
		code    string
		replace bool
		err     string
	}{
		{"#!lua name=a\nredis.register_function('g', function() end)", false, "ERR Library 'a' already exists"},
		{"#!lua name=b\nredis.register_function('F', function() end)", false, "ERR Function F already exists"},
		{"#!lua name=a\nredis.register_function('f', function() return 'a2' end)", true, ""},
	} {
		if _, err := load(e, c.code, c.replace); err != c.err {
			t.Errorf("%q: %q, want %q", c.code, err, c.err)
		}
	}
	if got := fcall(e, "f", nil, nil); got != "$a2" {
		t.Fatalf("f: %s", got)
	}
	if !e.FunctionDelete([]byte("a")) || e.FunctionDelete([]byte("a")) {
		t.Fatal("delete")
	}
}

func TestFunctionRestoreCommit(t *testing.T) {
	e := NewEngine()
	load(e, "#!lua name=a\nredis.register_function('fa', function() return 'old' end)", false)
	load(e, "#!lua name=c\nredis.register_function('fc', function() end)", false)
	newA := "#!lua name=a\nredis.register_function('fa', function() return 'new' end)"
	newB := "#!lua name=b\nredis.register_function('fb', function() end)"
	restore := func(policy RestorePolicy, codes ...string) string {
		r := e.NewFunctionRestore()
		for _, c := range codes {
			if msg := r.Add([]byte(c)); msg != "" {
				return msg
			}
		}
		return r.Commit(policy)
	}
	if msg := restore(RestoreAppend, newB, newA); msg != "ERR Library a already exists" {
		t.Fatalf("append: %q", msg)
	}
	if msg := restore(RestoreAppend, newB, newB); msg != "ERR Library 'b' already exists" {
		t.Fatalf("twice in a payload: %q", msg)
	}
	if msg := restore(RestoreReplace, newA, "#!lua name=d\nredis.register_function('fc', function() end)"); msg != "ERR Function fc already exists" {
		t.Fatalf("collision: %q", msg)
	}
	if got := fcall(e, "fa", nil, nil); got != "$old" {
		t.Fatalf("failed restores changed fa: %s", got)
	}
	if msg := restore(RestoreReplace, newA, newB); msg != "" {
		t.Fatalf("replace: %q", msg)
	}
	if got := fcall(e, "fa", nil, nil); got != "$new" {
		t.Fatalf("fa after replace: %s", got)
	}
	if libs, fns := e.FunctionCounts(); libs != 3 || fns != 3 {
		t.Fatalf("counts %d %d", libs, fns)
	}
	if msg := restore(RestoreFlush, newB); msg != "" {
		t.Fatalf("flush: %q", msg)
	}
	if libs := e.FunctionLibraries(); len(libs) != 1 || libs[0].Name != "b" {
		t.Fatalf("after flush: %+v", libs)
	}
}

// A load that runs too long fails with Redis's error, and the engine
// rebuilds its state with the libraries loaded before.
func TestFunctionLoadTimeout(t *testing.T) {
	e := NewEngine()
	load(e, "#!lua name=keep\nlocal n = 0\nredis.register_function('k', function() n = n + 1 return n end)", false)
	fcall(e, "k", nil, nil)
	start := time.Now()
	_, err := e.FunctionLoad([]byte("#!lua name=loop\nwhile true do end"), false, 50*time.Millisecond, nil)
	if err != "ERR Error registering functions: ERR FUNCTION LOAD timeout" {
		t.Fatalf("loop: %q", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the timeout did not stop the load")
	}
	if got := fcall(e, "k", nil, nil); got != ":1" {
		t.Fatalf("after the rebuild: %s", got)
	}
	if libs, _ := e.FunctionCounts(); libs != 1 {
		t.Fatalf("%d libraries", libs)
	}
}

// FUNCTION KILL stops a running function with Redis's message; SCRIPT
// KILL does not.
func TestFunctionKill(t *testing.T) {
	e := NewEngine()
	load(e, "#!lua name=spin\nredis.register_function('spin', function() while true do end end)\n"+
		"redis.register_function('ok', function() return 'ok' end)", false)
	var wg sync.WaitGroup
	var got string
	wg.Add(1)
	go func() {
		defer wg.Done()
		got = fcall(e, "spin", nil, nil)
	}()
	for {
		if name, _, _, ok := e.RunningFunction(); ok {
			if name != "spin" {
				t.Errorf("running %q", name)
			}
			break
		}
		time.Sleep(time.Millisecond)
	}
	if res := e.Kill(false); res != KillWrongKind {
		t.Errorf("SCRIPT KILL: %v", res)
	}
	if res := e.Kill(true); res != KillDone {
		t.Errorf("FUNCTION KILL: %v", res)
	}
	wg.Wait()
	if got != "-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2." {
		t.Fatalf("killed: %s", got)
	}
	if got := fcall(e, "ok", nil, nil); got != "$ok" {
		t.Fatalf("after the kill: %s", got)
	}
	if e.Kill(true) != KillNotBusy {
		t.Fatal("nothing runs now")
	}
}
