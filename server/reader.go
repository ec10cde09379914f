package server

import (
	"bytes"
	"errors"
)

// The request reader. It parses RESP multibulk and inline requests out of a
// client's input buffer the way Redis 7.0's processMultibulkBuffer and
// processInlineBuffer do, including where Redis is lax (the two bytes after a
// bulk are skipped, not checked) and every limit Redis enforces. Parsing is
// resumable: a request that arrives in pieces keeps its progress, so a long
// request is scanned once however many reads it takes, and a declared length
// never causes an allocation before its bytes are here.

// inlineMax is PROTO_INLINE_MAX_SIZE: the longest inline request or length line.
const inlineMax = 64 * 1024

// Limits that apply before a client has authenticated when a password is set.
const (
	unauthMaxArgs    = 10
	unauthMaxBulkLen = 16384
)

// protoError is a protocol violation: the reply is sent, then the client closed.
type protoError struct{ msg string }

func (e *protoError) Error() string { return e.msg }

var errNeedMore = errors.New("need more data")

// reqReader holds the parse state of one client's current request.
type reqReader struct {
	multibulk int   // arguments still expected in the current multibulk request, 0 = none
	bulkLen   int64 // length of the bulk being read, -1 = reading its length line
	args      [][]byte
	// The argument slices point into the input buffer, so they are stored as
	// offsets until the request is complete (the buffer may move when it grows).
	spans [][2]int
	start int // offset where the request in progress began
}

// inProgress reports whether a request has been partly read; its bytes from
// start on must stay in the buffer.
func (r *reqReader) inProgress() bool { return r.multibulk > 0 }

// readerLimits are the configured limits a parse obeys.
type readerLimits struct {
	maxBulkLen int64 // proto-max-bulk-len
	authed     bool  // false: the unauthenticated limits apply
}

// parse reads one request from buf starting at *pos. It returns the request's
// arguments (empty for requests Redis ignores, such as "*0" or a blank line),
// advancing *pos past what it consumed. errNeedMore means the request is not
// complete yet: call again with the same state once more bytes have arrived.
func (r *reqReader) parse(buf []byte, pos *int, lim readerLimits) ([][]byte, error) {
	if r.multibulk == 0 && len(r.spans) == 0 {
		if *pos >= len(buf) {
			return nil, errNeedMore
		}
		if buf[*pos] != '*' {
			return r.parseInline(buf, pos)
		}
		// Multibulk count line.
		rest := buf[*pos:]
		nl := cIndexByte(rest, '\r')
		if nl < 0 {
			if len(rest) > inlineMax {
				return nil, &protoError{"Protocol error: too big mbulk count string"}
			}
			return nil, errNeedMore
		}
		if nl > len(rest)-2 {
			return nil, errNeedMore
		}
		n, ok := parseInt(rest[1:nl])
		if !ok || n > 1<<31-1 {
			return nil, &protoError{"Protocol error: invalid multibulk length"}
		}
		if n > unauthMaxArgs && !lim.authed {
			return nil, &protoError{"Protocol error: unauthenticated multibulk length"}
		}
		r.start = *pos
		*pos += nl + 2
		if n <= 0 {
			return nil, nil
		}
		r.multibulk = int(n)
		r.bulkLen = -1
		// Never trust the declared count for an allocation: grow as arguments arrive.
		if cap(r.spans) < min(int(n), 1024) {
			r.spans = make([][2]int, 0, min(int(n), 1024))
		}
	}
	for r.multibulk > 0 {
		if r.bulkLen == -1 {
			rest := buf[*pos:]
			nl := cIndexByte(rest, '\r')
			if nl < 0 {
				if len(rest) > inlineMax {
					return nil, &protoError{"Protocol error: too big bulk count string"}
				}
				return nil, errNeedMore
			}
			if nl > len(rest)-2 {
				return nil, errNeedMore
			}
			if rest[0] != '$' {
				return nil, &protoError{"Protocol error: expected '$', got '" + string(rest[0]) + "'"}
			}
			n, ok := parseInt(rest[1:nl])
			if !ok || n < 0 || n > lim.maxBulkLen {
				return nil, &protoError{"Protocol error: invalid bulk length"}
			}
			if n > unauthMaxBulkLen && !lim.authed {
				return nil, &protoError{"Protocol error: unauthenticated bulk length"}
			}
			*pos += nl + 2
			r.bulkLen = n
		}
		if int64(len(buf)-*pos) < r.bulkLen+2 {
			return nil, errNeedMore
		}
		start := *pos
		r.spans = append(r.spans, [2]int{start, start + int(r.bulkLen)})
		*pos += int(r.bulkLen) + 2 // Redis skips the trailer without checking it
		r.bulkLen = -1
		r.multibulk--
	}
	args := r.args[:0]
	for _, s := range r.spans {
		args = append(args, buf[s[0]:s[1]:s[1]])
	}
	r.args = args
	r.spans = r.spans[:0]
	return args, nil
}

// pendingBulk reports how many more bytes the request being read needs at
// least, so the connection can size its buffer for a large argument.
func (r *reqReader) pendingBulk() int64 {
	if r.multibulk > 0 && r.bulkLen >= 0 {
		return r.bulkLen + 2
	}
	return 0
}

// rebase shifts stored offsets after the input buffer dropped its first n bytes.
func (r *reqReader) rebase(n int) {
	r.start -= n
	for i := range r.spans {
		r.spans[i][0] -= n
		r.spans[i][1] -= n
	}
}

func (r *reqReader) parseInline(buf []byte, pos *int) ([][]byte, error) {
	rest := buf[*pos:]
	nl := cIndexByte(rest, '\n')
	if nl < 0 {
		if len(rest) > inlineMax {
			return nil, &protoError{"Protocol error: too big inline request"}
		}
		return nil, errNeedMore
	}
	line := rest[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := splitArgs(line, r.args[:0])
	if !ok {
		return nil, &protoError{"Protocol error: unbalanced quotes in request"}
	}
	*pos += nl + 1
	r.args = args
	return args, nil
}

// splitArgs splits an inline request into arguments the way Redis's
// sdssplitargs does: spaces separate, "double quotes" take \x hex and C
// escapes, 'single quotes' take only \', a closing quote must be followed by
// a space or the end, and a quote may open inside a bare token. Bare tokens
// alias line; quoted ones get fresh memory.
func splitArgs(line []byte, args [][]byte) ([][]byte, bool) {
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, true
		}
		start := i
		for i < len(line) && !isTokenEnd(line[i]) && line[i] != '"' && line[i] != '\'' {
			i++
		}
		if i >= len(line) || isTokenEnd(line[i]) {
			args = append(args, line[start:i:i])
			continue
		}
		// A quote: build the argument in fresh memory from here on.
		cur := append([]byte{}, line[start:i]...)
		var ok bool
		if cur, i, ok = appendQuoted(cur, line, i); !ok {
			return nil, false
		}
		args = append(args, cur)
	}
}

// appendQuoted reads the rest of a token whose quote opens at line[i].
func appendQuoted(cur, line []byte, i int) ([]byte, int, bool) {
	for i < len(line) {
		c := line[i]
		switch {
		case isTokenEnd(c):
			return cur, i, true
		case c == '"':
			i++
			for {
				if i >= len(line) {
					return nil, i, false
				}
				c = line[i]
				if c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					cur = append(cur, hexVal(line[i+2])<<4|hexVal(line[i+3]))
					i += 4
					continue
				}
				if c == '\\' && i+1 < len(line) {
					cur = append(cur, unescape(line[i+1]))
					i += 2
					continue
				}
				if c == '"' {
					break
				}
				cur = append(cur, c)
				i++
			}
		case c == '\'':
			i++
			for {
				if i >= len(line) {
					return nil, i, false
				}
				c = line[i]
				if c == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					cur = append(cur, '\'')
					i += 2
					continue
				}
				if c == '\'' {
					break
				}
				cur = append(cur, c)
				i++
			}
		default:
			cur = append(cur, c)
			i++
			continue
		}
		// line[i] is a closing quote: the token must end right after it.
		i++
		if i < len(line) && !isSpace(line[i]) {
			return nil, i, false
		}
		return cur, i, true
	}
	return cur, i, true
}

func unescape(c byte) byte {
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

// isTokenEnd: the bytes that end a bare token in sdssplitargs.
func isTokenEnd(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0
}

// cIndexByte finds c the way Redis's strchr does on its query buffer: a NUL
// byte before c hides it, so the line counts as not yet complete.
func cIndexByte(b []byte, c byte) int {
	i := bytes.IndexByte(b, c)
	if i < 0 {
		return -1
	}
	if bytes.IndexByte(b[:i], 0) >= 0 {
		return -1
	}
	return i
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
