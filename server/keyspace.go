package server

import "unsafe"

// The keyspace API handlers use. The caller holds the key's shard lock (the
// dispatcher took it); these functions apply Redis's lazy expiry, count hits
// and misses, touch the access clock and mark the command dirty.

// loc is a key's shard and in-shard hash.
func (c *Client) loc(key []byte) (*shard, uint64) {
	if unsafe.SliceData(key) == c.key0 && len(key) == c.key0Len && c.key0 != nil {
		return &c.db.shards[c.key0Shard], c.db.hash(key)
	}
	return &c.db.shards[shardOf(key)], c.db.hash(key)
}

// lookupRead returns the live entry for key, or nil, counting a hit or a
// miss and touching the access clock. An expired key reads as absent and,
// as in Redis, is deleted: a read holds only a read lock, so the key is
// noted and reaped right after the command (reapExpired).
func (c *Client) lookupRead(key []byte) *Entry { return c.lookup(key, true) }

// lookupNoTouch is lookupRead without touching the access clock: Redis's
// LOOKUP_NOTOUCH, used by EXISTS, TYPE, TTL and OBJECT.
func (c *Client) lookupNoTouch(key []byte) *Entry { return c.lookup(key, false) }

func (c *Client) lookup(key []byte, touch bool) *Entry {
	sh, h := c.loc(key)
	e := sh.get(h, key)
	if e == nil || (e.exp != 0 && e.exp <= c.now) {
		c.srv.stats.keyspaceMisses.Add(1)
		if e != nil && c.rlock {
			c.expiredSeen = append(c.expiredSeen, key)
		} else if e != nil {
			c.expireEntry(sh, h, e)
		}
		c.notify(notifyKeyMiss, "keymiss", key)
		return nil
	}
	c.srv.stats.keyspaceHits.Add(1)
	if touch {
		c.touch(e)
	}
	if !c.rlock {
		// Under a write lock the caller may change what it read
		// (SET ... GET, a script's later command): a snapshot that has
		// not written the entry yet gets its value first.
		sh.preserve(h, e)
	}
	return e
}

// lookupWrite returns the live entry for key, deleting it first if it has
// expired. It does not count hits or misses (Redis's lookupKeyWrite).
func (c *Client) lookupWrite(key []byte) *Entry {
	sh, h := c.loc(key)
	e := sh.get(h, key)
	if e == nil {
		return nil
	}
	if e.exp != 0 && e.exp <= c.now {
		c.expireEntry(sh, h, e)
		return nil
	}
	c.touch(e)
	c.noteWrite(key)
	sh.preserve(h, e)
	return e
}

// peek returns the live entry for key without touching it or counting it
// (TYPE and OBJECT use Redis's LOOKUP_NOTOUCH).
func (c *Client) peek(key []byte) *Entry {
	sh, h := c.loc(key)
	e := sh.get(h, key)
	if e == nil || (e.exp != 0 && e.exp <= c.now) {
		return nil
	}
	return e
}

// expireEntry removes an expired entry and propagates its deletion.
func (c *Client) expireEntry(sh *shard, h uint64, e *Entry) {
	sh.remove(h, e)
	c.srv.stats.expiredKeys.Add(1)
	c.srv.propagateDel(c.dbIndex, e.Key())
	if c.srv.observed() {
		c.srv.touchKey(c, c.dbIndex, e.kv[:e.klen], false)
	}
	c.notify(notifyExpired, "expired", e.kv[:e.klen])
}

// touch records an access for LRU/LFU eviction and OBJECT IDLETIME/FREQ.
func (c *Client) touch(e *Entry) {
	if c.noTouch {
		return
	}
	c.srv.touchEntry(e, c.now)
}

// setKey stores val as key's string value, replacing whatever was there.
// keepTTL keeps an existing expiry; otherwise the key becomes persistent.
func (c *Client) setKey(key, val []byte, keepTTL bool) *Entry {
	sh, h := c.loc(key)
	return c.storeStr(sh, h, sh.get(h, key), key, val, keepTTL)
}

// overwrite is setKey for a handler that has just looked key up with
// lookupWrite or lookupRead under its write lock: old is what that returned
// (the live entry, or nil; an expired one was removed), so the table is not
// probed twice.
func (c *Client) overwrite(key []byte, old *Entry, val []byte, keepTTL bool) *Entry {
	sh, h := c.loc(key)
	return c.storeStr(sh, h, old, key, val, keepTTL)
}

// storeStr stores val under key in place of old (nil if absent).
func (c *Client) storeStr(sh *shard, h uint64, old *Entry, key, val []byte, keepTTL bool) *Entry {
	c.noteWrite(key)
	if old != nil && old.Type == TypeString && (old.exp == 0 || (keepTTL && old.exp > c.now)) {
		sh.preserve(h, old)
		sh.mem -= old.memUsage()
		old.setStr(val)
		sh.mem += old.memUsage()
		sh.version++
		c.dirty++
		return old
	}
	e := newEntry(key, val)
	if old != nil {
		if keepTTL && (old.exp == 0 || old.exp > c.now) {
			e.exp = old.exp
		}
		// Redis's dbOverwrite: the new value inherits the access history
		// (the caller's lookupWrite already touched it).
		e.access.Store(old.access.Load())
		sh.remove(h, old)
	} else {
		c.srv.initAccess(e, c.now)
	}
	sh.put(h, e)
	c.dirty++
	if old == nil {
		c.notify(notifyNew, "new", key)
	}
	return e
}

// addEntry inserts a new entry for a key known to be absent.
func (c *Client) addEntry(e *Entry) {
	c.insertEntry(e)
	c.notify(notifyNew, "new", e.kv[:e.klen])
}

// insertEntry is addEntry without the "new" event: the key replaces one
// that was there (storeObj).
func (c *Client) insertEntry(e *Entry) {
	sh, h := c.loc(e.kv[:e.klen])
	c.noteWrite(e.kv[:e.klen])
	if e.access.Load() == 0 {
		c.srv.initAccess(e, c.now)
	}
	sh.put(h, e)
	c.dirty++
	if e.Type == TypeList || e.Type == TypeZSet || e.Type == TypeStream {
		c.keyCreated(e.kv[:e.klen])
	}
}

// deleteKey removes key if it exists (expired keys count as absent).
func (c *Client) deleteKey(key []byte) bool {
	sh, h := c.loc(key)
	e := sh.get(h, key)
	if e == nil {
		return false
	}
	sh.remove(h, e)
	if e.exp != 0 && e.exp <= c.now {
		c.srv.stats.expiredKeys.Add(1)
		c.srv.propagateDel(c.dbIndex, e.Key())
		if c.srv.observed() {
			c.srv.touchKey(c, c.dbIndex, key, false)
		}
		c.notify(notifyExpired, "expired", key)
		return false
	}
	c.noteWrite(key)
	c.dirty++
	return true
}

// setExpire sets the expiry of key, whose live entry is e (unix ms; 0
// removes it). The caller's key, not e's copy, finds the shard: it is the
// one the command's lookup located, so the slot is not computed again.
func (c *Client) setExpire(key []byte, e *Entry, at int64) {
	sh, h := c.loc(key)
	sh.setExpire(h, e, at)
	c.noteWrite(key)
	c.dirty++
}

// resized re-accounts an entry whose value changed size in place.
func (c *Client) resized(e *Entry, before int64) {
	sh := &c.db.shards[shardOf(e.kv[:e.klen])]
	sh.mem += e.memUsage() - before
	sh.version++
	c.noteWrite(e.kv[:e.klen])
}

// propagateDel sends a DEL for a key removed by expiry or eviction.
func (s *Server) propagateDel(db int, key string) {
	hook := s.propagateHook.Load()
	if hook == nil {
		return
	}
	(*hook)(db, [][]byte{[]byte("DEL"), []byte(key)})
}

// touchEntry updates the access field the way the eviction policy reads it.
func (s *Server) touchEntry(e *Entry, now int64) {
	if policy := s.config().MaxMemoryPolicy; policy == policyAllKeysLFU || policy == policyVolatileLFU {
		s.lfuTouch(e, now)
		return
	}
	clk := s.lruClock.Load()
	if e.access.Load() != clk {
		e.access.Store(clk)
	}
}

// initAccess sets a new value's access field as Redis's createObject does:
// the LRU clock, or under an LFU policy the initial counter, not yet
// incremented (a new key reads OBJECT FREQ 5).
func (s *Server) initAccess(e *Entry, now int64) {
	if policy := s.config().MaxMemoryPolicy; policy == policyAllKeysLFU || policy == policyVolatileLFU {
		e.access.Store(lfuMinutes(now)<<8 | lfuInitVal)
		return
	}
	e.access.Store(s.lruClock.Load())
}

// reapExpired deletes the expired keys a read-locked command came across,
// each under its shard's write lock, if they are still expired.
func (c *Client) reapExpired() {
	locked := c.allLocked() // inside EXEC
	for _, key := range c.expiredSeen {
		sh, h := c.loc(key)
		if !locked {
			sh.mu.Lock()
		}
		if e := sh.get(h, key); e != nil && e.exp != 0 && e.exp <= c.now {
			c.expireEntry(sh, h, e)
		}
		if !locked {
			sh.mu.Unlock()
		}
	}
	c.expiredSeen = c.expiredSeen[:0]
}

// collection is what the values of lists, hashes, sets and sorted sets
// offer the keyspace: their size, for deleting emptied keys, and their
// memory, kept up to date as they change (O(1)).
type collection interface {
	Len() int
	MemUsage() int64
}

// readTyped looks key up for a read command expecting type typ: the live
// entry or nil if absent, with ok false (WRONGTYPE already replied) when the
// key holds another type.
func (c *Client) readTyped(key []byte, typ uint8) (e *Entry, ok bool) {
	e = c.lookupRead(key)
	if e != nil && e.Type != typ {
		c.writeError(errWrongType)
		return nil, false
	}
	return e, true
}

// writeTyped is readTyped for a write command (lookupWrite).
func (c *Client) writeTyped(key []byte, typ uint8) (e *Entry, ok bool) {
	e = c.lookupWrite(key)
	if e != nil && e.Type != typ {
		c.writeError(errWrongType)
		return nil, false
	}
	return e, true
}

// addObj creates key, known to be absent, holding a collection of type typ.
func (c *Client) addObj(key []byte, typ uint8, obj collection) *Entry {
	e := newObjEntry(key, typ, obj)
	c.addEntry(e)
	return e
}

// storeObj makes key hold obj, replacing whatever it held and dropping its
// TTL: the destination of the *STORE commands and SORT ... STORE.
func (c *Client) storeObj(key []byte, typ uint8, obj collection) *Entry {
	sh, h := c.loc(key)
	e := newObjEntry(key, typ, obj)
	if old := sh.get(h, key); old != nil {
		sh.remove(h, old)
		c.insertEntry(e) // an overwrite: no "new" event
		return e
	}
	c.addEntry(e)
	return e
}

// changed re-accounts a collection changed in place (before is its
// memUsage before the change) and deletes its key once it is empty, as
// Redis never keeps an empty collection. It reports whether the key is
// gone. The handler counts the change itself (c.dirty).
func (c *Client) changed(e *Entry, before int64) (deleted bool) {
	if e.obj.(collection).Len() > 0 {
		c.resized(e, before)
		return false
	}
	key := e.kv[:e.klen]
	sh := &c.db.shards[shardOf(key)]
	sh.remove(c.db.hash(key), e)
	sh.mem += e.memUsage() - before // remove subtracted the new size
	c.noteEmptied(key)
	return true
}
