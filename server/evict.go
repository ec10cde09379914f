package server

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Eviction under maxmemory, approximated by sampling as Redis does: before
// a deny-oom command runs, while used memory is over the limit, sample
// maxmemory-samples keys of each non-empty database, keep the best
// candidates in a pool that persists between rounds (Redis's eviction pool
// of 16), and delete the best one.
//
// "Used memory" for this decision is the sum of the shards' estimates of
// what their keys and values cost (Entry.memUsage), which tracks the data
// Shoal holds and goes down as soon as a key is deleted; INFO's
// used_memory reports the Go heap instead. Summing 16x256 shards on every
// write would be too dear, so the total is cached for memRefresh and
// adjusted by the evictions made meanwhile.

const (
	memRefresh    = 5 * time.Millisecond
	evictPoolSize = 16
)

// memTracker caches the shards' total memory estimate.
type memTracker struct {
	total atomic.Int64 // bytes, at the last refresh minus evictions since
	at    atomic.Int64 // unix nanos of the last refresh, 0 = stale
	mu    sync.Mutex   // one refresher at a time
	dbMem []atomic.Int64

	overSince atomic.Int64 // unix nanos since used memory is over maxmemory, 0 = not over
	overTotal atomic.Int64 // nanos spent over maxmemory before overSince

	background atomic.Bool // a background eviction pass is running

	poolMu sync.Mutex
	pool   []evictCand
}

type evictCand struct {
	db    int
	key   string
	score float64 // higher evicts first
}

// estimate returns the cached total, refreshing it when older than memRefresh.
func (m *memTracker) estimate(s *Server) int64 {
	now := time.Now().UnixNano()
	if now-m.at.Load() < int64(memRefresh) || !m.mu.TryLock() {
		return m.total.Load()
	}
	defer m.mu.Unlock()
	var n int64
	for i, db := range s.dbs {
		var d int64
		for j := range db.shards {
			sh := &db.shards[j]
			sh.mu.RLock()
			d += sh.mem
			sh.mu.RUnlock()
		}
		m.dbMem[i].Store(d)
		n += d
	}
	m.total.Store(n)
	m.at.Store(now)
	return n
}

// invalidate makes the next estimate recount (after FLUSHDB, SWAPDB, ...).
func (m *memTracker) invalidate() { m.at.Store(0) }

// reset is FLUSHALL: nothing is left. It runs with every shard locked, so
// it must not wait for mu (a refresh holds mu while it reads the shards);
// a refresh racing with it is corrected by the next one.
func (m *memTracker) reset() {
	m.total.Store(0)
	for i := range m.dbMem {
		m.dbMem[i].Store(0)
	}
	m.at.Store(0)
	m.poolMu.Lock()
	m.pool = m.pool[:0]
	m.poolMu.Unlock()
}

// over records whether used memory is over the limit, for INFO's
// total/current_eviction_exceeded_time.
func (m *memTracker) over(isOver bool, now int64) {
	since := m.overSince.Load()
	switch {
	case isOver && since == 0:
		m.overSince.CompareAndSwap(0, now)
	case !isOver && since != 0:
		if m.overSince.CompareAndSwap(since, 0) {
			m.overTotal.Add(now - since)
		}
	}
}

// exceededCurrent is the milliseconds used memory has been over maxmemory.
func (m *memTracker) exceededCurrent(now time.Time) int64 {
	if since := m.overSince.Load(); since != 0 {
		return (now.UnixNano() - since) / 1e6
	}
	return 0
}

func (m *memTracker) exceededTotal(now time.Time) int64 {
	return m.overTotal.Load()/1e6 + m.exceededCurrent(now)
}

// usedMemory is the estimate the maxmemory decision uses.
func (s *Server) usedMemory() int64 { return s.ext.mem.estimate(s) }

// evictIfNeeded frees memory until used memory is under maxmemory. It
// returns false when it cannot (noeviction, or nothing left to evict).
// Like Redis, it spends at most the time maxmemory-eviction-tenacity
// allows; past it the command runs and a background pass keeps evicting.
func (s *Server) evictIfNeeded(cfg *Config) bool {
	m := &s.ext.mem
	used := m.estimate(s)
	now := time.Now()
	if used <= cfg.MaxMemory {
		m.over(false, now.UnixNano())
		return true
	}
	m.over(true, now.UnixNano())
	if cfg.MaxMemoryPolicy == policyNoEviction {
		return false
	}
	done, ok := s.evictFor(cfg, evictionTimeLimit(cfg))
	if !done && ok && m.background.CompareAndSwap(false, true) {
		go func() {
			defer m.background.Store(false)
			for {
				select {
				case <-s.done:
					return
				default:
				}
				if done, ok := s.evictFor(s.config(), evictionTimeLimit(cfg)); done || !ok {
					return
				}
				time.Sleep(time.Millisecond) // let commands run between passes
			}
		}()
	}
	return ok
}

// evictFor evicts until under maxmemory (done) or until limit has passed;
// ok is false when nothing more can be evicted.
func (s *Server) evictFor(cfg *Config, limit time.Duration) (done, ok bool) {
	m := &s.ext.mem
	if cfg.MaxMemory <= 0 || cfg.MaxMemoryPolicy == policyNoEviction {
		return true, true
	}
	start := time.Now()
	deadline := start.Add(limit)
	defer func() {
		// The latency monitor's eviction-cycle event, as Redis records it.
		if th := s.config().LatencyThreshold; th > 0 {
			if ms := time.Since(start).Milliseconds(); ms >= th {
				s.ext.latency.add("eviction-cycle", start.Unix(), ms)
			}
		}
	}()
	used := m.estimate(s)
	for used > cfg.MaxMemory {
		freed := s.evictOne(cfg)
		if freed == 0 {
			// Nothing found: the cached total may be stale (FLUSHDB, DEL,
			// SWAPDB); recount before answering OOM.
			m.invalidate()
			if used = m.estimate(s); used <= cfg.MaxMemory {
				break
			}
			return false, false
		}
		used = m.total.Add(-freed)
		if used > cfg.MaxMemory && time.Now().After(deadline) {
			return false, true
		}
	}
	m.over(false, time.Now().UnixNano())
	return true, true
}

// evictionTimeLimit is Redis's evictionTimeLimitUs: 50us per point of
// maxmemory-eviction-tenacity up to 10, then +15% per point, none at 100.
func evictionTimeLimit(cfg *Config) time.Duration {
	ten, _ := strconv.Atoi(cfg.other["maxmemory-eviction-tenacity"])
	switch {
	case ten <= 10:
		return time.Duration(50*ten) * time.Microsecond
	case ten < 100:
		return time.Duration(500*math.Pow(1.15, float64(ten-10))) * time.Microsecond
	}
	return time.Hour // "no limit"
}

func volatilePolicy(p int) bool {
	return p == policyVolatileLRU || p == policyVolatileLFU || p == policyVolatileRandom || p == policyVolatileTTL
}

// evictOne deletes one key chosen by the policy; it returns the bytes freed,
// 0 when there is nothing the policy may evict.
func (s *Server) evictOne(cfg *Config) int64 {
	m := &s.ext.mem
	for attempt := 0; attempt < 4; attempt++ {
		s.fillEvictPool(cfg)
		for {
			m.poolMu.Lock()
			if len(m.pool) == 0 {
				m.poolMu.Unlock()
				break
			}
			best := m.pool[len(m.pool)-1]
			m.pool = m.pool[:len(m.pool)-1]
			m.poolMu.Unlock()
			if freed := s.evictKey(cfg, best); freed > 0 {
				return freed
			}
		}
	}
	return 0
}

// fillEvictPool samples each non-empty database and merges the samples
// into the pool, which stays sorted by ascending score.
func (s *Server) fillEvictPool(cfg *Config) {
	m := &s.ext.mem
	rng := s.rng
	var found []evictCand
	// Databases the last count found empty are skipped, unless that finds
	// nothing: the count may predate a SWAPDB or new keys.
	for pass := 0; pass < 2 && len(found) == 0; pass++ {
		for i, db := range s.dbs {
			if pass == 0 && i < len(m.dbMem) && m.dbMem[i].Load() <= 0 {
				continue
			}
			found = s.sampleDB(cfg, db, rng, found)
		}
	}
	m.poolMu.Lock()
	defer m.poolMu.Unlock()
	for _, c := range found {
		dup := false
		for i := range m.pool {
			if m.pool[i].db == c.db && m.pool[i].key == c.key {
				m.pool[i].score = c.score
				dup = true
				break
			}
		}
		if !dup {
			m.pool = append(m.pool, c)
		}
	}
	// Insertion sort: the pool is small.
	for i := 1; i < len(m.pool); i++ {
		for j := i; j > 0 && m.pool[j].score < m.pool[j-1].score; j-- {
			m.pool[j], m.pool[j-1] = m.pool[j-1], m.pool[j]
		}
	}
	if over := len(m.pool) - evictPoolSize; over > 0 {
		m.pool = append(m.pool[:0], m.pool[over:]...)
	}
}

// sampleDB appends up to maxmemory-samples candidates from random shards
// of db, scored by the policy (higher evicts first).
func (s *Server) sampleDB(cfg *Config, db *DB, rng *rand.Rand, found []evictCand) []evictCand {
	volatile := volatilePolicy(cfg.MaxMemoryPolicy)
	now := time.Now().UnixMilli()
	clk := s.lruClock.Load()
	got := 0
	for tries := 0; got < cfg.MaxMemorySamples && tries < cfg.MaxMemorySamples*8; tries++ {
		sh := &db.shards[rng.IntN(nShards)]
		sh.mu.RLock()
		var e *Entry
		if volatile {
			if n := sh.exp.Len(); n > 0 {
				it, _ := sh.exp.GetAt(rng.IntN(n))
				e = it.e
			}
		} else {
			e = sh.randomEntry(rng)
		}
		if e != nil {
			var score float64
			switch cfg.MaxMemoryPolicy {
			case policyAllKeysLRU, policyVolatileLRU:
				score = float64(lruIdle(clk, e.access.Load()))
			case policyAllKeysLFU, policyVolatileLFU:
				score = 255 - float64(s.lfuDecayed(e, now))
			case policyVolatileTTL:
				score = -float64(e.exp)
			default:
				score = rng.Float64()
			}
			found = append(found, evictCand{db.id, strings.Clone(e.Key()), score})
			got++
		}
		sh.mu.RUnlock()
	}
	return found
}

// evictKey deletes a pool candidate if it still exists and still qualifies.
func (s *Server) evictKey(cfg *Config, cand evictCand) int64 {
	db := s.dbs[cand.db]
	key := []byte(cand.key)
	sh := &db.shards[shardOf(key)]
	h := db.hash(key)
	sh.mu.Lock()
	e := sh.get(h, key)
	if e == nil || (volatilePolicy(cfg.MaxMemoryPolicy) && e.exp == 0) {
		sh.mu.Unlock()
		return 0
	}
	freed := e.memUsage()
	sh.remove(h, e)
	s.stats.evictedKeys.Add(1)
	s.propagateDel(db.id, cand.key)
	if s.observed() {
		s.touchKey(nil, db.id, key, false)
	}
	if s.notifyOn(notifyEvicted) {
		s.publishEvent(nil, s.config().NotifyFlags, db.id, "evicted", key)
	}
	sh.mu.Unlock()
	if freed <= 0 {
		freed = 1
	}
	if cand.db < len(s.ext.mem.dbMem) {
		s.ext.mem.dbMem[cand.db].Add(-freed)
	}
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
