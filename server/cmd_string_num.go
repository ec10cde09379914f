package server

import (
	"math/big"

	"github.com/shoaldb/shoal/datatypes"
)

// The strings family's arithmetic: INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT.

// INCR key, DECR key.
func cmdIncr(c *Client) {
	by := int64(1)
	if c.cmd.Name == "decr" {
		by = -1
	}
	c.incrBy(by)
}

// INCRBY key increment, DECRBY key decrement. The argument is checked
// before the key, as Redis does.
func cmdIncrBy(c *Client) {
	by, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if c.cmd.Name == "decrby" {
		if by == -1<<63 {
			c.writeError(errDecrOverflow)
			return
		}
		by = -by
	}
	c.incrBy(by)
}

// incrBy adds by to the integer at args[1] (0 if absent), keeping its TTL.
func (c *Client) incrBy(by int64) {
	key := c.args[1]
	var v int64
	e := c.lookupWrite(key)
	if e != nil {
		if e.Type != TypeString {
			c.writeError(errWrongType)
			return
		}
		var ok bool
		if v, ok = parseInt(e.Str()); !ok {
			c.writeError(errNotInt)
			return
		}
	}
	if (by < 0 && v < 0 && by < -1<<63-v) || (by > 0 && v > 0 && by > 1<<63-1-v) {
		c.writeError(errOverflow)
		return
	}
	v += by
	var buf [20]byte
	c.overwrite(key, e, appendInt(buf[:0], v), true)
	c.notify(notifyString, "incrby", key)
	c.writeInt(v)
}

// INCRBYFLOAT key increment, in 80-bit long double arithmetic as Redis
// computes it, propagated as SET key result KEEPTTL so that replicas store
// exactly the same text whatever their float formatting.
func cmdIncrByFloat(c *Client) {
	key := c.args[1]
	e := c.lookupWrite(key)
	if e != nil && e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	cur := new(big.Float) // an absent key counts as 0
	if e != nil {
		var ok bool
		if cur, ok = datatypes.ParseLongDouble(e.Str()); !ok {
			c.writeError(errNotFloat)
			return
		}
	}
	incr, ok := datatypes.ParseLongDouble(c.args[2])
	if !ok {
		c.writeError(errNotFloat)
		return
	}
	sum, ok := datatypes.AddLongDouble(cur, incr)
	if !ok {
		c.writeError(errIncrNaN)
		return
	}
	val := datatypes.FormatLongDouble(sum)
	// Redis stores INCRBYFLOAT's result as an embstr, whatever it looks like.
	c.overwrite(key, e, val, true).enc = encEmbstr
	c.notify(notifyString, "incrbyfloat", key)
	c.writeBulk(val)
	c.propArgs = [][]byte{[]byte("SET"), key, val, []byte("KEEPTTL")}
}
