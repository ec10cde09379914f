package scripting

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Engine holds the compiled scripts and function libraries and the pool of
// Lua states they run on. The server runs one script at a time (a script
// is atomic), so the pool rarely holds more than one state; it exists so a
// state is never shared by two runs, whatever the server does.
type Engine struct {
	mu      sync.Mutex
	scripts map[string]*Script // EVAL's cache, by SHA1
	free    []*State
	// scriptsBytes is the source size of the cached scripts (INFO's
	// used_memory_scripts_eval).
	scriptsBytes int64
	libs         *Libraries
	current      *Run                // the run in progress
	cur          atomic.Pointer[Run] // current, for Current's lock-free read

	// rand is math.random's generator. Redis keeps one for the process,
	// so a script's sequence continues where the previous script left it.
	rand rand48

	// MemoryLimit bounds how far a script may grow the Go heap before it
	// is stopped with "not enough memory" (0: no limit).
	MemoryLimit int64
}

// NewEngine returns an empty engine.
func NewEngine() *Engine {
	return &Engine{scripts: make(map[string]*Script), libs: newLibraries(), rand: newRand48()}
}

// Script is a compiled EVAL script.
type Script struct {
	SHA   string
	Flags Flags // from the shebang line
	// Shebang: the script has a "#!lua" line. Redis 7 then checks its
	// declared flags up front (OOM, *_RO, no-writes); a script without
	// one keeps the pre-7 rules.
	Shebang bool
	proto   *lua.FunctionProto
	// assignsGlobal: the code assigns a global somewhere, which must meet
	// the read-only proxy and its error (State.directEnv).
	assignsGlobal bool
}

// SHA1Hex is the hex SHA1 of body, the name Redis gives a script.
func SHA1Hex(body []byte) string {
	sum := sha1.Sum(body)
	return hex.EncodeToString(sum[:])
}

// Lookup returns the cached script with the given SHA1 (any case), or nil.
// It takes the command's argument as it is: a lowercase SHA, the usual
// case, is looked up without a copy.
func (e *Engine) Lookup(sha []byte) *Script {
	for _, c := range sha {
		if c >= 'A' && c <= 'Z' {
			sha = bytes.ToLower(sha)
			break
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.scripts[string(sha)]
}

// Load compiles body and caches it (SCRIPT LOAD, EVAL). A script already
// cached is not compiled again. The error is Redis's reply text.
func (e *Engine) Load(body []byte) (*Script, string) {
	sha := SHA1Hex(body)
	e.mu.Lock()
	s := e.scripts[sha]
	e.mu.Unlock()
	if s != nil {
		return s, ""
	}
	flags, shebang, errMsg := parseEvalShebang(body)
	if errMsg != "" {
		return nil, errMsg
	}
	proto, err := compileChunk(withoutShebang(body), "user_script")
	if err != "" {
		return nil, "ERR Error compiling script (new function): " + err
	}
	s = &Script{SHA: sha, Flags: flags, Shebang: shebang, proto: proto, assignsGlobal: assignsGlobal(proto)}
	e.mu.Lock()
	if old := e.scripts[sha]; old != nil {
		s = old
	} else {
		e.scripts[sha] = s
		e.scriptsBytes += int64(len(body))
	}
	e.mu.Unlock()
	return s, ""
}

// Exists reports which of the SHA1s are cached (SCRIPT EXISTS).
func (e *Engine) Exists(shas [][]byte) []bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]bool, len(shas))
	for i, sha := range shas {
		_, out[i] = e.scripts[strings.ToLower(string(sha))]
	}
	return out
}

// Flush forgets every cached script (SCRIPT FLUSH) and the states that
// compiled them.
func (e *Engine) Flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.scripts = make(map[string]*Script)
	e.scriptsBytes = 0
	for _, st := range e.free {
		st.L.Close()
	}
	e.free = nil
}

// Stats reports the number of cached scripts and their source bytes.
func (e *Engine) Stats() (n int, bytes int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.scripts), e.scriptsBytes
}

// state takes a Lua state from the pool, or makes one.
func (e *Engine) state() *State {
	e.mu.Lock()
	if n := len(e.free); n > 0 {
		st := e.free[n-1]
		e.free = e.free[:n-1]
		e.mu.Unlock()
		return st
	}
	e.mu.Unlock()
	return newState(e)
}

// release returns st to the pool. A state whose run was interrupted is
// closed instead: its stacks may hold anything.
func (e *Engine) release(st *State, broken bool) {
	if broken {
		st.L.Close()
		return
	}
	e.mu.Lock()
	if len(e.free) < 4 {
		e.free = append(e.free, st)
		st = nil
	}
	e.mu.Unlock()
	if st != nil {
		st.L.Close()
	}
}

// compileChunk parses and compiles Lua source. The error reads as Lua
// 5.1's: "user_script:1: unexpected symbol near '<eof>'".
func compileChunk(body []byte, source string) (*lua.FunctionProto, string) {
	chunk, err := parse.Parse(strings.NewReader(string(body)), source)
	if err != nil {
		return nil, luaSyntaxError(err, source, body)
	}
	proto, err := lua.Compile(chunk, source)
	if err != nil {
		return nil, luaSyntaxError(err, source, body)
	}
	// A main chunk is vararg without Lua 5.0's "arg" table, as in Lua 5.1
	// (gopher-lua would build that table on every call).
	proto.IsVarArg = lua.VarArgIsVarArg
	return proto, ""
}

// assignsGlobal reports whether p, or a function defined in it, assigns a
// global.
func assignsGlobal(p *lua.FunctionProto) bool {
	for _, inst := range p.Code {
		if int(inst>>26) == lua.OP_SETGLOBAL {
			return true
		}
	}
	for _, f := range p.FunctionPrototypes {
		if assignsGlobal(f) {
			return true
		}
	}
	return false
}

// rand48 is the POSIX drand48 family's generator, which Redis's
// redisLrand48 implements: Redis scripts get the same math.random sequence
// on every platform, and so does Shoal.
type rand48 struct{ x uint64 }

const (
	rand48A    = 0x5DEECE66D
	rand48C    = 0xB
	rand48Mask = 1<<48 - 1
	lrand48Max = 1<<31 - 1 // REDIS_LRAND48_MAX (INT32_MAX)
)

func newRand48() rand48 { return rand48{x: 0x1234ABCD330E} }

// seed is srand48: the high 32 bits of x from the seed, then 0x330E.
func (r *rand48) seed(v int32) { r.x = uint64(uint32(v))<<16 | 0x330E }

// next is lrand48: 31 bits.
func (r *rand48) next() int64 {
	r.x = (rand48A*r.x + rand48C) & rand48Mask
	return int64(r.x >> 17)
}
