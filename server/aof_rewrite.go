package server

import (
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/shoaldb/shoal/persistence"
)

// BGREWRITEAOF, turning the AOF on at runtime, and the automatic rewrite.
//
// A rewrite writes a new base, an RDB of a point-in-time snapshot, while
// writes go on into a NEW incremental file opened at the snapshot's cut.
// The manifest is persisted twice: before the cut with the new
// incremental file added (a crash meanwhile replays the old files, then
// the new one: nothing lost), and once the base is on disk with only the
// new base and the new incremental file. The old files become history and
// are deleted.

// aofRewrite is the state of rewrites, guarded by aofState.fmu.
type aofRewrite struct {
	running     bool // from the start (before the cut) to the end
	scheduled   bool // waiting for another snapshot to end
	start       time.Time
	lastSecs    int64 // the last rewrite's duration
	hasLast     bool  // a rewrite has ended (else INFO shows -1)
	failed      bool  // the last rewrite failed
	count       int64
	consecFails int64
	sn          *snapshot
	done        chan struct{} // closed when the running rewrite ends
}

var errRewriteRunning = errors.New("Background append only file rewriting already in progress")

func aofCommands() []*Command {
	return []*Command{
		{Name: "bgrewriteaof", Arity: 1, Flags: flagAdmin | flagNoScript | flagNoAsyncLoading, ACL: "@admin @slow @dangerous", Handler: cmdBgrewriteaof},
	}
}

func cmdBgrewriteaof(c *Client) {
	s := c.srv
	a := &s.aof
	a.fmu.Lock()
	running := a.rw.running
	busy := c.multi.running || s.snapshotRunning()
	if !running && busy {
		a.rw.scheduled = true
	}
	a.fmu.Unlock()
	switch {
	case running:
		c.writeError("ERR Background append only file rewriting already in progress")
	case busy:
		// Inside EXEC the rewrite starts after the transaction (the
		// cut needs every lock), after a running BGSAVE otherwise.
		go s.runScheduledRewrite()
		c.writeStatus("Background append only file rewriting scheduled")
	default:
		switch err := s.startRewrite(); err {
		case nil:
			c.writeStatus("Background append only file rewriting started")
		case errRewriteRunning:
			c.writeError("ERR Background append only file rewriting already in progress")
		case errSnapshotBusy:
			c.writeStatus("Background append only file rewriting scheduled")
		default:
			c.writeError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
		}
	}
}

// runScheduledRewrite starts the scheduled rewrite once no other snapshot
// runs.
func (s *Server) runScheduledRewrite() {
	a := &s.aof
	for !s.closing.Load() {
		time.Sleep(10 * time.Millisecond)
		a.fmu.Lock()
		ready := a.rw.scheduled && !a.rw.running && !s.snapshotRunning()
		stop := !a.rw.scheduled || a.rw.running
		a.fmu.Unlock()
		if stop {
			return
		}
		if ready {
			if err := s.startRewrite(); err != errSnapshotBusy {
				return
			}
		}
	}
}

// startRewrite begins a rewrite (and, with appendonly yes while the AOF
// is off, turns it on at the cut). It must not be called with shard locks
// held: the cut takes them all.
func (s *Server) startRewrite() error {
	a := &s.aof
	a.fmu.Lock()
	if a.rw.running {
		a.fmu.Unlock()
		return errRewriteRunning
	}
	cfg := s.config()
	if err := os.MkdirAll(s.aofDir(), 0o755); err != nil {
		a.fmu.Unlock()
		s.log.Warning("Can't create AOF directory %s: %s", s.aofDir(), errnoText(err))
		return err
	}
	if a.manifest == nil {
		// Not opened at start-up (appendonly no): continue what is on disk.
		if m, err := s.readManifest(); err == nil && m != nil {
			a.manifest = m
			if m.Base != nil {
				a.baseSeq = m.Base.Seq
			}
			if n := len(m.Incr); n > 0 {
				a.incrSeq = m.Incr[n-1].Seq
			}
		} else {
			a.manifest = &persistence.Manifest{}
		}
	}
	enabling := cfg.AppendOnly && !a.on.Load()
	withIncr := cfg.AppendOnly
	prev := a.manifest
	var f *os.File
	var incr persistence.AOFFile
	if withIncr {
		seq := a.incrSeq + 1
		var err error
		if f, err = s.createIncr(seq); err != nil {
			a.fmu.Unlock()
			s.log.Warning("Can't open the append-only file %s: %s", s.incrName(seq), errnoText(err))
			return err
		}
		incr = persistence.AOFFile{Name: s.incrName(seq), Seq: seq, Type: persistence.AOFIncr}
		if !enabling {
			// Listed before the cut: a crash during the rewrite replays
			// the old files and then this one.
			m := prev.Clone()
			m.Incr = append(m.Incr, incr)
			if err := s.persistManifest(m); err != nil {
				f.Close()
				os.Remove(s.aofPath(incr.Name))
				a.fmu.Unlock()
				return err
			}
			a.manifest = m
		} else {
			s.startWriter(f, 0)
		}
		a.incrSeq = seq
	}
	a.rw.running, a.rw.scheduled = true, false
	a.rw.start = time.Now()
	a.rw.done = make(chan struct{})
	baseSeq := a.baseSeq + 1
	a.fmu.Unlock()

	onCut := func() {
		if !withIncr {
			return
		}
		if enabling {
			s.setFeeding(true)
			return
		}
		// Every command before the cut is in the buffer: it goes to the
		// old file, everything after to the new one.
		a.mu.Lock()
		if a.file != nil {
			a.tails = append(a.tails, aofTail{f: a.file, data: a.buf})
		}
		a.buf, a.file, a.selDB = nil, f, -1
		a.mu.Unlock()
		a.kick()
	}
	sn, err := s.beginSnapshot(onCut)
	if err == nil {
		sn.gentle = true // in the background, as BGSAVE
	}
	if err != nil {
		a.fmu.Lock()
		if withIncr {
			if enabling {
				s.stopWriter()
			} else {
				f.Close()
				if s.persistManifest(prev) == nil {
					a.manifest = prev
				}
			}
			os.Remove(s.aofPath(incr.Name))
		}
		a.rw.running = false
		if err == errSnapshotBusy {
			a.rw.scheduled = true
			go s.runScheduledRewrite()
		}
		close(a.rw.done)
		a.fmu.Unlock()
		return err
	}
	a.fmu.Lock()
	a.rw.sn = sn
	a.fmu.Unlock()
	s.log.Notice("Background append only file rewriting started")
	go s.finishRewrite(sn, baseSeq, enabling, withIncr, incr)
	return nil
}

// finishRewrite writes the base and, once it is on disk, makes it the
// AOF's base with the new incremental file.
func (s *Server) finishRewrite(sn *snapshot, baseSeq int64, enabling, withIncr bool, incr persistence.AOFFile) {
	a := &s.aof
	name := s.baseName(baseSeq)
	size, err := s.writeBaseFile(sn, name)
	a.fmu.Lock()
	defer a.fmu.Unlock()
	rw := &a.rw
	defer close(rw.done)
	rw.running, rw.sn = false, nil
	rw.lastSecs, rw.hasLast = int64(time.Since(rw.start).Seconds()), true
	if err == nil {
		s.log.Notice("Background AOF rewrite terminated with success")
		s.log.Notice("Successfully renamed the temporary AOF base file temp-rewriteaof-bg-%d.aof into %s", s.pid, name)
		next := &persistence.Manifest{Base: &persistence.AOFFile{Name: name, Seq: baseSeq, Type: persistence.AOFBase}}
		prev := a.manifest
		if prev.Base != nil {
			h := *prev.Base
			h.Type = persistence.AOFHistory
			next.History = append(next.History, h)
		}
		next.History = append(next.History, prev.History...)
		for _, f := range prev.Incr {
			if withIncr && f.Name == incr.Name {
				continue
			}
			f.Type = persistence.AOFHistory
			next.History = append(next.History, f)
		}
		if withIncr {
			next.Incr = []persistence.AOFFile{incr}
		}
		err = s.persistManifest(next)
		if err == nil {
			a.manifest, a.baseSeq = next, baseSeq
		}
	}
	if err != nil {
		rw.failed = true
		rw.consecFails++
		if err == errSnapshotAborted {
			s.log.Warning("Background AOF rewrite terminated by signal 10")
		} else {
			s.log.Warning("Background AOF rewrite terminated with error")
		}
		if enabling {
			// The AOF stays off, as its base could not be written.
			s.setFeeding(false)
			s.stopWriter()
			os.Remove(s.aofPath(incr.Name))
		}
		return
	}
	if withIncr {
		s.aofFlush(flushPolicy) // the old files' tails are written: sizes settle
	}
	a.baseSize.Store(size)
	a.otherSize.Store(size)
	s.deleteHistory()
	rw.failed = false
	rw.consecFails = 0
	rw.count++
	s.log.Notice("Background AOF rewrite finished successfully")
}

// abortRewrite stops a running rewrite and waits for it to end.
func (s *Server) abortRewrite() {
	a := &s.aof
	a.fmu.Lock()
	sn, done, running := a.rw.sn, a.rw.done, a.rw.running
	a.rw.scheduled = false
	a.fmu.Unlock()
	if running && sn != nil {
		sn.abort()
	}
	if running && done != nil {
		<-done
	}
}

// aofCron starts the automatic rewrite when the AOF has grown by
// auto-aof-rewrite-percentage over its base and past
// auto-aof-rewrite-min-size.
func (s *Server) aofCron() {
	a := &s.aof
	cfg := s.config()
	perc, _ := strconv.ParseInt(aofOption(cfg, "auto-aof-rewrite-percentage"), 10, 64)
	minSize, _ := strconv.ParseInt(aofOption(cfg, "auto-aof-rewrite-min-size"), 10, 64)
	if perc <= 0 || !a.on.Load() || !cfg.AppendOnly {
		return
	}
	cur := a.otherSize.Load() + a.incrSize.Load()
	if cur <= minSize {
		return
	}
	base := a.baseSize.Load()
	if base <= 0 {
		base = 1
	}
	growth := cur*100/base - 100
	if growth < perc {
		return
	}
	if !a.fmu.TryLock() {
		return
	}
	idle := !a.rw.running && !a.rw.scheduled
	a.fmu.Unlock()
	if !idle || s.snapshotRunning() {
		return
	}
	s.log.Notice("Starting automatic rewriting of AOF on %d%% growth", growth)
	go s.startRewrite()
}

// aofConfigChanged applies CONFIG SET appendonly: on starts a rewrite
// that turns the AOF on at its cut; off flushes, fsyncs and closes it.
// It runs on its own goroutine: CONFIG SET may run inside EXEC, holding
// the locks a cut needs.
func (s *Server) aofConfigChanged(old, next *Config) {
	if old.AppendOnly == next.AppendOnly {
		if next.AppendFsync == "always" {
			s.aof.kick()
		}
		return
	}
	go func() {
		a := &s.aof
		a.cfgMu.Lock()
		defer a.cfgMu.Unlock()
		if s.config().AppendOnly {
			if a.on.Load() {
				return
			}
			for !s.closing.Load() {
				err := s.startRewrite()
				if err == nil || (err != errSnapshotBusy && err != errRewriteRunning) {
					if err != nil {
						s.log.Warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
					}
					return
				}
				if err == errRewriteRunning {
					// A rewrite without the AOF: let it end, then ours.
					s.abortRewrite()
				}
				time.Sleep(10 * time.Millisecond)
			}
			return
		}
		s.abortRewrite()
		a.fmu.Lock()
		s.setFeeding(false)
		s.stopWriter()
		a.fmu.Unlock()
	}()
}
