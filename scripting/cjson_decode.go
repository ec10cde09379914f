package scripting

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// cjson.decode: lua-cjson's tokenizer and recursive descent parser, with
// its error texts. lua-cjson reads its input as a C string, so a NUL byte
// ends the document wherever it appears.

type cjsonTokenType uint8

const (
	cjsonObjBegin cjsonTokenType = iota
	cjsonObjEnd
	cjsonArrBegin
	cjsonArrEnd
	cjsonString
	cjsonNumber
	cjsonBoolean
	cjsonNull
	cjsonColon
	cjsonComma
	cjsonEnd
	cjsonError
)

// cjsonTokenNames are the names errors print for unexpected tokens.
var cjsonTokenNames = [...]string{
	"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_ERROR",
}

type cjsonToken struct {
	typ   cjsonTokenType
	index int     // offset of the token, or of the error
	str   string  // a string's value, or the error's description
	num   float64 // a number's value; booleans use 1 for true
}

type cjsonDecoder struct {
	L       *lua.LState
	cfg     *cjsonConfig
	data    string
	pos     int
	depth   int
	scratch []byte // unescaped string under construction
	// The members of the arrays and objects being read, which are built
	// once complete so that each table gets its exact size.
	keys []string
	vals []lua.LValue
}

func (c *cjsonConfig) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "decode", "expected 1 argument")
	}
	var s string
	switch v := L.Get(1).(type) {
	case lua.LString:
		s = string(v)
	case lua.LNumber:
		s = string(cjsonFormatNumber(nil, float64(v), 14))
	default:
		typeError(L, 1, "decode", "string")
	}
	// Only the first character of a JSON text is sure to be ASCII; a NUL
	// in the first two betrays UTF-16 or UTF-32.
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
	}
	d := cjsonDecoder{L: L, cfg: c, data: s}
	var tok cjsonToken
	d.next(&tok)
	v := d.value(&tok, 1)
	d.next(&tok)
	if tok.typ != cjsonEnd {
		d.parseError("the end", &tok)
	}
	L.Push(v)
	return 1
}

// at returns the byte at i, or NUL past the end, as a C string reads.
func (d *cjsonDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (d *cjsonDecoder) parseError(expected string, tok *cjsonToken) {
	found := cjsonTokenNames[tok.typ]
	if tok.typ == cjsonError {
		found = tok.str
	}
	d.L.RaiseError("Expected %s but found %s at character %d", expected, found, tok.index+1)
}

// value converts the value tok starts. height is how many Lua stack slots
// lua-cjson would be using before pushing it: see cjsonMaxStack.
func (d *cjsonDecoder) value(tok *cjsonToken, height int) lua.LValue {
	switch tok.typ {
	case cjsonString:
		return lua.LString(tok.str)
	case cjsonNumber:
		return lua.LNumber(tok.num)
	case cjsonBoolean:
		return lua.LBool(tok.num != 0)
	case cjsonNull:
		return d.cfg.null
	case cjsonObjBegin:
		return d.object(height)
	case cjsonArrBegin:
		return d.array(height)
	}
	d.parseError("value", tok)
	return nil
}

// descend enters a nested array or object needing slots more stack slots.
func (d *cjsonDecoder) descend(slots, height int) {
	d.depth++
	if d.depth > d.cfg.decodeMaxDepth || height+slots > cjsonMaxStack {
		d.L.RaiseError("Found too many nested data structures (%d) at character %d", d.depth, d.pos)
	}
}

func (d *cjsonDecoder) object(height int) lua.LValue {
	d.descend(3, height) // table, key, value
	kbase, vbase := len(d.keys), len(d.vals)
	var tok cjsonToken
	d.next(&tok)
	if tok.typ != cjsonObjEnd {
		for {
			if tok.typ != cjsonString {
				d.parseError("object key string", &tok)
			}
			d.keys = append(d.keys, tok.str)
			d.next(&tok)
			if tok.typ != cjsonColon {
				d.parseError("colon", &tok)
			}
			d.next(&tok)
			v := d.value(&tok, height+2)
			d.vals = append(d.vals, v)
			d.next(&tok)
			if tok.typ == cjsonObjEnd {
				break
			}
			if tok.typ != cjsonComma {
				d.parseError("comma or object end", &tok)
			}
			d.next(&tok)
		}
	}
	d.depth--
	t := d.L.CreateTable(0, len(d.vals)-vbase)
	for i, k := range d.keys[kbase:] {
		t.RawSetString(k, d.vals[vbase+i])
	}
	d.keys, d.vals = d.keys[:kbase], d.vals[:vbase]
	return t
}

func (d *cjsonDecoder) array(height int) lua.LValue {
	d.descend(2, height) // table, value
	vbase := len(d.vals)
	var tok cjsonToken
	d.next(&tok)
	if tok.typ != cjsonArrEnd {
		for {
			v := d.value(&tok, height+1)
			d.vals = append(d.vals, v)
			d.next(&tok)
			if tok.typ == cjsonArrEnd {
				break
			}
			if tok.typ != cjsonComma {
				d.parseError("comma or array end", &tok)
			}
			d.next(&tok)
		}
	}
	d.depth--
	t := d.L.CreateTable(len(d.vals)-vbase, 0)
	for i, v := range d.vals[vbase:] {
		t.RawSetInt(i+1, v)
	}
	d.vals = d.vals[:vbase]
	return t
}

func (d *cjsonDecoder) tokenError(tok *cjsonToken, what string) {
	tok.typ = cjsonError
	tok.index = d.pos
	tok.str = what
}

// next reads the token at the current position. An error token leaves the
// position at the offending character.
func (d *cjsonDecoder) next(tok *cjsonToken) {
	c := d.at(d.pos)
	for c == ' ' || c == '\t' || c == '\n' || c == '\r' {
		d.pos++
		c = d.at(d.pos)
	}
	tok.index = d.pos
	single := cjsonEnd
	switch c {
	case 0:
		tok.typ = cjsonEnd
		return
	case '{':
		single = cjsonObjBegin
	case '}':
		single = cjsonObjEnd
	case '[':
		single = cjsonArrBegin
	case ']':
		single = cjsonArrEnd
	case ',':
		single = cjsonComma
	case ':':
		single = cjsonColon
	case '"':
		d.string(tok)
		return
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if d.cfg.decodeInvalid == 0 && d.invalidNumber() {
			d.tokenError(tok, "invalid number")
			return
		}
		d.number(tok)
		return
	case 't', 'f', 'n', 'i', 'I', 'N', '+':
		rest := d.data[d.pos:]
		switch {
		case strings.HasPrefix(rest, "true"):
			tok.typ, tok.num = cjsonBoolean, 1
			d.pos += 4
		case strings.HasPrefix(rest, "false"):
			tok.typ, tok.num = cjsonBoolean, 0
			d.pos += 5
		case strings.HasPrefix(rest, "null"):
			tok.typ = cjsonNull
			d.pos += 4
		case d.cfg.decodeInvalid != 0 && d.invalidNumber():
			// Only Inf, NaN and the like get here; anything else
			// starting with these letters is an "invalid token".
			d.number(tok)
		default:
			d.tokenError(tok, "invalid token")
		}
		return
	default:
		d.tokenError(tok, "invalid token")
		return
	}
	tok.typ = single
	d.pos++
}

// invalidNumber is json_is_invalid_number: does the number here use syntax
// strtod accepts but JSON does not (leading '+' or zeros, hex, Inf, NaN)?
func (d *cjsonDecoder) invalidNumber() bool {
	p := d.pos
	c := d.at(p)
	if c == '+' {
		return true
	}
	if c == '-' {
		p++
		c = d.at(p)
	}
	if c == '0' {
		c2 := d.at(p + 1)
		return c2|0x20 == 'x' || c2 >= '0' && c2 <= '9'
	}
	// A C char: bytes past 0x7f are negative, so "<= '9'" too.
	if c <= '9' || c >= 0x80 {
		return false
	}
	rest := d.data[p:]
	return cjsonHasPrefixFold(rest, "inf") || cjsonHasPrefixFold(rest, "nan")
}

func (d *cjsonDecoder) number(tok *cjsonToken) {
	f, end := cjsonStrtod(d.data, d.pos)
	if end == d.pos {
		d.tokenError(tok, "invalid number")
		return
	}
	tok.typ = cjsonNumber
	tok.num = f
	d.pos = end
}

// string reads a string token; the position is at its opening quote.
func (d *cjsonDecoder) string(tok *cjsonToken) {
	d.pos++
	start := d.pos
	// Most strings have no escapes: share the input's bytes.
	for ; ; d.pos++ {
		c := d.at(d.pos)
		if c == '"' {
			tok.typ, tok.str = cjsonString, d.data[start:d.pos]
			d.pos++
			return
		}
		if c == '\\' || c == 0 {
			break
		}
	}
	buf := append(d.scratch[:0], d.data[start:d.pos]...)
	defer func() { d.scratch = buf }()
	for {
		c := d.at(d.pos)
		switch c {
		case '"':
			d.pos++
			tok.typ, tok.str = cjsonString, string(buf)
			return
		case 0:
			d.tokenError(tok, "unexpected end of string")
			return
		case '\\':
			switch e := d.at(d.pos + 1); e {
			case 'u':
				var ok bool
				if buf, ok = d.unicodeEscape(buf); !ok {
					d.tokenError(tok, "invalid unicode escape code")
					return
				}
				continue
			case '"', '\\', '/':
				c = e
			case 'b':
				c = '\b'
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'f':
				c = '\f'
			case 'r':
				c = '\r'
			default:
				d.tokenError(tok, "invalid escape code")
				return
			}
			d.pos++
		}
		buf = append(buf, c)
		d.pos++
	}
}

// unicodeEscape appends the UTF-8 for the \uXXXX escape (or surrogate pair
// of escapes) at the position and moves past it.
func (d *cjsonDecoder) unicodeEscape(buf []byte) ([]byte, bool) {
	cp := d.hex4(d.pos + 2)
	if cp < 0 {
		return buf, false
	}
	n := 6
	if cp&0xF800 == 0xD800 {
		// A surrogate: must be a high one followed by an escaped low one.
		if cp&0x400 != 0 || d.at(d.pos+6) != '\\' || d.at(d.pos+7) != 'u' {
			return buf, false
		}
		lo := d.hex4(d.pos + 8)
		if lo < 0 || lo&0xFC00 != 0xDC00 {
			return buf, false
		}
		cp = ((cp&0x3FF)<<10 | lo&0x3FF) + 0x10000
		n = 12
	}
	d.pos += n
	return utf8.AppendRune(buf, rune(cp)), true
}

func (d *cjsonDecoder) hex4(i int) int {
	v := 0
	for j := i; j < i+4; j++ {
		c := d.at(j)
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			v = v<<4 | int(c|0x20-'a'+10)
		default:
			return -1
		}
	}
	return v
}

func cjsonHasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func cjsonIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func cjsonIsHex(c byte) bool { return cjsonIsDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

// cjsonStrtod is glibc's strtod in the C locale applied at s[start:]: it
// returns the value and the end of the longest prefix strtod accepts, or
// start when there is none. Beyond JSON that takes a leading '+', leading
// zeros, "1.", hexadecimal (with '.' and 'p' exponent), inf, infinity and
// nan, nan(chars), in any case.
func cjsonStrtod(s string, start int) (float64, int) {
	i := start
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	rest := s[i:]
	sign := 1.0
	if neg {
		sign = -1
	}
	switch {
	case cjsonHasPrefixFold(rest, "infinity"):
		return math.Inf(int(sign)), i + 8
	case cjsonHasPrefixFold(rest, "inf"):
		return math.Inf(int(sign)), i + 3
	case cjsonHasPrefixFold(rest, "nan"):
		n := 3
		if len(rest) > 3 && rest[3] == '(' {
			j := 4
			for j < len(rest) && (cjsonIsDigit(rest[j]) || rest[j]|0x20 >= 'a' && rest[j]|0x20 <= 'z' || rest[j] == '_') {
				j++
			}
			if j < len(rest) && rest[j] == ')' {
				n = j + 1
			}
		}
		return math.Copysign(math.NaN(), sign), i + n
	case len(rest) > 2 && rest[0] == '0' && rest[1]|0x20 == 'x':
		if f, n := cjsonHexFloat(rest[2:]); n > 0 {
			return sign * f, i + 2 + n
		}
		return sign * 0, i + 1 // just the "0" before a bare "x"
	}
	j, digits := 0, 0
	for j < len(rest) && cjsonIsDigit(rest[j]) {
		j++
		digits++
	}
	if j < len(rest) && rest[j] == '.' {
		j++
		for j < len(rest) && cjsonIsDigit(rest[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, start
	}
	j = cjsonExponent(rest, j, 'e')
	// The syntax is valid, so the only error is ErrRange, whose ±Inf or 0
	// is what strtod returns too.
	f, _ := strconv.ParseFloat(s[start:i+j], 64)
	return f, i + j
}

// cjsonExponent returns the end of an exponent (marker, optional sign,
// digits) at s[j:], or j when there is no complete one.
func cjsonExponent(s string, j int, marker byte) int {
	if j >= len(s) || s[j]|0x20 != marker {
		return j
	}
	k := j + 1
	if k < len(s) && (s[k] == '+' || s[k] == '-') {
		k++
	}
	if k >= len(s) || !cjsonIsDigit(s[k]) {
		return j
	}
	for k < len(s) && cjsonIsDigit(s[k]) {
		k++
	}
	return k
}

// cjsonHexFloat reads the hexadecimal float after "0x": hex digits with an
// optional point and 'p' exponent. n is 0 when there is no digit.
func cjsonHexFloat(s string) (f float64, n int) {
	j, digits := 0, 0
	for j < len(s) && cjsonIsHex(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && cjsonIsHex(s[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	mant := j
	j = cjsonExponent(s, j, 'p')
	exp := "p0"
	if j > mant {
		exp = s[mant:j]
	}
	f, _ = strconv.ParseFloat("0x"+s[:mant]+exp, 64)
	return f, j
}

// cjsonStr2Number is Lua 5.1's string to number conversion (luaO_str2d):
// strtod on the C string, surrounding whitespace allowed.
func cjsonStr2Number(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	isSpace := func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	f, end := cjsonStrtod(s, i)
	if end == i {
		return 0, false
	}
	for end < len(s) && isSpace(s[end]) {
		end++
	}
	return f, end == len(s)
}
