package scripting

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// patchTable completes gopher-lua's table library to Lua 5.1's (foreach,
// foreachi, setn) and makes the functions that change a table refuse the
// sandbox's read-only ones, as Redis's read-only tables do.
func (st *State) patchTable(tab *lua.LTable) {
	L := st.L
	for _, name := range []string{"insert", "remove", "sort"} {
		orig := tab.RawGetString(name).(*lua.LFunction)
		tab.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if t, ok := L.Get(1).(*lua.LTable); ok {
				st.checkWritable(L, t)
			}
			return orig.GFunction(L)
		}))
	}
	concat := tab.RawGetString("concat").(*lua.LFunction)
	tab.RawSetString("concat", L.NewFunction(func(L *lua.LState) int {
		st.checkConcat(L)
		return concat.GFunction(L)
	}))
	tab.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		st.checkWritable(L, L.CheckTable(1))
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
	tab.RawSetString("foreach", L.NewFunction(tableForeach))
	tab.RawSetString("foreachi", L.NewFunction(tableForeachi))
}

// checkConcat refuses a table.concat whose result would pass the memory
// bound: the separator is repeated once per element, so a short table
// and a long separator could otherwise ask for terabytes in one call.
func (st *State) checkConcat(L *lua.LState) {
	limit := st.eng.MemoryLimit
	t, ok := L.Get(1).(*lua.LTable)
	if limit <= 0 || !ok {
		return
	}
	sep := int64(len(L.OptString(2, "")))
	i := int64(L.OptInt(3, 1))
	j := int64(L.OptInt(4, t.Len()))
	if j < i {
		return
	}
	size := (j - i) * sep
	for k := i; k <= j && size <= limit; k++ {
		if s, ok := t.RawGetInt(int(k)).(lua.LString); ok {
			size += int64(len(s))
		} else {
			size += 24 // a number's text
		}
	}
	if size > limit {
		L.RaiseError("not enough memory")
	}
}

func tableForeach(L *lua.LState) int {
	t := L.CheckTable(1)
	fn := L.CheckFunction(2)
	k, v := t.Next(lua.LNil)
	for k != lua.LNil {
		L.Push(fn)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
		k, v = t.Next(k)
	}
	return 0
}

func tableForeachi(L *lua.LState) int {
	t := L.CheckTable(1)
	fn := L.CheckFunction(2)
	n := t.Len()
	for i := 1; i <= n; i++ {
		L.Push(fn)
		L.Push(lua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

func floor(f float64) float64 { return math.Floor(f) }
