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
	srv  *Server
	id   int64
	conn net.Conn // nil for internal clients (scripts, AOF loading)
	addr string  // remote address as CLIENT LIST prints it
	laddr string // local address

	// Input: a buffer the reader parses requests out of.
	in     []byte
	inPos  int // parsed up to here
	reader reqReader

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

	// Connection state.
	dbIndex    int
	resp       int  // 2 or 3
	authed     bool // passed AUTH, or no password needed
	user       string
	name       atomic.Pointer[string]
	createdAt  time.Time
	lastActive atomic.Int64 // unix ms of the last command
	lastCmd    atomic.Pointer[Command]
	flags      atomic.Uint32 // clientFlags, read by other goroutines (CLIENT LIST, cron)
	replyMode  int // CLIENT REPLY: replyOn, replyOff, replySkipNext, replySkip
	noEvict    bool
	noTouch    bool

	closeAfterReply bool
	killed          atomic.Bool

	// asyncMu guards pushes from other goroutines (MONITOR, pub/sub).
	asyncMu sync.Mutex

	keyPos []int // scratch for key positions
	locks  []*shard
	rlock  bool
}

type clientFlags = uint32

const (
	clientMonitor clientFlags = 1 << iota
	clientPubSub
	clientMulti
	clientReplica
	clientMaster
	clientBlocked
)

func (c *Client) has(f clientFlags) bool { return c.flags.Load()&f != 0 }
func (c *Client) setFlag(f clientFlags)  { c.flags.Or(f) }
func (c *Client) clearFlag(f clientFlags) { c.flags.And(^f) }

const (
	replyOn = iota
	replyOff
	replySkipNext
	replySkip
)

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
	c.dbIndex = i
	c.db = c.srv.dbs[i]
}

// arg returns argument i as a string (allocates: for error text and rare paths).
func (c *Client) argString(i int) string { return string(c.args[i]) }
