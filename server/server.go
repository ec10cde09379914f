package server

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Server is one Shoal instance: its databases, clients and listeners.
type Server struct {
	cfg      atomic.Pointer[Config]
	cfgMu    sync.Mutex // serializes CONFIG SET
	commands *commandTable
	blocking blockRegistry
	dbs      []*DB
	log      *Logger
	stats    serverStats
	dirty    atomic.Int64 // changes since the last save
	started  time.Time
	runID    string
	pid      int

	clientsMu  sync.Mutex
	clients    map[int64]*Client
	nextID     atomic.Int64
	monitors   atomic.Int32 // number of MONITOR clients, for a cheap check
	listeners  []net.Listener
	wg         sync.WaitGroup
	closing    atomic.Bool
	done       chan struct{}
	shutdownFn func() // asks the owner (cmd/shoal) to stop, for SHUTDOWN

	lruClock atomic.Uint32 // seconds, 24 bits, as Redis's LRU clock

	// Commands read the time as wallOffset + time.Since(clockBase): one
	// monotonic clock read. The cron refreshes wallOffset, so wall-clock
	// steps (NTP) reach commands within a tick.
	clockBase  time.Time
	wallOffset atomic.Int64 // unix ns at clockBase, corrected every tick
	rng        *rand.Rand

	// propagateHook receives every change made by a write command, rewritten
	// to a deterministic form, while its keys are still locked. Replication
	// and the AOF plug in here; nil means nobody listens.
	propagateHook atomic.Pointer[func(db int, args [][]byte)]

	hub        pubsubHub
	trackTable trackingTable
	trackers   atomic.Int64 // clients with tracking on
	watchReg   watchRegistry
	watchers   atomic.Int64 // watched (db, key) pairs: zero keeps the write path free of WATCH

	ext     serverExt     // state owned by the server-family commands (slowlog, ...)
	scripts *scriptRunner // Lua scripts and functions (script.go)
	pause   clientPause   // CLIENT PAUSE state
	persist persistState  // snapshots and RDB files (rdb.go, snapshot.go)
	aof     aofState      // the append-only file (aof.go)
}

// New makes a server from cfg; nothing listens until Start.
func New(cfg *Config) *Server {
	s := &Server{
		commands: newCommandTable(),
		log:      newLogger(cfg),
		started:  time.Now(),
		clients:  make(map[int64]*Client),
		done:     make(chan struct{}),
		pid:      os.Getpid(),
		rng:      rand.New(runtimeSource{}),
	}
	s.cfg.Store(cfg)
	s.runID = randomHex(40)
	seed := maphash.MakeSeed()
	s.dbs = make([]*DB, cfg.Databases)
	for i := range s.dbs {
		s.dbs[i] = newDB(i, seed)
	}
	s.clockBase = time.Now()
	s.updateClocks()
	s.initExt()
	s.scripts = newScriptRunner(s)
	s.persist.lastSave = time.Now() // at start-up the data counts as saved, as in Redis
	s.persist.lastBgOK = true
	s.persist.lastBgSecs = -1
	return s
}

// config returns the current configuration; never modify it.
func (s *Server) config() *Config { return s.cfg.Load() }

// Config returns a copy of the current configuration.
func (s *Server) Config() Config { return *s.cfg.Load() }

// Log is the server's logger, for the process around it.
func (s *Server) Log() *Logger { return s.log }

// OnShutdown sets what SHUTDOWN calls to stop the process.
func (s *Server) OnShutdown(fn func()) { s.shutdownFn = fn }

// Start listens on the configured addresses and serves in the background.
func (s *Server) Start() error {
	cfg := s.config()
	for _, addr := range cfg.Bind {
		optional := false
		if len(addr) > 0 && addr[0] == '-' {
			optional, addr = true, addr[1:]
		}
		if addr == "*" {
			addr = "0.0.0.0"
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(cfg.Port)))
		if err != nil {
			if optional {
				s.log.Warning("Warning: Could not create server TCP listening socket %s:%d: %v", addr, cfg.Port, err)
				continue
			}
			s.closeListeners()
			return fmt.Errorf("Could not create server TCP listening socket %s:%d: %w", addr, cfg.Port, err)
		}
		s.listeners = append(s.listeners, ln)
	}
	if len(s.listeners) == 0 {
		return errors.New("Failed listening on port " + strconv.Itoa(cfg.Port) + " (tcp), aborting.")
	}
	for _, ln := range s.listeners {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	s.wg.Add(2)
	go s.cron()
	go s.scriptWatchdog()
	s.log.Notice("Server initialized")
	s.log.Notice("Ready to accept connections tcp")
	return nil
}

// Addr returns the first listening address (tests use port 0).
func (s *Server) Addr() net.Addr {
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() || errors.Is(err, net.ErrClosed) {
				return // shutting down, or closed by CONFIG SET port/bind
			}
			// Out of file descriptors and the like: back off, keep serving.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay < time.Second {
				delay *= 2
			}
			s.log.Warning("Accepting client connection: %v", err)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(nc)
		}()
	}
}

// newClient registers an accepted connection, or refuses it as Redis does.
func (s *Server) newClient(nc net.Conn) *Client {
	cfg := s.config()
	s.stats.connectionsReceived.Add(1)
	keepAlive(nc, cfg.TCPKeepAlive)
	s.clientsMu.Lock()
	full := len(s.clients) >= cfg.MaxClients
	s.clientsMu.Unlock()
	if full {
		refuseConn(nc, errMaxClients)
		s.stats.rejectedConns.Add(1)
		return nil
	}
	if cfg.ProtectedMode && cfg.RequirePass == "" && !isLoopbackPeer(nc.RemoteAddr()) {
		refuseConn(nc, errDenied)
		s.stats.rejectedConns.Add(1)
		return nil
	}
	c := s.newInternalClient()
	c.conn = nc
	c.rio = newRawIO(nc)
	c.addr = nc.RemoteAddr().String()
	c.laddr = nc.LocalAddr().String()
	c.fd = socketFD(nc)
	c.authed = cfg.RequirePass == ""
	s.clientsMu.Lock()
	s.clients[c.id] = c
	s.clientsMu.Unlock()
	return c
}

// newInternalClient makes a client with no connection (scripts, loading).
func (s *Server) newInternalClient() *Client {
	c := &Client{
		srv:       s,
		id:        s.nextID.Add(1),
		resp:      2,
		authed:    true,
		user:      "default",
		createdAt: time.Now(),
		fd:        -1,
		quit:      make(chan struct{}),
		wake:      make(chan int, 1),
	}
	c.selectDB(0)
	c.lastActive.Store(c.createdAt.UnixMilli())
	return c
}

func (s *Server) dropClient(c *Client) {
	s.clientsMu.Lock()
	delete(s.clients, c.id)
	s.clientsMu.Unlock()
	if c.has(clientMonitor) {
		s.removeMonitor(c)
	}
	if c.blk.w != nil { // a handler panicked after registering
		s.blocking.remove(c.blk.w)
	}
	c.wakeSubscribers()
	c.unwatchAll()
	c.disableTracking()
	c.unsubscribeAll()
	c.stopQueuedOutput()
	c.conn.Close()
}

// isLoopbackPeer is Redis's protected-mode test: only 127.0.0.1 and ::1 pass.
func isLoopbackPeer(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return true // unix sockets
	}
	return ta.IP.Equal(net.IPv4(127, 0, 0, 1)) || ta.IP.Equal(net.IPv6loopback)
}

// Close stops listening, disconnects every client and waits for them.
func (s *Server) Close() error {
	if s.closing.Swap(true) {
		return nil
	}
	close(s.done)
	s.closeListeners()
	s.clientsMu.Lock()
	for _, c := range s.clients {
		c.kill()
	}
	s.clientsMu.Unlock()
	// A running script ends at its next instruction, killable or not
	// (SHUTDOWN NOSAVE is how Redis stops an UNKILLABLE one).
	s.scripts.eng.Abort()
	s.wg.Wait()
	s.abortBgsave()
	s.closeAOF()
	return nil
}

// SetScriptMemoryLimit bounds how far one script may grow the heap before
// it is stopped with "not enough memory" (default 1 GiB; 0: no bound).
func (s *Server) SetScriptMemoryLimit(n int64) { s.scripts.eng.SetMemoryLimit(n) }

// Shutdown is a clean stop as SIGTERM/SIGINT ask for it.
// It saves first as Redis does (save points set): if that fails the
// server keeps running and the error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.log.Warning("User requested shutdown...")
	if !s.ext.shutdownAsked.Load() {
		if err := s.prepareForShutdown(false, false); err != nil {
			s.log.Warning("SIGTERM received but errors trying to shut down the server, check the logs for more information")
			return err
		}
	}
	err := s.Close()
	s.log.Warning("Redis is now ready to exit, bye bye...")
	return err
}

func (s *Server) closeListeners() {
	for _, ln := range s.listeners {
		ln.Close()
	}
}

// lockAll write-locks every shard of every database, after the script
// mutex: a running script may wait for shards in any order, so whoever
// waits while holding shards must exclude scripts (script.go).
func (s *Server) lockAll() {
	s.scripts.mu.Lock()
	for _, db := range s.dbs {
		for i := range db.shards {
			db.shards[i].mu.Lock()
		}
	}
}

func (s *Server) unlockAll() {
	for d := len(s.dbs) - 1; d >= 0; d-- {
		db := s.dbs[d]
		for i := len(db.shards) - 1; i >= 0; i-- {
			db.shards[i].mu.Unlock()
		}
	}
	s.scripts.mu.Unlock()
}

// propagate hands the client's change to the propagation hook, if any.
func (s *Server) propagate(c *Client) {
	hook := s.propagateHook.Load()
	if hook == nil || c.noProp {
		return
	}
	args := c.propArgs
	if args == nil {
		args = c.args
	}
	if c.multi.running && !c.multi.propagateQueued(c.dbIndex, args, *hook) {
		return
	}
	(*hook)(c.dbIndex, args)
}

// setProp makes args, then more, the form c's command propagates as,
// in the client's reused buffer. Command names come as lit(...) and a
// time as c.propInt(...): the rewrites of the hot commands allocate
// nothing.
func (c *Client) setProp(more [][]byte, args ...[]byte) {
	c.propBuf = append(append(c.propBuf[:0], args...), more...)
	c.propArgs = c.propBuf
}

// propInt is v's text in the client's buffer, for one setProp.
func (c *Client) propInt(v int64) []byte { return appendInt(c.propNum[:0], v) }

// lit is a constant's bytes, without a copy: read-only, for setProp
// (nothing writes to the arguments it propagates).
func lit(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// propagateArgs hands one command to the propagation hook, if any.
func (s *Server) propagateArgs(db int, args [][]byte) {
	if hook := s.propagateHook.Load(); hook != nil {
		(*hook)(db, args)
	}
}

// SetPropagateHook installs fn to receive every change (nil removes it).
// args are valid only during the call (they are the client's buffers):
// fn serializes or copies them.
// The AOF, when on, sees every change first (aof.go).
func (s *Server) SetPropagateHook(fn func(db int, args [][]byte)) {
	s.setReplHook(fn)
}

// runtimeSource is a rand.Source over the runtime's per-thread generator:
// random picks (SPOP, HRANDFIELD, RANDOMKEY, eviction sampling, ...) need
// neither a lock nor an allocation, from any goroutine.
type runtimeSource struct{}

func (runtimeSource) Uint64() uint64 { return rand.Uint64() }

func randomHex(n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[rand.IntN(16)]
	}
	return string(b)
}

// updateClocks refreshes the LRU clock and the wall-clock offset.
func (s *Server) updateClocks() {
	now := time.Now()
	s.lruClock.Store(uint32(now.Unix()) & (1<<24 - 1))
	s.wallOffset.Store(now.UnixNano() - now.Sub(s.clockBase).Nanoseconds())
}

// cron is Redis's serverCron: clocks, client timeouts, active expiry.
func (s *Server) cron() {
	defer s.wg.Done()
	hz := s.config().Hz
	t := time.NewTicker(time.Second / time.Duration(hz))
	defer t.Stop()
	var tick int
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		tick++
		s.updateClocks()
		s.activeExpireCycle()
		s.saveCron()
		if tick%hz == 0 {
			s.closeIdleClients()
		}
		if h := s.config().Hz; h != hz {
			hz = h
			t.Reset(time.Second / time.Duration(hz))
		}
	}
}

// closeIdleClients applies the timeout directive.
func (s *Server) closeIdleClients() {
	timeout := s.config().Timeout
	if timeout <= 0 {
		return
	}
	limit := time.Now().UnixMilli() - int64(timeout)*1000
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	for _, c := range s.clients {
		if c.has(clientReplica | clientMaster | clientMonitor | clientPubSub | clientBlocked | clientPaused) {
			continue
		}
		if c.lastActive.Load() < limit {
			s.log.Verbose("Closing idle client")
			c.kill()
		}
	}
}
