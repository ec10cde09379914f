package scripting

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// State is one sandboxed Lua state and the functions compiled into it.
type State struct {
	L   *lua.LState
	eng *Engine
	// globals is the real global table; env is the empty read-only proxy
	// scripts see as _G. Every script function runs with env, so a
	// script can neither add globals nor change the libraries (Redis 7's
	// read-only tables).
	globals *lua.LTable
	env     *lua.LTable
	// readonly marks the proxies (and protected metatables) that rawset,
	// setmetatable and the table library must refuse to change.
	readonly map[*lua.LTable]*lua.LTable // proxy -> the table it fronts
	fns      map[*lua.FunctionProto]*lua.LFunction
	errFn    *lua.LFunction
	nextFn   *lua.LFunction
	threads  bool // a coroutine was made in this run (renew the context)
	ctx      *runContext
	run      *Run // the run in progress, nil between runs
}

// Lua's limits, as Redis's Lua has them: LUAI_MAXCALLS nested calls and
// LUAI_MAXCSTACK values a C function may push (unpack's limit).
const (
	maxCalls  = 20000
	maxCStack = 8000
)

func newState(e *Engine) *State {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       maxCalls,
		MinimizeStackMemory: true,
		RegistrySize:        1024,
		RegistryMaxSize:     maxCStack * 16,
	})
	st := &State{L: L, eng: e, readonly: make(map[*lua.LTable]*lua.LTable), fns: make(map[*lua.FunctionProto]*lua.LFunction)}
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	st.build()
	st.ctx = newRunContext()
	L.SetContext(st.ctx)
	return st
}

// baseNames are the globals Redis 7.0 scripts see (besides the libraries,
// redis, KEYS and ARGV).
var baseNames = []string{
	"assert", "collectgarbage", "error", "gcinfo", "getmetatable", "ipairs",
	"load", "loadstring", "next", "pairs", "pcall", "rawequal", "rawget",
	"rawset", "select", "setmetatable", "tonumber", "tostring", "type",
	"unpack", "xpcall", "_VERSION",
}

// build assembles the sandbox: a fresh global table with only what Redis
// exposes, Redis's replacements and additions, and read-only proxies.
func (st *State) build() {
	L := st.L
	orig := L.G.Global
	g := L.NewTable()
	for _, name := range baseNames {
		g.RawSetString(name, orig.RawGetString(name))
	}
	st.globals = g

	// Libraries, completed to Lua 5.1's and Redis's function lists.
	str := orig.RawGetString("string").(*lua.LTable)
	str.RawSetString("gfind", str.RawGetString("gmatch"))
	str.RawSetString("rep", L.NewFunction(st.strRep))
	str.RawSetString("dump", L.NewFunction(strDump))
	tab := orig.RawGetString("table").(*lua.LTable)
	st.patchTable(tab)
	mth := orig.RawGetString("math").(*lua.LTable)
	mth.RawSetString("random", L.NewFunction(st.mathRandom))
	mth.RawSetString("randomseed", L.NewFunction(st.mathRandomSeed))
	co := orig.RawGetString("coroutine").(*lua.LTable)
	for _, name := range []string{"create", "wrap"} {
		orig := co.RawGetString(name).(*lua.LFunction)
		co.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			st.threads = true
			return orig.GFunction(L)
		}))
	}

	g.RawSetString("gcinfo", L.NewFunction(gcinfo))
	g.RawSetString("unpack", L.NewFunction(unpack))
	g.RawSetString("loadstring", L.NewFunction(st.loadString))
	g.RawSetString("load", L.NewFunction(st.load))
	g.RawSetString("rawset", L.NewFunction(st.rawSet))
	g.RawSetString("rawget", L.NewFunction(st.rawGet))
	st.nextFn = L.NewFunction(st.next)
	g.RawSetString("next", st.nextFn)
	g.RawSetString("pairs", L.NewFunction(st.pairs))
	g.RawSetString("setmetatable", L.NewFunction(st.setMetatable))
	g.RawSetString("getmetatable", L.NewFunction(st.getMetatable))
	g.RawSetString("pcall", L.NewFunction(luaPcall))

	st.errFn = L.NewFunction(errorHandler)
	g.RawSetString("__redis__err__handler", st.errFn)
	g.RawSetString("redis", st.readOnly(st.redisAPI()))
	for name, lib := range map[string]*lua.LTable{
		"string": str, "table": tab, "math": mth, "coroutine": co,
		"cjson": openCJSON(L), "cmsgpack": openCMsgpack(L), "bit": openBit(L), // LIBS
	} {
		g.RawSetString(name, st.readOnly(lib))
	}

	// Reading a missing global is an error, as in Redis.
	miss := L.NewTable()
	miss.RawSetString("__index", L.NewFunction(globalMissing))
	L.SetMetatable(g, miss)
	st.env = st.readOnly(g)
	g.RawSetString("_G", st.env)

	// The string metatable: getmetatable("") shows a read-only copy whose
	// __index is the read-only string library.
	smt := L.GetMetatable(lua.LString("")).(*lua.LTable)
	shown := L.NewTable()
	shown.RawSetString("__index", g.RawGetString("string"))
	smt.RawSetString("__metatable", st.readOnly(shown))

	// Nothing else is reachable: the original global table is emptied.
	L.G.Global = g
	L.Env = st.env
}

// readOnly returns a proxy of t that reads through to t and refuses
// writes with Redis's "Attempt to modify a readonly table".
func (st *State) readOnly(t *lua.LTable) *lua.LTable {
	L := st.L
	p := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(readonlyAssign))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(p, mt)
	st.readonly[p] = t
	return p
}

// target sees through a read-only proxy.
func (st *State) target(t *lua.LTable) *lua.LTable {
	if real, ok := st.readonly[t]; ok {
		return real
	}
	return t
}

func (st *State) checkWritable(L *lua.LState, t *lua.LTable) {
	if _, ok := st.readonly[t]; ok {
		readonlyError(L)
	}
}

const errReadonly = "Attempt to modify a readonly table"

// readonlyAssign is a Lua assignment to a read-only table: the error names
// the script's line, as Redis's does.
func readonlyAssign(L *lua.LState) int {
	L.RaiseError(errReadonly)
	return 0
}

// readonlyError is rawset's and setmetatable's: no position, as Redis's
// C functions raise it.
func readonlyError(L *lua.LState) int {
	L.Push(lua.LString(errReadonly))
	L.Error(L.Get(-1), 0)
	return 0
}

func globalMissing(L *lua.LState) int {
	name := L.Get(2)
	L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(name))
	return 0
}

func (st *State) rawSet(L *lua.LState) int {
	t := L.CheckTable(1)
	st.checkWritable(L, t)
	L.RawSet(t, L.CheckAny(2), L.CheckAny(3))
	L.SetTop(1)
	return 1
}

func (st *State) rawGet(L *lua.LState) int {
	t := st.target(L.CheckTable(1))
	L.Push(L.RawGet(t, L.CheckAny(2)))
	return 1
}

func (st *State) next(L *lua.LState) int {
	t := st.target(L.CheckTable(1))
	k, v := t.Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

func (st *State) pairs(L *lua.LState) int {
	t := L.CheckTable(1)
	L.Push(st.nextFn)
	L.Push(t)
	L.Push(lua.LNil)
	return 3
}

func (st *State) setMetatable(L *lua.LState) int {
	t := L.CheckTable(1)
	st.checkWritable(L, t)
	if L.GetTop() < 2 || (L.Get(2).Type() != lua.LTNil && L.Get(2).Type() != lua.LTTable) {
		argError(L, 2, "setmetatable", "nil or table expected")
	}
	if mt, ok := L.GetMetatable(t).(*lua.LTable); ok && mt.RawGetString("__metatable") != lua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	L.SetMetatable(t, L.Get(2))
	L.SetTop(1)
	return 1
}

func (st *State) getMetatable(L *lua.LState) int {
	v := L.CheckAny(1)
	mt, ok := L.GetMetatable(v).(*lua.LTable)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	if shown := mt.RawGetString("__metatable"); shown != lua.LNil {
		if shown == lua.LFalse { // a proxy: Redis shows the (read-only) metatable
			L.Push(st.readOnly(mt))
			return 1
		}
		L.Push(shown)
		return 1
	}
	L.Push(mt)
	return 1
}

// loadString and load compile code that runs in the sandbox's globals.
func (st *State) loadString(L *lua.LState) int {
	src := L.CheckString(1)
	name := L.OptString(2, src)
	return st.loadChunk(L, src, name)
}

func (st *State) load(L *lua.LState) int {
	fn := L.CheckFunction(1)
	name := L.OptString(2, "=(load)")
	var b strings.Builder
	for {
		L.Push(fn)
		L.Call(0, 1)
		piece := L.Get(-1)
		L.Pop(1)
		if piece == lua.LNil {
			break
		}
		s, ok := piece.(lua.LString)
		if !ok {
			L.Push(lua.LNil)
			L.Push(lua.LString("reader function must return a string"))
			return 2
		}
		if s == "" {
			break
		}
		b.WriteString(string(s))
	}
	return st.loadChunk(L, b.String(), name)
}

func (st *State) loadChunk(L *lua.LState, src, name string) int {
	chunkName := chunkID(name)
	proto, err := compileChunk([]byte(src), chunkName)
	if err != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString(err))
		return 2
	}
	fn := L.NewFunctionFromProto(proto)
	fn.Env = st.env
	L.Push(fn)
	return 1
}

// chunkID is Lua 5.1's name for a chunk in messages: "=name" as is,
// "@file" as the file, and source text as [string "first line..."].
func chunkID(name string) string {
	switch {
	case strings.HasPrefix(name, "="), strings.HasPrefix(name, "@"):
		return name[1:]
	}
	line, _, cut := strings.Cut(name, "\n")
	if len(line) > 40 {
		line, cut = line[:40], true
	}
	if cut {
		return `[string "` + line + `..."]`
	}
	return `[string "` + line + `"]`
}

// unpack is Lua 5.1's, with its limit on how many values it may push.
func unpack(L *lua.LState) int {
	t := L.CheckTable(1)
	i := L.OptInt(2, 1)
	n := L.OptInt(3, t.Len())
	if i > n {
		return 0
	}
	count := int64(n) - int64(i) + 1
	if count >= maxCStack-int64(L.GetTop()) {
		L.RaiseError("too many results to unpack")
	}
	for ; i <= n; i++ {
		L.Push(t.RawGetInt(i))
	}
	return int(count)
}

func gcinfo(L *lua.LState) int {
	L.Push(lua.LNumber(1))
	return 1
}

func strDump(L *lua.LState) int {
	L.CheckFunction(1)
	L.RaiseError("unable to dump given function")
	return 0
}

// strRep is string.rep with the script memory bound: Lua 5.1 converts the
// count to a C int first (so 2^40 repeats nothing), and a result larger
// than the bound is refused as Lua refuses an allocation it cannot make.
func (st *State) strRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := luaInt(float64(L.CheckNumber(2)))
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if limit := st.eng.MemoryLimit; limit > 0 && int64(len(s))*int64(n) > limit {
		L.RaiseError("not enough memory")
	}
	L.Push(lua.LString(strings.Repeat(s, int(n))))
	return 1
}

// luaInt converts a Lua number to a C int as Lua 5.1's luaL_checkint does
// on x86-64: truncation, and INT_MIN for anything out of range or NaN.
func luaInt(f float64) int32 {
	if f != f || f >= 1<<31 || f < -(1<<31) {
		return -1 << 31
	}
	return int32(f)
}

func (st *State) mathRandom(L *lua.LState) int {
	r := float64(st.eng.rand.next()%lrand48Max) / float64(lrand48Max)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := luaInt(float64(L.CheckNumber(1)))
		if u < 1 {
			argError(L, 1, "random", "interval is empty")
		}
		L.Push(lua.LNumber(floor(r*float64(u)) + 1))
	case 2:
		l := luaInt(float64(L.CheckNumber(1)))
		u := luaInt(float64(L.CheckNumber(2)))
		if l > u {
			argError(L, 2, "random", "interval is empty")
		}
		L.Push(lua.LNumber(floor(r*(float64(u)-float64(l)+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (st *State) mathRandomSeed(L *lua.LState) int {
	st.eng.rand.seed(luaInt(float64(L.CheckNumber(1))))
	return 0
}

// luaPcall is pcall as Redis 7 defines it: an error raised as a table with
// an err field (redis.call's) is returned as that table's message... no:
// as the table itself, so redis.pcall-style handling keeps working.
func luaPcall(L *lua.LState) int {
	fn := L.CheckAny(1)
	nargs := L.GetTop() - 1
	L.Insert(lua.LTrue, 1)
	_ = fn
	if err := L.PCall(nargs, lua.MultRet, nil); err != nil {
		L.SetTop(0)
		L.Push(lua.LFalse)
		if ae, ok := err.(*lua.ApiError); ok {
			obj := ae.Object
			if t, ok := obj.(*lua.LTable); ok {
				if msg, ok := t.RawGetString("err").(lua.LString); ok {
					obj = msg
				}
			}
			L.Push(obj)
		} else {
			L.Push(lua.LString(err.Error()))
		}
		return 2
	}
	return L.GetTop()
}

// errorHandler is what Redis's __redis__err__handler does: the error
// becomes a table {err=..., source=..., line=...} naming where it was
// raised, skipping a Go (C) function that raised it.
func errorHandler(L *lua.LState) int {
	errv := L.Get(1)
	var t *lua.LTable
	if tt, ok := errv.(*lua.LTable); ok {
		t = tt
	} else {
		t = L.NewTable()
		msg := "nil"
		if errv != lua.LNil {
			msg = lua.LVAsString(errv)
			if msg == "" && errv.Type() != lua.LTString {
				msg = errv.String()
			}
		}
		t.RawSetString("err", lua.LString("ERR "+msg))
	}
	if src, line, ok := errorPosition(L); ok {
		t.RawSetString("source", lua.LString(src))
		t.RawSetString("line", lua.LNumber(line))
	}
	L.Push(t)
	return 1
}

// errorPosition finds the Lua function that raised the error being
// handled: the first Lua frame under the handler.
func errorPosition(L *lua.LState) (string, int, bool) {
	for level := 1; level < 4; level++ {
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
		return "@" + dbg.Source, dbg.CurrentLine, true
	}
	return "", 0, false
}

// luaSyntaxError words a parse error as Lua 5.1 does:
// "user_script:3: unexpected symbol near 'x'".
func luaSyntaxError(err error, source string, body []byte) string {
	var pe *parse.Error
	if errors.As(err, &pe) {
		near := "'" + pe.Token + "'"
		if pe.Pos.Line == parse.EOF {
			return fmt.Sprintf("%s:%d: unexpected symbol near '<eof>'", source, 1+bytes.Count(body, []byte("\n")))
		}
		msg := "unexpected symbol"
		if strings.Contains(pe.Message, "unfinished") || strings.Contains(pe.Message, "malformed") {
			msg = strings.TrimSpace(pe.Message)
		}
		return fmt.Sprintf("%s:%d: %s near %s", source, pe.Pos.Line, msg, near)
	}
	var ce *lua.CompileError
	if errors.As(err, &ce) {
		return fmt.Sprintf("%s:%d: %s", source, ce.Line, ce.Message)
	}
	return source + ": " + strings.TrimSpace(err.Error())
}

// runContext is the state's context: gopher-lua checks Done before every
// instruction, which is how SCRIPT KILL and the memory bound stop a script
// that never calls Redis.
type runContext struct {
	mu     sync.Mutex
	done   chan struct{}
	closed bool
	why    error
}

func newRunContext() *runContext { return &runContext{done: make(chan struct{})} }

// stop ends the run in progress (from any goroutine): its next
// instruction raises an error carrying why.
func (c *runContext) stop(why error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.why = why
		c.closed = true
		close(c.done)
	}
}

// renew readies a stopped context for the next run. force also replaces
// an open one, ending the goroutines that watch it for coroutines.
func (c *runContext) renew(force bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if force && !c.closed {
		close(c.done)
		c.closed = true
	}
	if c.closed {
		c.done, c.closed, c.why = make(chan struct{}), false, nil
	}
}

func (c *runContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *runContext) Done() <-chan struct{}       { return c.done }
func (c *runContext) Err() error                  { return c.why }
func (c *runContext) Value(any) any               { return nil }

var _ context.Context = (*runContext)(nil)
