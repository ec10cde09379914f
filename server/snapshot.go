package server

import (
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/shoaldb/shoal/persistence"
)

// Point-in-time snapshots without fork (BGSAVE, SAVE, an AOF rewrite's
// base, later a replica's full sync).
//
// The cut: with every shard locked (no command, MULTI or script in flight)
// each non-empty shard gets a shardSnap and the snapshot a new generation
// number. That is all: microseconds, no copy.
//
// The walk: a background writer visits each shard's table in hash order,
// a chunk at a time under the shard's read lock, and writes the entries
// born before the cut. For a shard, "written" is exactly "hash below
// next", so a command about to change, expire or delete an entry the
// walk has not reached hands the entry's current value to the snapshot
// first (shard.preserve: a copy) and marks it born in this generation, so
// the walk skips it. Entries created after the cut are born in it too.
// Once a shard is walked its shardSnap is dropped and its commands pay
// nothing. FLUSHDB/FLUSHALL detach a shard's table into the snapshot
// instead of emptying it; SWAPDB moves shardSnaps with their tables.
//
// Memory: beyond the dataset, a snapshot holds the copies of entries
// changed ahead of the walk until the walk's next chunk writes them out,
// and one chunk of encoded output.

// snapshot is one cut of every database, being written out.
type snapshot struct {
	s      *Server
	gen    uint32
	at     time.Time
	shards []*shardSnap // in database, then shard order
	sizes  [][2]uint64  // per database: keys and keys with a TTL at the cut
	funcs  []string     // the function libraries' code at the cut
	dirty  int64        // the server's change counter at the cut
	keys   atomic.Int64 // entries written so far
	total  int64        // entries at the cut
	abortd atomic.Bool  // stop as soon as possible (FLUSHALL, shutdown)
	gentle bool         // a background walk, paced (snapshot_write.go)
	// handed holds the entries writers gave up before the walk reached
	// them, already in RDB form (uncompressed: the writer's time is a
	// client's), until the walk's next chunk writes them out. Bytes, not
	// copies of values: nothing for the collector to chase.
	mu       sync.Mutex // guards handed, handedDB, handedN, scratch
	handed   []byte
	handedDB int   // the database handed's last entry is in (-1: none)
	handedN  int64 // entries in handed
	scratch  []byte
	done     chan struct{} // closed when the snapshot has ended
	once     sync.Once     // ends it once
}

// shardSnap is a snapshot's view of one shard.
type shardSnap struct {
	sn *snapshot
	db int // the database the shard belonged to at the cut
	// sh is the shard holding the table now: SWAPDB exchanges tables,
	// and their shardSnaps with them.
	sh atomic.Pointer[shard]
	// next is the lowest hash not yet written. Written by the walk under
	// the shard's read lock, read by writers under its write lock.
	next uint64
	// detached is the table at the cut when FLUSHDB or FLUSHALL emptied
	// the shard before the walk was done: the walk finishes it alone.
	detached *datatypes.Table[*Entry]
}

// walkDone is the hash past every hash: next reaches it when a shard is
// written.
const walkDone = hashMask + 1

var errSnapshotBusy = errors.New("a snapshot is already in progress")

// errSnapshotAborted ends a snapshot stopped by FLUSHALL or shutdown.
var errSnapshotAborted = errors.New("snapshot aborted")

// preserve is called with the shard's write lock held, before e (in the
// live table) is changed, expired or deleted: if a snapshot still has to
// write e, it gets e's value first.
func (s *shard) preserve(h uint64, e *Entry) {
	ss := s.snap
	if ss == nil || e.born == ss.sn.gen || h < ss.next {
		return
	}
	ss.sn.handOff(ss.db, e)
	e.born = ss.sn.gen
}

// handOff writes e as it is now into the snapshot's handed buffer.
func (sn *snapshot) handOff(db int, e *Entry) {
	sn.mu.Lock()
	if db != sn.handedDB {
		sn.handed = appendSelectDB(sn.handed, db)
		sn.handedDB = db
	}
	sn.handed, sn.scratch = appendEntry(sn.handed, sn.scratch, e.kv[:e.klen], e.exp, e.Type, e.Str(), e.obj)
	sn.handedN++
	sn.mu.Unlock()
}

// appendEntry appends an entry in RDB form, uncompressed: the expiry
// opcode if it has a TTL, the value's type, the key, the value.
func appendEntry(dst, scratch, key []byte, exp int64, typ uint8, str []byte, obj any) (out, scratchOut []byte) {
	if exp != 0 {
		dst = binary.LittleEndian.AppendUint64(append(dst, rdbOpExpireMs), uint64(exp))
	}
	scratch = persistence.AppendValue(scratch[:0], typ, str, obj, nil)
	dst = persistence.AppendString(append(dst, scratch[0]), key, nil)
	return append(dst, scratch[1:]...), scratch
}

// appendSelectDB appends RDB's SELECTDB opcode for db.
func appendSelectDB(dst []byte, db int) []byte {
	return persistence.AppendLen(append(dst, rdbOpSelectDB), uint64(db))
}

// RDB opcodes the snapshot writes itself.
const (
	rdbOpExpireMs = 252
	rdbOpSelectDB = 254
)

// detachSnapshot, with the shard's write lock held, gives an unfinished
// snapshot the shard's table, which the caller then replaces.
func (s *shard) detachSnapshot() {
	ss := s.snap
	if ss == nil {
		return
	}
	t := s.table
	ss.detached = &t
	s.table = datatypes.Table[*Entry]{}
	s.snap = nil
}

// moveTo records that SWAPDB moved the snapshot's table to sh.
func (ss *shardSnap) moveTo(sh *shard) {
	if ss != nil {
		ss.sh.Store(sh)
	}
}

// beginSnapshot takes a cut of every database. onCut runs while every
// shard is locked (an AOF rewrite switches files there). Only one
// snapshot runs at a time. The caller holds no shard lock.
func (s *Server) beginSnapshot(onCut func()) (*snapshot, error) {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.snap != nil {
		return nil, errSnapshotBusy
	}
	start := time.Now()
	s.lockAll()
	defer func() {
		s.unlockAll()
		p.cuts.Add(1)
		p.cutMicros.Store(time.Since(start).Microseconds())
	}()
	p.gen++
	sn := &snapshot{s: s, gen: p.gen, at: time.Now(), dirty: s.dirty.Load(), handedDB: -1, done: make(chan struct{})}
	sn.sizes = make([][2]uint64, len(s.dbs))
	for d, db := range s.dbs {
		for i := range db.shards {
			sh := &db.shards[i]
			if sh.len() == 0 {
				continue
			}
			ss := &shardSnap{sn: sn, db: d}
			ss.sh.Store(sh)
			sh.snap = ss
			sn.shards = append(sn.shards, ss)
			sn.sizes[d][0] += uint64(sh.len())
			sn.sizes[d][1] += uint64(sh.volatile())
		}
		sn.total += int64(sn.sizes[d][0])
	}
	for _, lib := range s.scripts.eng.FunctionLibraries() {
		sn.funcs = append(sn.funcs, lib.Code)
	}
	if onCut != nil {
		onCut()
	}
	p.snap = sn
	return sn, nil
}

// BackgroundJobs is the number of snapshot walks running (BGSAVE, SAVE,
// an AOF rewrite): the work Redis does in a forked child, for the process
// to give a core of its own.
func (s *Server) BackgroundJobs() int {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.snap != nil {
		return 1
	}
	return 0
}

// abort asks the walk to stop; writeRDB then returns errSnapshotAborted.
func (sn *snapshot) abort() { sn.abortd.Store(true) }

// end releases every shard the walk did not finish and frees the server
// for the next snapshot.
func (sn *snapshot) end() {
	sn.once.Do(func() {
		for _, ss := range sn.shards {
			for {
				sh := ss.sh.Load()
				sh.mu.Lock()
				if ss.sh.Load() != sh {
					sh.mu.Unlock()
					continue // SWAPDB moved it meanwhile
				}
				if sh.snap == ss {
					sh.snap = nil
				}
				sh.mu.Unlock()
				break
			}
		}
		sn.mu.Lock()
		sn.handed, sn.scratch = nil, nil
		sn.mu.Unlock()
		p := &sn.s.persist
		p.mu.Lock()
		if p.snap == sn {
			p.snap = nil
		}
		p.mu.Unlock()
		close(sn.done)
	})
}
