package server

import "time"

// The active expiry cycle: every cron tick, each shard of each database
// removes its due keys, earliest first, within a time budget (25% of the
// tick, as Redis's ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC). Keys left over are
// handled next tick, and reads treat them as absent meanwhile.

// expireBatch is how many due keys a shard removes per lock hold, so writers
// to that shard wait at most that long.
const expireBatch = 64

func (s *Server) activeExpireCycle() {
	cfg := s.config()
	if !cfg.ActiveExpire || cfg.Hz <= 0 {
		return
	}
	budget := time.Second / time.Duration(cfg.Hz) / 4
	deadline := time.Now().Add(budget)
	for _, db := range s.dbs {
		for i := range db.shards {
			sh := &db.shards[i]
			// DEBUG SET-ACTIVE-EXPIRE 0 stops a cycle already running.
			if !s.config().ActiveExpire {
				return
			}
			for {
				now := time.Now()
				if now.After(deadline) {
					return
				}
				if s.expireShard(db, sh, now.UnixMilli()) < expireBatch {
					break
				}
			}
		}
	}
}

// expireShard removes up to expireBatch due keys from sh; returns how many.
func (s *Server) expireShard(db *DB, sh *shard, now int64) int {
	sh.mu.RLock()
	first, ok := sh.exp.Min()
	sh.mu.RUnlock()
	if !ok || first.at > now {
		return 0
	}
	n := 0
	sh.mu.Lock()
	for n < expireBatch {
		it, ok := sh.exp.Min()
		if !ok || it.at > now {
			break
		}
		sh.remove(it.h, it.e)
		s.stats.expiredKeys.Add(1)
		s.propagateDel(db.id, it.e.Key())
		if s.observed() {
			s.touchKey(nil, db.id, it.e.kv[:it.e.klen], false)
		}
		if s.notifyOn(notifyExpired) {
			s.publishEvent(nil, s.config().NotifyFlags, db.id, "expired", it.e.kv[:it.e.klen])
		}
		n++
	}
	sh.mu.Unlock()
	return n
}
