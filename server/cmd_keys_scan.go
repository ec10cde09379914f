package server

import (
	"github.com/shoaldb/shoal/datatypes"
	"github.com/tidwall/redcon"
)

// KEYS, SCAN and RANDOMKEY walk the shards of the client's database
// themselves (flagNoLock), read-locking one shard at a time, so a walk over a
// large keyspace never stops the whole server. Inside a transaction that
// already holds every lock they take none. As in Redis, SCAN and RANDOMKEY
// delete the expired keys they return nothing for (noted in expiredSeen and
// reaped after the command, under write locks); KEYS only skips them.

// rlockShard and runlockShard take a shard's read lock unless the caller
// already holds every lock (EXEC of a global command).
func (c *Client) rlockShard(sh *shard) {
	if !c.allLocked() {
		sh.mu.RLock()
	}
}

func (c *Client) runlockShard(sh *shard) {
	if !c.allLocked() {
		sh.mu.RUnlock()
	}
}

// allLocked reports whether every shard is already locked for the client.
func (c *Client) allLocked() bool { return len(c.locks) == 1 && c.locks[0] == nil }

// live reports whether e has not expired at the command's time.
func (c *Client) live(e *Entry) bool { return e.exp == 0 || e.exp > c.now }

// keyFilter is the MATCH and TYPE filtering of KEYS and SCAN.
type keyFilter struct {
	pattern []byte // nil: every key (Redis special-cases "*": it also matches "")
	typ     []byte // nil: every type
}

func newKeyFilter(pattern []byte) keyFilter {
	if len(pattern) == 1 && pattern[0] == '*' {
		pattern = nil
	}
	return keyFilter{pattern: pattern}
}

func (f *keyFilter) matchKey(e *Entry) bool {
	return f.pattern == nil || datatypes.GlobMatch(f.pattern, e.kv[:e.klen], false)
}

func (f *keyFilter) matchType(e *Entry) bool {
	return f.typ == nil || eqFold(f.typ, typeNames[e.Type])
}

// KEYS pattern
func cmdKeys(c *Client) {
	f := newKeyFilter(c.args[1])
	var body []byte
	n := 0
	for i := range c.db.shards {
		sh := &c.db.shards[i]
		c.rlockShard(sh)
		sh.scanFrom(0, func(_ uint64, e *Entry) bool {
			if c.live(e) && f.matchKey(e) {
				body = redcon.AppendBulk(body, e.kv[:e.klen])
				n++
			}
			return true
		})
		c.runlockShard(sh)
	}
	c.writeArray(n)
	c.writeRaw(body)
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
//
// The cursor is the shard index << 56 | the in-shard hash to resume from.
// Each shard keeps its keys in hash order, so a full iteration visits every
// key present from start to end whatever changes meanwhile. A batch never
// stops between two keys of equal hash (collisions), so none is skipped.
func cmdScan(c *Client) {
	cursor, ok := parseCursor(c.args[1])
	if !ok {
		c.writeError(errInvalidCursor)
		return
	}
	count, f, ok := c.parseScanOptions(c.args[2:], true)
	if !ok {
		return
	}

	var body []byte
	n := 0
	var visited int64
	next := uint64(0)
	for si := int(cursor >> hashBits); si < nShards; si++ {
		from := uint64(0)
		if si == int(cursor>>hashBits) {
			from = cursor & hashMask
		} else if visited >= count {
			next = uint64(si) << hashBits
			break
		}
		sh := &c.db.shards[si]
		stopped := false
		var last uint64
		c.rlockShard(sh)
		sh.scanFrom(from, func(h uint64, e *Entry) bool {
			// visited reaches count only after a key of this shard: last is set.
			if visited >= count && h != last {
				next, stopped = uint64(si)<<hashBits|h, true
				return false
			}
			last = h
			visited++
			// Like Redis: the pattern first; an expired key it matches is
			// deleted (whatever its type), a live one is checked for TYPE.
			if !f.matchKey(e) {
				return true
			}
			if !c.live(e) {
				c.expiredSeen = append(c.expiredSeen, e.kv[:e.klen])
			} else if f.matchType(e) {
				body = redcon.AppendBulk(body, e.kv[:e.klen])
				n++
			}
			return true
		})
		c.runlockShard(sh)
		if stopped {
			break
		}
	}
	c.writeArray(2)
	c.writeBulk(appendUint(nil, next))
	c.writeArray(n)
	c.writeRaw(body)
}

// parseScanOptions parses SCAN's options (HSCAN, SSCAN and ZSCAN take the
// same but TYPE): COUNT (default 10), MATCH and TYPE. It replies errors.
func (c *Client) parseScanOptions(args [][]byte, typeOK bool) (count int64, f keyFilter, ok bool) {
	count = 10
	for i := 0; i < len(args); i += 2 {
		a := args[i]
		more := i+1 < len(args)
		switch {
		case eqFold(a, "count") && more:
			n, ok := parseInt(args[i+1])
			if !ok {
				c.writeError(errNotInt)
				return 0, f, false
			}
			if n < 1 {
				c.writeError(errSyntax)
				return 0, f, false
			}
			count = n
		case eqFold(a, "match") && more:
			f.pattern = newKeyFilter(args[i+1]).pattern
		case eqFold(a, "type") && more && typeOK:
			f.typ = args[i+1]
		default:
			c.writeError(errSyntax)
			return 0, f, false
		}
	}
	return count, f, true
}

// scanCollection is HSCAN, SSCAN and ZSCAN: the cursor is checked first,
// then the key (missing: an empty scan), then the options, in Redis's
// order. walk visits about count members of the value from cursor, handing
// each to out, and returns the cursor to continue from.
func (c *Client) scanCollection(typ uint8, walk func(e *Entry, cursor uint64, count int, out *scanOut) uint64) {
	cursor, ok := parseCursor(c.args[2])
	if !ok {
		c.writeError(errInvalidCursor)
		return
	}
	e, ok := c.readTyped(c.args[1], typ)
	if !ok {
		return
	}
	if e == nil {
		c.writeRawString("*2\r\n$1\r\n0\r\n*0\r\n")
		return
	}
	count, f, ok := c.parseScanOptions(c.args[3:], false)
	if !ok {
		return
	}
	out := scanOut{filter: f}
	next := walk(e, cursor, int(count), &out)
	c.writeArray(2)
	var buf [20]byte
	c.writeBulk(appendUint(buf[:0], next))
	c.writeArray(out.n)
	c.writeRaw(out.body)
}

// scanOut collects a collection scan's reply, keeping what MATCH passes.
type scanOut struct {
	filter keyFilter
	body   []byte
	n      int
}

func (o *scanOut) matches(m []byte) bool {
	return o.filter.pattern == nil || datatypes.GlobMatch(o.filter.pattern, m, false)
}

// member adds a set member.
func (o *scanOut) member(m []byte) {
	if o.matches(m) {
		o.body = redcon.AppendBulk(o.body, m)
		o.n++
	}
}

// pair adds a hash field and its value, or a sorted-set member and its
// score; MATCH looks at the first.
func (o *scanOut) pair(m, v []byte) {
	if o.matches(m) {
		o.body = redcon.AppendBulk(o.body, m)
		o.body = redcon.AppendBulk(o.body, v)
		o.n += 2
	}
}

// parseCursor reads a cursor as Redis does with strtoul: decimal, an
// optional sign ("-1" wraps around), no leading space, no trailing bytes,
// no overflow; the empty string is 0.
func parseCursor(b []byte) (uint64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
		if len(b) == 0 {
			return 0, false // strtoul parses nothing: the sign is left over
		}
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

func appendUint(b []byte, v uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// RANDOMKEY picks a shard weighted by its size, then a key in it; an expired
// pick is retried, and after a few misses a walk finds any live key, so nil
// means the database holds none.
func cmdRandomKey(c *Client) {
	var sizes [nShards]int
	total := 0
	for i := range c.db.shards {
		sh := &c.db.shards[i]
		c.rlockShard(sh)
		sizes[i] = sh.len()
		c.runlockShard(sh)
		total += sizes[i]
	}
	if total == 0 {
		c.writeNull()
		return
	}
	r := c.srv.rng
	for try := 0; try < 16; try++ {
		x := r.IntN(total)
		i := 0
		for x >= sizes[i] {
			x -= sizes[i]
			i++
		}
		sh := &c.db.shards[i]
		c.rlockShard(sh)
		e := sh.randomEntry(r)
		if e != nil && c.live(e) {
			c.writeBulk(e.kv[:e.klen])
			c.runlockShard(sh)
			return
		}
		if e != nil {
			c.expiredSeen = append(c.expiredSeen, e.kv[:e.klen])
		}
		c.runlockShard(sh)
	}
	start := r.IntN(nShards)
	for k := 0; k < nShards; k++ {
		sh := &c.db.shards[(start+k)%nShards]
		found := false
		c.rlockShard(sh)
		sh.scanFrom(0, func(_ uint64, e *Entry) bool {
			if c.live(e) {
				c.writeBulk(e.kv[:e.klen])
				found = true
			}
			return !found
		})
		c.runlockShard(sh)
		if found {
			return
		}
	}
	c.writeNull()
}
