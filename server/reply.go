package server

import (
	"math"
	"strconv"

	"github.com/tidwall/redcon"
)

// Reply writers. Every reply goes into the client's output buffer, which is
// written to the socket once per pipeline. Types that differ between RESP2
// and RESP3 are written by the method that knows both forms.

func (c *Client) writeRaw(b []byte)       { c.out = append(c.out, b...) }
func (c *Client) writeRawString(s string) { c.out = append(c.out, s...) }
func (c *Client) writeOK()                { c.out = append(c.out, "+OK\r\n"...) }
func (c *Client) writeStatus(s string)    { c.out = redcon.AppendString(c.out, s) }
func (c *Client) writeInt(n int64)        { c.out = redcon.AppendInt(c.out, n) }
func (c *Client) writeBulk(b []byte)      { c.out = redcon.AppendBulk(c.out, b) }
func (c *Client) writeBulkString(s string) {
	c.out = redcon.AppendBulkString(c.out, s)
}

// writeArray starts an array of n elements.
func (c *Client) writeArray(n int) { c.out = redcon.AppendArray(c.out, n) }

// writeError sends an error reply and counts it in errorstats. msg is the
// text without '-' (as in errors.go); newlines are made spaces as Redis does.
func (c *Client) writeError(msg string) {
	c.out = append(c.out, '-')
	for i := 0; i < len(msg); i++ {
		ch := msg[i]
		if ch == '\r' || ch == '\n' {
			ch = ' '
		}
		c.out = append(c.out, ch)
	}
	c.out = append(c.out, '\r', '\n')
	c.errored = true
	c.srv.stats.countError(msg)
}

// writeNull is a missing bulk: $-1 in RESP2, _ in RESP3.
func (c *Client) writeNull() {
	if c.resp == 3 {
		c.out = append(c.out, "_\r\n"...)
	} else {
		c.out = append(c.out, "$-1\r\n"...)
	}
}

// writeNullArray is a missing array: *-1 in RESP2, _ in RESP3.
func (c *Client) writeNullArray() {
	if c.resp == 3 {
		c.out = append(c.out, "_\r\n"...)
	} else {
		c.out = append(c.out, "*-1\r\n"...)
	}
}

// writeMap starts a map of n pairs: %n in RESP3, an array of 2n in RESP2.
func (c *Client) writeMap(n int) {
	if c.resp == 3 {
		c.out = appendPrefix(c.out, '%', n)
	} else {
		c.out = redcon.AppendArray(c.out, 2*n)
	}
}

// writeSet starts a set of n elements: ~n in RESP3, an array in RESP2.
func (c *Client) writeSet(n int) {
	if c.resp == 3 {
		c.out = appendPrefix(c.out, '~', n)
	} else {
		c.out = redcon.AppendArray(c.out, n)
	}
}

// writePush starts an out-of-band push of n elements: >n in RESP3, an array in RESP2.
func (c *Client) writePush(n int) {
	if c.resp == 3 {
		c.out = appendPrefix(c.out, '>', n)
	} else {
		c.out = redcon.AppendArray(c.out, n)
	}
}

// writeBool is #t/#f in RESP3 and :1/:0 in RESP2.
func (c *Client) writeBool(b bool) {
	switch {
	case c.resp == 3 && b:
		c.out = append(c.out, "#t\r\n"...)
	case c.resp == 3:
		c.out = append(c.out, "#f\r\n"...)
	case b:
		c.out = append(c.out, ":1\r\n"...)
	default:
		c.out = append(c.out, ":0\r\n"...)
	}
}

// writeDouble is a RESP3 double or, in RESP2, a bulk string, formatted as
// Redis 7.0's addReplyDouble does ("%.17g", "inf", "-inf").
func (c *Client) writeDouble(f float64) {
	var buf [32]byte
	s := appendDouble(buf[:0], f)
	if c.resp == 3 {
		c.out = append(c.out, ',')
		c.out = append(c.out, s...)
		c.out = append(c.out, '\r', '\n')
		return
	}
	c.out = redcon.AppendBulk(c.out, s)
}

// writeVerbatim is a RESP3 verbatim string of format "txt", a bulk in RESP2.
func (c *Client) writeVerbatim(s string) { c.writeVerbatimFormat("txt", s) }

// writeBigNumber is a RESP3 big number, a bulk string in RESP2.
func (c *Client) writeBigNumber(s string) {
	if c.resp == 3 {
		c.out = append(c.out, '(')
		c.out = append(c.out, s...)
		c.out = append(c.out, '\r', '\n')
		return
	}
	c.out = redcon.AppendBulkString(c.out, s)
}

// writeVerbatimFormat is a RESP3 verbatim string of the given three-letter
// format, a bulk string in RESP2.
func (c *Client) writeVerbatimFormat(format, s string) {
	if c.resp != 3 {
		c.out = redcon.AppendBulkString(c.out, s)
		return
	}
	c.out = appendPrefix(c.out, '=', len(s)+4)
	c.out = append(c.out, format...)
	c.out = append(c.out, ':')
	c.out = append(c.out, s...)
	c.out = append(c.out, '\r', '\n')
}

// appendDouble formats f like C's "%.17g" (Redis's double replies).
func appendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f) && math.Signbit(f):
		return append(b, "-nan"...) // printf's spelling, as Redis's replies show it
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return appendG17(b, f)
}

// appendG17 is C's printf("%.17g", f) for finite f.
func appendG17(b []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	// %g: exponent form when exp < -4 or exp >= precision; trailing zeros removed.
	e := strconv.AppendFloat(nil, f, 'e', 16, 64)
	// e is like "-1.2345678901234567e+05"
	mant, exp := e, 0
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] == 'e' {
			mant = e[:i]
			x, _ := strconv.Atoi(string(e[i+1:]))
			exp = x
			break
		}
	}
	if exp < -4 || exp >= 17 {
		mant = trimZeros(mant)
		b = append(b, mant...)
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		if exp < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(exp), 10)
	}
	s := strconv.AppendFloat(nil, f, 'f', 16-exp, 64)
	return append(b, trimZeros(s)...)
}

// trimZeros removes trailing zeros after a decimal point, and the point.
func trimZeros(s []byte) []byte {
	for i := range s {
		if s[i] == '.' {
			j := len(s)
			for j > i && s[j-1] == '0' {
				j--
			}
			if j == i+1 {
				j = i
			}
			return s[:j]
		}
	}
	return s
}

func appendPrefix(b []byte, c byte, n int) []byte {
	b = append(b, c)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}
