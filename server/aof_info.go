package server

import "time"

// aofInfo writes INFO persistence's aof_* fields in Redis 7.0's order; the
// size and buffer fields only while the AOF is enabled.
func (s *Server) aofInfo(f func(name string, value any)) {
	a := &s.aof
	cfg := s.config()
	a.fmu.Lock()
	rw := a.rw
	a.fmu.Unlock()
	last, cur := int64(-1), int64(-1)
	if rw.hasLast {
		last = rw.lastSecs
	}
	if rw.running {
		cur = int64(time.Since(rw.start).Seconds())
	}
	status := func(bad bool) string {
		if bad {
			return "err"
		}
		return "ok"
	}
	f("aof_enabled", boolInt(cfg.AppendOnly))
	f("aof_rewrite_in_progress", boolInt(rw.running))
	f("aof_rewrite_scheduled", boolInt(rw.scheduled))
	f("aof_last_rewrite_time_sec", last)
	f("aof_current_rewrite_time_sec", cur)
	f("aof_last_bgrewrite_status", status(rw.failed))
	f("aof_rewrites", rw.count)
	f("aof_rewrites_consecutive_failures", rw.consecFails)
	f("aof_last_write_status", status(a.writeErr.Load() != nil))
	f("aof_last_cow_size", 0)
	f("module_fork_in_progress", 0)
	f("module_fork_last_cow_size", 0)
	if !cfg.AppendOnly {
		return
	}
	a.mu.Lock()
	buffered := len(a.buf)
	a.mu.Unlock()
	f("aof_current_size", a.otherSize.Load()+a.incrSize.Load())
	f("aof_base_size", a.baseSize.Load())
	f("aof_pending_rewrite", boolInt(rw.scheduled))
	f("aof_buffer_length", buffered)
	f("aof_pending_bio_fsync", boolInt(a.fsyncing.Load()))
	f("aof_delayed_fsync", a.delayed.Load())
}

// aofBufferSize is INFO memory's mem_aof_buffer.
func (s *Server) aofBufferSize() int {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	return cap(a.buf)
}
