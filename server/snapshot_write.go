package server

import (
	"io"
	"runtime"
	"strconv"
	"time"

	"github.com/shoaldb/shoal/persistence"
)

// rdbWriter is the destination of a walk: encoded chunks are collected in
// buf while a shard is locked and written to out after it is released, so
// a slow disk (or, later, a slow replica) never holds a shard.
type rdbWriter struct {
	out io.Writer
	buf []byte
	err error
}

func (w *rdbWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *rdbWriter) flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.out.Write(w.buf)
	}
	w.buf = w.buf[:0]
	return w.err
}

// chunkEntries and chunkBytes bound one step of the walk under a shard's
// read lock: writers to that shard wait at most that long.
const (
	chunkEntries = 256
	chunkBytes   = 64 << 10
)

// writeRDB writes the snapshot to w as an RDB file and ends the snapshot.
// aofBase marks the file as an AOF's base (the aof-base aux field).
func (sn *snapshot) writeRDB(w io.Writer, aofBase bool) (err error) {
	defer sn.end()
	cfg := sn.s.config()
	out := &rdbWriter{out: w, buf: make([]byte, 0, 2*chunkBytes)}
	pw := persistence.NewWriter(out, cfg.other["rdbcompression"] != "no", cfg.other["rdbchecksum"] != "no")
	if err := pw.Header(); err != nil {
		return err
	}
	sn.writeAux(pw, aofBase)
	for _, code := range sn.funcs {
		pw.Function(code)
	}
	cur := -1 // the database the output is in
	var spare []byte
	var pace pacer
	for i, ss := range sn.shards {
		if i == 0 || sn.shards[i-1].db != ss.db {
			pw.SelectDB(ss.db, sn.sizes[ss.db][0], sn.sizes[ss.db][1])
			cur = ss.db
		}
		for {
			if sn.abortd.Load() {
				return errSnapshotAborted
			}
			if cur != ss.db {
				pw.Raw(appendSelectDB(nil, ss.db))
				cur = ss.db
			}
			more, err := sn.walkChunk(ss, pw)
			if err != nil {
				return err
			}
			if err := out.flush(); err != nil {
				return err
			}
			if cur, err = sn.writeHanded(pw, out, cur, &spare); err != nil {
				return err
			}
			if !more {
				break
			}
			if sn.gentle {
				pace.step()
			} else {
				runtime.Gosched() // clients first
			}
		}
	}
	if cur, err = sn.writeHanded(pw, out, cur, &spare); err != nil {
		return err
	}
	if err := pw.Finish(); err != nil {
		return err
	}
	return out.flush()
}

// pacer keeps a background walk (BGSAVE, an AOF rewrite) to about half of
// one core: after every 2 ms of work it sleeps as long. Redis's fork child
// has a core of its own; a walk shares the server's, and clients come
// first. SAVE and shutdown walk at full speed.
type pacer struct{ start time.Time }

func (p *pacer) step() {
	if p.start.IsZero() {
		p.start = time.Now()
		return
	}
	if busy := time.Since(p.start); busy >= 2*time.Millisecond {
		time.Sleep(busy)
		p.start = time.Now()
	}
}

// writeAux writes Redis 7.0's aux fields.
func (sn *snapshot) writeAux(pw *persistence.Writer, aofBase bool) {
	s := sn.s
	pw.Aux("redis-ver", redisVersion)
	pw.Aux("redis-bits", "64")
	pw.Aux("ctime", strconv.FormatInt(sn.at.Unix(), 10))
	pw.Aux("used-mem", strconv.FormatInt(s.memInfoUsedOnly(), 10)) // lock-free: FLUSHALL saves with every shard held
	pw.Aux("repl-stream-db", "0")
	pw.Aux("repl-id", s.ext.replID())
	pw.Aux("repl-offset", "0")
	pw.Aux("aof-base", strconv.Itoa(boolInt(aofBase)))
}

// walkChunk writes the next chunk of ss's table and reports whether any
// is left. A chunk never splits entries of equal hash, so "hash below
// next" stays exactly "written".
func (sn *snapshot) walkChunk(ss *shardSnap, pw *persistence.Writer) (more bool, err error) {
	var sh *shard
	for {
		sh = ss.sh.Load()
		sh.mu.RLock()
		if ss.sh.Load() == sh {
			break
		}
		sh.mu.RUnlock()
	}
	defer sh.mu.RUnlock()
	t := &sh.table
	if ss.detached != nil {
		t = ss.detached
	} else if sh.snap != ss {
		return false, nil // the shard was detached and finished, or ended
	}
	n, size := 0, 0
	var last uint64
	stop := uint64(walkDone)
	t.Ascend(ss.next, func(h uint64, e *Entry) bool {
		if (n >= chunkEntries || size >= chunkBytes) && h != last {
			stop = h
			return false
		}
		last = h
		n++
		if e.born == sn.gen {
			return true // created after the cut, or handed off already
		}
		size += len(e.kv)
		err = pw.Entry(e.kv[:e.klen], e.exp, e.Type, e.Str(), e.obj)
		sn.keys.Add(1)
		return err == nil
	})
	if err != nil {
		return false, err
	}
	ss.next = stop
	if stop == walkDone {
		if sh.snap == ss {
			// Done: the shard's writers stop checking. Safe under the
			// read lock: only write-lock holders read snap.
			sh.snap = nil
		}
		return false, nil
	}
	return true, nil
}

// writeHanded writes the entries writers handed over since the last call
// and returns the database the output is in afterwards. The handed buffer
// and spare swap roles, so neither is reallocated.
func (sn *snapshot) writeHanded(pw *persistence.Writer, out *rdbWriter, cur int, spare *[]byte) (int, error) {
	sn.mu.Lock()
	batch, db, n := sn.handed, sn.handedDB, sn.handedN
	sn.handed, sn.handedDB, sn.handedN = (*spare)[:0], -1, 0
	sn.mu.Unlock()
	*spare = batch
	if len(batch) == 0 {
		return cur, nil
	}
	if err := pw.Raw(batch); err != nil {
		return cur, err
	}
	sn.keys.Add(n)
	return db, out.flush()
}
