package server

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Client is one connection's state, and the context a handler runs in: the
// current command's arguments, its database, and its frozen clock.
type Client struct {
	srv   *Server
	id    int64
	conn  net.Conn // nil for internal clients (scripts, AOF loading)
	rio   *rawIO   // conn's raw reads and writes, nil when it has none
	addr  string   // remote address as CLIENT LIST prints it
	laddr string   // local address
	fd    int      // the socket's descriptor, for CLIENT LIST; -1 if none

	// Input: a buffer the reader parses requests out of.
	in    []byte
	inPos int // parsed up to here
	// batchStart is where the requests of the current read begin (Redis's
	// query buffer during processing: CLIENT LIST's qbuf).
	batchStart int
	reader     reqReader
	// rawTurn: requests run inside rawIO.serve, which holds the socket's
	// read lock. A command that may block is then left in deferred for
	// the connection loop to run outside.
	rawTurn  bool
	deferred [][]byte

	// Output: replies of the current pipeline, written once per read.
	out []byte

	// The command being executed.
	args    [][]byte
	cmd     *Command
	db      *DB
	now     int64 // unix milliseconds, frozen for the whole command
	errored bool  // the command replied with an error
	dirty   int   // changes the command made to the data

	// Propagation of the current command, when a handler rewrites it.
	propArgs [][]byte
	noProp   bool // a script's redis.set_repl turned propagation off
	// propBuf and propNum back the common rewrites (setProp) without an
	// allocation: the hooks serialize or copy what they are given at once.
	propBuf [][]byte
	propNum [20]byte

	// Connection state. The owner goroutine reads these freely; it changes
	// dbIndex, resp and user under stateMu, which CLIENT LIST takes to read
	// them from another goroutine.
	stateMu    sync.Mutex
	dbIndex    int
	resp       int  // 2 or 3
	authed     bool // passed AUTH, or no password needed
	user       string
	name       atomic.Pointer[string]
	createdAt  time.Time
	lastActive atomic.Int64 // unix ms of the last input (or wait ended)
	lastCmd    atomic.Pointer[Command]
	flags      atomic.Uint32 // clientFlags, read by other goroutines (CLIENT LIST, cron)
	replyMode  int           // CLIENT REPLY: 0 (on) or replyOff|replySkipNext|replySkip bits
	replyMark  int           // len(out) when the current command began, for CLIENT REPLY
	noTouch    bool

	// Counts other families keep up to date for CLIENT LIST / CLIENT INFO.
	nsub, npsub, nssub atomic.Int32 // pub/sub subscriptions
	nqueued            atomic.Int32 // commands queued in MULTI

	closeAfterReply bool
	killed          atomic.Bool
	// quit is closed when the client is killed, waking any wait it is in
	// (CLIENT PAUSE, blocking commands).
	quit chan struct{}
	// wake asks a client blocked in a blocking command to stop waiting:
	// CLIENT UNBLOCK sends unblockTimeout or unblockError. Capacity 1; the
	// blocking family selects on it while clientBlocked is set.
	wake chan int

	// asyncMu guards pushes from other goroutines (MONITOR, pub/sub).
	asyncMu sync.Mutex

	expiredSeen [][]byte      // expired keys a read-locked command saw, reaped after it
	tick        time.Duration // monotonic time the next command starts at (since srv.clockBase)
	cmdCache    *Command      // the last top-level command looked up
	// The first key of the command and its shard, computed by lockFor and
	// reused by the handler's lookups (crc16 is a tenth of a GET).
	key0      *byte
	key0Len   int
	key0Shard int
	keyPos    []int // scratch for key positions
	locks     []*shard
	rlock     bool
	heldRun   int // commands run in a row under a lock kept for the pipeline

	blk blockState // blocking commands (block.go)

	// Pub/sub (pubsub.go): subscriptions, and the output queue a client
	// that receives messages switches to (pushq.go).
	subs        clientSubs
	pushq       *pushQueue
	pushProto   atomic.Int32 // resp, for publishers on other goroutines (0 means 2)
	wakeLater   []*Client    // subscribers this client's pipeline queued messages for
	outSoftFrom int64        // when c.out passed the normal class's soft limit

	// Transactions (multi.go, watch.go).
	multi    multiState
	watched  []*watchedKey
	wtouched []dbKey // keys the running command may change, noted when anybody watches

	// Keyspace notifications (notify.go): a key the command emptied, whose
	// "del" event follows the command's own.
	emptied    []byte
	emptiedBuf []byte

	geoPts     []geoPoint // GEOSEARCH's match buffer, reused (cmd_geo_search.go)
	geoScratch geoScratch

	// Client-side caching (tracking.go).
	trk       trackState
	selfInval []string    // keys this client tracks that its command changed
	selfFlush bool        // its command flushed: it hears "everything" after the reply
	bcastOut  []bcastItem // BCAST invalidations its pipeline caused
}

type clientFlags = uint32

const (
	clientMonitor clientFlags = 1 << iota
	clientPubSub
	clientMulti
	clientReplica
	clientMaster
	clientBlocked
	clientPaused   // waiting for CLIENT PAUSE to end ('b' in CLIENT LIST)
	clientNoEvict  // CLIENT NO-EVICT ON
	clientDirtyCAS // a watched key changed: EXEC will fail
	// CLIENT TRACKING state, mirrored for CLIENT LIST.
	clientTracking
	clientTrackingBroken
	clientTrackingBcast
)

func (c *Client) has(f clientFlags) bool  { return c.flags.Load()&f != 0 }
func (c *Client) setFlag(f clientFlags)   { c.flags.Or(f) }
func (c *Client) clearFlag(f clientFlags) { c.flags.And(^f) }

// CLIENT REPLY state bits (Redis's CLIENT_REPLY_OFF, _SKIP_NEXT, _SKIP).
const (
	replyOff      = 1 << iota
	replySkipNext // set by CLIENT REPLY SKIP: becomes replySkip for the next command
	replySkip     // the current command's reply is dropped
)

// Reasons CLIENT UNBLOCK sends on Client.wake.
const (
	unblockTimeout = iota + 1
	unblockError
)

// kill closes another client's connection and wakes it from any wait. Its
// own goroutine then unregisters it.
func (c *Client) kill() {
	if c.killed.Swap(true) {
		return
	}
	close(c.quit)
	if c.conn != nil {
		if c.rio != nil {
			c.rio.shutdown()
		}
		c.conn.Close()
	}
}

// authRequired is Redis's authRequired: a password is set and the client
// has not authenticated.
func (c *Client) authRequired(cfg *Config) bool { return !c.authed && cfg.RequirePass != "" }

// resetTick reads the clock for the next command (see call): when requests
// arrive, and after anything that waited.
// The same reading marks the client active: any input counts as activity
// for the timeout directive and CLIENT LIST's idle=, as in Redis.
func (c *Client) resetTick() {
	c.tick = time.Since(c.srv.clockBase)
	c.lastActive.Store(c.srv.unixMs(c.tick))
}

// Name returns the client's name set by CLIENT SETNAME or HELLO.
func (c *Client) Name() string {
	if p := c.name.Load(); p != nil {
		return *p
	}
	return ""
}

func (c *Client) setName(s string) { c.name.Store(&s) }

// selectDB switches the client to database i; the index is checked by the caller.
func (c *Client) selectDB(i int) {
	c.stateMu.Lock()
	c.dbIndex = i
	c.stateMu.Unlock()
	c.db = c.srv.dbs[i]
}

// arg returns argument i as a string (allocates: for error text and rare paths).
func (c *Client) argString(i int) string { return string(c.args[i]) }
