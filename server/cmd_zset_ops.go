package server

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/shoaldb/shoal/datatypes"
)

// The sorted-set operations: ZUNION, ZINTER, ZDIFF, ZINTERCARD and the
// STORE forms, Redis's zunionInterDiffGenericCommand. Plain sets take part
// as sorted sets whose members all score 1. Results are ordered as a sorted
// set orders them (score, then member), whatever order the inputs were
// walked in.

// Set operations.
const (
	zopUnion = iota
	zopInter
	zopDiff
)

// AGGREGATE functions.
const (
	aggSum = iota
	aggMin
	aggMax
)

// zsrc is one input of a set operation: a sorted set, a set, or neither
// (a missing key), with its weight.
type zsrc struct {
	z      *datatypes.ZSet
	s      *datatypes.Set
	weight float64
}

func (src *zsrc) len() int {
	switch {
	case src.z != nil:
		return src.z.Len()
	case src.s != nil:
		return src.s.Len()
	}
	return 0
}

// each calls fn for every member and its unweighted score until fn returns
// false. A set's member is valid only during the call (keep copies it).
func (src *zsrc) each(fn func(m string, score float64) bool) {
	switch {
	case src.z != nil:
		src.z.Ascend(0, func(_ int, it datatypes.ZItem) bool { return fn(it.Member, it.Score) })
	case src.s != nil:
		src.s.Each(func(m []byte) bool { return fn(unsafe.String(unsafe.SliceData(m), len(m)), 1) })
	}
}

// keep returns a member given by each in a form that may be kept: a sorted
// set's member strings never change; a set's are copied.
func (src *zsrc) keep(m string) string {
	if src.z != nil {
		return m
	}
	return strings.Clone(m)
}

// find returns m's unweighted score in src.
func (src *zsrc) find(m string) (float64, bool) {
	switch {
	case src.z != nil:
		return src.z.Score(zsBytes(m))
	case src.s != nil && src.s.Has(zsBytes(m)):
		return 1, true
	}
	return 0, false
}

// zaggregate folds val into *target as Redis's zunionInterAggregate does:
// a sum of +inf and -inf is 0; MIN and MAX ignore a NaN val.
func zaggregate(target *float64, val float64, agg int) {
	switch agg {
	case aggSum:
		*target += val
		if math.IsNaN(*target) {
			*target = 0
		}
	case aggMin:
		if val < *target {
			*target = val
		}
	case aggMax:
		if val > *target {
			*target = val
		}
	}
}

// zsetOpKeys is the key finder of the set operations: the destination (at
// 1, when store) and numkeys sources after the numkeys argument. A bad
// numkeys gives no keys: the handler replies an error without touching any.
func zsetOpKeys(store int) func(args [][]byte) []int {
	numIdx := 1 + store
	return func(args [][]byte) []int {
		if len(args) <= numIdx {
			return nil
		}
		n, ok := parseInt(args[numIdx])
		if !ok || n < 1 || n > int64(len(args)-numIdx-1) {
			return nil
		}
		keys := make([]int, 0, n+1)
		if store > 0 {
			keys = append(keys, 1)
		}
		for i := range int(n) {
			keys = append(keys, numIdx+1+i)
		}
		return keys
	}
}

// ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
// ZINTER (the same), ZDIFF numkeys key [key ...] [WITHSCORES],
// ZINTERCARD numkeys key [key ...] [LIMIT limit], and the STORE forms
// with a destination before numkeys and no WITHSCORES.
func cmdZSetOp(c *Client) {
	op, store, card := zopUnion, false, false
	switch c.cmd.Name {
	case "zinter":
		op = zopInter
	case "zdiff":
		op = zopDiff
	case "zintercard":
		op, card = zopInter, true
	case "zunionstore":
		store = true
	case "zinterstore":
		op, store = zopInter, true
	case "zdiffstore":
		op, store = zopDiff, true
	}
	args := c.args
	numIdx := 1
	if store {
		numIdx = 2
	}
	nkeys, ok := parseInt(args[numIdx])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if nkeys < 1 {
		c.writeError(strings.Replace(errZSetOpNoKeys, "%s", c.cmd.Name, 1))
		return
	}
	if nkeys > int64(len(args)-numIdx-1) {
		c.writeError(errSyntax)
		return
	}

	// Redis looks the keys up before it parses the options, so WRONGTYPE
	// comes before a syntax error.
	srcs := make([]zsrc, nkeys)
	for i := range srcs {
		key := args[numIdx+1+i]
		var e *Entry
		if store {
			e = c.lookupWrite(key)
		} else {
			e = c.lookupRead(key)
		}
		srcs[i].weight = 1
		if e == nil {
			continue
		}
		switch e.Type {
		case TypeZSet:
			srcs[i].z = e.obj.(*datatypes.ZSet)
		case TypeSet:
			srcs[i].s = e.obj.(*datatypes.Set)
		default:
			c.writeError(errWrongType)
			return
		}
	}

	agg, withScores, limit := aggSum, false, int64(0)
	for j := numIdx + 1 + int(nkeys); j < len(args); {
		left, a := len(args)-j, args[j]
		switch {
		case op != zopDiff && !card && left >= len(srcs)+1 && eqFold(a, "weights"):
			j++
			for i := range srcs {
				w, ok := parseScore(args[j]) // Redis's getDoubleFromObject, as for scores
				if !ok {
					c.writeError(errZWeightNotFloat)
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != zopDiff && !card && left >= 2 && eqFold(a, "aggregate"):
			switch fn := args[j+1]; {
			case eqFold(fn, "sum"):
				agg = aggSum
			case eqFold(fn, "min"):
				agg = aggMin
			case eqFold(fn, "max"):
				agg = aggMax
			default:
				c.writeError(errSyntax)
				return
			}
			j += 2
		case !store && !card && eqFold(a, "withscores"):
			withScores = true
			j++
		case card && left >= 2 && eqFold(a, "limit"):
			n, ok := parseInt(args[j+1])
			if !ok || n < 0 {
				c.writeError(errZLimitNegative)
				return
			}
			limit = n
			j += 2
		default:
			c.writeError(errSyntax)
			return
		}
	}

	if op != zopDiff {
		// Smallest first, as Redis sorts them: it drives the intersection
		// and fixes the order scores are summed in.
		slices.SortStableFunc(srcs, func(a, b zsrc) int { return a.len() - b.len() })
	}
	var items []datatypes.ZItem
	switch {
	case card:
		c.writeInt(zinterCard(srcs, limit))
		return
	case op == zopInter:
		items = zinter(srcs, agg)
	case op == zopUnion:
		items = zunion(srcs, agg)
	default:
		items = zdiff(srcs)
	}
	slices.SortFunc(items, func(a, b datatypes.ZItem) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return strings.Compare(a.Member, b.Member)
	})

	if store {
		// Redis builds a skiplist and turns it into a listpack if it fits.
		var dst *datatypes.ZSet
		if len(items) > 0 {
			lim := c.zsetLimits()
			fits := int64(len(items)) <= lim.MaxEntries
			for i := 0; fits && i < len(items); i++ {
				fits = int64(len(items[i].Member)) <= lim.MaxValue
			}
			b := c.newZSetBuilder(!fits)
			for _, it := range items {
				b.add(it.Member, it.Score)
			}
			dst = b.z
		}
		c.storeZSetResult(args[1], dst)
		return
	}
	if withScores && c.resp == 2 {
		c.writeArray(2 * len(items))
	} else {
		c.writeArray(len(items))
	}
	for _, it := range items {
		c.writeZItem(it, withScores)
	}
}

// writeZItem writes a member of a range reply: with its score, as a pair
// in RESP3, when withScores.
func (c *Client) writeZItem(it datatypes.ZItem, withScores bool) {
	if !withScores {
		c.writeBulkString(it.Member)
		return
	}
	if c.resp == 3 {
		c.writeArray(2)
	}
	c.writeBulkString(it.Member)
	c.writeScore(it.Score)
}

// writeScore is writeDouble with a fast path for integral scores, the
// usual kind, which "%.17g" prints as plain integers below 1e17.
func (c *Client) writeScore(f float64) {
	if f != math.Trunc(f) || math.Abs(f) >= 1e17 || (f == 0 && math.Signbit(f)) {
		c.writeDouble(f)
		return
	}
	var buf [24]byte
	s := strconv.AppendInt(buf[:0], int64(f), 10)
	if c.resp == 3 {
		c.out = append(c.out, ',')
		c.out = append(c.out, s...)
		c.out = append(c.out, '\r', '\n')
		return
	}
	c.writeBulk(s)
}

// weighted is score times weight, with Redis's convention that a NaN
// product (0 times inf) is 0.
func weighted(score, weight float64) float64 {
	v := score * weight
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// zinter walks the smallest input and keeps the members every other input
// has. Only the first score is rid of NaN: the others go to zaggregate raw.
func zinter(srcs []zsrc, agg int) []datatypes.ZItem {
	var items []datatypes.ZItem
	first := &srcs[0]
	first.each(func(m string, s float64) bool {
		score := weighted(s, first.weight)
		for j := 1; j < len(srcs); j++ {
			v, ok := srcs[j].find(m)
			if !ok {
				return true
			}
			zaggregate(&score, v*srcs[j].weight, agg)
		}
		items = append(items, datatypes.ZItem{Member: first.keep(m), Score: score})
		return true
	})
	return items
}

// zinterCard counts the intersection, stopping at limit (0: no limit).
func zinterCard(srcs []zsrc, limit int64) int64 {
	var n int64
	srcs[0].each(func(m string, _ float64) bool {
		for j := 1; j < len(srcs); j++ {
			if _, ok := srcs[j].find(m); !ok {
				return true
			}
		}
		n++
		return limit == 0 || n < limit
	})
	return n
}

// zunion aggregates every input's members, input by input.
func zunion(srcs []zsrc, agg int) []datatypes.ZItem {
	var items []datatypes.ZItem
	index := make(map[string]int, srcs[len(srcs)-1].len())
	for i := range srcs {
		src := &srcs[i]
		src.each(func(m string, s float64) bool {
			score := weighted(s, src.weight)
			if k, ok := index[m]; ok {
				zaggregate(&items[k].Score, score, agg)
				return true
			}
			m = src.keep(m)
			index[m] = len(items)
			items = append(items, datatypes.ZItem{Member: m, Score: score})
			return true
		})
	}
	return items
}

// zdiff keeps the members of the first input that no other input has, with
// their own scores (ZDIFF takes no weights).
func zdiff(srcs []zsrc) []datatypes.ZItem {
	var items []datatypes.ZItem
	first := &srcs[0]
	first.each(func(m string, s float64) bool {
		for j := 1; j < len(srcs); j++ {
			if _, ok := srcs[j].find(m); ok {
				return true
			}
		}
		items = append(items, datatypes.ZItem{Member: first.keep(m), Score: s})
		return true
	})
	return items
}
