package server

import (
	"github.com/shoaldb/shoal/datatypes"
)

// The hash family. The values are datatypes.Hash: a listpack (insertion
// order) while small, a hashtable once over hash-max-listpack-entries or
// hash-max-listpack-value.

func hashCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
	)
	return []*Command{
		{Name: "hset", Arity: -4, Flags: w | oo | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHSet},
		{Name: "hmset", Arity: -4, Flags: w | oo | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHSet},
		{Name: "hsetnx", Arity: 4, Flags: w | oo | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHSetNX},
		{Name: "hget", Arity: 3, Flags: r | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHGet},
		{Name: "hmget", Arity: -3, Flags: r | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHMGet},
		{Name: "hdel", Arity: -3, Flags: w | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHDel},
		{Name: "hlen", Arity: 2, Flags: r | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHLen},
		{Name: "hstrlen", Arity: 3, Flags: r | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHStrlen},
		{Name: "hexists", Arity: 3, Flags: r | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHExists},
		{Name: "hincrby", Arity: 4, Flags: w | oo | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHIncrBy},
		{Name: "hincrbyfloat", Arity: 4, Flags: w | oo | f, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHIncrByFloat},
		{Name: "hgetall", Arity: 2, Flags: r, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHGetAll},
		{Name: "hkeys", Arity: 2, Flags: r, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHGetAll},
		{Name: "hvals", Arity: 2, Flags: r, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHGetAll},
		{Name: "hrandfield", Arity: -2, Flags: r, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHRandField},
		{Name: "hscan", Arity: -3, Flags: r, ACL: "@hash", First: 1, Last: 1, Step: 1, Handler: cmdHScan},
	}
}

// hashLimits returns hash-max-listpack-entries and -value.
func (c *Client) hashLimits() (entries, value int) {
	cfg := c.srv.config()
	return int(cfg.HashMaxListpackEntries), int(cfg.HashMaxListpackValue)
}

// hashOf returns the hash held by a TypeHash entry.
func hashOf(e *Entry) *datatypes.Hash { return e.obj.(*datatypes.Hash) }

// hashWrite runs fn on key's hash, creating the key when absent (Redis's
// hashTypeLookupWriteOrCreate) and re-accounting it after; fn returns how
// many changes to count. ok is false after a WRONGTYPE reply. fn replies.
// A change is notified as event.
func (c *Client) hashWrite(key []byte, event string, fn func(h *datatypes.Hash) int) {
	e, ok := c.writeTyped(key, TypeHash)
	if !ok {
		return
	}
	dirty := c.dirty
	if e == nil {
		h := datatypes.NewHash()
		n := fn(h)
		if h.Len() > 0 {
			c.addObj(key, TypeHash, h)
		}
		c.dirty = dirty + n
	} else {
		before := e.memUsage()
		n := fn(hashOf(e))
		c.changed(e, before)
		c.dirty = dirty + n
	}
	if c.dirty > dirty {
		c.notify(notifyHash, event, key)
	}
}

// HSET key field value [field value ...], HMSET (replying OK).
func cmdHSet(c *Client) {
	if len(c.args)%2 == 1 {
		c.writeError(errArity(c.cmd.Name))
		return
	}
	maxEntries, maxValue := c.hashLimits()
	c.hashWrite(c.args[1], "hset", func(h *datatypes.Hash) int {
		created := 0
		for i := 2; i < len(c.args); i += 2 {
			if h.Set(c.args[i], c.args[i+1], maxEntries, maxValue) {
				created++
			}
		}
		if c.cmd.Name == "hmset" {
			c.writeOK()
		} else {
			c.writeInt(int64(created))
		}
		return (len(c.args) - 2) / 2
	})
}

// HSETNX key field value
func cmdHSetNX(c *Client) {
	maxEntries, maxValue := c.hashLimits()
	c.hashWrite(c.args[1], "hset", func(h *datatypes.Hash) int {
		if h.Has(c.args[2]) {
			c.writeInt(0)
			return 0
		}
		h.Set(c.args[2], c.args[3], maxEntries, maxValue)
		c.writeInt(1)
		return 1
	})
}

// HGET key field
func cmdHGet(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	if e == nil {
		c.writeNull()
		return
	}
	if v, ok := hashOf(e).Get(c.args[2]); ok {
		c.writeBulk(v)
		return
	}
	c.writeNull()
}

// HMGET key field [field ...]
func cmdHMGet(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	c.writeArray(len(c.args) - 2)
	for _, f := range c.args[2:] {
		if e != nil {
			if v, ok := hashOf(e).Get(f); ok {
				c.writeBulk(v)
				continue
			}
		}
		c.writeNull()
	}
}

// HDEL key field [field ...]
func cmdHDel(c *Client) {
	e, ok := c.writeTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	before := e.memUsage()
	h := hashOf(e)
	n := 0
	for _, f := range c.args[2:] {
		if h.Delete(f) {
			n++
			if h.Len() == 0 {
				break
			}
		}
	}
	c.changed(e, before)
	c.dirty += n
	if n > 0 {
		c.notify(notifyHash, "hdel", c.args[1])
	}
	c.writeInt(int64(n))
}

// HLEN key
func cmdHLen(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	c.writeInt(int64(hashOf(e).Len()))
}

// HSTRLEN key field
func cmdHStrlen(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	var n int
	if e != nil {
		v, _ := hashOf(e).Get(c.args[2])
		n = len(v)
	}
	c.writeInt(int64(n))
}

// HEXISTS key field
func cmdHExists(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	c.writeInt(b2i(e != nil && hashOf(e).Has(c.args[2])))
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// HINCRBY key field increment: the increment is checked before the key.
func cmdHIncrBy(c *Client) {
	by, ok := parseInt(c.args[3])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	maxEntries, maxValue := c.hashLimits()
	c.hashWrite(c.args[1], "hincrby", func(h *datatypes.Hash) int {
		var v int64
		if cur, ok := h.Get(c.args[2]); ok {
			if v, ok = parseInt(cur); !ok {
				c.writeError(errHashNotInt)
				return 0
			}
		}
		if (by < 0 && v < 0 && by < -1<<63-v) || (by > 0 && v > 0 && by > 1<<63-1-v) {
			c.writeError(errOverflow)
			return 0
		}
		v += by
		var buf [20]byte
		h.Set(c.args[2], appendInt(buf[:0], v), maxEntries, maxValue)
		c.writeInt(v)
		return 1
	})
}

// HINCRBYFLOAT key field increment, in long double arithmetic like
// INCRBYFLOAT, propagated as HSET key field result as Redis 7.0 does.
func cmdHIncrByFloat(c *Client) {
	incr, ok := datatypes.ParseLongDouble(c.args[3])
	if !ok {
		c.writeError(errNotFloat)
		return
	}
	if incr.IsInf() {
		c.writeError(errHashIncrNaN)
		return
	}
	maxEntries, maxValue := c.hashLimits()
	key, field := c.args[1], c.args[2]
	c.hashWrite(key, "hincrbyfloat", func(h *datatypes.Hash) int {
		sum := incr
		if cur, ok := h.Get(field); ok {
			v, ok := datatypes.ParseLongDouble(cur)
			if !ok {
				c.writeError(errHashNotFloat)
				return 0
			}
			if sum, ok = datatypes.AddLongDouble(v, incr); !ok {
				c.writeError(errIncrNaN)
				return 0
			}
		}
		val := datatypes.FormatLongDouble(sum)
		h.Set(field, val, maxEntries, maxValue)
		c.writeBulk(val)
		c.propArgs = [][]byte{[]byte("HSET"), key, field, val}
		return 1
	})
}

// HGETALL key, HKEYS key, HVALS key.
func cmdHGetAll(c *Client) {
	keys := c.cmd.Name != "hvals"
	vals := c.cmd.Name != "hkeys"
	e, ok := c.readTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	n := 0
	if e != nil {
		n = hashOf(e).Len()
	}
	if keys && vals {
		c.writeMap(n)
	} else {
		c.writeArray(n)
	}
	if e == nil {
		return
	}
	hashOf(e).Each(func(f, v []byte) bool {
		if keys {
			c.writeBulk(f)
		}
		if vals {
			c.writeBulk(v)
		}
		return true
	})
}

// HSCAN key cursor [MATCH pattern] [COUNT count]: a listpack is returned
// whole with cursor 0, as Redis does.
func cmdHScan(c *Client) {
	c.scanCollection(TypeHash, func(e *Entry, cursor uint64, count int, out *scanOut) uint64 {
		return hashOf(e).Scan(cursor, count, out.pair)
	})
}

// HRANDFIELD key [count [WITHVALUES]]
func cmdHRandField(c *Client) {
	if len(c.args) == 2 {
		e, ok := c.readTyped(c.args[1], TypeHash)
		if !ok {
			return
		}
		if e == nil {
			c.writeNull()
			return
		}
		f, _ := hashOf(e).Random(c.srv.rng)
		c.writeBulk(f)
		return
	}
	count, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if count == -1<<63 {
		c.writeError(errHRandCountRange)
		return
	}
	withValues := false
	if len(c.args) > 4 || (len(c.args) == 4 && !eqFold(c.args[3], "withvalues")) {
		c.writeError(errSyntax)
		return
	}
	if len(c.args) == 4 {
		withValues = true
		if count < -(1<<63-1)/2 || count > (1<<63-1)/2 {
			c.writeError(errHRandRange)
			return
		}
	}
	e, ok := c.readTyped(c.args[1], TypeHash)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.writeArray(0)
		return
	}
	c.hrandWithCount(hashOf(e), count, withValues)
}

// hrandWithCount is Redis's hrandfieldWithCountCommand: a negative count
// picks with repetition, a positive one distinct fields (the whole hash, in
// its order, when count covers it). RESP3 pairs WITHVALUES in arrays.
func (c *Client) hrandWithCount(h *datatypes.Hash, count int64, withValues bool) {
	writePair := func(f, v []byte) {
		if withValues && c.resp == 3 {
			c.writeArray(2)
		}
		c.writeBulk(f)
		if withValues {
			c.writeBulk(v)
		}
	}
	header := func(n int64) {
		if withValues && c.resp == 2 {
			n *= 2
		}
		c.writeArray(int(n))
	}
	size := int64(h.Len())
	if count < 0 || count == 1 {
		if count < 0 {
			count = -count
		}
		header(count)
		for ; count > 0; count-- {
			writePair(h.Random(c.srv.rng))
		}
		return
	}
	if count >= size {
		header(size)
		h.Each(func(f, v []byte) bool { writePair(f, v); return true })
		return
	}
	header(count)
	rng := c.srv.rng
	if count*3 > size {
		// Many of the fields: drop random ones from the whole list, which
		// keeps the rest in the hash's order.
		type pair struct{ f, v []byte }
		all := make([]pair, 0, size)
		h.Each(func(f, v []byte) bool { all = append(all, pair{f, v}); return true })
		for int64(len(all)) > count {
			i := rng.IntN(len(all))
			all = append(all[:i], all[i+1:]...)
		}
		for _, p := range all {
			writePair(p.f, p.v)
		}
		return
	}
	// Few of them: random picks until count distinct.
	seen := make(map[string]struct{}, count)
	for int64(len(seen)) < count {
		f, v := h.Random(rng)
		if _, dup := seen[string(f)]; dup {
			continue
		}
		seen[string(f)] = struct{}{}
		writePair(f, v)
	}
}
