package tests

import (
	"strings"
	"sync"

	"github.com/shoaldb/shoal/server"
)

// recordPropagation hooks srv's replication stream: every propagated
// command is recorded as its arguments joined by spaces. The returned func
// gives what was recorded so far.
func recordPropagation(srv *server.Server) func() []string {
	var mu sync.Mutex
	var got []string
	srv.SetPropagateHook(func(db int, args [][]byte) {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = string(a)
		}
		mu.Lock()
		got = append(got, strings.Join(parts, " "))
		mu.Unlock()
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}
