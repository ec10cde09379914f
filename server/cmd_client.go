package server

import (
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The CLIENT command and the client-management machinery behind it:
// CLIENT REPLY's output suppression, CLIENT PAUSE's waiting, CLIENT LIST's
// lines, CLIENT KILL's filters.

func clientCommand() *Command {
	const f = flagNoScript | flagLoading | flagStale
	const admin = flagAdmin | f
	sub := func(name string, arity int, flags Flags, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, ACL: "@connection", Handler: h}
	}
	return &Command{Name: "client", Arity: -2, Subs: []*Command{
		sub("caching", 3, f, cmdClientCaching),
		sub("getname", 2, f, cmdClientGetName),
		sub("getredir", 2, f, cmdClientGetRedir),
		sub("help", 2, flagLoading|flagStale, cmdClientHelp),
		sub("id", 2, f, cmdClientID),
		sub("info", 2, f, cmdClientInfo),
		sub("kill", -3, admin, cmdClientKill),
		sub("list", -2, admin, cmdClientList),
		sub("no-evict", 3, admin, cmdClientNoEvict),
		sub("pause", -3, admin, cmdClientPause),
		sub("reply", 3, f, cmdClientReply),
		sub("setname", 3, f, cmdClientSetName),
		sub("tracking", -3, f, cmdClientTracking),
		sub("trackinginfo", 2, f, cmdClientTrackingInfo),
		sub("unblock", -3, admin, cmdClientUnblock),
		sub("unpause", 2, admin, cmdClientUnpause),
	}}
}

func cmdClientHelp(c *Client) {
	c.helpReply("client", []string{
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}

func cmdClientID(c *Client) { c.writeInt(c.id) }

func cmdClientGetName(c *Client) {
	if n := c.Name(); n != "" {
		c.writeBulkString(n)
		return
	}
	c.writeNull()
}

func cmdClientSetName(c *Client) {
	if c.checkClientName(c.args[2]) {
		c.setName(string(c.args[2]))
		c.writeOK()
	}
}

// checkClientName enforces Redis's rule for client names: printable ASCII
// without spaces. An empty name removes the name.
func (c *Client) checkClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			c.writeError(errClientName)
			return false
		}
	}
	return true
}

func cmdClientInfo(c *Client) {
	b := c.srv.appendClientLine(nil, c, c, time.Now())
	c.writeVerbatim(string(b))
}

// CLIENT LIST [TYPE type] | [ID id [id ...]]
func cmdClientList(c *Client) {
	typ := -1
	var ids []int64
	switch {
	case len(c.args) == 2:
	case len(c.args) == 4 && eqFold(c.args[2], "type"):
		if typ = clientTypeByName(c.args[3]); typ < 0 {
			c.writeError("ERR Unknown client type '" + c.argString(3) + "'")
			return
		}
	case len(c.args) > 3 && eqFold(c.args[2], "id"):
		for _, a := range c.args[3:] {
			id, ok := parseInt(a)
			if !ok {
				c.writeError(errInvalidClientID)
				return
			}
			ids = append(ids, id)
		}
	default:
		c.writeError(errSyntax)
		return
	}
	now := time.Now()
	var b []byte
	for _, o := range c.srv.clientsByID() {
		if typ >= 0 && o.clientType() != typ {
			continue
		}
		if ids != nil && !containsID(ids, o.id) {
			continue
		}
		b = c.srv.appendClientLine(b, o, c, now)
	}
	c.writeVerbatim(string(b))
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Client types as CLIENT LIST TYPE and CLIENT KILL TYPE name them.
const (
	clientTypeNormal = iota
	clientTypeReplica
	clientTypePubSub
	clientTypeMaster
)

func clientTypeByName(b []byte) int {
	switch {
	case eqFold(b, "normal"):
		return clientTypeNormal
	case eqFold(b, "slave"), eqFold(b, "replica"):
		return clientTypeReplica
	case eqFold(b, "pubsub"):
		return clientTypePubSub
	case eqFold(b, "master"):
		return clientTypeMaster
	}
	return -1
}

// clientType is Redis's getClientType: a MONITOR client counts as normal.
func (c *Client) clientType() int {
	switch f := c.flags.Load(); {
	case f&clientMaster != 0:
		return clientTypeMaster
	case f&clientReplica != 0 && f&clientMonitor == 0:
		return clientTypeReplica
	case f&clientPubSub != 0:
		return clientTypePubSub
	}
	return clientTypeNormal
}

// clientByID returns the live client with that id, or nil.
func (s *Server) clientByID(id int64) *Client {
	s.clientsMu.Lock()
	c := s.clients[id]
	s.clientsMu.Unlock()
	if c == nil || c.killed.Load() {
		return nil
	}
	return c
}

// clientsByID returns the live clients in creation order, as Redis lists them.
func (s *Server) clientsByID() []*Client {
	s.clientsMu.Lock()
	list := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		if !c.killed.Load() {
			list = append(list, c)
		}
	}
	s.clientsMu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

// appendClientLine appends o's CLIENT LIST line, with Redis 7.0's fields in
// Redis's order. Buffer and memory figures are measured for the calling
// client (self) only; another client's buffers belong to its goroutine.
func (s *Server) appendClientLine(b []byte, o, self *Client, now time.Time) []byte {
	o.stateMu.Lock()
	db, resp, user := o.dbIndex, o.resp, o.user
	o.stateMu.Unlock()
	flags := o.flags.Load()

	var qbuf, qfree, argvMem, rbs, rbp, obl int
	if o == self {
		argvMem = argsSize(o.args)
		if o.conn != nil {
			qbuf = len(o.in) - o.batchStart
		}
		qfree = cap(o.in) - len(o.in)
		rbs, rbp = cap(o.in), len(o.in)
		obl = len(o.out)
	} else {
		rbs = inBufStart
	}
	multi := -1
	if flags&clientMulti != 0 {
		multi = int(o.nqueued.Load())
	}
	cmd := "NULL"
	if lc := o.lastCmd.Load(); lc != nil {
		cmd = lc.FullName()
	}
	nowMs := now.UnixMilli()

	b = append(b, "id="...)
	b = strconv.AppendInt(b, o.id, 10)
	b = append(b, " addr="...)
	b = append(b, o.addr...)
	b = append(b, " laddr="...)
	b = append(b, o.laddr...)
	b = append(b, " fd="...)
	b = strconv.AppendInt(b, int64(o.fd), 10)
	b = append(b, " name="...)
	b = append(b, o.Name()...)
	b = append(b, " age="...)
	// Whole-second clocks subtracted, as Redis does with server.unixtime.
	b = strconv.AppendInt(b, now.Unix()-o.createdAt.Unix(), 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, max(0, nowMs/1000-o.lastActive.Load()/1000), 10)
	b = append(b, " flags="...)
	b = appendClientFlags(b, flags, o == self && o.closeAfterReply)
	b = append(b, " db="...)
	b = strconv.AppendInt(b, int64(db), 10)
	b = append(b, " sub="...)
	b = strconv.AppendInt(b, int64(o.nsub.Load()), 10)
	b = append(b, " psub="...)
	b = strconv.AppendInt(b, int64(o.npsub.Load()), 10)
	b = append(b, " ssub="...)
	b = strconv.AppendInt(b, int64(o.nssub.Load()), 10)
	b = append(b, " multi="...)
	b = strconv.AppendInt(b, int64(multi), 10)
	b = append(b, " qbuf="...)
	b = strconv.AppendInt(b, int64(qbuf), 10)
	b = append(b, " qbuf-free="...)
	b = strconv.AppendInt(b, int64(qfree), 10)
	b = append(b, " argv-mem="...)
	b = strconv.AppendInt(b, int64(argvMem), 10)
	b = append(b, " multi-mem=0 rbs="...)
	b = strconv.AppendInt(b, int64(rbs), 10)
	b = append(b, " rbp="...)
	b = strconv.AppendInt(b, int64(rbp), 10)
	b = append(b, " obl="...)
	b = strconv.AppendInt(b, int64(obl), 10)
	b = append(b, " oll=0 omem=0 tot-mem="...)
	b = strconv.AppendInt(b, int64(clientBaseMem+rbs+argvMem+obl), 10)
	b = append(b, " events=r cmd="...)
	b = append(b, cmd...)
	b = append(b, " user="...)
	b = append(b, user...)
	b = append(b, " redir="...)
	b = strconv.AppendInt(b, o.sharedTrackingRedirect(), 10)
	b = append(b, " resp="...)
	b = strconv.AppendInt(b, int64(resp), 10)
	return append(b, '\n')
}

// clientBaseMem stands for the fixed part of tot-mem (Redis's client struct
// and its static reply buffer).
const clientBaseMem = 21 * 1024

// argsSize returns the bytes of the arguments (argv-mem).
func argsSize(args [][]byte) int {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	return n
}

func appendClientFlags(b []byte, f clientFlags, closing bool) []byte {
	n := len(b)
	if f&clientMonitor != 0 {
		b = append(b, 'O')
	} else if f&clientReplica != 0 {
		b = append(b, 'S')
	}
	if f&clientMaster != 0 {
		b = append(b, 'M')
	}
	if f&clientPubSub != 0 {
		b = append(b, 'P')
	}
	if f&clientMulti != 0 {
		b = append(b, 'x')
	}
	if f&(clientBlocked|clientPaused) != 0 {
		b = append(b, 'b')
	}
	if f&clientTracking != 0 {
		b = append(b, 't')
	}
	if f&clientTrackingBroken != 0 {
		b = append(b, 'R')
	}
	if f&clientTrackingBcast != 0 {
		b = append(b, 'B')
	}
	if f&clientDirtyCAS != 0 {
		b = append(b, 'd')
	}
	if closing {
		b = append(b, 'c')
	}
	if f&clientNoEvict != 0 {
		b = append(b, 'e')
	}
	if len(b) == n {
		b = append(b, 'N')
	}
	return b
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [ADDR a] [LADDR a]
// [USER name] [SKIPME yes|no] ...
func cmdClientKill(c *Client) {
	var f killFilter
	f.skipMe = true
	f.id, f.typ = -1, -1
	if len(c.args) == 3 {
		// The old form: one address, an error when nobody matches.
		f.addr, f.skipMe = c.argString(2), false
		if c.srv.killClients(c, &f) == 0 {
			c.writeError(errNoSuchClient)
			return
		}
		c.writeOK()
		return
	}
	for i := 2; i < len(c.args); i += 2 {
		if i+1 >= len(c.args) {
			c.writeError(errSyntax)
			return
		}
		opt, val := c.args[i], c.args[i+1]
		switch {
		case eqFold(opt, "id"):
			id, ok := parseInt(val)
			if !ok || id <= 0 {
				c.writeError(errClientIDPositive)
				return
			}
			f.id = id
		case eqFold(opt, "type"):
			if f.typ = clientTypeByName(val); f.typ < 0 {
				c.writeError("ERR Unknown client type '" + string(val) + "'")
				return
			}
		case eqFold(opt, "addr"):
			f.addr = string(val)
		case eqFold(opt, "laddr"):
			f.laddr = string(val)
		case eqFold(opt, "user"):
			if !c.srv.userExists(string(val)) {
				c.writeError("ERR No such user '" + string(val) + "'")
				return
			}
			f.user = string(val)
		case eqFold(opt, "skipme"):
			switch {
			case eqFold(val, "yes"):
				f.skipMe = true
			case eqFold(val, "no"):
				f.skipMe = false
			default:
				c.writeError(errSyntax)
				return
			}
		default:
			c.writeError(errSyntax)
			return
		}
	}
	c.writeInt(int64(c.srv.killClients(c, &f)))
}

// killFilter selects the clients CLIENT KILL closes; zero fields match all.
type killFilter struct {
	id          int64
	typ         int
	addr, laddr string
	user        string
	skipMe      bool
}

// userExists reports whether CLIENT KILL USER may name user.
func (s *Server) userExists(user string) bool { return user == "default" }

// killClients closes every client f selects and returns how many. The
// caller itself is closed only after its reply is written.
func (s *Server) killClients(self *Client, f *killFilter) int {
	n := 0
	for _, o := range s.clientsByID() {
		if (f.id > 0 && o.id != f.id) || (f.typ >= 0 && o.clientType() != f.typ) ||
			(f.addr != "" && o.addr != f.addr) || (f.laddr != "" && o.laddr != f.laddr) ||
			(o == self && f.skipMe) || o.conn == nil {
			continue
		}
		if f.user != "" {
			o.stateMu.Lock()
			u := o.user
			o.stateMu.Unlock()
			if u != f.user {
				continue
			}
		}
		if o == self {
			self.closeAfterReply = true
		} else {
			s.clientsMu.Lock()
			delete(s.clients, o.id) // gone from CLIENT LIST at once, as in Redis
			s.clientsMu.Unlock()
			o.kill()
		}
		n++
	}
	return n
}

// CLIENT REPLY ON|OFF|SKIP
func cmdClientReply(c *Client) {
	switch a := c.args[2]; {
	case eqFold(a, "on"):
		c.replyMode = 0
		c.writeOK()
	case eqFold(a, "off"):
		c.replyMode |= replyOff
	case eqFold(a, "skip"):
		if c.replyMode&replyOff == 0 {
			c.replyMode |= replySkipNext
		}
	default:
		c.writeError(errSyntax)
	}
}

// executeReplyMode runs a request while CLIENT REPLY is OFF or SKIP: the
// reply is written as usual, then dropped from the output buffer.
func (c *Client) executeReplyMode(args [][]byte) {
	if c.replyMode&replySkipNext != 0 {
		// The previous command was CLIENT REPLY SKIP: this one is skipped.
		c.replyMode = c.replyMode&^replySkipNext | replySkip
	}
	c.replyMark = len(c.out)
	c.dispatch(args)
	if c.replyMode&(replyOff|replySkip) != 0 && c.replyMark <= len(c.out) {
		c.out = c.out[:c.replyMark]
	}
	c.replyMode &^= replySkip
}

func cmdClientNoEvict(c *Client) {
	switch a := c.args[2]; {
	case eqFold(a, "on"):
		c.setFlag(clientNoEvict)
	case eqFold(a, "off"):
		c.clearFlag(clientNoEvict)
	default:
		c.writeError(errSyntax)
		return
	}
	c.writeOK()
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]
func cmdClientUnblock(c *Client) {
	if len(c.args) > 4 {
		c.writeError(strings.Replace(errClientSubSyntax, "%s", "unblock", 1))
		return
	}
	reason := unblockTimeout
	if len(c.args) == 4 {
		switch {
		case eqFold(c.args[3], "timeout"):
		case eqFold(c.args[3], "error"):
			reason = unblockError
		default:
			c.writeError(errUnblockReason)
			return
		}
	}
	id, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	c.srv.clientsMu.Lock()
	o := c.srv.clients[id]
	c.srv.clientsMu.Unlock()
	// Only a client waiting in a blocking command can be unblocked; one held
	// by CLIENT PAUSE cannot.
	if o == nil || !o.has(clientBlocked) {
		c.writeInt(0)
		return
	}
	select {
	case o.wake <- reason:
	default: // already woken
	}
	c.writeInt(1)
}

// clientPause is the CLIENT PAUSE state. on is read by every dispatch; the
// rest is guarded by mu.
type clientPause struct {
	on  atomic.Bool
	mu  sync.Mutex
	all bool          // ALL rather than WRITE
	end int64         // unix ms when the pause ends
	ch  chan struct{} // closed when the pause is lifted or changed
}

// CLIENT PAUSE timeout [WRITE|ALL]
func cmdClientPause(c *Client) {
	if len(c.args) > 4 {
		c.writeError(strings.Replace(errClientSubSyntax, "%s", "pause", 1))
		return
	}
	all := true
	if len(c.args) == 4 {
		switch {
		case eqFold(c.args[3], "write"):
			all = false
		case eqFold(c.args[3], "all"):
		default:
			c.writeError(errPauseMode)
			return
		}
	}
	ms, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errTimeoutNotInt)
		return
	}
	if ms < 0 {
		c.writeError(errTimeoutNegative)
		return
	}
	// Like Redis, a timeout too large for the clock wraps into the past and
	// pauses nothing.
	c.srv.pauseClients(c.now+ms, all)
	c.writeOK()
}

func cmdClientUnpause(c *Client) {
	c.srv.unpauseClients()
	c.writeOK()
}

// pauseClients starts or extends a pause: the later end and the stricter
// mode win, as in Redis.
func (s *Server) pauseClients(end int64, all bool) {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on.Load() {
		p.all, p.end = all, end
	} else {
		p.all = p.all || all
		p.end = max(p.end, end)
	}
	if p.ch != nil {
		close(p.ch)
	}
	p.ch = make(chan struct{})
	p.on.Store(true)
}

func (s *Server) unpauseClients() {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	p.on.Store(false)
	if p.ch != nil {
		close(p.ch)
		p.ch = nil
	}
}

// pauseState returns the current pause, ending it if its time has come.
func (s *Server) pauseState() (active, all bool, end int64, ch chan struct{}) {
	p := &s.pause
	if !p.on.Load() {
		return false, false, 0, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on.Load() {
		return false, false, 0, nil
	}
	if time.Now().UnixMilli() >= p.end {
		p.on.Store(false)
		close(p.ch)
		p.ch = nil
		return false, false, 0, nil
	}
	return true, p.all, p.end, p.ch
}

// writesPaused reports whether a CLIENT PAUSE is in force. In Redis, active
// expiry and eviction hold off during one so the dataset stays still.
func (s *Server) writesPaused() bool {
	active, _, _, _ := s.pauseState()
	return active
}

// pausedBy reports whether the current pause holds cmd back: everything
// under ALL, commands that may write or replicate under WRITE. Replicas and
// masters are never paused.
func (c *Client) pausedBy(cmd *Command) bool {
	if c.has(clientReplica | clientMaster) {
		return false
	}
	active, all, _, _ := c.srv.pauseState()
	flags := cmd.Flags
	if cmd.Name == "exec" {
		flags |= c.multi.flags // EXEC writes if a queued command does
	}
	return active && (all || flags&(flagWrite|flagMayReplicate) != 0)
}

// waitPause holds the client until the pause no longer applies to cmd, the
// client is killed or the server stops. Replies of earlier commands in the
// pipeline are sent first, as Redis would.
func (c *Client) waitPause(cmd *Command) {
	c.wakeSubscribers()
	if c.flushDurable() != nil {
		c.kill()
		return
	}
	c.replyMark = 0
	c.setFlag(clientPaused)
	defer c.clearFlag(clientPaused)
	for {
		active, all, end, ch := c.srv.pauseState()
		if !active || (!all && cmd.Flags&(flagWrite|flagMayReplicate) == 0) {
			return
		}
		t := time.NewTimer(time.Duration(end-time.Now().UnixMilli()) * time.Millisecond)
		select {
		case <-ch:
		case <-t.C:
		case <-c.quit:
		case <-c.srv.done:
		}
		t.Stop()
		if c.killed.Load() || c.srv.closing.Load() {
			return
		}
	}
}

// refuseConn sends a connection its one error reply (maxclients, protected
// mode) and closes it. Closing with its first request unread would make the
// kernel reset the connection and could destroy the reply in flight, so the
// write side is shut first and the input drained briefly.
func refuseConn(nc net.Conn, msg string) {
	nc.Write([]byte("-" + msg + "\r\n"))
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.CloseWrite()
		nc.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		io.Copy(io.Discard, io.LimitReader(nc, 1<<20))
	}
	nc.Close()
}

// socketFD returns the descriptor of a TCP or Unix connection, or -1.
func socketFD(nc net.Conn) int {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}
