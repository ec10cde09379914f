package server

import "sync"

// WATCH and UNWATCH: optimistic locking for MULTI/EXEC. A registry maps
// each watched (database, key) to its watchers; a command that changes a
// key, an expiry or an eviction that deletes one, FLUSHDB/FLUSHALL and
// SWAPDB mark the key's watchers dirty (clientDirtyCAS), and their EXEC
// then answers a null array. Touches happen while the writer still holds
// the key's shard lock, and WATCH registers under the same lock, so a
// write is either seen by the watcher's reads or fails its EXEC.
//
// As in Redis 7.0, a key already expired when it was watched does not
// fail EXEC when it is merely deleted; a watched key that expires before
// EXEC does.

type watchKey struct {
	db  int
	key string
}

// watchedKey is one client's watch on one key.
type watchedKey struct {
	c   *Client
	db  int
	key string
	// expired: the key was logically expired at WATCH; deleting it is no
	// change. Guarded by the registry's mutex.
	expired bool
}

type watchRegistry struct {
	mu   sync.Mutex
	keys map[watchKey][]*watchedKey
}

// watching reports whether anybody watches anything: the write path's
// only cost when nobody does.
func (s *Server) watching() bool { return s.watchers.Load() > 0 }

func cmdWatch(c *Client) {
	if c.has(clientMulti) {
		c.writeError(errWatchInMulti)
		return
	}
	for _, key := range c.args[1:] {
		e := c.peekAny(key)
		c.srv.watch(c, key, e != nil && e.exp != 0 && e.exp <= c.now)
	}
	c.writeOK()
}

func cmdUnwatch(c *Client) {
	c.unwatchAll()
	c.clearFlag(clientDirtyCAS)
	c.writeOK()
}

// peekAny returns key's entry, expired or not, without side effects.
func (c *Client) peekAny(key []byte) *Entry {
	sh, h := c.loc(key)
	return sh.get(h, key)
}

// watch adds c as a watcher of key in its current database.
func (s *Server) watch(c *Client, key []byte, expired bool) {
	r := &s.watchReg
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, wk := range c.watched {
		if wk.db == c.dbIndex && wk.key == string(key) {
			return
		}
	}
	wk := &watchedKey{c: c, db: c.dbIndex, key: string(key), expired: expired}
	if r.keys == nil {
		r.keys = make(map[watchKey][]*watchedKey)
	}
	k := watchKey{wk.db, wk.key}
	r.keys[k] = append(r.keys[k], wk)
	c.watched = append(c.watched, wk)
	s.watchers.Add(1)
}

// unwatchAll forgets every key c watches; its dirty flag is the caller's.
func (c *Client) unwatchAll() {
	if len(c.watched) == 0 {
		return
	}
	s := c.srv
	r := &s.watchReg
	r.mu.Lock()
	for _, wk := range c.watched {
		k := watchKey{wk.db, wk.key}
		list := r.keys[k]
		for i, o := range list {
			if o == wk {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(r.keys, k)
		} else {
			r.keys[k] = list
		}
		s.watchers.Add(-1)
	}
	r.mu.Unlock()
	clear(c.watched)
	c.watched = c.watched[:0]
}

// touchKey marks key's watchers dirty and tells the clients tracking it:
// key in database db was changed (by client by, nil for the server), and
// exists tells whether it is still there. The caller holds its shard lock.
func (s *Server) touchKey(by *Client, db int, key []byte, exists bool) {
	if s.trackers.Load() > 0 {
		s.invalidateKey(by, key)
	}
	if !s.watching() {
		return
	}
	r := &s.watchReg
	r.mu.Lock()
	for _, wk := range r.keys[watchKey{db, string(key)}] {
		if wk.expired {
			if !exists {
				wk.expired = false // an expired key deleted: no change
				continue
			}
		}
		wk.c.setFlag(clientDirtyCAS)
	}
	r.mu.Unlock()
}

// touchFlushed marks dirty the watchers of keys that exist in db, which is
// being emptied (FLUSHDB, FLUSHALL) or swapped with other (SWAPDB; then a
// key existing in other counts too). Every shard is locked.
func (s *Server) touchFlushed(db, other *DB) {
	if !s.watching() {
		return
	}
	r := &s.watchReg
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, list := range r.keys {
		if k.db != db.id {
			continue
		}
		key := []byte(k.key)
		idx := shardOf(key)
		inDB := db.shards[idx].get(db.hash(key), key) != nil
		inOther := false
		if other != nil {
			inOther = other.shards[idx].get(other.hash(key), key) != nil
		}
		if !inDB && !inOther {
			continue
		}
		for _, wk := range list {
			if wk.expired && !inOther {
				wk.expired = false // an expired key deleted: no change
				continue
			}
			wk.c.setFlag(clientDirtyCAS)
		}
	}
}

// noteWrite records, when anybody watches or tracks, a key of the client's
// current database (MOVE and COPY switch it) that the command may change;
// the keys are touched after the command if it changed anything.
func (c *Client) noteWrite(key []byte) {
	if c.srv.observed() {
		c.wtouched = append(c.wtouched, dbKey{c.dbIndex, key})
	}
}

// unnoteWrite takes noteWrite back for a key the command looked up to
// write but left alone.
func (c *Client) unnoteWrite(key []byte) {
	for i := len(c.wtouched) - 1; i >= 0; i-- {
		if k := c.wtouched[i]; k.db == c.dbIndex && string(k.key) == string(key) {
			c.wtouched = append(c.wtouched[:i], c.wtouched[i+1:]...)
			return
		}
	}
}

// dbKey is a key and the database it is in.
type dbKey struct {
	db  int
	key []byte
}

// touchWritten touches the keys noted by the command that just ran, if it
// changed data. Its locks are still held.
func (c *Client) touchWritten() {
	if c.dirty > 0 {
		for _, k := range c.wtouched {
			db := c.srv.dbs[k.db]
			exists := db.shards[shardOf(k.key)].get(db.hash(k.key), k.key) != nil
			c.srv.touchKey(c, k.db, k.key, exists)
		}
	}
	clear(c.wtouched)
	c.wtouched = c.wtouched[:0]
}

// watchedKeyExpired reports whether a key c watches, live when watched,
// has expired since (Redis 7.0's isWatchedKeyExpired). Its shard is locked.
func (c *Client) watchedKeyExpired() bool {
	if len(c.watched) == 0 {
		return false
	}
	r := &c.srv.watchReg
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, wk := range c.watched {
		if wk.expired {
			continue
		}
		db := c.srv.dbs[wk.db]
		key := []byte(wk.key)
		if e := db.shards[shardOf(key)].get(db.hash(key), key); e != nil && e.exp != 0 && e.exp <= c.now {
			return true
		}
	}
	return false
}
