package server

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoaldb/shoal/persistence"
)

// The append-only file, Redis 7.0's multi-part form: a base (an RDB
// snapshot) and incremental files of commands, listed by a manifest
// (aof_files.go), replayed at start-up (aof_load.go), compacted by
// BGREWRITEAOF (aof_rewrite.go).
//
// The write path: every change reaches aofFeed through the propagation
// hook while its keys are still locked, so the file's order is the
// execution order of each key. aofFeed appends the command in RESP to a
// buffer under a mutex and wakes the writer goroutine, which writes the
// buffer to the current incremental file and fsyncs it as appendfsync
// says. With "always", a client's replies are not sent before everything
// fed so far is fsynced (aofBarrier, called before each flush); one fsync
// covers every client waiting (group commit).

// aofState is the server's append-only file. Lock order: fmu (files and
// rewrites), then wmu (the writer), then mu (the buffer); hookMu alone.
type aofState struct {
	// on: commands are fed (appendonly yes, or being turned on).
	on atomic.Bool

	mu    sync.Mutex   // guards the fields down to tails
	buf   []byte       // fed, not written yet
	spare []byte       // the writer's previous buffer, for reuse
	selDB int          // the database of the last command in the file; -1: none
	file  *os.File     // the incremental file being appended to
	tails []aofTail    // files replaced at a rewrite's cut, to finish
	fed   atomic.Int64 // bytes fed since the server started

	// The writer: wmu serializes writes and fsyncs (the goroutine, and
	// flushes asked for by shutdown or a rewrite's end).
	wmu       sync.Mutex
	wake      atomic.Pointer[chan struct{}] // capacity 1
	running   bool                          // the goroutine runs; guarded by fmu, as stop and stopped
	stop      chan struct{}
	stopped   chan struct{}
	written   atomic.Int64                  // bytes fed that are written to the file
	synced    atomic.Int64                  // bytes fed that are written and fsynced
	syncedCh  atomic.Pointer[chan struct{}] // closed when synced moves
	lastFsync time.Time
	unsynced  bool // written since the last fsync
	fsyncing  atomic.Bool
	delayed   atomic.Int64 // everysec fsyncs that took over 2 seconds
	writeErr  atomic.Pointer[string]

	// Sizes, for INFO and the automatic rewrite.
	incrSize  atomic.Int64 // the current incremental file
	otherSize atomic.Int64 // base and older incremental files
	baseSize  atomic.Int64 // aof_base_size: the base at the last rewrite or load
	// loadedSize: the files loaded at start-up, base and incremental.
	loadedSize int64

	// Files and rewrites (aof_files.go, aof_rewrite.go).
	fmu      sync.Mutex
	manifest *persistence.Manifest
	baseSeq  int64
	incrSeq  int64
	rw       aofRewrite
	cfgMu    sync.Mutex // serializes turning the AOF on and off

	// repl is the hook SetPropagateHook installed (replication); the
	// server's propagation hook calls the AOF first, then it.
	hookMu sync.Mutex
	repl   func(db int, args [][]byte)
}

// aofTail is the end of a file replaced at a cut: written, fsynced and
// closed by the writer before anything of the new file.
type aofTail struct {
	f    *os.File
	data []byte
}

// setReplHook installs fn to receive every change after the AOF.
func (s *Server) setReplHook(fn func(db int, args [][]byte)) {
	a := &s.aof
	a.hookMu.Lock()
	a.repl = fn
	s.installHooks()
	a.hookMu.Unlock()
}

// installHooks makes the propagation hook the AOF, the replication hook,
// both in that order, or nothing. Called with hookMu held.
func (s *Server) installHooks() {
	a := &s.aof
	repl := a.repl
	var fn func(int, [][]byte)
	switch {
	case a.on.Load() && repl != nil:
		fn = func(db int, args [][]byte) {
			s.aofFeed(db, args)
			repl(db, args)
		}
	case a.on.Load():
		fn = s.aofFeed
	default:
		fn = repl
	}
	if fn == nil {
		s.propagateHook.Store(nil)
		return
	}
	s.propagateHook.Store(&fn)
}

// setFeeding turns feeding on or off; at a rewrite's cut or at start-up
// (no command in flight then).
func (s *Server) setFeeding(on bool) {
	a := &s.aof
	a.hookMu.Lock()
	a.on.Store(on)
	s.installHooks()
	a.hookMu.Unlock()
}

// aofFeed appends one command to the AOF buffer, a SELECT first when the
// database changes.
func (s *Server) aofFeed(db int, args [][]byte) {
	a := &s.aof
	a.mu.Lock()
	n := len(a.buf)
	if db != a.selDB {
		var num [20]byte
		a.buf = persistence.AppendAOFCommand(a.buf, [][]byte{[]byte("SELECT"), appendInt(num[:0], int64(db))})
		a.selDB = db
	}
	a.buf = persistence.AppendAOFCommand(a.buf, args)
	a.fed.Add(int64(len(a.buf) - n))
	a.mu.Unlock()
	if n == 0 {
		// The buffer was empty: the writer may be idle. Otherwise it
		// was woken already and has not taken the buffer yet.
		a.kick()
	}
}

// kick wakes the writer.
func (a *aofState) kick() {
	if ch := a.wake.Load(); ch != nil {
		select {
		case *ch <- struct{}{}:
		default:
		}
	}
}

// groupWait bounds how long a group commit waits for more commands.
const groupWait = 200 * time.Microsecond

// aofBarrier waits, under appendfsync always, until everything fed so far
// is on disk: called before a client's replies go out, so no reply ever
// shows a change a crash could lose.
func (s *Server) aofBarrier() {
	a := &s.aof
	if !a.on.Load() {
		return
	}
	target := a.fed.Load()
	if s.config().AppendFsync != "always" {
		s.aofWriteThrough(target)
		return
	}
	if a.synced.Load() >= target {
		return
	}
	for {
		ch := a.syncedCh.Load()
		if a.synced.Load() >= target {
			return
		}
		// Group commit: the first client to find the writer free writes
		// and fsyncs for everyone (no hand-off to another goroutine on
		// this path); the others wait for it, and one fsync covers them
		// all.
		if a.wmu.TryLock() {
			// Replies leave in waves, so requests come back in waves:
			// while other clients keep adding commands, let them, for a
			// moment, so one fsync covers the wave (Redis fsyncs once per
			// event-loop turn, after every client with input has run).
			last := a.fed.Load()
			for start := time.Now(); time.Since(start) < groupWait; {
				runtime.Gosched()
				cur := a.fed.Load()
				if cur == last {
					break
				}
				last = cur
			}
			f, end := s.aofFlushLocked(flushPolicy)
			a.wmu.Unlock()
			s.aofSyncLater(f, end)
			continue
		}
		<-*ch
	}
}

// aofWriteThrough writes everything fed up to target to the file, without
// fsync, before a client's replies go out (everysec and no). Redis writes
// the AOF before it replies, so a crash of the process loses no command
// it acknowledged; only a crash of the machine loses what was not fsynced.
// The first client to take the writer writes for everyone. The everysec
// fsync runs outside the writer's lock (aofSyncLater), so a client never
// waits for it.
func (s *Server) aofWriteThrough(target int64) {
	a := &s.aof
	if a.written.Load() >= target {
		return
	}
	// Let the connections that have input run first, adding to the
	// buffer: one write then covers them all, as Redis writes once per
	// event-loop turn.
	runtime.Gosched()
	if a.written.Load() >= target {
		return
	}
	a.wmu.Lock()
	if a.written.Load() < target {
		s.aofFlushLocked(flushWrite)
	}
	a.wmu.Unlock()
}

// publishSynced records that the first n bytes fed are on disk. Called
// with wmu held.
func (a *aofState) publishSynced(n int64) {
	if n <= a.synced.Load() {
		return
	}
	a.synced.Store(n)
	next := make(chan struct{})
	old := a.syncedCh.Swap(&next)
	if old != nil {
		close(*old)
	}
}

// startWriter starts the writer goroutine for file f.
func (s *Server) startWriter(f *os.File, size int64) {
	a := &s.aof
	a.mu.Lock()
	a.file, a.selDB = f, -1
	a.buf = a.buf[:0]
	a.tails = nil
	a.mu.Unlock()
	a.incrSize.Store(size)
	// fed and synced only grow: a client may still wait on an old target.
	if a.syncedCh.Load() == nil {
		ch := make(chan struct{})
		a.syncedCh.Store(&ch)
	}
	if a.wake.Load() == nil {
		ch := make(chan struct{}, 1)
		a.wake.Store(&ch)
	}
	a.stop = make(chan struct{})
	a.stopped = make(chan struct{})
	a.lastFsync = time.Now()
	a.running = true
	go s.aofWriter(*a.wake.Load(), a.stop, a.stopped)
}

// aofWriter writes the buffer whenever commands arrive, and runs the AOF's
// once-a-tick work: the everysec fsync, retrying after a write error, the
// automatic rewrite.
func (s *Server) aofWriter(wake, stop, stopped chan struct{}) {
	defer close(stopped)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-wake:
			// Let the connections that have input run first, adding to
			// the buffer: one write then covers them all, as Redis writes
			// once per event-loop turn.
			runtime.Gosched()
			s.aofFlush(flushPolicy)
		case <-t.C:
			s.aofFlush(flushPolicy)
			s.aofCron()
		}
	}
}

// flushMode says what aofFlush does after writing.
type flushMode int

const (
	flushPolicy flushMode = iota // fsync as appendfsync says
	flushWrite                   // no fsync: a client's write-through
	flushForce                   // fsync whatever the policy
)

// aofFlush writes what was fed and fsyncs as mode says.
func (s *Server) aofFlush(mode flushMode) {
	s.aof.wmu.Lock()
	f, end := s.aofFlushLocked(mode)
	s.aof.wmu.Unlock()
	s.aofSyncLater(f, end)
}

// aofFlushLocked is aofFlush with wmu held. When the everysec fsync is
// due, it returns the file and the bytes it will cover, for aofSyncLater
// once wmu is released.
func (s *Server) aofFlushLocked(mode flushMode) (toSync *os.File, end int64) {
	a := &s.aof
	a.mu.Lock()
	data, tails, f := a.buf, a.tails, a.file
	end = a.fed.Load()
	a.buf, a.spare, a.tails = a.spare[:0], nil, nil
	a.mu.Unlock()
	policy := s.config().AppendFsync

	for _, t := range tails {
		// The end of a file a rewrite replaced: on disk before anything
		// written to its successor.
		_, err := t.f.Write(t.data)
		if err == nil && policy != "no" {
			err = syncData(t.f)
		}
		if err != nil {
			s.aofWriteFailed(err, policy)
		}
		t.f.Close()
		a.otherSize.Add(a.incrSize.Load() + int64(len(t.data)))
		a.incrSize.Store(0)
	}
	if len(data) > 0 && f != nil {
		n, err := f.Write(data)
		a.incrSize.Add(int64(n))
		if err != nil {
			// Keep what was not written, in order, for the next try:
			// the file goes on exactly where the partial write stopped.
			a.mu.Lock()
			a.buf = append(append([]byte(nil), data[n:]...), a.buf...)
			a.mu.Unlock()
			s.aofWriteFailed(err, policy)
			return nil, 0
		}
		a.unsynced = true
		if p := a.writeErr.Load(); p != nil {
			a.writeErr.Store(nil)
			s.persist.diskErr.Store(s.diskError() != "")
			s.log.Warning("AOF write error looks solved, Redis can write again.")
		}
	}
	if end > a.written.Load() {
		a.written.Store(end)
	}
	if cap(data) <= 1<<20 {
		a.spare = data[:0]
	}
	switch {
	case mode == flushWrite:
	case policy == "always" || mode == flushForce:
		// Forced (shutdown, stop) even when nothing is unsynced: an
		// everysec fsync may still be running outside the lock.
		if (a.unsynced || mode == flushForce) && f != nil {
			if err := syncData(f); err != nil {
				if policy == "always" {
					s.log.Warning("Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. Exiting...", errnoText(err))
					os.Exit(1)
				}
				s.log.Warning("Error fsyncing the AOF file: %s", errnoText(err))
				return nil, 0
			}
			a.unsynced = false
			a.lastFsync = time.Now()
		}
		a.publishSynced(end)
	case policy == "everysec" && a.unsynced && time.Since(a.lastFsync) >= time.Second && f != nil:
		a.unsynced = false // until aofSyncLater finds otherwise
		a.lastFsync = time.Now()
		return f, end
	}
	return nil, 0
}

// aofSyncLater runs the everysec fsync aofFlushLocked asked for, without
// wmu: clients keep writing to the file meanwhile. The file stays open
// until the fsync returns (os.File defers a concurrent Close).
func (s *Server) aofSyncLater(f *os.File, end int64) {
	if f == nil {
		return
	}
	a := &s.aof
	a.fsyncing.Store(true)
	start := time.Now()
	err := syncData(f)
	if time.Since(start) > 2*time.Second {
		a.delayed.Add(1)
	}
	a.fsyncing.Store(false)
	a.wmu.Lock()
	if err != nil {
		a.unsynced = true
	} else {
		a.publishSynced(end)
	}
	a.wmu.Unlock()
}

// aofWriteFailed records a failed write: with appendfsync always Redis
// cannot take back replies already promised, and exits; otherwise writes
// are refused (MISCONF) until a retry succeeds.
func (s *Server) aofWriteFailed(err error, policy string) {
	msg := errnoText(err)
	if policy == "always" {
		s.log.Warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
		os.Exit(1)
	}
	if s.aof.writeErr.Load() == nil {
		s.log.Warning("Error writing to the AOF file: %s", msg)
	}
	s.aof.writeErr.Store(&msg)
	s.persist.diskErr.Store(true)
}

// aofDiskError is the MISCONF error refusing writes after a failed AOF
// write, or "".
func (s *Server) aofDiskError() string {
	if p := s.aof.writeErr.Load(); p != nil && s.aof.on.Load() {
		return "MISCONF Errors writing to the AOF file: " + *p
	}
	return ""
}

// stopWriter flushes and fsyncs everything fed, then stops the writer
// and closes the file.
func (s *Server) stopWriter() {
	a := &s.aof
	if !a.running {
		return
	}
	close(a.stop)
	<-a.stopped
	s.aofFlush(flushForce)
	a.running = false
	a.mu.Lock()
	if a.file != nil {
		a.file.Close()
		a.file = nil
	}
	a.mu.Unlock()
	// Everything fed is on disk: wake every client waiting.
	a.wmu.Lock()
	a.publishSynced(a.fed.Load())
	a.wmu.Unlock()
}

// shutdownAOF is SHUTDOWN's part: everything fed is written and fsynced.
func (s *Server) shutdownAOF() error {
	a := &s.aof
	if !a.on.Load() {
		return nil
	}
	s.log.Notice("Calling fsync() on the AOF file.")
	s.aofFlush(flushForce)
	return nil
}

// closeAOF stops the AOF when the server closes (after every client).
func (s *Server) closeAOF() {
	a := &s.aof
	s.abortRewrite()
	a.fmu.Lock()
	defer a.fmu.Unlock()
	s.setFeeding(false)
	s.stopWriter()
}
