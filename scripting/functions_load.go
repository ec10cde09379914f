package scripting

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

const functionSource = "@user_function"

// FunctionLoadTimeout is how long FUNCTION LOAD lets library code run
// (Redis's LOAD_TIMEOUT_MS); FUNCTION RESTORE sets no limit, as Redis
// does.
const FunctionLoadTimeout = 500 * time.Millisecond

var errLoadTimeout = errors.New("FUNCTION LOAD timeout")

// functionState returns the functions' Lua state, making it on first use
// and rebuilding it, with every library loaded again, after a run was
// stopped. The caller holds the script mutex.
func (e *Engine) functionState() *State {
	lb := e.libs
	if lb.st != nil && !lb.broken {
		return lb.st
	}
	if lb.st != nil {
		lb.st.L.Close()
	}
	lb.st, lb.broken = e.newFunctionState(), false
	e.mu.Lock()
	libs := lb.cur.sorted()
	e.mu.Unlock()
	if len(libs) == 0 {
		return lb.st
	}
	// The libraries loaded before; running their code again in the new
	// state gives functions with fresh upvalues, as a restart would.
	reg := newRegistry()
	for _, old := range libs {
		if lib, _ := e.createLibrary(reg, []byte(old.Code), false, 0, nil); lib != nil && reg.collision(lib, nil) == "" {
			reg.link(lib)
		}
	}
	e.mu.Lock()
	lb.cur = reg
	e.mu.Unlock()
	return lb.st
}

// newFunctionState makes the functions' state: EVAL's sandbox without
// KEYS, ARGV and the error handler among the globals, and an environment
// whose globals come from a table that a load swaps for the load API.
func (e *Engine) newFunctionState() *State {
	st := newState(e)
	lb := e.libs
	L := st.L
	st.globals.RawSetString("__redis__err__handler", lua.LNil)

	// The load API: a redis table with register_function, log and the
	// version, read-only, whose missing fields are errors as missing
	// globals are.
	api := L.NewTable()
	api.RawSetString("register_function", L.NewFunction(lb.registerFunction))
	api.RawSetString("log", L.NewFunction(st.log))
	for name, v := range map[string]lua.LValue{
		"LOG_DEBUG": lua.LNumber(LogDebug), "LOG_VERBOSE": lua.LNumber(LogVerbose),
		"LOG_NOTICE": lua.LNumber(LogNotice), "LOG_WARNING": lua.LNumber(LogWarning),
		"REDIS_VERSION": lua.LString(RedisVersion), "REDIS_VERSION_NUM": lua.LNumber(RedisVersionNum),
	} {
		api.RawSetString(name, v)
	}
	missing := L.NewTable()
	missing.RawSetString("__index", L.NewFunction(globalMissing))
	L.SetMetatable(api, missing)
	lb.loadEnv = L.NewTable()
	lb.loadEnv.RawSetString("redis", st.readOnly(api))
	L.SetMetatable(lb.loadEnv, missing)

	// Closures inherit their creator's environment, so every function a
	// library defines reads globals through fenv, and switching its
	// metatable's __index switches what they all see (Redis swaps the
	// globals' metatable the same way).
	lb.fenv = L.NewTable()
	lb.envMeta = L.NewTable()
	lb.envMeta.RawSetString("__index", st.globals)
	lb.envMeta.RawSetString("__newindex", L.NewFunction(readonlyAssign))
	lb.envMeta.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(lb.fenv, lb.envMeta)
	return st
}

// createLibrary compiles library code and runs it to collect the
// functions it registers, checking it against reg (the library must not
// exist unless replace). It returns the library, not yet linked, or
// Redis's error text. A timeout of 0 sets no limit.
func (e *Engine) createLibrary(reg *registry, code []byte, replace bool, timeout time.Duration, log func(int, string)) (*Library, string) {
	name, body, msg := parseLibraryMeta(code)
	if msg != "" {
		return nil, msg
	}
	e.mu.Lock()
	exists := reg.libs[name] != nil
	e.mu.Unlock()
	if exists && !replace {
		return nil, "ERR Library '" + name + "' already exists"
	}
	proto, cerr := compileChunk(body, "user_function")
	if cerr != "" {
		return nil, "ERR Error compiling function: " + cerr
	}
	st := e.functionState()
	lib := &Library{Name: name, Code: string(code)}
	if msg := e.runLibrary(st, proto, lib, timeout, log); msg != "" {
		return nil, "ERR Error registering functions: " + msg
	}
	if len(lib.Functions) == 0 {
		return nil, "ERR No functions registered"
	}
	return lib, ""
}

// runLibrary runs a library's code in the load environment.
func (e *Engine) runLibrary(st *State, proto *lua.FunctionProto, lib *Library, timeout time.Duration, log func(int, string)) string {
	lb, L := e.libs, st.L
	fn := L.NewFunctionFromProto(proto)
	fn.Env = lb.fenv
	lb.envMeta.RawSetString("__index", lb.loadEnv)
	lb.loading = lib
	st.run = &Run{Host: loadHost{log}, Resp: 2, name: lib.Name, source: functionSource}
	// The watchdog has stopped the run or given up before the outcome is
	// read, so a late timeout cannot leak into the next run.
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		if timeout <= 0 {
			<-done
			return
		}
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-t.C:
			st.ctx.stop(errLoadTimeout)
		case <-done:
		}
	}()

	// EVAL's error handler words the VM's errors as Lua 5.1 does; its
	// err field is what Redis reports for a failed load.
	L.Push(fn)
	err := L.PCall(0, 0, st.errFn)

	close(done)
	<-watched
	stopped := st.ctx.Err()
	st.run = nil
	lb.loading = nil
	lb.envMeta.RawSetString("__index", st.globals)
	L.SetTop(0)
	st.ctx.renew(st.threads)
	st.threads = false
	if err == nil {
		slices.SortFunc(lib.Functions, func(a, b *Function) int { return strings.Compare(a.Name, b.Name) })
		return ""
	}
	if stopped != nil {
		lb.broken = true
		return "ERR " + stopped.Error()
	}
	var obj lua.LValue = lua.LString(err.Error())
	if ae, ok := err.(*lua.ApiError); ok {
		obj = ae.Object
	}
	if t, ok := obj.(*lua.LTable); ok {
		return lua.LVAsString(t.RawGetString("err"))
	}
	return "ERR " + lua.LVAsString(obj)
}

// loadHost is what library code may reach while it loads: the log.
type loadHost struct{ log func(int, string) }

func (h loadHost) Call([][]byte, int) []byte {
	return []byte("-ERR redis.call/pcall can only be called inside a script invocation\r\n")
}
func (h loadHost) SetRepl(int) {}
func (h loadHost) Log(level int, msg string) {
	if h.log != nil {
		h.log(level, msg)
	}
}
func (h loadHost) ACLCheck([][]byte) (bool, bool) { return false, false }

// registerFunction is redis.register_function(name, callback) or
// redis.register_function{function_name=, callback=, flags=, description=}.
func (lb *Libraries) registerFunction(L *lua.LState) int {
	lib := lb.loading
	if lib == nil {
		return raiseTable(L, "ERR redis.register_function can only be called on FUNCTION LOAD command")
	}
	var f *Function
	var msg string
	switch L.GetTop() {
	case 1:
		f, msg = namedFunctionArgs(L)
	case 2:
		f, msg = positionalFunctionArgs(L)
	default:
		msg = "wrong number of arguments to redis.register_function"
	}
	if msg != "" {
		return raiseTable(L, "ERR "+msg)
	}
	if !validName(f.Name) {
		return raiseTable(L, "ERR "+errInvalidName)
	}
	for _, g := range lib.Functions {
		if g.Name == f.Name {
			return raiseTable(L, "ERR Function already exists in the library")
		}
	}
	f.lib = lib
	lib.Functions = append(lib.Functions, f)
	return 0
}

const errInvalidName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

func positionalFunctionArgs(L *lua.LState) (*Function, string) {
	name, ok := toLuaString(L.Get(1))
	if !ok {
		return nil, "first argument to redis.register_function must be a string"
	}
	fn, ok := L.Get(2).(*lua.LFunction)
	if !ok {
		return nil, "second argument to redis.register_function must be a function"
	}
	return &Function{Name: name, fn: fn}, ""
}

func namedFunctionArgs(L *lua.LState) (*Function, string) {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		return nil, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments)."
	}
	f := &Function{}
	var hasName bool
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		key, ok := toLuaString(k)
		if !ok {
			return nil, "named argument key given to redis.register_function is not a string"
		}
		switch {
		case asciiEqualFold(key, "function_name"):
			if f.Name, hasName = toLuaString(v); !hasName {
				return nil, "function_name argument given to redis.register_function must be a string"
			}
		case asciiEqualFold(key, "description"):
			if f.Description, f.HasDescription = toLuaString(v); !f.HasDescription {
				return nil, "description argument given to redis.register_function must be a string"
			}
		case asciiEqualFold(key, "callback"):
			if f.fn, ok = v.(*lua.LFunction); !ok {
				return nil, "callback argument given to redis.register_function must be a function"
			}
		case asciiEqualFold(key, "flags"):
			ft, ok := v.(*lua.LTable)
			if !ok {
				return nil, "flags argument to redis.register_function must be a table representing function flags"
			}
			if f.Flags, ok = functionFlags(L, ft); !ok {
				return nil, "unknown flag given"
			}
		default:
			return nil, "unknown argument given to redis.register_function"
		}
	}
	if !hasName {
		return nil, "redis.register_function must get a function name argument"
	}
	if f.fn == nil {
		return nil, "redis.register_function must get a callback argument"
	}
	return f, ""
}

// functionFlags reads a flags array, 1 up to the first nil; names match
// in any case.
func functionFlags(L *lua.LState, t *lua.LTable) (Flags, bool) {
	var flags Flags
	for j := 1; ; j++ {
		v := L.GetTable(t, lua.LNumber(j))
		if v == lua.LNil {
			return flags, true
		}
		name, ok := toLuaString(v)
		if !ok {
			return 0, false
		}
		found := false
		for _, fl := range flagNames {
			if asciiEqualFold(fl.name, name) {
				flags |= fl.flag
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
}

// validName: letters, digits and underscores, at least one (library and
// function names alike).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// asciiEqualFold is strcasecmp's equality: ASCII letters only.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// parseLibraryMeta reads the "#!lua name=<lib>" line: the library name
// and the code to compile (from the line's newline on, so that line
// numbers are the code's), or Redis's error text.
func parseLibraryMeta(code []byte) (name string, body []byte, errMsg string) {
	if !bytes.HasPrefix(code, []byte("#!")) {
		return "", nil, "ERR Missing library metadata"
	}
	// Redis reads the line as a C string: a NUL ends it early.
	end := bytes.IndexByte(code, '\n')
	if nul := bytes.IndexByte(code, 0); end < 0 || nul >= 0 && nul < end {
		return "", nil, "ERR Invalid library metadata"
	}
	parts, ok := splitShebang(code[:end])
	if !ok || len(parts) == 0 {
		return "", nil, "ERR Invalid library metadata"
	}
	engine := strings.TrimPrefix(parts[0], "#!")
	hasName := false
	for _, p := range parts[1:] {
		if len(p) < 5 || !asciiEqualFold(p[:5], "name=") {
			return "", nil, "ERR Invalid metadata value given: " + cString(p)
		}
		if hasName {
			return "", nil, "ERR Invalid metadata value, name argument was given multiple times"
		}
		name, hasName = p[5:], true
	}
	switch {
	case !hasName:
		return "", nil, "ERR Library name was not given"
	case !validName(name):
		return "", nil, "ERR " + errInvalidName
	case !asciiEqualFold(engine, "lua"):
		return "", nil, "ERR Engine '" + engine + "' not found"
	}
	return name, code[end:], ""
}

// cString is s as C's %s prints it: up to a NUL.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// splitShebang splits the metadata line as Redis's sdssplitargs does:
// spaces separate, "double quotes" take C escapes and \xHH, 'single
// quotes' only \', and a closing quote must end its argument.
func splitShebang(line []byte) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(line) && isArgSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return out, true
		}
		var cur []byte
		for i < len(line) && !isTokenEnd(line[i]) {
			switch q := line[i]; q {
			case '"', '\'':
				i++
				for {
					if i >= len(line) {
						return nil, false // unterminated quotes
					}
					c := line[i]
					if c == q {
						i++
						break
					}
					if c == '\\' && i+1 < len(line) {
						if q == '\'' {
							if line[i+1] == '\'' {
								cur = append(cur, '\'')
								i += 2
								continue
							}
						} else if line[i+1] == 'x' && i+3 < len(line) && isHexDigit(line[i+2]) && isHexDigit(line[i+3]) {
							cur = append(cur, hexDigit(line[i+2])<<4|hexDigit(line[i+3]))
							i += 4
							continue
						} else {
							cur = append(cur, cEscape(line[i+1]))
							i += 2
							continue
						}
					}
					cur = append(cur, c)
					i++
				}
				if i < len(line) && !isArgSpace(line[i]) {
					return nil, false // closing quote must be followed by a space
				}
			default:
				cur = append(cur, q)
				i++
			}
		}
		out = append(out, string(cur))
	}
}

// isTokenEnd ends an unquoted argument; isArgSpace (C's isspace) is what
// separates arguments and may follow a closing quote.
func isTokenEnd(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func isArgSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexDigit(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func cEscape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
