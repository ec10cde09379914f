package scripting

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// argError raises Lua 5.1's luaL_argerror text, which Redis's bundled C
// libraries produce: "bad argument #n to 'fname' (msg)", prefixed with the
// calling script's position. gopher-lua's own ArgError omits the quotes.
func argError(L *lua.LState, n int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fname, msg)
}

// typeError raises luaL_typerror's text: "<want> expected, got <type>".
func typeError(L *lua.LState, n int, fname, want string) {
	got := "no value"
	if n <= L.GetTop() {
		got = L.Get(n).Type().String()
	}
	argError(L, n, fname, fmt.Sprintf("%s expected, got %s", want, got))
}
