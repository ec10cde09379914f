package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shoaldb/shoal/persistence"
	"github.com/shoaldb/shoal/scripting"
)

// LoadData loads the dataset at start-up, as Redis's loadDataFromDisk:
// from the append-only file when appendonly is on, else from the RDB
// file if there is one. Clients connected meanwhile get LOADING.
func (s *Server) LoadData() error {
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
	err := s.loadRDB(bufio.NewReaderSize(countingReader{f, &p.loadDone}, 1<<20))
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB, check server logs. Exiting. (%v)", err)
	}
	return nil
}

// loadRDB adds the contents of an RDB stream to the databases (an RDB
// file, or an AOF's base). Expired keys are skipped, as a primary does.
func (s *Server) loadRDB(r io.Reader) error {
	cfg := s.config()
	l := &rdbLoader{s: s, now: s.unixMs(time.Since(s.clockBase)), restore: s.scripts.eng.NewFunctionRestore()}
	lim := &persistence.Limits{
		Seed:                   s.dbs[0].seed,
		SetMaxIntsetEntries:    int64(cfg.SetMaxIntsetEntries),
		HashMaxListpackEntries: int64(cfg.HashMaxListpackEntries),
		HashMaxListpackValue:   int64(cfg.HashMaxListpackValue),
		ZSetMaxListpackEntries: int64(cfg.ZSetMaxListpackEntries),
		ZSetMaxListpackValue:   int64(cfg.ZSetMaxListpackValue),
	}
	if err := persistence.Load(r, lim, l); err != nil {
		return err
	}
	var msg string
	s.scripts.mu.Lock()
	msg = l.restore.Commit(scripting.RestoreAppend)
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
	loaded  int64
	expired int64
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
	return nil
}

func (l *rdbLoader) ResizeDB(keys, expires uint64) {}

func (l *rdbLoader) Entry(dbi int, key []byte, exp int64, kind uint8, str []byte, obj any, idle int64, freq int) error {
	if exp != 0 && exp < l.now {
		l.expired++
		return nil
	}
	var e *Entry
	if kind == TypeString {
		e = newEntry(key, str)
	} else {
		e = newObjEntry(key, kind, obj)
	}
	e.exp = exp
	l.s.loadAccess(e, idle, freq)
	db := l.s.dbs[dbi]
	sh, h := &db.shards[shardOf(key)], db.hash(key)
	sh.mu.Lock()
	dup := sh.get(h, key) != nil
	if !dup {
		sh.put(h, e)
	}
	sh.mu.Unlock()
	if dup {
		return fmt.Errorf("RDB has duplicated key '%s' in DB %d", key, dbi)
	}
	l.loaded++
	return nil
}

// loadAccess sets a loaded key's LRU/LFU field from the file's IDLE/FREQ
// (-1: not in the file), as Redis's objectSetLRUOrLFU.
func (s *Server) loadAccess(e *Entry, idle int64, freq int) {
	s.initAccess(e, s.unixMs(time.Since(s.clockBase)))
	pol := s.config().MaxMemoryPolicy
	lfu := pol == policyAllKeysLFU || pol == policyVolatileLFU
	switch {
	case lfu && freq >= 0:
		e.access.Store(lfuMinutes(s.unixMs(time.Since(s.clockBase)))<<8 | uint32(freq&0xff))
	case !lfu && idle >= 0:
		clk := int64(s.lruClock.Load())
		e.access.Store(uint32((clk - idle) & (1<<24 - 1)))
	}
}
