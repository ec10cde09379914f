package scripting

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// newLibState returns a bare Lua state with Lua's base, table, string and
// math libraries and the named Redis libraries open as globals, for the
// libraries' own tests.
func newLibState(t testing.TB, libs map[string]func(*lua.LState) *lua.LTable) *lua.LState {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	for name, open := range libs {
		L.SetGlobal(name, open(L))
	}
	t.Cleanup(L.Close)
	return L
}

// runLua runs src (a chunk ending in a return) and returns its first
// result, or the error message the chunk raised.
func runLua(L *lua.LState, src string) (lua.LValue, string) {
	fn, err := L.Load(strings.NewReader(src), "user_script")
	if err != nil {
		return lua.LNil, err.Error()
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		if le, ok := err.(*lua.ApiError); ok {
			return lua.LNil, le.Object.String()
		}
		return lua.LNil, err.Error()
	}
	v := L.Get(-1)
	L.Pop(1)
	return v, ""
}
