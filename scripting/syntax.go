package scripting

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Compile errors in Lua 5.1's words.

// luaSyntaxError words a parse error as Lua 5.1 does:
// "user_script:3: unexpected symbol near 'x'".
func luaSyntaxError(err error, source string, body []byte) string {
	var pe *parse.Error
	if errors.As(err, &pe) {
		near := "'" + pe.Token + "'"
		if pe.Pos.Line == parse.EOF {
			last := 1 + bytes.Count(body, []byte("\n"))
			msg := "unexpected symbol"
			switch pe.Message {
			case "unterminated string":
				msg = "unfinished string"
			case "unterminated multiline string":
				msg = "unfinished long string"
			case "invalid multiline comment":
				msg = "unfinished long comment"
			default:
				if open, line := unclosed(body); open != "" && !wantsExpression(body, open) {
					msg = "'" + closerOf[open] + "' expected"
					if line != last {
						msg += fmt.Sprintf(" (to close '%s' at line %d)", open, line)
					}
				}
			}
			return fmt.Sprintf("%s:%d: %s near '<eof>'", source, last, msg)
		}
		if pe.Message == "illegal hexadecimal number" {
			return fmt.Sprintf("%s:%d: malformed number near %s", source, pe.Pos.Line, near)
		}
		msg := "unexpected symbol"
		if strings.Contains(pe.Message, "unfinished") || strings.Contains(pe.Message, "malformed") {
			msg = strings.TrimSpace(pe.Message)
		}
		return fmt.Sprintf("%s:%d: %s near %s", source, pe.Pos.Line, msg, near)
	}
	var ce *lua.CompileError
	if errors.As(err, &ce) {
		if strings.HasPrefix(ce.Message, "cannot use '...'") {
			return fmt.Sprintf("%s:%d: %s near '...'", source, ce.Line, ce.Message)
		}
		return fmt.Sprintf("%s:%d: %s", source, ce.Line, ce.Message)
	}
	return source + ": " + strings.TrimSpace(err.Error())
}

// closerOf is the token that closes each kind of block.
var closerOf = map[string]string{
	"function": "end", "if": "end", "while": "end", "for": "end", "do": "end",
	"repeat": "until", "{": "}", "(": ")", "[": "]",
}

// unclosed finds the innermost block or bracket left open at the end of
// body, and its line: Lua 5.1's parser reports it ("'end' expected (to
// close 'function' at line 1) near '<eof>'") where gopher-lua's only says
// it met the end.
func unclosed(body []byte) (string, int) {
	type open struct {
		kind string
		line int
	}
	var stack []open
	line := 1
	loopDo := 0 // a while/for whose 'do' is still to come
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '-' && i+1 < len(body) && body[i+1] == '-':
			i += 2
			if n := longBracket(body[i:]); n >= 0 {
				end := bytes.Index(body[i:], []byte("]"+strings.Repeat("=", n)+"]"))
				if end < 0 {
					return "", 0
				}
				line += bytes.Count(body[i:i+end], []byte("\n"))
				i += end
				continue
			}
			for i < len(body) && body[i] != '\n' {
				i++
			}
		case c == '[' && longBracket(body[i:]) >= 0:
			n := longBracket(body[i:])
			end := bytes.Index(body[i:], []byte("]"+strings.Repeat("=", n)+"]"))
			if end < 0 {
				return "", 0
			}
			line += bytes.Count(body[i:i+end], []byte("\n"))
			i += end + n + 2
		case c == '"' || c == '\'':
			for i++; i < len(body) && body[i] != c && body[i] != '\n'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
			i++
		case c == '{' || c == '(' || c == '[':
			stack = append(stack, open{string(c), line})
			i++
		case c == '}' || c == ')' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(body) && (body[j] == '_' || body[j] >= 'a' && body[j] <= 'z' || body[j] >= 'A' && body[j] <= 'Z' || body[j] >= '0' && body[j] <= '9') {
				j++
			}
			switch w := string(body[i:j]); w {
			case "function", "if", "repeat":
				stack = append(stack, open{w, line})
			case "while", "for":
				stack = append(stack, open{w, line})
				loopDo++
			case "do":
				if loopDo > 0 {
					loopDo--
				} else {
					stack = append(stack, open{w, line})
				}
			case "end", "until":
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
			i = j
		default:
			i++
		}
	}
	if len(stack) == 0 {
		return "", 0
	}
	top := stack[len(stack)-1]
	return top.kind, top.line
}

// wantsExpression tells an open call, index or table whose parser was still
// waiting for an expression at the end (Lua says "unexpected symbol").
func wantsExpression(body []byte, open string) bool {
	if open != "(" && open != "[" && open != "{" {
		return false
	}
	t := bytes.TrimRight(body, " \t\r\n")
	return len(t) > 0 && strings.IndexByte("([{,;=+-*/%^<>.~", t[len(t)-1]) >= 0
}

// longBracket is the level of a long bracket opening at b ("[==[" is 2),
// or -1.
func longBracket(b []byte) int {
	if len(b) == 0 || b[0] != '[' {
		return -1
	}
	n := 1
	for n < len(b) && b[n] == '=' {
		n++
	}
	if n < len(b) && b[n] == '[' {
		return n - 1
	}
	return -1
}
