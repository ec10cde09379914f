package scripting

import (
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Function libraries (Redis 7's FUNCTION LOAD / FCALL). As in Redis, all
// libraries live in one Lua state of their own, separate from EVAL's
// pool: a library's functions may share its local variables. The library
// code runs once, at load, in a restricted environment where it can only
// register functions and log (functions_load.go).
//
// Locking: the server changes libraries (LOAD, DELETE, FLUSH, RESTORE)
// and runs functions only under its script mutex, so the Lua state is
// never used by two goroutines. The registry is also read by LIST, DUMP
// and STATS without that mutex: its changes are made under e.mu, and
// libraries and functions are never changed once registered.

// Libraries are the function libraries and the Lua state they run in.
type Libraries struct {
	cur *registry

	st      *State
	fenv    *lua.LTable // the environment library code and functions see
	envMeta *lua.LTable // fenv's metatable: __index is the load API or the globals
	loadEnv *lua.LTable // the globals during a load: only the load-time redis table
	// broken: a run was stopped (kill, memory, load timeout) and the
	// state may hold anything; it is rebuilt before its next use.
	broken bool
	// loading is the library whose code runs now (register_function's
	// target), nil outside a load.
	loading *Library
	// caller is the running FCALL's command, for FUNCTION STATS.
	caller [][]byte
}

func newLibraries() *Libraries { return &Libraries{cur: newRegistry()} }

// Library is a loaded library. It does not change once loaded.
type Library struct {
	Name      string
	Code      string // the whole code, shebang included
	Functions []*Function
}

// Function is a function a library registered.
type Function struct {
	Name           string
	Description    string
	HasDescription bool
	Flags          Flags
	lib            *Library
	fn             *lua.LFunction
}

// registry is a set of libraries and the functions they define: the
// current one, or one being assembled by FUNCTION RESTORE.
type registry struct {
	libs map[string]*Library  // by name, case-sensitive
	fns  map[string]*Function // by lower-case name: FCALL ignores case
	nfns int                  // functions registered (FUNCTION STATS)
}

func newRegistry() *registry {
	return &registry{libs: make(map[string]*Library), fns: make(map[string]*Function)}
}

func (r *registry) link(lib *Library) {
	r.libs[lib.Name] = lib
	for _, f := range lib.Functions {
		key := strings.ToLower(f.Name)
		if r.fns[key] == nil {
			r.fns[key] = f
		}
	}
	r.nfns += len(lib.Functions)
}

func (r *registry) unlink(lib *Library) {
	delete(r.libs, lib.Name)
	for _, f := range lib.Functions {
		key := strings.ToLower(f.Name)
		if g := r.fns[key]; g != nil && g.lib == lib {
			delete(r.fns, key)
		}
	}
	r.nfns -= len(lib.Functions)
}

// collision names a function of lib already defined by another library
// of r than except, as Redis words it; "" when there is none.
func (r *registry) collision(lib, except *Library) string {
	for _, f := range lib.Functions {
		if g := r.fns[strings.ToLower(f.Name)]; g != nil && g.lib != except {
			return "ERR Function " + f.Name + " already exists"
		}
	}
	return ""
}

func (r *registry) sorted() []*Library {
	out := make([]*Library, 0, len(r.libs))
	for _, lib := range r.libs {
		out = append(out, lib)
	}
	slices.SortFunc(out, func(a, b *Library) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// FunctionLoad loads a library (FUNCTION LOAD [REPLACE]) and returns its
// name, or Redis's error text. Its code may run for timeout (0: no limit,
// for commands from a master); log receives its redis.log lines. The
// caller holds the server's script mutex.
func (e *Engine) FunctionLoad(code []byte, replace bool, timeout time.Duration, log func(level int, msg string)) (string, string) {
	lib, msg := e.createLibrary(e.libs.cur, code, replace, timeout, log)
	if lib == nil {
		return "", msg
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.libs.cur
	old := cur.libs[lib.Name]
	if msg := cur.collision(lib, old); msg != "" {
		return "", msg
	}
	if old != nil {
		cur.unlink(old)
	}
	cur.link(lib)
	return lib.Name, ""
}

// FunctionDelete deletes a library (FUNCTION DELETE); false when there is
// none of that name.
func (e *Engine) FunctionDelete(name []byte) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	lib := e.libs.cur.libs[string(name)]
	if lib == nil {
		return false
	}
	e.libs.cur.unlink(lib)
	return true
}

// FunctionFlush deletes every library (FUNCTION FLUSH) and, as Redis
// does, starts over with a new Lua state. The caller holds the script
// mutex.
func (e *Engine) FunctionFlush() {
	lb := e.libs
	e.mu.Lock()
	lb.cur = newRegistry()
	e.mu.Unlock()
	if lb.st != nil {
		lb.st.L.Close()
		lb.st = nil
	}
}

// FunctionLibraries lists the libraries by name (LIST, DUMP), their
// functions by name.
func (e *Engine) FunctionLibraries() []*Library {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.libs.cur.sorted()
}

// FunctionCounts reports how many libraries and functions are loaded.
func (e *Engine) FunctionCounts() (libs, fns int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.libs.cur.libs), e.libs.cur.nfns
}

// LookupFunction finds a function by name, in any case (FCALL's checks
// of its flags before it runs).
func (e *Engine) LookupFunction(name []byte) *Function {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.libs.cur.fns[strings.ToLower(string(name))]
}

// RunningFunction describes the function running now: its name, the
// command that called it and when it started (FUNCTION STATS).
func (e *Engine) RunningFunction() (name string, cmd [][]byte, started time.Time, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	run := e.current
	if run == nil || run.source != functionSource {
		return "", nil, time.Time{}, false
	}
	return run.name, e.libs.caller, run.started, true
}

// FCall runs the function called name with KEYS and ARGV as its two
// arguments, writing its result to w. cmd is the calling command (for
// FUNCTION STATS). The caller holds the script mutex.
func (e *Engine) FCall(name []byte, keys, args, cmd [][]byte, host Host, w ReplyWriter) {
	st := e.functionState()
	f := e.LookupFunction(name)
	if f == nil {
		// Deleted since the caller checked its flags.
		w.Error("ERR Function not found")
		return
	}
	lb := e.libs
	e.mu.Lock()
	lb.caller = cmd
	e.mu.Unlock()
	st.L.Push(st.array(keys))
	st.L.Push(st.array(args))
	run := st.newRun(host, f.Name, functionSource)
	if e.callFunction(st, run, f.fn, 2, w) {
		lb.broken = true
	}
	e.mu.Lock()
	lb.caller = nil
	e.mu.Unlock()
}

// RestorePolicy is FUNCTION RESTORE's handling of existing libraries.
type RestorePolicy int

const (
	RestoreAppend  RestorePolicy = iota // fail on a library that exists
	RestoreReplace                      // replace libraries of the same name
	RestoreFlush                        // delete every library first
)

// FunctionRestore assembles the libraries of a FUNCTION RESTORE payload
// apart from the current ones, then joins them in one step.
type FunctionRestore struct {
	e   *Engine
	reg *registry
}

// NewFunctionRestore starts a restore. The caller holds the script mutex
// until Commit.
func (e *Engine) NewFunctionRestore() *FunctionRestore {
	return &FunctionRestore{e: e, reg: newRegistry()}
}

// Add loads one library of the payload (as FUNCTION LOAD does, without
// its time limit), returning Redis's error text or "".
func (r *FunctionRestore) Add(code []byte) string {
	lib, msg := r.e.createLibrary(r.reg, code, false, 0, nil)
	if lib == nil {
		return msg
	}
	if msg := r.reg.collision(lib, nil); msg != "" {
		return msg
	}
	r.reg.link(lib)
	return ""
}

// Commit makes the restored libraries current under policy, all or
// nothing, returning Redis's error text or "".
func (r *FunctionRestore) Commit(policy RestorePolicy) string {
	e := r.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if policy == RestoreFlush {
		e.libs.cur = r.reg
		return ""
	}
	cur := e.libs.cur
	var replaced []*Library
	undo := func() {
		for _, old := range replaced {
			cur.link(old)
		}
	}
	libs := r.reg.sorted()
	for _, lib := range libs {
		old := cur.libs[lib.Name]
		if old == nil {
			continue
		}
		if policy != RestoreReplace {
			undo()
			return "ERR Library " + lib.Name + " already exists"
		}
		cur.unlink(old)
		replaced = append(replaced, old)
	}
	for _, lib := range libs {
		if msg := cur.collision(lib, nil); msg != "" {
			undo()
			return msg
		}
	}
	for _, lib := range libs {
		cur.link(lib)
	}
	return ""
}
