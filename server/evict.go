package server

import (
	"math"
	"math/rand/v2"
	"time"
)

// Eviction under maxmemory, approximated by sampling as Redis does: before
// a deny-oom command runs, while used memory is over the limit, sample
// maxmemory-samples keys from random shards, keep the best candidates in a
// small pool, and delete the best one.

// usedMemory is the running estimate of bytes held by keys and values.
func (s *Server) usedMemory() int64 {
	var n int64
	for _, db := range s.dbs {
		for i := range db.shards {
			sh := &db.shards[i]
			sh.mu.RLock()
			n += sh.mem
			sh.mu.RUnlock()
		}
	}
	return n
}

// evictIfNeeded frees memory until used memory is under maxmemory. It
// returns false when it cannot (noeviction, or nothing left to evict).
func (s *Server) evictIfNeeded(cfg *Config) bool {
	used := s.usedMemory()
	if used <= cfg.MaxMemory {
		return true
	}
	if cfg.MaxMemoryPolicy == policyNoEviction {
		return false
	}
	deadline := time.Now().Add(time.Millisecond)
	for used > cfg.MaxMemory {
		freed := s.evictOne(cfg)
		if freed == 0 {
			return false
		}
		used -= freed
		if time.Now().After(deadline) {
			break
		}
	}
	return true
}

// evictOne deletes one key chosen by the policy; it returns the bytes freed.
func (s *Server) evictOne(cfg *Config) int64 {
	volatileOnly := cfg.MaxMemoryPolicy == policyVolatileLRU || cfg.MaxMemoryPolicy == policyVolatileLFU ||
		cfg.MaxMemoryPolicy == policyVolatileRandom || cfg.MaxMemoryPolicy == policyVolatileTTL
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	type cand struct {
		db    *DB
		sh    *shard
		e     *Entry
		score float64 // higher evicts first
	}
	var best cand
	best.score = math.Inf(-1)
	now := time.Now().UnixMilli()
	clk := s.lruClock.Load()
	samples := cfg.MaxMemorySamples
	for tries := 0; tries < samples*16 && samples > 0; tries++ {
		db := s.dbs[r.IntN(len(s.dbs))]
		sh := &db.shards[r.IntN(nShards)]
		sh.mu.RLock()
		var e *Entry
		if volatileOnly {
			if n := sh.exp.Len(); n > 0 {
				it, _ := sh.exp.GetAt(r.IntN(n))
				e = it.e
			}
		} else {
			e = sh.randomEntry(r)
		}
		var score float64
		if e != nil {
			switch cfg.MaxMemoryPolicy {
			case policyAllKeysLRU, policyVolatileLRU:
				score = float64(lruIdle(clk, e.access.Load()))
			case policyAllKeysLFU, policyVolatileLFU:
				score = 255 - float64(s.lfuDecayed(e, now))
			case policyVolatileTTL:
				score = -float64(e.exp)
			default:
				score = r.Float64()
			}
		}
		sh.mu.RUnlock()
		if e == nil {
			continue
		}
		if score > best.score {
			best = cand{db, sh, e, score}
		}
		samples--
	}
	if best.e == nil {
		return 0
	}
	sh := best.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	key := best.e.kv[:best.e.klen]
	h := best.db.hash(key)
	if sh.get(h, key) != best.e {
		return 1 // gone meanwhile: count as progress, sample again
	}
	freed := best.e.memUsage()
	sh.remove(h, best.e)
	s.stats.evictedKeys.Add(1)
	s.propagateDel(best.db.id, best.e.Key())
	return freed
}

// lruIdle is the seconds since an access, on the wrapping 24-bit clock.
func lruIdle(clk, at uint32) uint32 {
	if clk >= at {
		return clk - at
	}
	return clk + (1<<24 - at)
}

// LFU as Redis keeps it: access = minutes of last decrement << 8 | counter.
const lfuInitVal = 5

func lfuMinutes(now int64) uint32 { return uint32(now/60000) & 0xffff }

// lfuDecayed is the counter after decay for the minutes since its last decrement.
func (s *Server) lfuDecayed(e *Entry, now int64) uint8 {
	a := e.access.Load()
	counter := uint8(a & 0xff)
	ldt := a >> 8
	nowMin := lfuMinutes(now)
	elapsed := nowMin - ldt
	if nowMin < ldt {
		elapsed = 0xffff - ldt + nowMin
	}
	if dt := uint32(s.config().LFUDecayTime); dt > 0 {
		periods := elapsed / dt
		if periods >= uint32(counter) {
			return 0
		}
		return counter - uint8(periods)
	}
	return counter
}

// lfuTouch decays and then logarithmically increments the counter.
func (s *Server) lfuTouch(e *Entry, now int64) {
	counter := s.lfuDecayed(e, now)
	if e.access.Load() == 0 {
		counter = lfuInitVal
	}
	if counter < 255 {
		base := float64(counter) - lfuInitVal
		if base < 0 {
			base = 0
		}
		p := 1.0 / (base*float64(s.config().LFULogFactor) + 1)
		if rand.Float64() < p {
			counter++
		}
	}
	e.access.Store(lfuMinutes(now)<<8 | uint32(counter))
}
