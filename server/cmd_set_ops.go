package server

import (
	"slices"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/tidwall/redcon"
)

// SINTER, SUNION, SDIFF and their STORE and CARD forms, following Redis
// 7.0's algorithms step by step: which set is walked and which result set is
// built decide the reply order (an intset replies in ascending order) and
// the encoding a STORE leaves, and both are compared with Redis's.

// loadSets looks up keys as sets; a missing key gives nil. ok is false
// after a WRONGTYPE reply: every key is checked before any work.
func (c *Client) loadSets(keys [][]byte) (sets []*datatypes.Set, ok bool) {
	sets = make([]*datatypes.Set, len(keys))
	for i, k := range keys {
		e, ok := c.readTyped(k, TypeSet)
		if !ok {
			return nil, false
		}
		if e != nil {
			sets[i] = setOf(e)
		}
	}
	return sets, true
}

// writeSetOf replies with s's members: a set in RESP3, an array in RESP2.
func (c *Client) writeSetOf(s *datatypes.Set) {
	c.writeSet(s.Len())
	s.Each(func(m []byte) bool {
		c.writeBulk(m)
		return true
	})
}

// storeSet ends a STORE form: dst holds result, or is deleted if the result
// is empty; the reply is the result's size.
func (c *Client) storeSet(dst []byte, result *datatypes.Set) {
	if result.Len() == 0 {
		if c.deleteKey(dst) {
			c.notify(notifyGeneric, "del", dst)
		}
		c.writeInt(0)
		return
	}
	c.storeObj(dst, TypeSet, result)
	c.notify(notifySet, c.cmd.Name, dst) // sinterstore, sunionstore, sdiffstore
	c.writeInt(int64(result.Len()))
}

// SMEMBERS key: in Redis 7.0, SINTER of one key.
func cmdSMembers(c *Client) { c.sinter(c.args[1:2], nil, false, 0) }

// SINTER key [key ...]
func cmdSInter(c *Client) { c.sinter(c.args[1:], nil, false, 0) }

// SINTERSTORE destination key [key ...]
func cmdSInterStore(c *Client) { c.sinter(c.args[2:], c.args[1], false, 0) }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdSInterCard(c *Client) {
	numkeys, ok := parseInt(c.args[1])
	if !ok || numkeys < 1 {
		c.writeError(errListNumkeys)
		return
	}
	if numkeys > int64(len(c.args)-2) {
		c.writeError(errSetNumkeysArgs)
		return
	}
	var limit int64
	for i := 2 + int(numkeys); i < len(c.args); i++ {
		if !eqFold(c.args[i], "limit") || i+1 == len(c.args) {
			c.writeError(errSyntax)
			return
		}
		i++
		if limit, ok = parseInt(c.args[i]); !ok || limit < 0 {
			c.writeError(errZLimitNegative)
			return
		}
	}
	c.sinter(c.args[2:2+numkeys], nil, true, limit)
}

// sinter is Redis's sinterGenericCommand: the smallest set is walked and
// each member checked in the others. With dst the result is stored there;
// with cardOnly only its size is replied, stopping at limit (0: none).
func (c *Client) sinter(keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, ok := c.loadSets(keys)
	if !ok {
		return
	}
	if slices.Contains(sets, nil) {
		// An intersection with an empty set is empty.
		switch {
		case dst != nil:
			c.storeSet(dst, c.newSet())
		case cardOnly:
			c.writeInt(0)
		default:
			c.writeSet(0)
		}
		return
	}
	// Redis sorts with qsort, which glibc makes a stable merge sort.
	slices.SortStableFunc(sets, func(a, b *datatypes.Set) int { return a.Len() - b.Len() })

	var result *datatypes.Set
	if dst != nil {
		result = c.newSet()
	}
	max := c.maxIntset()
	var body []byte
	n := int64(0)
	sets[0].Each(func(m []byte) bool {
		for _, s := range sets[1:] {
			if s != sets[0] && !s.Has(m) {
				return true
			}
		}
		n++
		switch {
		case cardOnly:
			return limit == 0 || n < limit
		case dst != nil:
			result.Add(m, max)
		default:
			body = redcon.AppendBulk(body, m)
		}
		return true
	})
	switch {
	case cardOnly:
		c.writeInt(n)
	case dst != nil:
		c.storeSet(dst, result)
	default:
		c.writeSet(int(n))
		c.writeRaw(body)
	}
}

// SUNION key [key ...]
func cmdSUnion(c *Client) { c.sunionDiff(c.args[1:], nil, false) }

// SUNIONSTORE destination key [key ...]
func cmdSUnionStore(c *Client) { c.sunionDiff(c.args[2:], c.args[1], false) }

// SDIFF key [key ...]
func cmdSDiff(c *Client) { c.sunionDiff(c.args[1:], nil, true) }

// SDIFFSTORE destination key [key ...]
func cmdSDiffStore(c *Client) { c.sunionDiff(c.args[2:], c.args[1], true) }

// unionOf builds the union of sets (nil ones are empty) in a new set that
// starts as an intset, as Redis does.
func (c *Client) unionOf(sets []*datatypes.Set) *datatypes.Set {
	result, max := c.newSet(), c.maxIntset()
	for _, s := range sets {
		if s == nil {
			continue
		}
		s.Each(func(m []byte) bool {
			result.Add(m, max)
			return true
		})
	}
	return result
}

// sunionDiff is Redis's sunionDiffGenericCommand: the result is built in a
// new set, replied from it or stored in dst.
func (c *Client) sunionDiff(keys [][]byte, dst []byte, diff bool) {
	sets, ok := c.loadSets(keys)
	if !ok {
		return
	}
	var result *datatypes.Set
	switch {
	case !diff:
		result = c.unionOf(sets)
	case sets[0] == nil || slices.Contains(sets[1:], sets[0]):
		result = c.newSet() // nothing, or the first set minus itself
	default:
		result = c.diffOf(sets)
	}
	if dst != nil {
		c.storeSet(dst, result)
		return
	}
	c.writeSetOf(result)
}

// diffOf is the difference of sets[0] (not nil) and the others, by the
// algorithm Redis would choose: it decides the result's encoding.
func (c *Client) diffOf(sets []*datatypes.Set) *datatypes.Set {
	// Walking the first set costs its size per set; adding it and removing
	// the others costs their total size. Redis gives the walk an advantage.
	walk, addRemove := 0, 0
	for _, s := range sets {
		if s != nil {
			walk += sets[0].Len()
			addRemove += s.Len()
		}
	}
	result, max := c.newSet(), c.maxIntset()
	if walk/2 <= addRemove {
		// Biggest sets first: a member present elsewhere is found sooner.
		others := slices.Clone(sets[1:])
		slices.SortStableFunc(others, func(a, b *datatypes.Set) int { return setLen(b) - setLen(a) })
		sets[0].Each(func(m []byte) bool {
			for _, s := range others {
				if s != nil && s.Has(m) {
					return true
				}
			}
			result.Add(m, max)
			return true
		})
		return result
	}
	sets[0].Each(func(m []byte) bool {
		result.Add(m, max)
		return true
	})
	for _, s := range sets[1:] {
		if s == nil {
			continue
		}
		s.Each(func(m []byte) bool {
			result.Remove(m)
			return result.Len() > 0
		})
		if result.Len() == 0 {
			break
		}
	}
	return result
}

// setLen is the size of a possibly missing set.
func setLen(s *datatypes.Set) int {
	if s == nil {
		return 0
	}
	return s.Len()
}
