package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoaldb/shoal/persistence"
	"github.com/shoaldb/shoal/scripting"
)

// LoadData loads the dataset at start-up, as Redis's loadDataFromDisk:
// from the append-only file when appendonly is on, else from the RDB
// file if there is one. Clients connected meanwhile get LOADING.
func (s *Server) LoadData() error {
	defer s.persist.loading.Store(false)
	// Loading makes almost no garbage, only live data: collections that
	// would re-mark a growing heap again and again are wasted work.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	s.removeTempRDBs()
	if s.config().AppendOnly {
		return s.loadAOFAtStart()
	}
	path := s.rdbPath()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return fmt.Errorf("Fatal error loading the DB: %s. Exiting.", errnoText(err))
	}
	defer f.Close()
	start := time.Now()
	if err := s.loadRDBFile(f); err != nil {
		return err
	}
	s.log.Notice("DB loaded from disk: %.3f seconds", time.Since(start).Seconds())
	return nil
}

// StartupDataSize is the size of what LoadData will read: the AOF's files
// when appendonly is on, else the RDB file; 0 when there is nothing.
func (s *Server) StartupDataSize() int64 {
	if s.config().AppendOnly {
		var n int64
		entries, _ := os.ReadDir(s.aofDir())
		for _, e := range entries {
			if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
				n += info.Size()
			}
		}
		return n
	}
	if st, err := os.Stat(s.rdbPath()); err == nil {
		return st.Size()
	}
	return 0
}

// BeginLoading makes commands answer LOADING until LoadData ends. cmd/shoal
// calls it before Start, so no client ever sees an empty or half-loaded
// dataset in between, nor writes before the AOF is open. With nothing to
// load and no AOF there is nothing to wait for: as with Redis, a client
// connecting at start-up never sees LOADING then.
func (s *Server) BeginLoading() {
	if _, err := os.Stat(s.rdbPath()); err == nil || s.config().AppendOnly {
		s.persist.loading.Store(true)
	}
}

// loadRDBFile loads an RDB file with LOADING shown meanwhile.
func (s *Server) loadRDBFile(f *os.File) error {
	p := &s.persist
	var total int64
	if st, err := f.Stat(); err == nil {
		total = st.Size()
	}
	p.mu.Lock()
	p.loadStart = time.Now()
	p.loadTotal = total
	p.loadDone.Store(0)
	p.mu.Unlock()
	p.loading.Store(true)
	defer p.loading.Store(false)
	err := s.loadRDBFrom(bufio.NewReaderSize(countingReader{f, &p.loadDone}, 1<<20), false, total)
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB, check server logs. Exiting. (%v)", err)
	}
	return nil
}

// loadRDB adds the contents of an RDB stream to the databases (an RDB
// file, or an AOF's base). Expired keys are skipped, as a primary does.
func (s *Server) loadRDB(r io.Reader) error { return s.loadRDBFrom(r, false, 0) }

// loadRDBFrom is loadRDB; with merge a key already present is replaced
// (DEBUG RELOAD MERGE) instead of being an error. size, when known, is the
// stream's length in bytes: it bounds how much RESIZEDB may reserve.
func (s *Server) loadRDBFrom(r io.Reader, merge bool, size int64) error {
	cfg := s.config()
	l := &rdbLoader{s: s, now: s.unixMs(time.Since(s.clockBase)), merge: merge, size: size,
		restore: s.scripts.eng.NewFunctionRestore()}
	lim := &persistence.Limits{
		Seed:                   s.dbs[0].seed,
		SetMaxIntsetEntries:    int64(cfg.SetMaxIntsetEntries),
		HashMaxListpackEntries: int64(cfg.HashMaxListpackEntries),
		HashMaxListpackValue:   int64(cfg.HashMaxListpackValue),
		ZSetMaxListpackEntries: int64(cfg.ZSetMaxListpackEntries),
		ZSetMaxListpackValue:   int64(cfg.ZSetMaxListpackValue),
	}
	l.startWorkers()
	err := persistence.Load(r, lim, l)
	if werr := l.finish(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	var msg string
	policy := scripting.RestoreAppend
	if merge {
		policy = scripting.RestoreReplace // libraries too are replaced
	}
	s.scripts.mu.Lock()
	msg = l.restore.Commit(policy)
	s.scripts.mu.Unlock()
	if msg != "" {
		return errors.New(msg)
	}
	p := &s.persist
	p.mu.Lock()
	p.loadedKeys, p.expiredKeys = l.loaded, l.expired
	p.mu.Unlock()
	return nil
}

// rdbLoader puts what persistence.Load reads into the databases.
type rdbLoader struct {
	s       *Server
	now     int64
	restore *scripting.FunctionRestore
	merge   bool
	size    int64 // the file's size, 0 if unknown
	db      int   // the database being loaded
	loaded  int64
	expired int64

	workers []chan *loadBatch // per insert worker
	cur     []*loadBatch      // per worker, the batch being filled
	free    chan *loadBatch
	wg      sync.WaitGroup
	err     atomic.Pointer[error] // a worker's first error
}

func (l *rdbLoader) Aux(key, val []byte) error { return nil }

func (l *rdbLoader) Function(code []byte) error {
	if msg := l.restore.Add(append([]byte(nil), code...)); msg != "" {
		return errors.New(msg)
	}
	return nil
}

func (l *rdbLoader) SelectDB(db int) error {
	if db < 0 || db >= len(l.s.dbs) {
		return fmt.Errorf("FATAL: Data file was created with a Redis server configured to handle more than %d databases. Exiting", len(l.s.dbs))
	}
	l.db = db
	return nil
}

// ResizeDB sizes the database's tables for the keys announced, so each is
// built once instead of doubling its way up. The announcement is trusted
// only as far as the file's size allows (a key takes at least 3 bytes).
func (l *rdbLoader) ResizeDB(keys, expires uint64) {
	if l.size == 0 || keys > uint64(l.size/3) {
		return
	}
	per := int(keys/nShards) + int(keys/nShards)/8 + 8
	db := l.s.dbs[l.db]
	for i := range db.shards {
		sh := &db.shards[i]
		sh.mu.Lock()
		sh.table.Reserve(sh.table.Len() + per)
		sh.mu.Unlock()
	}
}

// Entry hands the entry to the insert worker owning its shard: parsing
// the file and building the keyspace run on different cores.
func (l *rdbLoader) Entry(dbi int, key []byte, exp int64, kind uint8, str []byte, obj any, idle int64, freq int) error {
	if exp != 0 && exp < l.now {
		l.expired++
		return nil
	}
	if err := l.failure(); err != nil {
		return err
	}
	shard := shardOf(key)
	w := shard % len(l.workers)
	b := l.cur[w]
	k0 := len(b.arena)
	b.arena = append(append(b.arena, key...), str...)
	b.items = append(b.items, loadItem{db: dbi, shard: shard, kind: kind, exp: exp, idle: idle, freq: freq, obj: obj,
		k0: k0, k1: k0 + len(key), v1: len(b.arena)})
	if len(b.items) >= loadBatchItems || len(b.arena) >= loadBatchBytes {
		l.workers[w] <- b
		l.cur[w] = <-l.free
	}
	l.loaded++
	return nil
}

// Loading in parallel: the parser (persistence.Load calling Entry) copies
// each entry into a batch for the worker owning the entry's shard (shard
// mod workers), so every shard is built by one goroutine, in file order.
const (
	loadBatchItems = 256
	loadBatchBytes = 64 << 10
)

type loadBatch struct {
	arena []byte // keys and string values, back to back
	items []loadItem
}

type loadItem struct {
	db         int
	shard      int // shardOf(key), computed once by the parser
	kind       uint8
	k0, k1, v1 int // key is arena[k0:k1], a string value arena[k1:v1]
	exp, idle  int64
	freq       int
	obj        any
}

// startWorkers starts the insert workers and their pool of batches (a
// few per worker: the parser waits when the workers fall behind).
func (l *rdbLoader) startWorkers() {
	n := max(1, min(runtime.GOMAXPROCS(0), 4))
	l.free = make(chan *loadBatch, 4*n)
	for i := 0; i < 3*n; i++ {
		l.free <- &loadBatch{}
	}
	for i := 0; i < n; i++ {
		ch := make(chan *loadBatch, 2)
		l.workers = append(l.workers, ch)
		l.cur = append(l.cur, <-l.free)
		l.wg.Add(1)
		go l.work(ch)
	}
}

// finish sends the last batches, waits for the workers and reports the
// first error one of them met.
func (l *rdbLoader) finish() error {
	for i, ch := range l.workers {
		if len(l.cur[i].items) > 0 {
			ch <- l.cur[i]
		}
		close(ch)
	}
	l.wg.Wait()
	return l.failure()
}

func (l *rdbLoader) failure() error {
	if p := l.err.Load(); p != nil {
		return *p
	}
	return nil
}

func (l *rdbLoader) work(in <-chan *loadBatch) {
	defer l.wg.Done()
	for b := range in {
		// One clock read per batch, not per key: the access clock
		// counts seconds.
		now := l.s.unixMs(time.Since(l.s.clockBase))
		for i := range b.items {
			it := &b.items[i]
			if l.err.Load() == nil {
				if err := l.insert(it, b.arena[it.k0:it.k1], b.arena[it.k1:it.v1], now); err != nil {
					l.err.CompareAndSwap(nil, &err)
				}
			}
			it.obj = nil
		}
		b.arena, b.items = b.arena[:0], b.items[:0]
		l.free <- b
	}
}

// insert adds one loaded entry to its database.
func (l *rdbLoader) insert(it *loadItem, key, str []byte, now int64) error {
	var e *Entry
	if it.kind == TypeString {
		e = newEntry(key, str)
	} else {
		e = newObjEntry(key, it.kind, it.obj)
	}
	e.exp = it.exp
	l.s.loadAccessAt(e, it.idle, it.freq, now)
	dbi := it.db
	db := l.s.dbs[dbi]
	sh, h := &db.shards[it.shard], db.hash(key)
	sh.mu.Lock()
	old := sh.get(h, key)
	dup := old != nil && !l.merge
	if old != nil && l.merge {
		sh.remove(h, old)
	}
	if !dup {
		sh.put(h, e)
	}
	sh.mu.Unlock()
	if dup {
		return fmt.Errorf("RDB has duplicated key '%s' in DB %d", key, dbi)
	}
	return nil
}

// loadAccess sets a loaded key's LRU/LFU field from the file's IDLE/FREQ
// (-1: not in the file), as Redis's objectSetLRUOrLFU.
func (s *Server) loadAccess(e *Entry, idle int64, freq int) {
	s.loadAccessAt(e, idle, freq, s.unixMs(time.Since(s.clockBase)))
}

// loadAccessAt is loadAccess at the time now (unix ms).
func (s *Server) loadAccessAt(e *Entry, idle int64, freq int, now int64) {
	s.initAccess(e, now)
	pol := s.config().MaxMemoryPolicy
	lfu := pol == policyAllKeysLFU || pol == policyVolatileLFU
	switch {
	case lfu && freq >= 0:
		e.access.Store(lfuMinutes(now)<<8 | uint32(freq&0xff))
	case !lfu && idle >= 0:
		clk := int64(s.lruClock.Load())
		e.access.Store(uint32((clk - idle) & (1<<24 - 1)))
	}
}
