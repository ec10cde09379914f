package server

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoaldb/shoal/persistence"
)

// RDB snapshots on disk: SAVE, BGSAVE, LASTSAVE, the save schedule,
// start-up loading and the bookkeeping INFO persistence shows. The
// snapshot itself (a cut of every database, walked in the background
// while clients keep writing) is snapshot.go's.

// persistState is the server's persistence bookkeeping.
type persistState struct {
	mu   sync.Mutex
	snap *snapshot // the snapshot being written, if any
	gen  uint32    // the last snapshot's generation

	bgsave      *snapshot // the snapshot a BGSAVE is writing, if any
	fileSnap    *snapshot // the snapshot being written to the RDB file (SAVE or BGSAVE)
	bgStart     time.Time
	bgScheduled bool      // BGSAVE SCHEDULE, or BGSAVE inside EXEC
	lastSave    time.Time // the last successful save (start-up counts)
	lastBgTry   time.Time
	lastBgOK    bool
	lastBgSecs  int64
	saves       int64
	loading     atomic.Bool
	// diskErr is set while a failed save or AOF write may refuse writes:
	// the dispatcher checks diskError only then.
	diskErr     atomic.Bool
	loadStart   time.Time
	loadTotal   int64
	loadDone    atomic.Int64 // bytes read so far
	loadedKeys  int64
	expiredKeys int64
	bgWG        sync.WaitGroup // the BGSAVE goroutine
	lzfPool     sync.Pool      // *persistence.LZF for DUMP and FUNCTION DUMP
	cuts        atomic.Int64   // snapshots taken (INFO's total_forks)
	cutMicros   atomic.Int64   // how long the last cut held every shard (latest_fork_usec)
}

// lzf lends a compressor, whose 512 KiB table is kept between DUMPs, or
// nil when rdbcompression is off. Give it back with putLZF.
func (s *Server) lzf() *persistence.LZF {
	if s.config().other["rdbcompression"] == "no" {
		return nil
	}
	if z, ok := s.persist.lzfPool.Get().(*persistence.LZF); ok {
		return z
	}
	return new(persistence.LZF)
}

func (s *Server) putLZF(z *persistence.LZF) {
	if z != nil {
		s.persist.lzfPool.Put(z)
	}
}

// bgsaveRetryDelay is Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed
// BGSAVE the schedule waits this long before trying again.
const bgsaveRetryDelay = 5 * time.Second

func persistCommands() []*Command {
	return []*Command{
		{Name: "save", Arity: 1, Flags: flagAdmin | flagNoScript | flagNoAsyncLoading | flagNoMulti, ACL: "@admin @slow @dangerous", Handler: cmdSave},
		{Name: "bgsave", Arity: -1, Flags: flagAdmin | flagNoScript | flagNoAsyncLoading, ACL: "@admin @slow @dangerous", Handler: cmdBgsave},
		{Name: "lastsave", Arity: 1, Flags: flagLoading | flagStale | flagFast, ACL: "@admin @dangerous", Handler: cmdLastSave,
			Tips: []string{"nondeterministic_output"}},
	}
}

// rdbPath is where the RDB file lives: dir/dbfilename.
func (s *Server) rdbPath() string {
	cfg := s.config()
	return filepath.Join(cfg.Dir, cfg.DBFilename)
}

func cmdSave(c *Client) {
	s := c.srv
	if s.bgsaveRunning() {
		c.writeError(errBgsaveInProgress)
		return
	}
	s.persist.mu.Lock()
	s.persist.saves++
	s.persist.mu.Unlock()
	if err := s.saveSync(); err != nil {
		c.writeError("ERR")
		return
	}
	c.writeOK()
}

func cmdBgsave(c *Client) {
	schedule := false
	if len(c.args) > 1 {
		if len(c.args) != 2 || !eqFold(c.args[1], "schedule") {
			c.writeError(errSyntax)
			return
		}
		schedule = true
	}
	s := c.srv
	switch {
	case s.bgsaveRunning():
		c.writeError(errBgsaveInProgress)
	case s.snapshotRunning() || c.multi.running:
		// Inside EXEC the save starts after the transaction, as Redis's
		// does: the dump never holds half of it.
		if !schedule && !c.multi.running {
			c.writeError(errBgsaveOtherChild)
			return
		}
		s.persist.mu.Lock()
		s.persist.bgScheduled = true
		s.persist.mu.Unlock()
		c.writeStatus("Background saving scheduled")
	default:
		if err := s.bgsaveStart(); err != nil {
			c.writeError("ERR")
			return
		}
		c.writeStatus("Background saving started")
	}
}

func cmdLastSave(c *Client) {
	s := c.srv
	s.persist.mu.Lock()
	t := s.persist.lastSave
	s.persist.mu.Unlock()
	c.writeInt(t.Unix())
}

func (s *Server) bgsaveRunning() bool {
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	return s.persist.bgsave != nil
}

func (s *Server) snapshotRunning() bool {
	s.persist.mu.Lock()
	defer s.persist.mu.Unlock()
	return s.persist.snap != nil
}

// saveSync writes the RDB file now and returns when it is on disk (SAVE,
// SHUTDOWN, FLUSHALL with a schedule). Other clients keep working: the
// file holds the data as it was when the save began.
func (s *Server) saveSync() error {
	sn, err := s.beginSnapshot(nil)
	if err != nil {
		return err
	}
	start := time.Now()
	err = s.writeRDBFile(sn, s.rdbPath())
	s.persist.mu.Lock()
	if err == nil {
		s.persist.lastSave = start
		s.persist.lastBgOK = true // as Redis's rdbSave
		s.persist.diskErr.Store(false)
		s.persist.mu.Unlock()
		s.dirty.Add(-sn.dirty)
		s.log.Notice("DB saved on disk")
		return nil
	}
	s.persist.mu.Unlock()
	return err
}

// bgsaveStart cuts a snapshot and writes it to the RDB file in the
// background.
func (s *Server) bgsaveStart() error {
	p := &s.persist
	sn, err := s.beginSnapshot(nil)
	if err != nil {
		return err
	}
	sn.gentle = true
	path := s.rdbPath()
	p.mu.Lock()
	p.bgsave = sn
	p.bgStart = time.Now()
	p.lastBgTry = p.bgStart
	p.bgScheduled = false
	p.saves++
	p.bgWG.Add(1)
	p.mu.Unlock()
	s.log.Notice("Background saving started")
	go func() {
		defer p.bgWG.Done()
		err := s.writeRDBFile(sn, path)
		p.mu.Lock()
		p.bgsave = nil
		p.lastBgSecs = int64(time.Since(p.bgStart).Seconds())
		switch {
		case err == nil:
			p.lastBgOK = true
			p.diskErr.Store(false)
			p.lastSave = p.bgStart
			p.mu.Unlock()
			s.dirty.Add(-sn.dirty)
			s.log.Notice("Background saving terminated with success")
		case err == errSnapshotAborted:
			// Stopped on purpose (FLUSHALL, shutdown): not a failure,
			// as Redis's child killed with SIGUSR1.
			p.mu.Unlock()
			s.log.Warning("Background saving terminated by signal 10")
		default:
			p.lastBgOK = false
			p.diskErr.Store(true)
			p.mu.Unlock()
			s.log.Warning("Background saving error")
		}
	}()
	return nil
}

// abortBgsave stops a running BGSAVE and waits for it (FLUSHALL, shutdown).
func (s *Server) abortBgsave() {
	p := &s.persist
	p.mu.Lock()
	sn := p.bgsave
	p.mu.Unlock()
	if sn != nil {
		sn.abort()
		<-sn.done
		p.bgWG.Wait()
	}
}

// writeRDBFile writes sn to path the safe way: a temp file in the same
// directory, fsynced, renamed over path, then the directory fsynced, so a
// crash leaves either the old file or the new one.
func (s *Server) writeRDBFile(sn *snapshot, path string) error {
	p := &s.persist
	p.mu.Lock()
	p.fileSnap = sn
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		if p.fileSnap == sn {
			p.fileSnap = nil
		}
		p.mu.Unlock()
	}()
	dir := filepath.Dir(path)
	// Redis names it temp-<pid>.rdb; the snapshot's generation keeps an
	// aborted BGSAVE's file apart from the save that replaced it.
	tmp := filepath.Join(dir, fmt.Sprintf("temp-%d-%d.rdb", s.pid, sn.gen))
	f, err := os.Create(tmp)
	if err != nil {
		sn.end()
		s.log.Warning("Failed opening the temp RDB file %s (in server root dir %s) for saving: %s", filepath.Base(tmp), dir, errnoText(err))
		return err
	}
	w := &syncWriter{f: f, every: 0}
	if s.config().other["rdb-save-incremental-fsync"] != "no" {
		w.every = 4 << 20 // Redis's REDIS_AUTOSYNC_BYTES
	}
	err = sn.writeRDB(w, false)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Under the lock FLUSHALL aborts with: an aborted save never
		// replaces the file written after it.
		s.persist.mu.Lock()
		if sn.abortd.Load() {
			err = errSnapshotAborted
		} else {
			err = os.Rename(tmp, path)
		}
		s.persist.mu.Unlock()
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		if err != errSnapshotAborted {
			s.log.Warning("Write error saving DB on disk: %s", errnoText(err))
		}
	}
	return err
}

// resetRDBAfterFlush is FLUSHALL's part (all shards locked, data gone):
// a running BGSAVE is aborted, and with save points an empty RDB file
// (functions kept) replaces the old one at once.
func (s *Server) resetRDBAfterFlush() {
	p := &s.persist
	p.mu.Lock()
	if p.fileSnap != nil {
		p.fileSnap.abort()
	}
	p.mu.Unlock()
	if s.config().Save == "" {
		return
	}
	sn := &snapshot{s: s, at: time.Now(), sizes: make([][2]uint64, len(s.dbs)), done: make(chan struct{})}
	for _, lib := range s.scripts.eng.FunctionLibraries() {
		sn.funcs = append(sn.funcs, lib.Code)
	}
	if s.writeRDBFile(sn, s.rdbPath()) == nil {
		p.mu.Lock()
		p.lastSave = sn.at
		p.lastBgOK = true
		p.diskErr.Store(false)
		p.mu.Unlock()
		s.dirty.Store(0)
	}
}

// syncWriter writes to a file, fsyncing every `every` bytes so the kernel
// never holds a large backlog that one final fsync would stall on.
type syncWriter struct {
	f       *os.File
	every   int64
	pending int64
	written int64 // in all (an AOF base's size)
}

func (w *syncWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	w.pending += int64(n)
	if err == nil && w.every > 0 && w.pending >= w.every {
		w.pending = 0
		err = w.f.Sync()
	}
	return n, err
}

// syncDir fsyncs a directory, making a rename in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeTempRDBs deletes temp-<pid>.rdb files a crash left behind in dir.
func (s *Server) removeTempRDBs() {
	dir := s.config().Dir
	names, _ := filepath.Glob(filepath.Join(dir, "temp-*.rdb"))
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(n), "temp-"), ".rdb")
		if strings.Trim(base, "0123456789-") == "" {
			os.Remove(n)
		}
	}
}

// saveCron starts a BGSAVE when a save point is reached or one was
// scheduled (Redis's serverCron).
func (s *Server) saveCron() {
	p := &s.persist
	if s.snapshotRunning() {
		return
	}
	p.mu.Lock()
	scheduled := p.bgScheduled
	sinceSave := time.Since(p.lastSave)
	retryOK := p.lastBgOK || time.Since(p.lastBgTry) > bgsaveRetryDelay
	p.mu.Unlock()
	start := scheduled
	if !start && retryOK {
		dirty := s.dirty.Load()
		for _, sp := range parseSavePoints(s.config().Save) {
			if dirty >= sp.changes && sinceSave >= time.Duration(sp.seconds)*time.Second {
				s.log.Notice("%d changes in %d seconds. Saving...", sp.changes, sp.seconds)
				start = true
				break
			}
		}
	}
	if start {
		s.bgsaveStart()
	}
}

type savePoint struct{ seconds, changes int64 }

// parseSavePoints reads the save directive ("3600 1 300 100"), already
// validated by the config.
func parseSavePoints(v string) []savePoint {
	f := strings.Fields(v)
	var out []savePoint
	for i := 0; i+1 < len(f); i += 2 {
		sec, _ := strconv.ParseInt(f[i], 10, 64)
		ch, _ := strconv.ParseInt(f[i+1], 10, 64)
		out = append(out, savePoint{sec, ch})
	}
	return out
}

// diskError is the MISCONF text refusing writes (and PING) after a failed
// BGSAVE with stop-writes-on-bgsave-error yes, or "" when writes are fine.
func (s *Server) diskError() string {
	p := &s.persist
	cfg := s.config()
	if cfg.Save == "" || cfg.other["stop-writes-on-bgsave-error"] == "no" {
		return s.aofDiskError()
	}
	p.mu.Lock()
	ok := p.lastBgOK
	p.mu.Unlock()
	if !ok {
		return errMisconf
	}
	return s.aofDiskError()
}

// persistInfo writes INFO persistence's RDB fields.
func (s *Server) persistInfo(f func(string, any)) {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	loading := p.loading.Load()
	f("loading", boolInt(loading))
	f("async_loading", 0)
	if loading {
		elapsed := time.Since(p.loadStart).Seconds()
		done := p.loadDone.Load()
		perc := 0.0
		if p.loadTotal > 0 {
			perc = float64(done) / float64(p.loadTotal) * 100
		}
		eta := 1
		if done > 0 && elapsed > 0 {
			eta = int(float64(p.loadTotal-done) / (float64(done) / elapsed))
		}
		f("loading_start_time", p.loadStart.Unix())
		f("loading_total_bytes", p.loadTotal)
		f("loading_rdb_used_mem", 0)
		f("loading_loaded_bytes", done)
		f("loading_loaded_perc", fmt.Sprintf("%.2f", perc))
		f("loading_eta_seconds", eta)
	}
	f("current_cow_peak", 0)
	f("current_cow_size", 0)
	f("current_cow_size_age", 0)
	f("current_fork_perc", "0.00")
	var processed, total int64
	if p.snap != nil {
		processed, total = p.snap.keys.Load(), p.snap.total
	}
	f("current_save_keys_processed", processed)
	f("current_save_keys_total", total)
	f("rdb_changes_since_last_save", s.dirty.Load())
	f("rdb_bgsave_in_progress", boolInt(p.bgsave != nil))
	f("rdb_last_save_time", p.lastSave.Unix())
	f("rdb_last_bgsave_status", okErr(p.lastBgOK))
	f("rdb_last_bgsave_time_sec", p.lastBgSecs)
	cur := int64(-1)
	if p.bgsave != nil {
		cur = int64(time.Since(p.bgStart).Seconds())
	}
	f("rdb_current_bgsave_time_sec", cur)
	f("rdb_saves", p.saves)
	f("rdb_last_cow_size", 0)
	f("rdb_last_load_keys_expired", p.expiredKeys)
	f("rdb_last_load_keys_loaded", p.loadedKeys)
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

// countingReader counts the bytes a load has read, for INFO's loading_*.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
