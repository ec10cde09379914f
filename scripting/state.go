package scripting

import (
	"context"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
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
	envMeta *lua.LTable // what getmetatable(_G) shows
	// sources maps a loadstring chunk's name in messages to its name as
	// given, which Redis's error suffix shows.
	sources map[string]string
	// pcalls counts the protected calls in progress per thread: Lua 5.1
	// cannot yield across them.
	pcalls map[*lua.LState]int
	// readonly marks the proxies (and protected metatables) that rawset,
	// setmetatable and the table library must refuse to change.
	readonly map[*lua.LTable]*lua.LTable // proxy -> the table it fronts
	fns      map[*lua.FunctionProto]*lua.LFunction
	errFn    *lua.LFunction
	enterFn  *lua.LFunction
	// enterTopFn starts a run (protectedRun).
	enterTopFn *lua.LFunction
	// raiseFn and raiseTopFn are raise and raiseTop as method values,
	// made once: enter and enterTop install them on every call.
	raiseFn, raiseTopFn func(*lua.LState)
	nextFn              *lua.LFunction
	threads             bool // a coroutine was made in this run (renew the context)
	ctx                 *runContext
	run                 *Run // the run in progress, nil between runs
	// runs is the Run each run of this state uses (newRun).
	runs Run
	// strs makes the strings of replies and of KEYS and ARGV.
	strs *luaStrings
	// fastEnv is the global table of scripts that never assign a global
	// (directEnv).
	fastEnv *lua.LTable
	// keys and argv are the KEYS and ARGV tables, reused (setArgTable).
	keys, argv argTable
	callArgs   [][]byte // redis.call's arguments, reused
	nums       []byte   // the text of its number arguments, reused
}

// Lua's limits, as Redis's Lua has them: LUAI_MAXCALLS nested calls and
// LUAI_MAXCSTACK values a C function may push (unpack's limit).
const (
	maxCalls  = 20000
	maxCStack = 8000
)

func newState(e *Engine) *State {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:  true,
		CallStackSize: maxCalls - 1, // frames as Redis counts them
		// A fixed call stack: gopher-lua's growing one never reports
		// itself full, so deep recursion would end with a Go panic
		// instead of Lua's "stack overflow".
		MinimizeStackMemory: false,
		RegistrySize:        1024,
		RegistryMaxSize:     maxCStack * 16,
	})
	st := &State{L: L, eng: e, strs: newLuaStrings(), readonly: make(map[*lua.LTable]*lua.LTable), fns: make(map[*lua.FunctionProto]*lua.LFunction),
		sources: make(map[string]string), pcalls: make(map[*lua.LState]int)}
	st.runs.st = st
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
	str.RawSetString("format", L.NewFunction(strFormat))
	str.RawSetString("char", L.NewFunction(strChar))
	str.RawSetString("byte", L.NewFunction(strByte))
	str.RawSetString("gsub", L.NewFunction(st.strGsub))
	tab := orig.RawGetString("table").(*lua.LTable)
	st.patchTable(tab)
	mth := orig.RawGetString("math").(*lua.LTable)
	mth.RawSetString("random", L.NewFunction(st.mathRandom))
	mth.RawSetString("max", L.NewFunction(mathMinMax("max", false)))
	mth.RawSetString("min", L.NewFunction(mathMinMax("min", true)))
	mth.RawSetString("randomseed", L.NewFunction(st.mathRandomSeed))
	mth.RawSetString("huge", lua.LNumber(math.Inf(1))) // gopher-lua has MaxFloat64
	co := orig.RawGetString("coroutine").(*lua.LTable)
	resume := co.RawGetString("resume").(*lua.LFunction)
	co.RawSetString("resume", L.NewFunction(func(L *lua.LState) int {
		// Lua 5.1's words for a coroutine that cannot be resumed.
		if th, ok := L.Get(1).(*lua.LState); ok {
			switch L.Status(th) {
			case "dead":
				L.Push(lua.LFalse)
				L.Push(lua.LString("cannot resume dead coroutine"))
				return 2
			case "running", "normal":
				L.Push(lua.LFalse)
				L.Push(lua.LString("cannot resume non-suspended coroutine"))
				return 2
			}
		}
		n := resume.GFunction(L)
		if n == 2 && L.Get(-2) == lua.LFalse {
			if msg, ok := L.Get(-1).(lua.LString); ok {
				L.Replace(-1, lua.LString(luaMessage(string(msg))))
			}
		}
		return n
	}))
	co.RawSetString("yield", L.NewFunction(st.yield(co.RawGetString("yield").(*lua.LFunction))))
	create := co.RawGetString("create").(*lua.LFunction)
	createFn := L.NewFunction(func(L *lua.LState) int {
		st.threads = true
		return create.GFunction(L)
	})
	co.RawSetString("create", createFn)
	co.RawSetString("wrap", L.NewFunction(st.wrap(createFn, co.RawGetString("resume").(*lua.LFunction))))

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
	g.RawSetString("pcall", L.NewFunction(st.pcall))
	g.RawSetString("xpcall", L.NewFunction(st.xpcall))
	g.RawSetString("error", L.NewFunction(st.baseError))
	g.RawSetString("tostring", L.NewFunction(baseToString))
	g.RawSetString("tonumber", L.NewFunction(baseToNumber))
	g.RawSetString("select", L.NewFunction(baseSelect))
	g.RawSetString("collectgarbage", L.NewFunction(collectGarbage))

	st.errFn = L.NewFunction(st.errorHandler)
	st.enterFn = L.NewFunction(st.enter)
	st.enterTopFn = L.NewFunction(st.enterTop)
	st.raiseFn, st.raiseTopFn = st.raise, st.raiseTop
	g.RawSetString("__redis__err__handler", st.errFn)
	g.RawSetString("redis", st.readOnly(st.redisAPI()))
	for name, lib := range map[string]*lua.LTable{
		"string": str, "table": tab, "math": mth, "coroutine": co,
		"cjson": openCJSON(L), "cmsgpack": openCMsgpack(L), "bit": openBit(L), "struct": openStruct(L),
	} {
		g.RawSetString(name, st.readOnly(lib))
	}

	// Reading a missing global is an error, as in Redis.
	miss := L.NewTable()
	miss.RawSetString("__index", L.NewFunction(globalMissing))
	L.SetMetatable(g, miss)
	st.env = st.readOnly(g)
	st.envMeta = st.readOnly(miss)
	g.RawSetString("_G", st.env)
	st.fastEnv = st.directEnv(g)

	// The string metatable: getmetatable("") shows a read-only copy whose
	// __index is the read-only string library.
	// gopher-lua uses the library itself as the metatable; Lua's is a
	// table of its own, so the library lists no __index.
	smt := L.NewTable()
	smt.RawSetString("__index", str)
	shown := L.NewTable()
	shown.RawSetString("__index", g.RawGetString("string"))
	smt.RawSetString("__metatable", st.readOnly(shown))
	str.RawSetString("__index", lua.LNil)
	L.SetMetatable(lua.LString(""), smt)

	// Nothing else is reachable: the original global table is emptied.
	L.G.Global = g
	L.Env = st.env
}

// directEnv is a copy of the globals that a script which never assigns a
// global reads directly: one lookup per global instead of the proxy's
// three. Nothing can reach it as a value (_G in it is the proxy, and
// Redis's Lua has no getfenv), so only a global assignment could change
// it, and a script with one runs with the proxy instead (Eval).
func (st *State) directEnv(g *lua.LTable) *lua.LTable {
	L := st.L
	env := L.NewTable()
	g.ForEach(func(k, v lua.LValue) { env.RawSet(k, v) })
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(globalMissing))
	mt.RawSetString("__newindex", L.NewFunction(readonlyAssign))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(env, mt)
	st.readonly[env] = g
	return env
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
	if L.GetTop() != 2 {
		L.RaiseError("Wrong number of arguments to luaProtectedTableError")
	}
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

// getMetatable is Redis's getmetatable: _G shows a read-only view of the
// table that guards it; the other read-only tables have none to show.
func (st *State) getMetatable(L *lua.LState) int {
	v := L.CheckAny(1)
	if t, ok := v.(*lua.LTable); ok {
		if t == st.env {
			L.Push(st.envMeta)
			return 1
		}
		if _, ok := st.readonly[t]; ok {
			L.Push(lua.LNil)
			return 1
		}
	}
	mt, ok := L.GetMetatable(v).(*lua.LTable) // __metatable when set
	if !ok {
		L.Push(L.GetMetatable(v))
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
	if chunkName != name && chunkName != "user_script" && chunkName != "user_function" {
		if len(st.sources) > 1000 {
			clear(st.sources)
		}
		st.sources[chunkName] = name
	}
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
	// The bounds are C ints in Lua 5.1: 2^31 wraps to INT_MIN.
	i, n := int32(1), int32(t.Len())
	if L.Get(2) != lua.LNil {
		i = luaInt(checkNumber(L, 2, "unpack"))
	}
	if L.Get(3) != lua.LNil {
		n = luaInt(checkNumber(L, 3, "unpack"))
	}
	if i > n {
		return 0
	}
	count := int64(n) - int64(i) + 1
	if count >= maxCStack-int64(L.GetTop()) {
		L.RaiseError("too many results to unpack")
	}
	for k := int64(i); k <= int64(n); k++ {
		L.Push(t.RawGetInt(int(k)))
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

// runContext is the state's context: gopher-lua checks Done before every
// instruction, which is how SCRIPT KILL and the memory bound stop a script
// that never calls Redis.
//
// A coroutine runs on a child context (context.WithCancel). Because
// runContext has AfterFunc, the context package registers the child's
// cancellation here instead of starting a goroutine that would read Err
// after renew cleared it (a nil Err with a closed Done panics).
type runContext struct {
	mu sync.Mutex
	// done is read before every Lua instruction: atomically, no lock.
	done   atomic.Pointer[chan struct{}]
	closed bool
	// stopped mirrors closed for renew's check without the lock.
	stopped atomic.Bool
	why     error
	afters  map[int]func() // child cancellations, by registration
	nextID  int
}

func newRunContext() *runContext {
	c := &runContext{}
	c.renewDone()
	return c
}

func (c *runContext) renewDone() {
	ch := make(chan struct{})
	c.done.Store(&ch)
}

// stop ends the run in progress (from any goroutine): its next
// instruction raises an error carrying why.
func (c *runContext) stop(why error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	fns := c.close(why)
	c.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// close closes done with why (c.mu held) and returns the callbacks to run.
func (c *runContext) close(why error) []func() {
	c.why, c.closed = why, true
	c.stopped.Store(true)
	close(*c.done.Load())
	fns := make([]func(), 0, len(c.afters))
	for _, f := range c.afters {
		fns = append(fns, f)
	}
	c.afters = nil
	return fns
}

// renew readies a stopped context for the next run. force also replaces
// an open one, cancelling the contexts of the run's coroutines.
func (c *runContext) renew(force bool) {
	if !force && !c.stopped.Load() {
		return // the common case: nothing stopped the run
	}
	c.mu.Lock()
	if force && !c.closed {
		fns := c.close(context.Canceled)
		c.mu.Unlock()
		for _, f := range fns {
			f() // they read Err, which is still context.Canceled
		}
		c.mu.Lock()
	}
	if c.closed {
		c.renewDone()
		c.closed, c.why = false, nil
		c.stopped.Store(false)
	}
	c.mu.Unlock()
}

// AfterFunc runs f when the context is stopped (context.AfterFunc's
// contract, which context.WithCancel relies on for custom parents).
func (c *runContext) AfterFunc(f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		go f()
		return func() bool { return false }
	}
	if c.afters == nil {
		c.afters = make(map[int]func())
	}
	id := c.nextID
	c.nextID++
	c.afters[id] = f
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.afters[id]
		delete(c.afters, id)
		return ok
	}
}

func (c *runContext) Deadline() (time.Time, bool) { return time.Time{}, false }

func (c *runContext) Done() <-chan struct{} { return *c.done.Load() }

func (c *runContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.why
}

func (c *runContext) Value(any) any { return nil }

var _ context.Context = (*runContext)(nil)
