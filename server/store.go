package server

import (
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/tidwall/btree"
)

// The shard store: everything that knows how keys are laid out in memory is
// in this file and datatypes.Table, behind the methods of shard and DB.
//
// Each shard is an ordered hash table (datatypes.Table) keyed by a 56-bit hash of
// the key. It was chosen over a B-tree per shard (tidwall/btree Map by hash)
// by measurement, see BenchmarkShardStore and the issue note: both walk keys
// in hash order, which makes a SCAN cursor simply (shard, hash) that never
// misses a key however the shard changes, but the table finds a key in about
// one cache line where the tree pays a miss per level. Keys with equal hashes
// (2^-56 per pair) stand side by side and are told apart by comparing keys.
//
// Keys with a TTL are also in a B-tree ordered by expiry time, so the active
// expiry cycle removes due keys in order instead of by sampling.
//
// Point-in-time snapshots (BGSAVE, a replica's full sync) do not need a copy
// of the table: a snapshot walks each shard in hash order, so at any moment
// "not yet written" is exactly "hash at or above the walk's cursor in this
// shard". A write to such an entry first hands the entry's current value to
// the snapshot, then changes it; the entry's generation stamp (born) tells
// the walk to skip it, and skips entries created after the cut. This is
// design.md's shape (b), with the walk order for free; values changed in
// place go through the same hand-off (snapshot.go).

// nShards is the number of shards per database: a power of two that divides
// Redis Cluster's 16384 slots, so keys with the same {hash tag} share a shard.
const nShards = 256

const hashBits = datatypes.HashBits
const hashMask = datatypes.HashMask

// Value types, as TYPE names them.
const (
	TypeString uint8 = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

const (
	encByContent uint8 = iota
	encRaw
	encEmbstr
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

// Entry is one key and its value. The key and a string value share one
// allocation (kv); other types keep their value in obj.
type Entry struct {
	kv   []byte // key bytes, then the string value
	klen uint32
	Type uint8
	// enc records how a string value was made where Redis's OBJECT ENCODING
	// depends on it: encByContent (SET: int/embstr/raw by content), encRaw
	// (grown in place by APPEND/SETRANGE), encEmbstr (INCRBYFLOAT).
	enc uint8
	// inl is the size in 16-byte units of the buffer allocated right after
	// the entry (allocEntry), 0 for none. It fills padding.
	inl uint8
	// access is Redis's 24-bit LRU field: the LRU clock (seconds) of the last
	// access, or under an LFU policy the minutes of the last decrement << 8 |
	// the logarithmic counter. Atomic: readers touch it under a read lock.
	access atomic.Uint32
	// born is the snapshot generation the entry belongs to: one created
	// during a snapshot, or handed to it, is not the snapshot's to write.
	// It fills padding.
	born uint32
	exp  int64 // expiry as unix milliseconds; 0 = no TTL
	obj  any   // the value of a non-string key
}

// Key returns the key, aliasing the entry's memory.
func (e *Entry) Key() string {
	if e.klen == 0 {
		return ""
	}
	if e.inl != 0 {
		if p := e.inline(); p == unsafe.SliceData(e.kv) {
			// The same bytes as below, at an address the CPU knows before
			// the entry's header arrives from memory: a lookup waits for
			// the entry and its key at once, not one after the other.
			return unsafe.String(p, e.klen)
		}
	}
	return unsafe.String(&e.kv[0], e.klen)
}

// Str returns a string value, aliasing the entry's memory.
func (e *Entry) Str() []byte { return e.kv[e.klen:] }

// Obj returns the value of a non-string key.
func (e *Entry) Obj() any { return e.obj }

// Expire returns the key's expiry time in unix milliseconds, 0 for none.
func (e *Entry) Expire() int64 { return e.exp }

// newEntry makes an entry for key holding the string val (copied).
func newEntry(key, val []byte) *Entry {
	e := allocEntry(len(key) + len(val))
	copy(e.kv, key)
	copy(e.kv[len(key):], val)
	e.klen, e.Type = uint32(len(key)), TypeString
	return e
}

// newObjEntry makes an entry for key holding a non-string value.
func newObjEntry(key []byte, typ uint8, obj any) *Entry {
	e := allocEntry(len(key))
	copy(e.kv, key)
	e.klen, e.Type, e.obj = uint32(len(key)), typ, obj
	return e
}

// setStr replaces a string value, reusing the allocation when it fits.
func (e *Entry) setStr(val []byte) {
	e.enc = encByContent
	need := int(e.klen) + len(val)
	if need <= int(e.inl)*16 {
		kv := unsafe.Slice(e.inline(), int(e.inl)*16)[:need]
		copy(kv, e.kv[:e.klen]) // a no-op when kv is already the buffer
		copy(kv[e.klen:], val)
		e.kv = kv
		return
	}
	if need <= cap(e.kv) && cap(e.kv)-need < 64+need/2 {
		e.kv = e.kv[:need]
		copy(e.kv[e.klen:], val)
		return
	}
	kv := make([]byte, need)
	copy(kv, e.kv[:e.klen])
	copy(kv[e.klen:], val)
	e.kv = kv
}

// growStr makes room for n more bytes of string value and returns the value
// grown by n (the new bytes are zero or old garbage: the caller fills them).
// Growth is geometric, as Redis's sds does for APPEND and SETRANGE.
func (e *Entry) growStr(n int) []byte {
	e.enc = encRaw
	need := len(e.kv) + n
	if need > cap(e.kv) {
		c := need
		if c < 1<<20 {
			c *= 2
		} else {
			c += 1 << 20
		}
		kv := make([]byte, need, c)
		copy(kv, e.kv)
		e.kv = kv
	} else {
		e.kv = e.kv[:need]
	}
	return e.kv[e.klen:]
}

// memUsage estimates the bytes the entry costs, for maxmemory accounting.
func (e *Entry) memUsage() int64 {
	n := int64(unsafe.Sizeof(Entry{})) + int64(e.inl)*16 + 24 // + tree slot
	if e.inl == 0 || unsafe.SliceData(e.kv) != e.inline() {
		n += int64(cap(e.kv))
	}
	if s, ok := e.obj.(interface{ MemUsage() int64 }); ok {
		n += s.MemUsage()
	}
	return n
}

type expItem struct {
	at int64
	h  uint64
	e  *Entry
}

func expLess(a, b expItem) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	if a.h != b.h {
		return a.h < b.h
	}
	return a.e.Key() < b.e.Key()
}

// shard is one lock's worth of a database.
type shard struct {
	mu      sync.RWMutex
	table   datatypes.Table[*Entry]
	exp     *btree.BTreeG[expItem]
	mem     int64 // estimated bytes used by entries
	version uint64
	db      *DB
	idx     int
	// scriptRun is the number of the script run holding this shard's
	// lock, written and read only by that run (script.go).
	scriptRun uint64
	// snap is the snapshot still walking this shard's table, or nil
	// (snapshot.go): every change to an entry it has not written yet
	// first hands the entry's value to it.
	snap *shardSnap
}

func (s *shard) init() {
	s.exp = btree.NewBTreeGOptions(expLess, btree.Options{NoLocks: true})
}

func (s *shard) len() int { return s.table.Len() }

// get returns the entry for key (expired or not), or nil.
func (s *shard) get(h uint64, key []byte) *Entry {
	e, _ := s.table.Get(h, key)
	return e
}

// put inserts e, which must not be present.
func (s *shard) put(h uint64, e *Entry) {
	if s.snap != nil {
		e.born = s.snap.sn.gen
	}
	s.table.Insert(h, e)
	if e.exp != 0 {
		s.exp.Set(expItem{e.exp, h, e})
	}
	s.mem += e.memUsage()
	s.version++
}

// remove deletes e, which must be present.
func (s *shard) remove(h uint64, e *Entry) {
	s.preserve(h, e)
	s.table.Delete(h, e.kv[:e.klen])
	if e.exp != 0 {
		s.exp.Delete(expItem{e.exp, h, e})
	}
	s.mem -= e.memUsage()
	s.version++
}

// setExpire changes e's expiry time (0 removes it).
func (s *shard) setExpire(h uint64, e *Entry, at int64) {
	if e.exp == at {
		return
	}
	s.preserve(h, e)
	if e.exp != 0 {
		s.exp.Delete(expItem{e.exp, h, e})
	}
	e.exp = at
	if at != 0 {
		s.exp.Set(expItem{at, h, e})
	}
	s.version++
}

// volatile is the number of keys with a TTL.
func (s *shard) volatile() int { return s.exp.Len() }

// randomEntry picks an entry at random (nil if the shard is empty).
func (s *shard) randomEntry(r *rand.Rand) *Entry {
	if s.table.Len() == 0 {
		return nil
	}
	e, _ := s.table.Random(r)
	return e
}

// scanFrom calls fn for entries with hash >= from, in hash order, until fn
// returns false; entries with equal hashes come one after another. fn must
// not change the shard.
func (s *shard) scanFrom(from uint64, fn func(h uint64, e *Entry) bool) {
	s.table.Ascend(from, fn)
}

// DB is one of the numbered databases. All databases share one hash seed,
// so SWAPDB can exchange their trees.
type DB struct {
	id     int
	seed   maphash.Seed
	shards [nShards]shard
}

func newDB(id int, seed maphash.Seed) *DB {
	db := &DB{id: id, seed: seed}
	for i := range db.shards {
		db.shards[i].init()
		db.shards[i].db = db
		db.shards[i].idx = i
	}
	return db
}

// hash is the in-shard hash of a key: 56 bits, so a SCAN cursor can carry
// the shard number in its top 8 bits.
func (db *DB) hash(key []byte) uint64 { return maphash.Bytes(db.seed, key) & hashMask }

// shardOf returns the shard index of key: its Redis Cluster slot modulo nShards.
func shardOf(key []byte) int { return int(keySlot(key)) & (nShards - 1) }

// size is the number of keys, expired ones not yet removed included (as
// Redis's DBSIZE). It reads shard sizes without their locks: a racy but
// consistent-enough count, like Redis's when other threads are writing.
// locked: the caller already holds every shard's lock (inside EXEC).
func (db *DB) size(locked bool) int {
	n := 0
	for i := range db.shards {
		s := &db.shards[i]
		if locked {
			n += s.len()
			continue
		}
		s.mu.RLock()
		n += s.len()
		s.mu.RUnlock()
	}
	return n
}

// clear empties every shard; the caller holds all of their locks.
func (db *DB) clear() {
	for i := range db.shards {
		s := &db.shards[i]
		s.detachSnapshot()
		s.table.Clear()
		s.exp.Clear()
		s.mem = 0
		s.version++
	}
}

// swapWith exchanges the contents of two databases; all locks are held.
func (db *DB) swapWith(o *DB) {
	for i := range db.shards {
		a, b := &db.shards[i], &o.shards[i]
		a.table, b.table = b.table, a.table
		a.exp, b.exp = b.exp, a.exp
		a.mem, b.mem = b.mem, a.mem
		a.snap, b.snap = b.snap, a.snap
		a.snap.moveTo(a)
		b.snap.moveTo(b)
		a.version++
		b.version++
	}
}
