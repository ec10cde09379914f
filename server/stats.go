package server

import (
	"strings"
	"sync"
	"sync/atomic"
)

// serverStats are the counters INFO reports; CONFIG RESETSTAT zeroes them.
type serverStats struct {
	connectionsReceived atomic.Int64
	rejectedConns       atomic.Int64
	netInput            atomic.Int64
	netOutput           atomic.Int64
	expiredKeys         atomic.Int64
	evictedKeys         atomic.Int64
	keyspaceHits        atomic.Int64
	keyspaceMisses      atomic.Int64
	totalErrorReplies   atomic.Int64

	errMu  sync.Mutex
	errors map[string]int64 // errorstats: count per error prefix ("ERR", "WRONGTYPE")
}

// countError records an error reply under its prefix, as INFO errorstats does.
func (st *serverStats) countError(msg string) {
	st.totalErrorReplies.Add(1)
	prefix := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		prefix = msg[:i]
	}
	st.errMu.Lock()
	if st.errors == nil {
		st.errors = make(map[string]int64)
	}
	// Redis stops adding new prefixes past 128 kinds.
	if _, ok := st.errors[prefix]; ok || len(st.errors) < 128 {
		st.errors[prefix]++
	}
	st.errMu.Unlock()
}

func (st *serverStats) reset() {
	st.connectionsReceived.Store(0)
	st.rejectedConns.Store(0)
	st.netInput.Store(0)
	st.netOutput.Store(0)
	st.expiredKeys.Store(0)
	st.evictedKeys.Store(0)
	st.keyspaceHits.Store(0)
	st.keyspaceMisses.Store(0)
	st.totalErrorReplies.Store(0)
	st.errMu.Lock()
	st.errors = nil
	st.errMu.Unlock()
}
