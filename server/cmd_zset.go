package server

import (
	"math"
	"slices"

	"github.com/shoaldb/shoal/datatypes"
)

// The sorted-set family. This file has the table of the point commands
// (ZADD, ZINCRBY, ZSCORE, ZRANK, ZREM, ZRANDMEMBER, ZSCAN, ...) and the
// score parsing shared by the family; cmd_zset_pop.go has the pops and
// their blocking forms, cmd_zset_range.go the range commands and
// cmd_zset_ops.go the set operations.

func zsetCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
		bl = flagBlocking
		ns = flagNoScript
		mk = flagMovableKeys
	)
	return []*Command{
		{Name: "zadd", Arity: -4, Flags: w | oo | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZAdd},
		{Name: "zincrby", Arity: 4, Flags: w | oo | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZAdd},
		{Name: "zcard", Arity: 2, Flags: r | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZCard},
		{Name: "zscore", Arity: 3, Flags: r | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZScore},
		{Name: "zmscore", Arity: -3, Flags: r | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZMScore},
		{Name: "zrank", Arity: 3, Flags: r | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRank},
		{Name: "zrevrank", Arity: 3, Flags: r | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRank},
		{Name: "zrem", Arity: -3, Flags: w | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRem},
		{Name: "zrandmember", Arity: -2, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRandMember},
		{Name: "zscan", Arity: -3, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZScan},
		{Name: "zpopmin", Arity: -2, Flags: w | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZPop},
		{Name: "zpopmax", Arity: -2, Flags: w | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZPop},
		{Name: "zmpop", Arity: -4, Flags: w | mk, ACL: "@sortedset", KeysFunc: numKeysAt(1), Handler: cmdZMPop},
		{Name: "bzpopmin", Arity: -3, Flags: w | ns | bl | f, ACL: "@sortedset", First: 1, Last: -2, Step: 1, Handler: cmdBZPop},
		{Name: "bzpopmax", Arity: -3, Flags: w | ns | bl | f, ACL: "@sortedset", First: 1, Last: -2, Step: 1, Handler: cmdBZPop},
		{Name: "bzmpop", Arity: -5, Flags: w | bl | mk, ACL: "@sortedset", KeysFunc: numKeysAt(2), Handler: cmdBZMPop},
	}
}

// zsetOf returns the sorted set of an entry of type TypeZSet.
func zsetOf(e *Entry) *datatypes.ZSet { return e.obj.(*datatypes.ZSet) }

// parseScore parses a score as Redis's getDoubleFromObject does: all of b
// must be a C strtod number (decimal or hex, inf, infinity), with no
// leading space, not NaN, and neither overflowing nor underflowing to 0.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	if len(b) == 1 && b[0] >= '0' && b[0] <= '9' {
		return float64(b[0] - '0'), true // the usual case, without strtod
	}
	f, n, erange := cStrtod(b)
	if n != len(b) || erange || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// zaddFlags are ZADD's options.
type zaddFlags struct {
	nx, xx, gt, lt, ch, incr bool
}

// parse reads ZADD's options from args[2:] and returns the index of the
// first score.
func (fl *zaddFlags) parse(args [][]byte) int {
	i := 2
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case eqFold(a, "nx"):
			fl.nx = true
		case eqFold(a, "xx"):
			fl.xx = true
		case eqFold(a, "gt"):
			fl.gt = true
		case eqFold(a, "lt"):
			fl.lt = true
		case eqFold(a, "ch"):
			fl.ch = true
		case eqFold(a, "incr"):
			fl.incr = true
		default:
			return i
		}
	}
	return i
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
// ZINCRBY key increment member
func cmdZAdd(c *Client) {
	var fl zaddFlags
	i := 2
	if c.cmd.Name == "zincrby" {
		fl.incr = true
	} else {
		i = fl.parse(c.args)
	}
	pairs := c.args[i:]
	switch {
	case len(pairs) == 0 || len(pairs)%2 != 0:
		c.writeError(errSyntax)
		return
	case fl.nx && fl.xx:
		c.writeError(errZAddXXNX)
		return
	case fl.nx && (fl.gt || fl.lt) || fl.gt && fl.lt:
		c.writeError(errZAddGTLTNX)
		return
	case fl.incr && len(pairs) > 2:
		c.writeError(errZAddIncr)
		return
	}
	var buf [8]float64
	scores := buf[:0]
	for j := 0; j < len(pairs); j += 2 {
		f, ok := parseScore(pairs[j])
		if !ok {
			c.writeError(errNotFloat)
			return
		}
		scores = append(scores, f)
	}
	key := c.args[1]
	e, ok := c.writeTyped(key, TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		if fl.xx {
			c.zaddReply(&fl, 0, 0, false, 0)
			return
		}
		e = c.addObj(key, TypeZSet, datatypes.NewZSet(c.db.seed))
	}
	z := zsetOf(e)
	lim := c.zsetLimits()
	before := e.memUsage()
	var added, updated int64
	processed := false
	var score float64
	for j := 0; j < len(pairs); j += 2 {
		score = scores[j/2]
		member := pairs[j+1]
		cur, exists := z.Score(member)
		switch {
		case exists && fl.nx, !exists && fl.xx:
			continue
		case !exists:
			z.Set(member, score, lim)
			added++
		default:
			if fl.incr {
				score += cur
				if math.IsNaN(score) {
					c.writeError(errZScoreNaN) // INCR: nothing else changed
					return
				}
			}
			if fl.gt && score <= cur || fl.lt && score >= cur {
				continue
			}
			if score != cur {
				z.Set(member, score, lim)
				updated++
			}
		}
		processed = true
	}
	if added+updated > 0 {
		c.dirty += int(added + updated)
		c.changed(e, before)
		event := "zadd"
		if fl.incr {
			event = "zincr"
		}
		c.notify(notifyZSet, event, key)
	}
	c.zaddReply(&fl, added, updated, processed, score)
}

func (c *Client) zaddReply(fl *zaddFlags, added, updated int64, processed bool, score float64) {
	switch {
	case !fl.incr && fl.ch:
		c.writeInt(added + updated)
	case !fl.incr:
		c.writeInt(added)
	case processed:
		c.writeScore(score)
	default:
		c.writeNull()
	}
}

// ZCARD key
func cmdZCard(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	c.writeInt(int64(zsetOf(e).Len()))
}

// ZSCORE key member
func cmdZScore(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeNull()
		return
	}
	if s, ok := zsetOf(e).Score(c.args[2]); ok {
		c.writeScore(s)
		return
	}
	c.writeNull()
}

// ZMSCORE key member [member ...]
func cmdZMScore(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	members := c.args[2:]
	c.writeArray(len(members))
	for _, m := range members {
		if e != nil {
			if s, ok := zsetOf(e).Score(m); ok {
				c.writeScore(s)
				continue
			}
		}
		c.writeNull()
	}
}

// ZRANK key member, ZREVRANK key member
func cmdZRank(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeNull()
		return
	}
	z := zsetOf(e)
	rank, ok := z.Rank(c.args[2])
	if !ok {
		c.writeNull()
		return
	}
	if c.cmd.Name == "zrevrank" {
		rank = z.Len() - 1 - rank
	}
	c.writeInt(int64(rank))
}

// ZREM key member [member ...]
func cmdZRem(c *Client) {
	e, ok := c.writeTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	z := zsetOf(e)
	before := e.memUsage()
	var n int64
	for _, m := range c.args[2:] {
		if z.Remove(m) {
			n++
			if z.Len() == 0 {
				break // Redis stops once the key is gone
			}
		}
	}
	if n > 0 {
		c.dirty += int(n)
		c.changed(e, before)
		c.notify(notifyZSet, "zrem", c.args[1])
	}
	c.writeInt(n)
}

// ZRANDMEMBER key [count [WITHSCORES]]
func cmdZRandMember(c *Client) {
	if len(c.args) == 2 {
		e, ok := c.readTyped(c.args[1], TypeZSet)
		if !ok {
			return
		}
		if e == nil {
			c.writeNull()
			return
		}
		z := zsetOf(e)
		c.writeBulkString(z.At(c.srv.rng.IntN(z.Len())).Member)
		return
	}
	count, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if count == math.MinInt64 {
		c.writeError(errZRandCount)
		return
	}
	withScores := false
	if len(c.args) > 4 || len(c.args) == 4 && !eqFold(c.args[3], "withscores") {
		c.writeError(errSyntax)
		return
	}
	if len(c.args) == 4 {
		withScores = true
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			c.writeError(errZRandRange)
			return
		}
	}
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.writeArray(0)
		return
	}
	c.zrandWithCount(zsetOf(e), count, withScores)
}

// zrandWithCount is Redis's zrandmemberWithCountCommand: a negative count
// picks with repetition, a positive one distinct members (the whole set when
// count covers it; a listpack's sample keeps its order).
func (c *Client) zrandWithCount(z *datatypes.ZSet, count int64, withScores bool) {
	write := func(it datatypes.ZItem) { c.writeZItem(it, withScores) }
	arrayLen := func(n int) {
		if withScores && c.resp == 2 {
			n *= 2
		}
		c.writeArray(n)
	}
	size := z.Len()
	if count < 0 {
		n := int(-count)
		arrayLen(n)
		for range n { // n may be huge: no lock held across the loop
			write(z.At(c.srv.rng.IntN(size)))
		}
		return
	}
	if count >= int64(size) {
		// The whole set, highest rank first, as Redis replies.
		arrayLen(size)
		z.Descend(size-1, func(_ int, it datatypes.ZItem) bool {
			write(it)
			return true
		})
		return
	}
	// Distinct ranks: a partial Fisher-Yates shuffle over a sparse map of
	// swapped positions, O(count).
	n := int(count)
	picks := make([]int, n)
	swapped := make(map[int]int, n)
	for i := range n {
		j := i + c.srv.rng.IntN(size-i)
		vj, ok := swapped[j]
		if !ok {
			vj = j
		}
		vi, ok := swapped[i]
		if !ok {
			vi = i
		}
		picks[i] = vj
		swapped[j] = vi
	}
	if z.Encoding() == "listpack" {
		slices.Sort(picks)
	}
	arrayLen(n)
	for _, p := range picks {
		write(z.At(p))
	}
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]: a listpack is returned
// whole with cursor 0, as Redis does.
func cmdZScan(c *Client) {
	c.scanCollection(TypeZSet, func(e *Entry, cursor uint64, count int, out *scanOut) uint64 {
		var buf [32]byte
		return zsetOf(e).Scan(cursor, count, func(m string, score float64) {
			out.pair(zsBytes(m), appendDouble(buf[:0], score))
		})
	})
}
