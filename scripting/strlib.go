package scripting

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"
)

// The string library's functions that differ from gopher-lua's.

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
