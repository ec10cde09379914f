package server

import (
	"github.com/shoaldb/shoal/datatypes"
)

// ZPOPMIN, ZPOPMAX, ZMPOP and their blocking forms BZPOPMIN, BZPOPMAX and
// BZMPOP. Every form is Redis's genericZpopCommand with different reply
// shapes: flat [member, score, ...] (ZPOPMIN in RESP2 or without count),
// pairs [[member, score], ...] (ZPOPMIN with count in RESP3), with the key
// in front for the multi-key forms.

// zpopReply selects a pop's reply shape.
type zpopReply struct {
	emitKey bool // the key comes first (BZPOPMIN, ZMPOP, BZMPOP)
	nested  bool // members as [member, score] pairs
}

// zpop pops up to count members from the lowest (max false) or highest end
// of the sorted set at e (key's entry), replies with them and returns how
// many it popped.
func (c *Client) zpop(key []byte, e *Entry, max bool, count int64, shape zpopReply) int {
	z := zsetOf(e)
	n := int(min(count, int64(z.Len())))
	switch {
	case shape.emitKey && shape.nested:
		c.writeArray(2)
		c.writeBulk(key)
		c.writeArray(n)
	case shape.emitKey:
		c.writeArray(2*n + 1)
		c.writeBulk(key)
	case shape.nested:
		c.writeArray(n)
	default:
		c.writeArray(2 * n)
	}
	before := e.memUsage()
	write := func(it datatypes.ZItem) {
		if shape.nested {
			c.writeArray(2) // a pair in RESP2 too
		}
		c.writeBulkString(it.Member)
		c.writeScore(it.Score)
	}
	from := 0
	if max {
		from = z.Len() - n
		z.Descend(z.Len()-1, func(rank int, it datatypes.ZItem) bool {
			write(it)
			return rank > from
		})
	} else {
		z.Ascend(0, func(rank int, it datatypes.ZItem) bool {
			write(it)
			return rank+1 < n
		})
	}
	z.DeleteRange(from, from+n-1)
	c.dirty += n
	c.changed(e, before)
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	c.notify(notifyZSet, event, key)
	return n
}

// ZPOPMIN key [count], ZPOPMAX key [count]
func cmdZPop(c *Client) {
	if len(c.args) > 3 {
		c.writeError(errSyntax)
		return
	}
	count := int64(-1)
	if len(c.args) == 3 {
		n, ok := parseInt(c.args[2])
		if !ok || n < 0 {
			c.writeError(errPositive)
			return
		}
		count = n
	}
	e, ok := c.writeTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.writeArray(0)
		return
	}
	shape := zpopReply{nested: c.resp == 3 && count != -1}
	c.zpop(c.args[1], e, c.cmd.Name == "zpopmax", max(count, 1), shape)
}

// parseZMPop parses the numkeys, MIN|MAX and COUNT arguments of ZMPOP
// (numkeys at idx) and BZMPOP, replying to errors itself.
func (c *Client) parseZMPop(idx int) (keys [][]byte, max bool, count int64, ok bool) {
	numkeys, isInt := parseInt(c.args[idx])
	if !isInt || numkeys < 1 {
		c.writeError(errZPopNumkeys)
		return nil, false, 0, false
	}
	if numkeys >= int64(len(c.args)-idx-1) {
		c.writeError(errSyntax)
		return nil, false, 0, false
	}
	whereIdx := idx + int(numkeys) + 1
	switch w := c.args[whereIdx]; {
	case eqFold(w, "min"):
	case eqFold(w, "max"):
		max = true
	default:
		c.writeError(errSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(c.args); j++ {
		if count == -1 && eqFold(c.args[j], "count") && j+1 < len(c.args) {
			j++
			n, isInt := parseInt(c.args[j])
			if !isInt || n < 1 {
				c.writeError(errZPopCount)
				return nil, false, 0, false
			}
			count = n
			continue
		}
		c.writeError(errSyntax)
		return nil, false, 0, false
	}
	return c.args[idx+1 : whereIdx], max, max64(count, 1), true
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// zmpop pops from the first non-empty sorted set of keys, replying
// [key, [[member, score], ...]] and propagating ZPOPMIN/ZPOPMAX key n
// (n the number popped, as Redis does).
// It reports false, with nothing replied, when all are empty; done is
// false after a WRONGTYPE error.
func (c *Client) zmpop(keys [][]byte, max bool, count int64) (served, done bool) {
	for _, key := range keys {
		e, ok := c.writeTyped(key, TypeZSet)
		if !ok {
			return false, false
		}
		if e == nil {
			continue
		}
		n := c.zpop(key, e, max, count, zpopReply{emitKey: true, nested: true})
		c.propArgs = [][]byte{zpopName(max), key, appendInt(nil, int64(n))}
		return true, true
	}
	return false, true
}

func zpopName(max bool) []byte {
	if max {
		return []byte("ZPOPMAX")
	}
	return []byte("ZPOPMIN")
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
func cmdZMPop(c *Client) {
	keys, max, count, ok := c.parseZMPop(1)
	if !ok {
		return
	}
	if served, done := c.zmpop(keys, max, count); done && !served {
		c.writeNullArray()
	}
}

// BZPOPMIN key [key ...] timeout, BZPOPMAX key [key ...] timeout: served
// as [key, member, score] and propagated as ZPOPMIN/ZPOPMAX key.
func cmdBZPop(c *Client) {
	deadline, ok := c.parseTimeout(c.args[len(c.args)-1])
	if !ok {
		return
	}
	max := c.cmd.Name == "bzpopmax"
	keys := c.args[1 : len(c.args)-1]
	for _, key := range keys {
		e, ok := c.writeTyped(key, TypeZSet)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		c.zpop(key, e, max, 1, zpopReply{emitKey: true})
		c.propArgs = [][]byte{zpopName(max), key}
		return
	}
	if c.canBlock() {
		c.block(keys, deadline, true)
		return
	}
	c.writeNullArray()
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
func cmdBZMPop(c *Client) {
	keys, max, count, ok := c.parseZMPop(2)
	if !ok {
		return
	}
	deadline, ok := c.parseTimeout(c.args[1])
	if !ok {
		return
	}
	served, done := c.zmpop(keys, max, count)
	if served || !done {
		return
	}
	if c.canBlock() {
		c.block(keys, deadline, true)
		return
	}
	c.writeNullArray()
}
