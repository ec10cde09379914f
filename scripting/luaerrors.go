package scripting

import (
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Protected calls and errors: pcall, xpcall, coroutine wrap/yield, and
// gopher-lua's messages reworded as Lua 5.1 and Redis word them.

// luaPcall is pcall as Redis 7 defines it: an error raised as a table
// with an err field (redis.call's) is returned as that message, so
// scripts written for older Redis versions keep working.
func (st *State) pcall(L *lua.LState) int {
	if L.GetTop() == 0 {
		L.Push(lua.LTrue) // Redis's pcall calls the status slot then
	}
	if msg, ok := notCallable(L, L.Get(1)); ok {
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(lua.LString(msg))
		return 2
	}
	nargs := L.GetTop() - 1
	L.Insert(lua.LTrue, 1)
	if err := st.protected(L, nargs, lua.MultRet); err != nil {
		L.SetTop(0)
		L.Push(lua.LFalse)
		obj := errorObject(L, err)
		if t, ok := obj.(*lua.LTable); ok {
			if msg, ok := t.RawGetString("err").(lua.LString); ok {
				obj = msg
			}
		}
		L.Push(obj)
		return 2
	}
	return L.GetTop()
}

// luaXpcall is Lua 5.1's xpcall: the handler gets the error (in Lua 5.1's
// words) and its result is the second value returned.
func (st *State) xpcall(L *lua.LState) int {
	if L.GetTop() < 2 {
		argError(L, 2, "xpcall", "value expected")
	}
	L.SetTop(2)
	fn, handler := L.Get(1), L.Get(2)
	var err error
	if msg, ok := notCallable(L, fn); ok {
		err = &lua.ApiError{Type: lua.ApiErrorRun, Object: lua.LString(msg)}
	} else {
		L.SetTop(0)
		L.Push(fn)
		err = st.protected(L, 0, lua.MultRet)
	}
	if err == nil {
		L.Insert(lua.LTrue, 1)
		return L.GetTop()
	}
	L.SetTop(0)
	L.Push(lua.LFalse)
	L.Push(handler)
	L.Push(errorObject(L, err))
	if L.PCall(1, 1, nil) != nil {
		L.SetTop(1)
		L.Push(lua.LString("error in error handling"))
	}
	return 2
}

// protected is L.PCall with the thread's count of protected calls kept
// (coroutine.yield refuses to cross one, as Lua 5.1 cannot).
func (st *State) protected(L *lua.LState, nargs, nret int) error {
	st.pcalls[L]++
	defer func() {
		if st.pcalls[L]--; st.pcalls[L] == 0 {
			delete(st.pcalls, L)
		}
	}()
	L.Insert(st.enterFn, L.GetTop()-nargs)
	return L.PCall(nargs+1, nret, nil)
}

// enter runs a protected call's function with raise as the state's panic
// function: errors are reworded while the failing frame can still be
// seen, and carry a placeholder traceback. gopher-lua builds a traceback
// for an error without one by walking the call stack once per level,
// which after a stack overflow takes seconds; an error handler would not
// help, as none can run on a full call stack.
func (st *State) enter(L *lua.LState) int {
	L.Panic = st.raiseFn
	L.Call(L.GetTop()-1, lua.MultRet)
	return L.GetTop()
}

func (st *State) raise(L *lua.LState) {
	obj := L.Get(-1)
	if s, ok := obj.(lua.LString); ok {
		obj = lua.LString(luaMessage(vmMessage(L, 0, string(s))))
	}
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: obj, StackTrace: "(no traceback)"})
}

// yield is coroutine.yield, refused where Lua 5.1 cannot yield: outside a
// coroutine or across a protected call.
func (st *State) yield(orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if L == st.L || st.pcalls[L] > 0 {
			L.Push(lua.LString("attempt to yield across metamethod/C-call boundary"))
			L.Error(L.Get(-1), 0)
		}
		return orig.GFunction(L)
	}
}

// wrap is Lua 5.1's coroutine.wrap: the function resumes the coroutine
// and raises its error, a message getting the caller's position.
func (st *State) wrap(create, resume *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		L.Push(create)
		L.Push(L.CheckFunction(1))
		L.Call(1, 1)
		th := L.Get(-1)
		L.Push(L.NewFunction(func(L *lua.LState) int {
			n := L.GetTop()
			L.Push(resume)
			L.Push(th)
			for i := 1; i <= n; i++ {
				L.Push(L.Get(i))
			}
			L.Call(n+1, lua.MultRet)
			if L.Get(n+1) == lua.LFalse {
				e := L.Get(n + 2)
				if s, ok := luaText(e); ok {
					e = lua.LString(st.where(L, 1) + s)
				}
				L.Error(e, 0)
			}
			return L.GetTop() - n - 1
		}))
		return 1
	}
}

// notCallable returns Lua's error for calling v when v is not a function
// and has no __call.
func notCallable(L *lua.LState, v lua.LValue) (string, bool) {
	if v.Type() == lua.LTFunction || L.GetMetaField(v, "__call").Type() == lua.LTFunction {
		return "", false
	}
	return "attempt to call a " + v.Type().String() + " value", true
}

// errorObject is the value a protected call failed with, messages in Lua
// 5.1's words.
func errorObject(L *lua.LState, err error) lua.LValue {
	ae, ok := err.(*lua.ApiError)
	if !ok {
		return lua.LString(luaMessage(err.Error()))
	}
	if s, ok := ae.Object.(lua.LString); ok {
		return lua.LString(luaMessage(string(s)))
	}
	return ae.Object
}

// gopher-lua's words for runtime errors, and Lua 5.1's.
var (
	reArith   = regexp.MustCompile(`cannot perform (\w+) operation between (\w+) and (\w+)`)
	reIndex   = regexp.MustCompile(`attempt to index a non-table object\((\w+)\) with key '(?s:.*)'$`)
	reCompare = regexp.MustCompile(`attempt to compare (\w+) with (\w+)$`)
	reBadArg  = regexp.MustCompile(`bad argument #(\d+) to ([\w.:]+|\(anonymous\)) \(`)
)

// vmWords are gopher-lua's fixed messages with different Lua 5.1 words.
var vmWords = strings.NewReplacer(
	"for statement init must be a number", "'for' initial value must be a number",
	"for statement limit must be a number", "'for' limit must be a number",
	"for statement step must be a number", "'for' step must be a number",
	"too many recursions in gettable", "loop in gettable",
	"too many recursions in settable", "loop in settable",
)

// luaMessage rewords a gopher-lua error message as Lua 5.1 words it
// (without variable names, which gopher-lua does not track).
func luaMessage(s string) string {
	if strings.Contains(s, "for statement") || strings.Contains(s, "too many recursions") {
		return vmWords.Replace(s)
	}
	if !strings.Contains(s, "attempt") && !strings.Contains(s, "cannot perform") &&
		!strings.Contains(s, "bad argument") && !strings.Contains(s, "overflow") {
		return s
	}
	if m := reArith.FindStringSubmatchIndex(s); m != nil {
		op, a, b := s[m[2]:m[3]], s[m[4]:m[5]], s[m[6]:m[7]]
		var msg string
		if op == "concat" {
			// Lua names the first operand that is neither string nor number.
			bad := a
			if a == "string" || a == "number" {
				bad = b
			}
			msg = "attempt to concatenate a " + bad + " value"
		} else {
			// ... and for arithmetic the first that is not a number (a
			// string beside a number cannot have been numeric).
			bad := a
			if a == "number" {
				bad = b
			}
			msg = "attempt to perform arithmetic on a " + bad + " value"
		}
		return s[:m[0]] + msg + s[m[1]:]
	}
	if m := reIndex.FindStringSubmatchIndex(s); m != nil {
		return s[:m[0]] + "attempt to index a " + s[m[2]:m[3]] + " value"
	}
	if m := reCompare.FindStringSubmatchIndex(s); m != nil {
		a, b := s[m[2]:m[3]], s[m[4]:m[5]]
		if a == b {
			return s[:m[0]] + "attempt to compare two " + a + " values"
		}
		return s
	}
	if s == "lua callstack overflow" {
		return "stack overflow"
	}
	return reBadArg.ReplaceAllStringFunc(s, func(m string) string {
		sub := reBadArg.FindStringSubmatch(m)
		name := sub[2]
		if name == "(anonymous)" {
			name = "?"
		}
		return "bad argument #" + sub[1] + " to '" + name + "' ("
	})
}

// errorHandler is what Redis's __redis__err__handler does: the error
// becomes a table {err=..., source=..., line=...} naming where it was
// raised, skipping a Go (C) function that raised it.
func (st *State) errorHandler(L *lua.LState) int {
	L.Push(st.errorTable(L, L.Get(1), 1))
	return 1
}

// errorTable is errorHandler's table for errv, the failing frame being at
// stack level and below.
func (st *State) errorTable(L *lua.LState, errv lua.LValue, level int) *lua.LTable {
	t, ok := errv.(*lua.LTable)
	if !ok {
		t = L.NewTable()
		msg := "nil"
		switch v := errv.(type) {
		case lua.LString:
			msg = luaMessage(vmMessage(L, level, string(v)))
		case lua.LNumber:
			msg = numberText(float64(v))
		default:
			if errv != lua.LNil {
				msg = errv.String()
			}
		}
		t.RawSetString("err", lua.LString("ERR "+msg))
	} else if _, ok := t.RawGetString("err").(lua.LString); !ok {
		// Redis 7.0.15 crashes here; a reply that says so is better.
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR unknown error"))
	}
	if src, line, ok := st.errorPosition(L, level); ok {
		t.RawSetString("source", lua.LString(src))
		t.RawSetString("line", lua.LNumber(line))
	}
	return t
}

// errorPosition finds the Lua function that raised the error being
// handled: the first Lua frame from stack level down.
func (st *State) errorPosition(L *lua.LState, from int) (string, int, bool) {
	for level := from; level < from+3; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return "", 0, false
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return "", 0, false
		}
		if dbg.What == "G" {
			continue
		}
		if raw, ok := st.sources[dbg.Source]; ok {
			return raw, dbg.CurrentLine, true
		}
		return "@" + dbg.Source, dbg.CurrentLine, true
	}
	return "", 0, false
}

// protectedRun is the call a run should make instead of
// L.PCall(nargs, nret, errFn): the same error table (errorHandler's), but
// made when the error is raised, so it works on a full call stack too (a
// handler cannot run there: Redis's "user_script:1: stack overflow" came
// out as "Error running script ...") and gopher-lua builds no traceback
// (quadratic in the depth: seconds after a stack overflow).
func (st *State) protectedRun(nargs, nret int) error {
	L := st.L
	L.Insert(st.enterTopFn, L.GetTop()-nargs)
	return L.PCall(nargs+1, nret, nil)
}

func (st *State) enterTop(L *lua.LState) int {
	L.Panic = st.raiseTopFn
	L.Call(L.GetTop()-1, lua.MultRet)
	return L.GetTop()
}

// raiseTop is a run's panic function (enterTop): the error as Redis's
// error table.
func (st *State) raiseTop(L *lua.LState) {
	t := st.errorTable(L, L.Get(-1), 0)
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: t, StackTrace: "(no traceback)"})
}
