package server

import (
	"bytes"

	"github.com/shoaldb/shoal/datatypes"
)

// The sorted-set range commands: ZRANGE and its older forms, ZRANGESTORE,
// ZCOUNT, ZLEXCOUNT and the ZREMRANGEBY* commands. A range is resolved to a
// window of ascending ranks [lo, hi) by two searches, and replies are
// written straight from the ranks, without building a result. The set
// operations (ZUNION, ZINTER, ZDIFF and their STORE forms) are in
// cmd_zset_ops.go and registered here too.

func zsetRangeCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
		mk = flagMovableKeys
	)
	return []*Command{
		{Name: "zrange", Arity: -4, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRange},
		{Name: "zrangebyscore", Arity: -4, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRange},
		{Name: "zrangebylex", Arity: -4, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRange},
		{Name: "zrevrange", Arity: -4, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRange},
		{Name: "zrevrangebyscore", Arity: -4, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRange},
		{Name: "zrevrangebylex", Arity: -4, Flags: r, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRange},
		{Name: "zrangestore", Arity: -5, Flags: w | oo, ACL: "@sortedset", First: 1, Last: 2, Step: 1, Handler: cmdZRangeStore},
		{Name: "zcount", Arity: 4, Flags: r | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZCount},
		{Name: "zlexcount", Arity: 4, Flags: r | f, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZLexCount},
		{Name: "zremrangebyrank", Arity: 4, Flags: w, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRemRange},
		{Name: "zremrangebyscore", Arity: 4, Flags: w, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRemRange},
		{Name: "zremrangebylex", Arity: 4, Flags: w, ACL: "@sortedset", First: 1, Last: 1, Step: 1, Handler: cmdZRemRange},

		{Name: "zunion", Arity: -3, Flags: r | mk, ACL: "@sortedset", KeysFunc: zsetOpKeys(0), Handler: cmdZSetOp},
		{Name: "zinter", Arity: -3, Flags: r | mk, ACL: "@sortedset", KeysFunc: zsetOpKeys(0), Handler: cmdZSetOp},
		{Name: "zdiff", Arity: -3, Flags: r | mk, ACL: "@sortedset", KeysFunc: zsetOpKeys(0), Handler: cmdZSetOp},
		{Name: "zintercard", Arity: -3, Flags: r | mk, ACL: "@sortedset", KeysFunc: zsetOpKeys(0), Handler: cmdZSetOp},
		{Name: "zunionstore", Arity: -4, Flags: w | oo | mk, ACL: "@sortedset", First: 1, Last: 1, Step: 1, KeysFunc: zsetOpKeys(1), Handler: cmdZSetOp},
		{Name: "zinterstore", Arity: -4, Flags: w | oo | mk, ACL: "@sortedset", First: 1, Last: 1, Step: 1, KeysFunc: zsetOpKeys(1), Handler: cmdZSetOp},
		{Name: "zdiffstore", Arity: -4, Flags: w | oo | mk, ACL: "@sortedset", First: 1, Last: 1, Step: 1, KeysFunc: zsetOpKeys(1), Handler: cmdZSetOp},
	}
}

// Kinds of range (zrangeReq.by).
const (
	byRank = iota
	byScore
	byLex
)

// scoreRange is a parsed score interval; minEx/maxEx make a bound open.
type scoreRange struct {
	min, max     float64
	minEx, maxEx bool
}

// lexBound is one end of a lex range: "[m" (inclusive), "(m" (exclusive),
// or "-"/"+" (inf -1/+1), below or above every member.
type lexBound struct {
	m   []byte
	ex  bool
	inf int8
}

// zrangeReq is a parsed ZRANGE-family request.
type zrangeReq struct {
	by         int
	rev        bool
	withScores bool
	offset     int64
	limit      int64 // -1: no limit
	hasLimit   bool
	start, end int64 // byRank
	score      scoreRange
	lexMin     lexBound
	lexMax     lexBound
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
// and ZRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGE, ZREVRANGEBYSCORE, ZREVRANGEBYLEX.
func cmdZRange(c *Client) {
	var q zrangeReq
	if !c.parseZRange(1, false, &q) {
		return
	}
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeArray(0)
		return
	}
	z := e.obj.(*datatypes.ZSet)
	from, n := q.window(z)
	if q.withScores && c.resp == 2 {
		c.writeArray(2 * n)
	} else {
		c.writeArray(n)
	}
	if n == 0 {
		return
	}
	withScores := q.withScores
	emit := func(_ int, it datatypes.ZItem) bool {
		c.writeZItem(it, withScores)
		n--
		return n > 0
	}
	if q.rev {
		z.Descend(from, emit)
	} else {
		z.Ascend(from, emit)
	}
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
func cmdZRangeStore(c *Client) {
	var q zrangeReq
	if !c.parseZRange(2, true, &q) {
		return
	}
	e, ok := c.readTyped(c.args[2], TypeZSet)
	if !ok {
		return
	}
	var dst *datatypes.ZSet
	if e != nil {
		z := e.obj.(*datatypes.ZSet)
		from, n := q.window(z)
		if n > 0 {
			// Redis sizes the destination by the count it knows ahead,
			// which only a rank range has.
			b := c.newZSetBuilder(q.by == byRank && int64(n) > c.srv.config().ZSetMaxListpackEntries)
			add := func(_ int, it datatypes.ZItem) bool {
				b.add(it.Member, it.Score)
				n--
				return n > 0
			}
			if q.rev {
				z.Descend(from, add)
			} else {
				z.Ascend(from, add)
			}
			dst = b.z
		}
	}
	c.storeZSetResult(c.args[1], dst)
}

// zsetBuilder fills a *STORE destination as Redis does, so that its
// encoding and its zero scores come out the same: a member added while the
// set is a listpack has a -0 score stored as 0 (a listpack keeps integral
// scores as integers), while a skiplist keeps -0.
type zsetBuilder struct {
	z   *datatypes.ZSet
	lim datatypes.ZLimits
}

// newZSetBuilder starts an empty destination, in the big encoding from the
// start when big (where Redis creates a skiplist).
func (c *Client) newZSetBuilder(big bool) *zsetBuilder {
	b := &zsetBuilder{z: datatypes.NewZSet(c.db.seed), lim: c.zsetLimits()}
	if big {
		b.lim = datatypes.ZLimits{} // converts on the first add
	}
	return b
}

func (b *zsetBuilder) add(m string, score float64) {
	if score == 0 && b.z.Encoding() == "listpack" && int64(b.z.Len()) < b.lim.MaxEntries &&
		int64(len(m)) <= b.lim.MaxValue {
		score = 0
	}
	b.z.Set(zsBytes(m), score, b.lim)
}

// storeZSetResult makes dst hold z and replies with its size; an empty
// (nil) result deletes dst and replies 0, as the *STORE commands do.
func (c *Client) storeZSetResult(dst []byte, z *datatypes.ZSet) {
	if z == nil || z.Len() == 0 {
		if c.deleteKey(dst) {
			c.notify(notifyGeneric, "del", dst)
		}
		c.writeInt(0)
		return
	}
	c.storeObj(dst, TypeZSet, z)
	c.notify(notifyZSet, c.cmd.Name, dst) // zunionstore, zrangestore, ...
	c.writeInt(int64(z.Len()))
}

// zsetLimits are the current listpack thresholds for sorted sets.
func (c *Client) zsetLimits() datatypes.ZLimits {
	cfg := c.srv.config()
	return datatypes.ZLimits{MaxEntries: cfg.ZSetMaxListpackEntries, MaxValue: cfg.ZSetMaxListpackValue}
}

// parseZRange parses the arguments of the ZRANGE family from the source
// key at args[k] on, in Redis's order: the options, their conflicts, then
// the range. It replies the error and returns false on bad input.
func (c *Client) parseZRange(k int, store bool, q *zrangeReq) bool {
	q.limit = -1
	autoBy, autoDir := false, false
	switch c.cmd.Name {
	case "zrange", "zrangestore":
		autoBy, autoDir = true, true
	case "zrangebyscore":
		q.by = byScore
	case "zrangebylex":
		q.by = byLex
	case "zrevrange":
		q.rev = true
	case "zrevrangebyscore":
		q.by, q.rev = byScore, true
	case "zrevrangebylex":
		q.by, q.rev = byLex, true
	}
	args := c.args
	for j := k + 3; j < len(args); j++ {
		a := args[j]
		switch {
		case !store && eqFold(a, "withscores"):
			q.withScores = true
		case eqFold(a, "limit") && len(args)-j-1 >= 2:
			var ok1, ok2 bool
			q.offset, ok1 = parseInt(args[j+1])
			if ok1 {
				q.limit, ok2 = parseInt(args[j+2])
			}
			if !ok1 || !ok2 {
				c.writeError(errNotInt)
				return false
			}
			q.hasLimit = true
			j += 2
		case autoDir && eqFold(a, "rev"):
			q.rev, autoDir = true, false
		case autoBy && eqFold(a, "bylex"):
			q.by, autoBy = byLex, false
		case autoBy && eqFold(a, "byscore"):
			q.by, autoBy = byScore, false
		default:
			c.writeError(errSyntax)
			return false
		}
	}
	if q.hasLimit && q.by == byRank {
		c.writeError(errZRangeLimit)
		return false
	}
	if q.withScores && q.by == byLex {
		c.writeError(errZRangeLexScores)
		return false
	}
	lo, hi := args[k+1], args[k+2]
	if q.rev && q.by != byRank {
		lo, hi = hi, lo // given as max, min
	}
	switch q.by {
	case byRank:
		var ok1, ok2 bool
		q.start, ok1 = parseInt(lo)
		if ok1 {
			q.end, ok2 = parseInt(hi)
		}
		if !ok1 || !ok2 {
			c.writeError(errNotInt)
			return false
		}
	case byScore:
		if !parseScoreRange(lo, hi, &q.score) {
			c.writeError(errZScoreRange)
			return false
		}
	case byLex:
		if !parseLexRange(lo, hi, &q.lexMin, &q.lexMax) {
			c.writeError(errZLexRange)
			return false
		}
	}
	return true
}

// window resolves the request against z: the rank to start from (walking
// down from it when q.rev) and the number of items to emit.
func (q *zrangeReq) window(z *datatypes.ZSet) (from, n int) {
	size := int64(z.Len())
	if q.by == byRank {
		start, end, ok := clampRanks(q.start, q.end, size)
		if !ok {
			return 0, 0
		}
		if q.rev {
			return int(size - 1 - start), int(end - start + 1)
		}
		return int(start), int(end - start + 1)
	}
	if q.by == byLex && z.Encoding() == "listpack" {
		return q.lexScanSmall(z)
	}
	var lo, hi int
	if q.by == byScore {
		lo, hi = q.score.ranks(z)
	} else {
		lo, hi = lexRanks(z, &q.lexMin, &q.lexMax)
	}
	// A negative offset skips everything in Redis (its loop counts it down
	// to the end of the set).
	if q.offset < 0 || hi <= lo || q.offset >= int64(hi-lo) {
		return 0, 0
	}
	count := int64(hi-lo) - q.offset
	if q.limit >= 0 && q.limit < count {
		count = q.limit
	}
	if q.rev {
		return hi - 1 - int(q.offset), int(count)
	}
	return lo + int(q.offset), int(count)
}

// clampRanks applies Redis's rank rules (negative counts from the end, the
// range is cut to the set) and reports whether anything is left.
func clampRanks(start, end, size int64) (int64, int64, bool) {
	if start < 0 {
		start += size
	}
	if end < 0 {
		end += size
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= size {
		return 0, 0, false
	}
	if end >= size {
		end = size - 1
	}
	return start, end, true
}

// ranks is the window [lo, hi) of ascending ranks whose scores are in r.
func (r *scoreRange) ranks(z *datatypes.ZSet) (lo, hi int) {
	return z.ScoreRank(r.min, r.minEx), z.ScoreRank(r.max, !r.maxEx)
}

// lexRanks is the window [lo, hi) of ascending ranks whose members are
// between min and max (all scores being equal, as Redis assumes).
func lexRanks(z *datatypes.ZSet, from, to *lexBound) (lo, hi int) {
	return lexRank(z, from, from.ex), lexRank(z, to, !to.ex)
}

// lexScanSmall is window for a lex range on a listpack, found the way
// Redis walks one: from the first member in range (from either end),
// skipping offset members unchecked, then taking members while they are
// within the far bound. When scores differ, members are not in lex order
// and this differs from a search; Redis's replies are those of this walk.
func (q *zrangeReq) lexScanSmall(z *datatypes.ZSet) (from, n int) {
	size := z.Len()
	lo, hi := &q.lexMin, &q.lexMax
	if size == 0 || lexEmpty(lo, hi) || !lo.below(z.At(size-1).Member) || !hi.above(z.At(0).Member) {
		return 0, 0
	}
	if q.offset < 0 || q.offset >= int64(size) {
		return 0, 0
	}
	start, step := -1, 1
	if q.rev {
		step = -1
		for i := size - 1; i >= 0; i-- {
			if m := z.At(i).Member; hi.above(m) {
				if lo.below(m) {
					start = i
				}
				break
			}
		}
	} else {
		for i := 0; i < size; i++ {
			if m := z.At(i).Member; lo.below(m) {
				if hi.above(m) {
					start = i
				}
				break
			}
		}
	}
	if start < 0 {
		return 0, 0
	}
	from = start + step*int(q.offset)
	for i := from; i >= 0 && i < size && (q.limit < 0 || int64(n) < q.limit); i += step {
		m := z.At(i).Member
		if (!q.rev && !hi.above(m)) || (q.rev && !lo.below(m)) {
			break
		}
		n++
	}
	return from, n
}

// below reports whether m is within b taken as a range's min.
func (b *lexBound) below(m string) bool {
	switch {
	case b.inf != 0:
		return b.inf < 0
	case b.ex:
		return m > string(b.m)
	}
	return m >= string(b.m)
}

// above reports whether m is within b taken as a range's max.
func (b *lexBound) above(m string) bool {
	switch {
	case b.inf != 0:
		return b.inf > 0
	case b.ex:
		return m < string(b.m)
	}
	return m <= string(b.m)
}

// lexEmpty reports a range no member can be in: min above max, or equal
// with either end open (Redis's sdscmplex test).
func lexEmpty(lo, hi *lexBound) bool {
	var cmp int
	switch {
	case lo.inf != 0 && lo.inf == hi.inf:
		cmp = 0
	case lo.inf < 0 || hi.inf > 0:
		cmp = -1
	case lo.inf > 0 || hi.inf < 0:
		cmp = 1
	default:
		cmp = bytes.Compare(lo.m, hi.m)
	}
	return cmp > 0 || (cmp == 0 && (lo.ex || hi.ex))
}

// lexRank is the number of members below b (or not above it, when excl).
func lexRank(z *datatypes.ZSet, b *lexBound, excl bool) int {
	switch b.inf {
	case -1:
		return 0
	case 1:
		return z.Len()
	}
	return z.LexRank(b.m, excl)
}

// ZCOUNT key min max
func cmdZCount(c *Client) {
	var r scoreRange
	if !parseScoreRange(c.args[2], c.args[3], &r) {
		c.writeError(errZScoreRange)
		return
	}
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	n := 0
	if e != nil {
		lo, hi := r.ranks(e.obj.(*datatypes.ZSet))
		n = max(hi-lo, 0)
	}
	c.writeInt(int64(n))
}

// ZLEXCOUNT key min max
func cmdZLexCount(c *Client) {
	q := zrangeReq{by: byLex, limit: -1}
	if !parseLexRange(c.args[2], c.args[3], &q.lexMin, &q.lexMax) {
		c.writeError(errZLexRange)
		return
	}
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	n := 0
	if e != nil {
		_, n = q.window(e.obj.(*datatypes.ZSet))
	}
	c.writeInt(int64(n))
}

// ZREMRANGEBYRANK key start stop, ZREMRANGEBYSCORE key min max,
// ZREMRANGEBYLEX key min max.
func cmdZRemRange(c *Client) {
	var q zrangeReq
	switch c.cmd.Name {
	case "zremrangebyrank":
		var ok1, ok2 bool
		q.start, ok1 = parseInt(c.args[2])
		if ok1 {
			q.end, ok2 = parseInt(c.args[3])
		}
		if !ok1 || !ok2 {
			c.writeError(errNotInt)
			return
		}
	case "zremrangebyscore":
		q.by = byScore
		if !parseScoreRange(c.args[2], c.args[3], &q.score) {
			c.writeError(errZScoreRange)
			return
		}
	default:
		q.by = byLex
		if !parseLexRange(c.args[2], c.args[3], &q.lexMin, &q.lexMax) {
			c.writeError(errZLexRange)
			return
		}
	}
	q.limit = -1
	e, ok := c.writeTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	z := e.obj.(*datatypes.ZSet)
	from, n := q.window(z)
	if n == 0 {
		c.writeInt(0)
		return
	}
	before := e.memUsage()
	deleted := z.DeleteRange(from, from+n-1)
	c.changed(e, before)
	c.dirty += deleted
	c.notify(notifyZSet, c.cmd.Name, c.args[1]) // zremrangebyscore, ...
	c.writeInt(int64(deleted))
}
