package server

import (
	"math"

	"github.com/shoaldb/shoal/datatypes"
)

// The set family. This file has the table and the commands on one set;
// cmd_set_ops.go has SINTER, SUNION, SDIFF and their variants (SMEMBERS is
// Redis 7.0's SINTER of one key).

func setCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
		mk = flagMovableKeys
	)
	return []*Command{
		{Name: "sadd", Arity: -3, Flags: w | oo | f, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSAdd},
		{Name: "srem", Arity: -3, Flags: w | f, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSRem},
		{Name: "scard", Arity: 2, Flags: r | f, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSCard},
		{Name: "sismember", Arity: 3, Flags: r | f, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSIsMember},
		{Name: "smismember", Arity: -3, Flags: r | f, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSMIsMember},
		{Name: "smove", Arity: 4, Flags: w | f, ACL: "@set", First: 1, Last: 2, Step: 1, Handler: cmdSMove},
		{Name: "spop", Arity: -2, Flags: w | f, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSPop},
		{Name: "srandmember", Arity: -2, Flags: r, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSRandMember},
		{Name: "sscan", Arity: -3, Flags: r, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSScan},
		{Name: "smembers", Arity: 2, Flags: r, ACL: "@set", First: 1, Last: 1, Step: 1, Handler: cmdSMembers},
		{Name: "sinter", Arity: -2, Flags: r, ACL: "@set", First: 1, Last: -1, Step: 1, Handler: cmdSInter},
		{Name: "sintercard", Arity: -3, Flags: r | mk, ACL: "@set", KeysFunc: numKeysAt(1), Handler: cmdSInterCard},
		{Name: "sinterstore", Arity: -3, Flags: w | oo, ACL: "@set", First: 1, Last: -1, Step: 1, Handler: cmdSInterStore},
		{Name: "sunion", Arity: -2, Flags: r, ACL: "@set", First: 1, Last: -1, Step: 1, Handler: cmdSUnion},
		{Name: "sunionstore", Arity: -3, Flags: w | oo, ACL: "@set", First: 1, Last: -1, Step: 1, Handler: cmdSUnionStore},
		{Name: "sdiff", Arity: -2, Flags: r, ACL: "@set", First: 1, Last: -1, Step: 1, Handler: cmdSDiff},
		{Name: "sdiffstore", Arity: -3, Flags: w | oo, ACL: "@set", First: 1, Last: -1, Step: 1, Handler: cmdSDiffStore},
	}
}

// setOf returns the set of an entry of type TypeSet.
func setOf(e *Entry) *datatypes.Set { return e.obj.(*datatypes.Set) }

// newSet returns an empty intset, as Redis's createIntsetObject.
func (c *Client) newSet() *datatypes.Set { return datatypes.NewSet(c.db.seed) }

// maxIntset is set-max-intset-entries.
func (c *Client) maxIntset() int64 { return c.srv.config().SetMaxIntsetEntries }

// setForAdd returns key's set for a command about to add first (and maybe
// more) to it, creating the key when absent in the encoding Redis picks for
// first. ok is false after a WRONGTYPE reply.
func (c *Client) setForAdd(key, first []byte) (e *Entry, ok bool) {
	e, ok = c.writeTyped(key, TypeSet)
	if ok && e == nil {
		e = c.addSet(key, first)
	}
	return e, ok
}

// addSet creates key, known to be absent, holding an empty set in the
// encoding Redis's setTypeCreate picks for a set about to receive first.
func (c *Client) addSet(key, first []byte) *Entry {
	dirty := c.dirty
	e := c.addObj(key, TypeSet, datatypes.NewSetFor(first, c.db.seed))
	c.dirty = dirty // Redis counts the members added, not the key's creation
	return e
}

// SADD key member [member ...]
func cmdSAdd(c *Client) {
	e, ok := c.setForAdd(c.args[1], c.args[2])
	if !ok {
		return
	}
	s, max := setOf(e), c.maxIntset()
	before := e.memUsage()
	added := 0
	for _, m := range c.args[2:] {
		if s.Add(m, max) {
			added++
		}
	}
	c.changed(e, before)
	c.dirty += added
	if added > 0 {
		c.notify(notifySet, "sadd", c.args[1])
	}
	c.writeInt(int64(added))
}

// SREM key member [member ...]
func cmdSRem(c *Client) {
	e, ok := c.writeTyped(c.args[1], TypeSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeInt(0)
		return
	}
	s := setOf(e)
	before := e.memUsage()
	removed := 0
	for _, m := range c.args[2:] {
		if s.Remove(m) {
			removed++
			if s.Len() == 0 {
				break
			}
		}
	}
	c.changed(e, before)
	c.dirty += removed
	if removed > 0 {
		c.notify(notifySet, "srem", c.args[1])
	}
	c.writeInt(int64(removed))
}

// SCARD key
func cmdSCard(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeSet)
	switch {
	case !ok:
	case e == nil:
		c.writeInt(0)
	default:
		c.writeInt(int64(setOf(e).Len()))
	}
}

// SISMEMBER key member
func cmdSIsMember(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeSet)
	switch {
	case !ok:
	case e != nil && setOf(e).Has(c.args[2]):
		c.writeInt(1)
	default:
		c.writeInt(0)
	}
}

// SMISMEMBER key member [member ...]
func cmdSMIsMember(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeSet)
	if !ok {
		return
	}
	c.writeArray(len(c.args) - 2)
	for _, m := range c.args[2:] {
		if e != nil && setOf(e).Has(m) {
			c.writeInt(1)
		} else {
			c.writeInt(0)
		}
	}
}

// SMOVE source destination member
func cmdSMove(c *Client) {
	srcKey, dstKey, m := c.args[1], c.args[2], c.args[3]
	src, ok := c.writeTyped(srcKey, TypeSet)
	if !ok {
		return
	}
	if src == nil {
		c.writeInt(0) // whatever the destination holds
		return
	}
	dst, ok := c.writeTyped(dstKey, TypeSet)
	if !ok {
		return
	}
	ss := setOf(src)
	if src == dst {
		if ss.Has(m) {
			c.writeInt(1)
		} else {
			c.writeInt(0)
		}
		return
	}
	before := src.memUsage()
	if !ss.Remove(m) {
		c.writeInt(0)
		return
	}
	c.changed(src, before)
	c.dirty++
	c.notify(notifySet, "srem", srcKey)
	if dst == nil {
		dst = c.addSet(dstKey, m)
	}
	before = dst.memUsage()
	if setOf(dst).Add(m, c.maxIntset()) {
		c.dirty++
		c.changed(dst, before)
		c.notify(notifySet, "sadd", dstKey)
	} else {
		c.unnoteWrite(dstKey) // it had the member: unchanged, as Redis sees it
	}
	c.writeInt(1)
}

// SPOP key [count]
//
// The single form is propagated as SREM key member. With a count Redis 7.0
// propagates one SREM per member inside MULTI/EXEC; Shoal sends one SREM
// with all of them, which has the same effect. Popping the whole set is
// propagated as DEL.
func cmdSPop(c *Client) {
	switch len(c.args) {
	case 2:
	case 3:
		c.spopCount()
		return
	default:
		c.writeError(errSyntax)
		return
	}
	key := c.args[1]
	e, ok := c.writeTyped(key, TypeSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeNull()
		return
	}
	s := setOf(e)
	before := e.memUsage()
	// A hashtable's member is returned as stored: immutable, so it can
	// outlive its removal in the propagated command.
	m := s.Random(c.srv.rng, nil)
	c.writeBulk(m)
	c.propArgs = [][]byte{[]byte("SREM"), key, m}
	s.Remove(m)
	c.changed(e, before)
	c.dirty++
	c.notify(notifySet, "spop", key)
}

// spopMoveMul is Redis's SPOP_MOVE_STRATEGY_MUL: when the members left
// would be fewer than count/5, SPOP builds a new set of them instead of
// removing count members one by one.
const spopMoveMul = 5

// SPOP key count
func (c *Client) spopCount() {
	key := c.args[1]
	count, ok := parseInt(c.args[2])
	if !ok || count < 0 {
		c.writeError(errPositive)
		return
	}
	e, ok := c.writeTyped(key, TypeSet)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		c.writeSet(0)
		return
	}
	s := setOf(e)
	size := int64(s.Len())
	dirty := c.dirty + int(count) // Redis counts count, whatever the size

	if count >= size {
		c.writeSetOf(c.unionOf([]*datatypes.Set{s}))
		c.deleteKey(key)
		c.dirty = dirty
		c.notify(notifySet, "spop", key)
		c.notify(notifyGeneric, "del", key)
		c.propArgs = [][]byte{[]byte("DEL"), key}
		return
	}

	// The members popped, for the reply and the propagated SREM.
	var arena []byte
	ends := make([]int, 0, count)
	keep := func(m []byte) {
		arena = append(arena, m...)
		ends = append(ends, len(arena))
	}
	r := c.srv.rng
	before := e.memUsage()
	remaining := size - count
	var buf [20]byte
	if remaining*spopMoveMul > count {
		for range count {
			m := s.Random(r, buf[:0])
			keep(m)
			s.Remove(m)
		}
	} else {
		// Move the few members that stay to a new set (created as Redis's
		// setTypeCreate would: an intset if the first is an integer); the
		// old set, now holding the popped members, is the reply.
		var kept *datatypes.Set
		max := c.maxIntset()
		for range remaining {
			m := s.Random(r, buf[:0])
			if kept == nil {
				kept = datatypes.NewSetFor(m, c.db.seed)
			}
			kept.Add(m, max)
			s.Remove(m)
		}
		s.Each(func(m []byte) bool {
			keep(m)
			return true
		})
		e.obj = kept
	}
	c.changed(e, before)
	c.dirty = dirty
	c.notify(notifySet, "spop", key)

	c.writeSet(len(ends))
	prop := make([][]byte, 0, 2+len(ends))
	prop = append(prop, []byte("SREM"), key)
	start := 0
	for _, end := range ends {
		m := arena[start:end:end]
		c.writeBulk(m)
		prop = append(prop, m)
		start = end
	}
	c.propArgs = prop
}

// srandSubMul is Redis's SRANDMEMBER_SUB_STRATEGY_MUL: when count is more
// than a third of the set, SRANDMEMBER picks by elimination from the whole
// set rather than by repeated random picks.
const srandSubMul = 3

// SRANDMEMBER key [count]
func cmdSRandMember(c *Client) {
	switch len(c.args) {
	case 2:
	case 3:
		c.srandCount()
		return
	default:
		c.writeError(errSyntax)
		return
	}
	e, ok := c.readTyped(c.args[1], TypeSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeNull()
		return
	}
	var buf [20]byte
	c.writeBulk(setOf(e).Random(c.srv.rng, buf[:0]))
}

// SRANDMEMBER key count: a positive count asks for distinct members, a
// negative one for that many independent picks.
func (c *Client) srandCount() {
	n, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if n == math.MinInt64 {
		c.writeError(errHRandCountRange)
		return
	}
	e, ok := c.readTyped(c.args[1], TypeSet)
	if !ok {
		return
	}
	if e == nil || n == 0 {
		c.writeArray(0)
		return
	}
	s := setOf(e)
	r := c.srv.rng
	var buf [20]byte
	if n < 0 || n == 1 {
		n = max(n, -n)
		c.writeArray(int(n))
		for range n {
			c.writeBulk(s.Random(r, buf[:0]))
		}
		return
	}
	size := int64(s.Len())
	if n >= size {
		c.writeArray(int(size))
		s.Each(func(m []byte) bool {
			c.writeBulk(m)
			return true
		})
		return
	}
	c.writeArray(int(n))
	if n*srandSubMul > size {
		// Shuffle the first n members into place from all of them.
		all := make([][]byte, 0, size)
		s.Each(func(m []byte) bool {
			all = append(all, append([]byte(nil), m...))
			return true
		})
		for i := range n {
			j := i + int64(r.IntN(int(size-i)))
			all[i], all[j] = all[j], all[i]
			c.writeBulk(all[i])
		}
		return
	}
	picked := make(map[string]struct{}, n)
	for int64(len(picked)) < n {
		m := s.Random(r, buf[:0])
		if _, dup := picked[string(m)]; !dup {
			picked[string(m)] = struct{}{}
			c.writeBulk(m)
		}
	}
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
func cmdSScan(c *Client) {
	c.scanCollection(TypeSet, func(e *Entry, cursor uint64, count int, out *scanOut) uint64 {
		return setOf(e).Scan(cursor, count, out.member)
	})
}
