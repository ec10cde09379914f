package server

import (
	"math"

	"github.com/shoaldb/shoal/datatypes"
)

// The strings family's commands on parts of a value: APPEND, SETRANGE,
// GETRANGE (SUBSTR), STRLEN and LCS.

// checkStringLength refuses a value of size+add bytes above
// proto-max-bulk-len (or overflowing), except from our primary, which
// Redis always obeys.
func (c *Client) checkStringLength(size, add int64) bool {
	if c.has(clientMaster) {
		return true
	}
	total := size + add
	if total < size || total > c.srv.config().ProtoMaxBulkLen {
		c.writeError(errStringTooLong)
		return false
	}
	return true
}

// APPEND key value: replies with the new length.
func cmdAppend(c *Client) {
	key, arg := c.args[1], c.args[2]
	e := c.lookupWrite(key)
	if e == nil {
		c.addEntry(newEntry(key, arg))
		c.notify(notifyString, "append", key)
		c.writeInt(int64(len(arg)))
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	if !c.checkStringLength(int64(len(e.Str())), int64(len(arg))) {
		return
	}
	before := e.memUsage()
	v := e.growStr(len(arg)) // geometric growth: repeated APPENDs are linear
	copy(v[len(v)-len(arg):], arg)
	c.resized(e, before)
	c.dirty++
	c.notify(notifyString, "append", key)
	c.writeInt(int64(len(v)))
}

// SETRANGE key offset value: overwrites from offset, zero-padding a shorter
// value; replies with the new length.
func cmdSetRange(c *Client) {
	key, val := c.args[1], c.args[3]
	off, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if off < 0 {
		c.writeError(errOffsetRange)
		return
	}
	e := c.lookupWrite(key)
	if e == nil {
		// Setting nothing on a missing key creates nothing.
		if len(val) == 0 {
			c.writeInt(0)
			return
		}
		if !c.checkStringLength(off, int64(len(val))) {
			return
		}
		buf := make([]byte, int(off)+len(val))
		copy(buf[off:], val)
		e := newEntry(key, buf)
		e.enc = encRaw // Redis builds it as a raw string, however short
		c.addEntry(e)
		c.notify(notifyString, "setrange", key)
		c.writeInt(int64(len(buf)))
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	olen := len(e.Str())
	if len(val) == 0 {
		c.writeInt(int64(olen))
		return
	}
	if !c.checkStringLength(off, int64(len(val))) {
		return
	}
	before := e.memUsage()
	if end := int(off) + len(val); end > olen {
		clear(e.growStr(end - olen)[olen:])
	}
	v := e.Str()
	copy(v[off:], val)
	e.enc = encRaw // Redis unshares the value into a raw string
	c.resized(e, before)
	c.dirty++
	c.notify(notifyString, "setrange", key)
	c.writeInt(int64(len(v)))
}

// GETRANGE key start end (and SUBSTR): inclusive, negative indexes count
// from the end, out-of-range indexes are clamped.
func cmdGetRange(c *Client) {
	start, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	end, ok := parseInt(c.args[3])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	e := c.lookupRead(c.args[1])
	if e == nil {
		c.writeBulk(nil)
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	v := e.Str()
	n := int64(len(v))
	if start < 0 && end < 0 && start > end {
		c.writeBulk(nil)
		return
	}
	start, end, ok = strRange(start, end, n)
	if !ok {
		c.writeBulk(nil)
		return
	}
	c.writeBulk(v[start : end+1])
}

// strRange applies Redis's range rules for strings (GETRANGE, BITCOUNT,
// BITPOS) to a value of n units: negative indexes count from the end,
// then both are clamped into it; an end before the start clamps to 0
// (unlike LRANGE's). ok is false when the range is empty.
func strRange(start, end, n int64) (s, e int64, ok bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	return start, end, start <= end && n > 0
}

// STRLEN key: 0 for a missing key.
func cmdStrlen(c *Client) {
	e := c.lookupRead(c.args[1])
	if e == nil {
		c.writeInt(0)
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	c.writeInt(int64(len(e.Str())))
}

// lcsMaxCells bounds LCS's table (4 bytes a cell). Redis tries any size and
// reports an allocation failure; Go cannot recover from one, so Shoal
// refuses tables above 1 GiB with the same error.
const lcsMaxCells = 1 << 28

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
func cmdLCS(c *Client) {
	ea, eb := c.lookupRead(c.args[1]), c.lookupRead(c.args[2])
	// The type check comes before the options are parsed, as in Redis.
	if (ea != nil && ea.Type != TypeString) || (eb != nil && eb.Type != TypeString) {
		c.writeError(errLCSNotString)
		return
	}
	var a, b []byte // a missing key is an empty string
	if ea != nil {
		a = ea.Str()
	}
	if eb != nil {
		b = eb.Str()
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for i := 3; i < len(c.args); i++ {
		opt := c.args[i]
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withLen = true
		case eqFold(opt, "minmatchlen") && i+1 < len(c.args):
			n, ok := parseInt(c.args[i+1])
			if !ok {
				c.writeError(errNotInt)
				return
			}
			minLen = max(n, 0)
			i++
		default:
			c.writeError(errSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.writeError(errLCSLenAndIdx)
		return
	}
	if len(a) >= math.MaxUint32-1 || len(b) >= math.MaxUint32-1 {
		c.writeError(errLCSTooLong)
		return
	}
	if datatypes.LCSCells(len(a), len(b)) > lcsMaxCells {
		c.writeError(errLCSNoMemory)
		return
	}
	seq, runs := datatypes.LCS(a, b)
	switch {
	case getIdx:
		c.writeMap(2)
		c.writeBulkString("matches")
		n := 0
		for _, r := range runs {
			if int64(r.Len()) >= minLen {
				n++
			}
		}
		c.writeArray(n)
		for _, r := range runs {
			if int64(r.Len()) < minLen {
				continue
			}
			if withLen {
				c.writeArray(3)
			} else {
				c.writeArray(2)
			}
			c.writeArray(2)
			c.writeInt(int64(r.AStart))
			c.writeInt(int64(r.AEnd))
			c.writeArray(2)
			c.writeInt(int64(r.BStart))
			c.writeInt(int64(r.BEnd))
			if withLen {
				c.writeInt(int64(r.Len()))
			}
		}
		c.writeBulkString("len")
		c.writeInt(int64(len(seq)))
	case getLen:
		c.writeInt(int64(len(seq)))
	default:
		c.writeBulk(seq)
	}
}
