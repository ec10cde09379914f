package scripting

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// patchTable completes gopher-lua's table library to Lua 5.1's (foreach,
// foreachi, setn) and makes the functions that change a table refuse the
// sandbox's read-only ones, as Redis's read-only tables do.
func (st *State) patchTable(tab *lua.LTable) {
	L := st.L
	tab.RawSetString("insert", L.NewFunction(st.tableInsert))
	tab.RawSetString("remove", L.NewFunction(st.tableRemove))
	for _, name := range []string{"sort"} {
		orig := tab.RawGetString(name).(*lua.LFunction)
		tab.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if t, ok := L.Get(1).(*lua.LTable); ok && t.Len() > 1 {
				st.checkWritable(L, t)
			}
			return orig.GFunction(L)
		}))
	}
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

// strFormat is Lua 5.1's string.format: C's printf conversions, numbers
// as "%.14g" under %s, and Lua's errors for bad specifications.
func strFormat(L *lua.LState) int {
	f := checkText(L, 1, "format")
	top := L.GetTop()
	arg := 1
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		// The specification: flags, two digits of width, two of precision.
		start := i
		for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
			i++
		}
		if i-start >= 6 {
			L.RaiseError("invalid format (repeated flags)")
		}
		flags := f[start:i]
		digits := func() string {
			s := i
			for n := 0; n < 2 && i < len(f) && isDigit(f[i]); n++ {
				i++
			}
			return f[s:i]
		}
		width, prec, hasPrec := digits(), "", false
		if i < len(f) && f[i] == '.' {
			i++
			hasPrec = true
			prec = digits()
		}
		if i < len(f) && isDigit(f[i]) {
			L.RaiseError("invalid format (width or precision too long)")
		}
		conv := byte(0)
		if i < len(f) {
			conv = f[i]
		}
		arg++
		if strings.IndexByte("cdiouxXeEfgGqs", conv) >= 0 && arg > top {
			argError(L, arg, "format", "no value")
		}
		spec := "%" + flags + width
		if hasPrec {
			spec += "." + prec
		}
		switch conv {
		case 'c':
			// C's sprintf then strlen: a NUL character adds nothing.
			c := string([]byte{byte(luaToInt64(checkNumber(L, arg, "format")))})
			b.WriteString(cText(fmt.Sprintf(spec+"s", c)))
		case 'd', 'i':
			b.WriteString(fmt.Sprintf(spec+"d", luaToInt64(checkNumber(L, arg, "format"))))
		case 'o', 'u', 'x', 'X':
			verb := string(conv)
			if conv == 'u' {
				verb = "d"
			}
			b.WriteString(fmt.Sprintf(spec+verb, toUnsigned(checkNumber(L, arg, "format"))))
		case 'e', 'E', 'f', 'g', 'G':
			n := checkNumber(L, arg, "format")
			if math.IsInf(n, 0) || n != n {
				text := numberText(n)
				if conv == 'E' || conv == 'G' {
					text = strings.ToUpper(text)
				}
				if n > 0 && strings.Contains(flags, "+") {
					text = "+" + text
				}
				b.WriteString(fmt.Sprintf("%"+strings.Trim(flags, "0#+ ")+width+"s", text))
				break
			}
			if !hasPrec {
				spec += ".6"
			}
			b.WriteString(fmt.Sprintf(spec+string(conv), n))
		case 'q':
			quoteString(&b, checkText(L, arg, "format"))
		case 's':
			s := checkText(L, arg, "format")
			if hasPrec || len(s) < 100 {
				s = cText(s) // formatted by sprintf, so cut at a NUL
			}
			if hasPrec {
				if p, _ := strconv.Atoi(prec); p < len(s) {
					s = s[:p]
				}
			}
			if w, _ := strconv.Atoi(width); w > len(s) {
				pad := strings.Repeat(" ", w-len(s))
				if strings.Contains(flags, "-") {
					s += pad
				} else {
					s = pad + s
				}
			}
			b.WriteString(s)
		default:
			L.RaiseError("invalid option '%%%s' to 'format'", f[i:min(i+1, len(f))])
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// toUnsigned is C's (unsigned long) cast of a double on x86-64.
func toUnsigned(f float64) uint64 {
	if f >= 1<<63 && f < 1<<64 {
		return uint64(f-(1<<63)) | 1<<63
	}
	return uint64(luaToInt64(f))
}

// quoteString is %q: a Lua string literal that reads back as s.
func quoteString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case 0:
			b.WriteString(`\000`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// cText is s as C's strlen sees it.
func cText(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
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

func strChar(L *lua.LState) int {
	n := L.GetTop()
	b := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := luaToInt64(checkNumber(L, i, "char"))
		if c < 0 || c > 255 {
			argError(L, i, "char", "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(lua.LString(b))
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

// strByte is Lua 5.1's string.byte: one character unless told more.
func strByte(L *lua.LState) int {
	s := checkText(L, 1, "byte")
	i := int64(1)
	if L.Get(2) != lua.LNil {
		i = luaToInt64(checkNumber(L, 2, "byte"))
	}
	j := i
	if L.Get(3) != lua.LNil {
		j = luaToInt64(checkNumber(L, 3, "byte"))
	}
	n := int64(len(s))
	if i < 0 {
		i += n + 1
	}
	if j < 0 {
		j += n + 1
	}
	i = max(i, 1)
	j = min(j, n)
	if i > j {
		return 0
	}
	if j-i >= maxCStack {
		L.RaiseError("string slice too long")
	}
	for k := i; k <= j; k++ {
		L.Push(lua.LNumber(s[k-1]))
	}
	return int(j - i + 1)
}

// strGsub is Lua 5.1's string.gsub on gopher-lua's pattern matcher. Its
// own gsub copies the whole result once per match (a few megabytes of
// input keep it busy for hours, where no SCRIPT KILL reaches it); this one
// builds the result once and holds it to the script memory bound.
func (st *State) strGsub(L *lua.LState) int {
	src := checkText(L, 1, "gsub")
	pat := checkText(L, 2, "gsub")
	repl := L.Get(3)
	switch repl.(type) {
	case lua.LString, lua.LNumber, *lua.LTable, *lua.LFunction:
	default:
		argError(L, 3, "gsub", "string/function/table expected")
	}
	maxN := len(src) + 1
	if L.Get(4) != lua.LNil {
		maxN = int(luaInt(checkNumber(L, 4, "gsub")))
	}
	if maxN <= 0 {
		L.Push(lua.LString(src))
		L.Push(lua.LNumber(0))
		return 2
	}
	matches, err := pm.Find(pat, []byte(src), 0, maxN)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	limit := st.eng.MemoryLimit
	var b strings.Builder
	last := 0
	for _, m := range matches {
		start, end := m.Capture(0), m.Capture(1)
		b.WriteString(src[last:start])
		last = end
		whole := src[start:end]
		switch r := repl.(type) {
		case lua.LString, lua.LNumber:
			text, _ := luaText(r)
			expandRepl(L, &b, text, src, whole, m)
		default:
			var v lua.LValue
			if t, ok := r.(*lua.LTable); ok {
				v = L.GetTable(t, capture(src, whole, m, 0))
			} else {
				L.Push(r)
				n := 0
				for i := 0; i < max(1, captures(m)); i++ {
					L.Push(capture(src, whole, m, i))
					n++
				}
				L.Call(n, 1)
				v = L.Get(-1)
				L.Pop(1)
			}
			if v == lua.LNil || v == lua.LFalse {
				b.WriteString(whole)
			} else if text, ok := luaText(v); ok {
				b.WriteString(text)
			} else {
				L.RaiseError("invalid replacement value (a %s)", v.Type().String())
			}
		}
		if limit > 0 && int64(b.Len()) > limit {
			L.RaiseError("not enough memory")
		}
	}
	b.WriteString(src[last:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(len(matches)))
	return 2
}

// captures is how many captures the pattern made.
func captures(m *pm.MatchData) int { return (m.CaptureLength() - 2) / 2 }

// capture is capture i (0-based) of a match, or the whole match when the
// pattern has none; a position capture is a number.
func capture(src, whole string, m *pm.MatchData, i int) lua.LValue {
	if captures(m) == 0 {
		return lua.LString(whole)
	}
	k := 2 + 2*i
	if m.IsPosCapture(k) {
		return lua.LNumber(m.Capture(k))
	}
	return lua.LString(src[m.Capture(k):m.Capture(k+1)])
}

// expandRepl appends a string replacement: %0 is the match, %1..%9 its
// captures, % before anything else that character.
func expandRepl(L *lua.LState, b *strings.Builder, repl, src, whole string, m *pm.MatchData) {
	for i := 0; i < len(repl); i++ {
		// Copy up to the next %.
		j := strings.IndexByte(repl[i:], '%')
		if j < 0 || i+j+1 == len(repl) {
			b.WriteString(repl[i:])
			return
		}
		b.WriteString(repl[i : i+j])
		i += j + 1
		c := repl[i]
		switch {
		case !isDigit(c):
			b.WriteByte(c)
		case c == '0':
			b.WriteString(whole)
		default:
			n := int(c - '1')
			if n >= captures(m) && !(n == 0 && captures(m) == 0) {
				L.RaiseError("invalid capture index")
			}
			text, _ := luaText(capture(src, whole, m, n))
			b.WriteString(text)
		}
	}
}
