package scripting

import (
	"errors"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// patchTable completes gopher-lua's table library to Lua 5.1's (foreach,
// foreachi, setn) and makes the functions that change a table refuse the
// sandbox's read-only ones, as Redis's read-only tables do.
func (st *State) patchTable(tab *lua.LTable) {
	L := st.L
	tab.RawSetString("insert", L.NewFunction(st.tableInsert))
	tab.RawSetString("remove", L.NewFunction(st.tableRemove))
	// A read-only table has no elements to sort (nothing to write).
	tab.RawSetString("sort", L.NewFunction(tableSort))
	tab.RawSetString("concat", L.NewFunction(func(L *lua.LState) int {
		st.checkConcat(L)
		return tableConcat(L)
	}))
	tab.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		L.CheckTable(1)
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
	tab.RawSetString("foreach", L.NewFunction(func(L *lua.LState) int {
		return tableForeach(L, st.target(L.CheckTable(1)))
	}))
	tab.RawSetString("foreachi", L.NewFunction(func(L *lua.LState) int {
		return tableForeachi(L, st.target(L.CheckTable(1)))
	}))
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
	sepText, _ := luaText(L.Get(2))
	sep := int64(len(sepText))
	i, j := int64(1), int64(t.Len())
	if f, ok := toNumber(L.Get(3)); ok {
		i = luaToInt64(f)
	}
	if f, ok := toNumber(L.Get(4)); ok {
		j = luaToInt64(f)
	}
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

// tableForeach and tableForeachi read a read-only table's contents, as
// Lua 5.1's do.
func tableForeach(L *lua.LState, t *lua.LTable) int {
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

func tableForeachi(L *lua.LState, t *lua.LTable) int {
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

// numberText is lua_tostring of a number: C's "%.14g", with glibc's
// spelling of infinities and NaNs (whose sign x86 sets on 0/0).
func numberText(f float64) string {
	switch {
	case f != f:
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0 && math.Signbit(f):
		return "-0"
	case f == math.Trunc(f) && math.Abs(f) < 1e14:
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 14, 64)
}

// luaText is lua_tolstring: strings as they are, numbers as "%.14g".
func luaText(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return numberText(float64(v)), true
	}
	return "", false
}

// str2number is Lua 5.1's luaO_str2d: strtod, or strtoul for "0x",
// surrounded by optional white space.
func str2number(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	if s == "" || strings.ContainsRune(s, '_') {
		return 0, false
	}
	body, neg := s, false
	if body[0] == '-' || body[0] == '+' {
		body, neg = body[1:], body[0] == '-'
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') && !strings.ContainsAny(body, "pP.") {
		n, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if neg {
			n = -n
		}
		return float64(n), true
	}
	if strings.HasPrefix(body, "0b") || strings.HasPrefix(body, "0o") || strings.HasPrefix(body, "0B") || strings.HasPrefix(body, "0O") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// checkNumber is luaL_checknumber: a number or a string that reads as one.
func checkNumber(L *lua.LState, n int, fname string) float64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := str2number(string(v)); ok {
			return f
		}
	}
	typeError(L, n, fname, "number")
	return 0
}

// checkText is luaL_checklstring: a string or a number as "%.14g".
func checkText(L *lua.LState, n int, fname string) string {
	s, ok := luaText(L.Get(n))
	if !ok {
		typeError(L, n, fname, "string")
	}
	return s
}

func baseToString(L *lua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(lua.LNumber); ok {
		if mt, ok := L.GetMetatable(v).(*lua.LTable); !ok || mt.RawGetString("__tostring") == lua.LNil {
			L.Push(lua.LString(numberText(float64(n))))
			return 1
		}
	}
	L.Push(L.ToStringMeta(v))
	return 1
}

// baseToNumber is Lua 5.1's tonumber, bases 2 to 36 included.
func baseToNumber(L *lua.LState) int {
	base := 10
	if L.Get(2) != lua.LNil {
		base = int(checkNumber(L, 2, "tonumber"))
	}
	if base == 10 {
		switch v := L.CheckAny(1).(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := str2number(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	s := checkText(L, 1, "tonumber")
	if base < 2 || base > 36 {
		argError(L, 2, "tonumber", "base out of range")
	}
	s = strings.Trim(s, " \t\n\v\f\r")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if base == 16 {
		s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil || strings.ContainsRune(s, '_') {
		L.Push(lua.LNil)
		return 1
	}
	if neg {
		n = -n
	}
	L.Push(lua.LNumber(n))
	return 1
}

// baseError is Lua 5.1's error: strings and numbers get the position of
// the function at level (none for a Go function or level 0).
func (st *State) baseError(L *lua.LState) int {
	obj := L.Get(1)
	level := 1
	if L.Get(2) != lua.LNil {
		level = int(checkNumber(L, 2, "error"))
	}
	if s, ok := luaText(obj); ok {
		if level > 0 {
			s = st.where(L, level) + s
		}
		L.Push(lua.LString(s))
		L.Error(L.Get(-1), 0)
	}
	L.Error(obj, 0)
	return 0
}

// where is luaL_where: "source:line: " of the function at level, or ""
// for a Go function or a level past the stack.
func (st *State) where(L *lua.LState, level int) string {
	// Levels as Lua counts them: the protected calls' entry is no level.
	var dbg *lua.Debug
	for i, n := 0, 0; n <= level; i++ {
		d, ok := L.GetStack(i)
		if !ok {
			return ""
		}
		fn, _ := L.GetInfo("f", d, lua.LNil)
		if fn != st.enterFn || st.enterFn == nil {
			dbg = d
			n++
		}
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": "
}

// tableConcat is Lua 5.1's table.concat (numbers as "%.14g").
func tableConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := ""
	if L.Get(2) != lua.LNil {
		sep = checkText(L, 2, "concat")
	}
	i, j := 1, t.Len()
	if L.Get(3) != lua.LNil {
		i = int(checkNumber(L, 3, "concat"))
	}
	if L.Get(4) != lua.LNil {
		j = int(checkNumber(L, 4, "concat"))
	}
	var b strings.Builder
	for k := i; k <= j; k++ {
		v := t.RawGetInt(k)
		s, ok := luaText(v)
		if !ok {
			L.RaiseError("invalid value (%s) at index %d in table for 'concat'", v.Type().String(), k)
		}
		b.WriteString(s)
		if k != j {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// collectgarbage is Lua 5.1's interface; Go's collector runs on its own,
// so the options only answer as Lua's would.
func collectGarbage(L *lua.LState) int {
	opt := "collect"
	if L.Get(1) != lua.LNil {
		opt = checkText(L, 1, "collectgarbage")
	}
	switch opt {
	case "count":
		L.Push(lua.LNumber(float64(heapBytes()) / 1024))
	case "step":
		L.Push(lua.LFalse)
	case "setpause", "setstepmul":
		L.Push(lua.LNumber(200))
	case "stop", "restart", "collect":
		L.Push(lua.LNumber(0))
	default:
		argError(L, 1, "collectgarbage", "invalid option '"+opt+"'")
	}
	return 1
}

// mathMinMax is math.min (less) or math.max.
func mathMinMax(name string, less bool) lua.LGFunction {
	return func(L *lua.LState) int {
		best := checkNumber(L, 1, name)
		for i := 2; i <= L.GetTop(); i++ {
			v := checkNumber(L, i, name)
			if less && v < best || !less && v > best {
				best = v
			}
		}
		L.Push(lua.LNumber(best))
		return 1
	}
}

func baseSelect(L *lua.LState) int {
	n := L.GetTop()
	if s, ok := L.Get(1).(lua.LString); ok && s == "#" {
		L.Push(lua.LNumber(n - 1))
		return 1
	}
	i := int(luaToInt64(checkNumber(L, 1, "select")))
	if i < 0 {
		i = n + i
	} else if i > n {
		i = n
	}
	if i < 1 {
		argError(L, 1, "select", "index out of range")
	}
	return n - i
}

// tableInsert is Lua 5.1's table.insert.
func (st *State) tableInsert(L *lua.LState) int {
	t := L.CheckTable(1)
	e := t.Len() + 1
	var pos int
	switch L.GetTop() {
	case 2:
		pos = e
	case 3:
		pos = int(luaToInt64(checkNumber(L, 2, "insert")))
		if pos > e {
			e = pos
		}
	default:
		L.RaiseError("wrong number of arguments to 'insert'")
	}
	st.checkWritable(L, t)
	for i := e; i > pos; i-- {
		t.RawSetInt(i, t.RawGetInt(i-1))
	}
	t.RawSetInt(pos, L.Get(L.GetTop()))
	return 0
}

// tableRemove is Lua 5.1's table.remove: an empty table (a read-only
// proxy is one) is left alone.
func (st *State) tableRemove(L *lua.LState) int {
	t := L.CheckTable(1)
	e := t.Len()
	pos := e
	if L.Get(2) != lua.LNil {
		pos = int(luaToInt64(checkNumber(L, 2, "remove")))
	}
	if e == 0 {
		return 0
	}
	st.checkWritable(L, t)
	v := t.RawGetInt(pos)
	for ; pos < e; pos++ {
		t.RawSetInt(pos, t.RawGetInt(pos+1))
	}
	t.RawSetInt(e, lua.LNil)
	L.Push(v)
	return 1
}

// tableSort is Lua 5.1's table.sort, its quicksort step for step: with a
// comparator that has ties, the order of equal elements is Lua's, so
// scripts sort as they do on Redis.
func tableSort(L *lua.LState) int {
	t := L.CheckTable(1)
	var cmp lua.LValue
	if v := L.Get(2); v != lua.LNil {
		cmp = L.CheckFunction(2)
	}
	less := func(a, b lua.LValue) bool {
		if cmp != nil {
			L.Push(cmp)
			L.Push(a)
			L.Push(b)
			L.Call(2, 1)
			r := L.Get(-1)
			L.Pop(1)
			return lua.LVAsBool(r)
		}
		return lessThan(L, a, b)
	}
	set := func(i int, v lua.LValue) { t.RawSetInt(i, v) }
	get := t.RawGetInt
	swap := func(i, j int) {
		a, b := get(i), get(j)
		set(i, b)
		set(j, a)
	}
	var sort func(l, u int)
	sort = func(l, u int) {
		for l < u {
			if less(get(u), get(l)) {
				swap(l, u)
			}
			if u-l == 1 {
				break
			}
			i := (l + u) / 2
			if less(get(i), get(l)) {
				swap(i, l)
			} else if less(get(u), get(i)) {
				swap(i, u)
			}
			if u-l == 2 {
				break
			}
			p := get(i)
			swap(i, u-1)
			i, j := l, u-1
			for {
				for i++; less(get(i), p); i++ {
					if i > u {
						L.RaiseError("invalid order function for sorting")
					}
				}
				for j--; less(p, get(j)); j-- {
					if j < l {
						L.RaiseError("invalid order function for sorting")
					}
				}
				if j < i {
					break
				}
				swap(i, j)
			}
			swap(u-1, i)
			if i-l < u-i {
				j, i, l = l, i-1, i+1
			} else {
				j, i, u = i+1, u, i-1
			}
			sort(j, i)
		}
	}
	sort(1, t.Len())
	return 0
}

// lessThan is lua_lessthan: numbers, strings byte by byte, else __lt;
// its errors carry no position (Lua raises them inside the C sort).
func lessThan(L *lua.LState, a, b lua.LValue) bool {
	switch x := a.(type) {
	case lua.LNumber:
		if y, ok := b.(lua.LNumber); ok {
			return x < y
		}
	case lua.LString:
		if y, ok := b.(lua.LString); ok {
			return x < y
		}
	}
	ta, tb := a.Type().String(), b.Type().String()
	if ta == tb && L.GetMetaField(a, "__lt") != lua.LNil {
		return L.LessThan(a, b)
	}
	msg := "attempt to compare " + ta + " with " + tb
	if ta == tb {
		msg = "attempt to compare two " + ta + " values"
	}
	L.Push(lua.LString(msg))
	L.Error(L.Get(-1), 0)
	return false
}
