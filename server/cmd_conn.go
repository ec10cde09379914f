package server

import (
	"crypto/subtle"
	"strings"
)

// The connection family: PING, ECHO, SELECT, AUTH, HELLO, RESET, QUIT and
// CLIENT (cmd_client.go).

func connCommands() []*Command {
	const sess = flagNoScript | flagLoading | flagStale | flagFast | flagNoAuth | flagSentinel | flagAllowBusy
	return []*Command{
		{Name: "ping", Arity: -1, Flags: flagFast | flagSentinel | flagSubscribeOK, ACL: "@connection", Handler: cmdPing},
		{Name: "echo", Arity: 2, Flags: flagLoading | flagStale | flagFast, ACL: "@connection", Handler: cmdEcho},
		{Name: "select", Arity: 2, Flags: flagLoading | flagStale | flagFast, ACL: "@connection", Handler: cmdSelect},
		{Name: "auth", Arity: -2, Flags: sess, ACL: "@connection", Handler: cmdAuth},
		{Name: "hello", Arity: -1, Flags: sess, ACL: "@connection", Handler: cmdHello},
		{Name: "reset", Arity: 1, Flags: sess | flagSubscribeOK, ACL: "@connection", Handler: cmdReset},
		// QUIT is answered by the dispatcher before lookup; the entry is for COMMAND.
		{Name: "quit", Arity: -1, Flags: sess | flagSubscribeOK, ACL: "@connection", Handler: cmdQuit},
		clientCommand(),
	}
}

func cmdPing(c *Client) {
	if len(c.args) > 2 {
		c.writeError(errArity("ping"))
		return
	}
	if c.has(clientPubSub) && c.resp == 2 {
		c.writeArray(2)
		c.writeBulkString("pong")
		if len(c.args) == 2 {
			c.writeBulk(c.args[1])
		} else {
			c.writeBulkString("")
		}
		return
	}
	if len(c.args) == 2 {
		c.writeBulk(c.args[1])
		return
	}
	c.writeStatus("PONG")
}

func cmdEcho(c *Client) { c.writeBulk(c.args[1]) }

func cmdSelect(c *Client) {
	n, ok := parseInt(c.args[1])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if n < 0 || n >= int64(len(c.srv.dbs)) {
		c.writeError(errDBIndex)
		return
	}
	c.selectDB(int(n))
	c.writeOK()
}

func cmdQuit(c *Client) {
	c.writeOK()
	c.closeAfterReply = true
}

// AUTH [username] password
func cmdAuth(c *Client) {
	if len(c.args) > 3 {
		c.writeError(errSyntax)
		return
	}
	if len(c.args) == 2 && c.srv.config().RequirePass == "" {
		c.writeError(errAuthNoPass)
		return
	}
	user := []byte("default")
	if len(c.args) == 3 {
		user = c.args[1]
	}
	if c.authenticate(user, c.args[len(c.args)-1]) {
		c.writeOK()
	}
}

// authenticate checks a username and password against the default user (the
// only user: requirepass is its password, none means any password). On
// success the client is authenticated as that user; on failure it replies
// WRONGPASS and the client keeps its previous state.
func (c *Client) authenticate(user, pass []byte) bool {
	want := c.srv.config().RequirePass
	ok := string(user) == "default" &&
		(want == "" || subtle.ConstantTimeCompare(pass, []byte(want)) == 1)
	if !ok {
		c.writeError(errWrongPass)
		return false
	}
	c.stateMu.Lock()
	c.authed = true
	c.user = "default"
	c.stateMu.Unlock()
	return true
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func cmdHello(c *Client) {
	var ver int64
	if len(c.args) >= 2 {
		v, ok := parseInt(c.args[1])
		if !ok {
			c.writeError(errHelloProtover)
			return
		}
		if v < 2 || v > 3 {
			c.writeError(errNoProto)
			return
		}
		ver = v
	}
	var user, pass []byte
	for j := 2; j < len(c.args); j++ {
		more := len(c.args) - 1 - j
		switch opt := c.args[j]; {
		case eqFold(opt, "auth") && more >= 2:
			user, pass = c.args[j+1], c.args[j+2]
			j += 2
		case eqFold(opt, "setname") && more >= 1:
			// Redis 7.0 names the client as it parses, before AUTH and
			// before the remaining options are checked.
			if !c.checkClientName(c.args[j+1]) {
				return
			}
			c.setName(string(c.args[j+1]))
			j++
		default:
			c.writeError(strings.Replace(errHelloOption, "%s", string(opt), 1))
			return
		}
	}
	if user != nil && !c.authenticate(user, pass) {
		return
	}
	if c.authRequired(c.srv.config()) {
		c.writeError(errHelloNoAuth)
		return
	}
	if ver != 0 {
		c.stateMu.Lock()
		c.resp = int(ver)
		c.pushProto.Store(int32(ver))
		c.stateMu.Unlock()
	}
	c.writeMap(7)
	c.writeBulkString("server")
	c.writeBulkString("redis")
	c.writeBulkString("version")
	c.writeBulkString(redisVersion)
	c.writeBulkString("proto")
	c.writeInt(int64(c.resp))
	c.writeBulkString("id")
	c.writeInt(c.id)
	c.writeBulkString("mode")
	c.writeBulkString("standalone")
	c.writeBulkString("role")
	c.writeBulkString(c.srv.roleName())
	c.writeBulkString("modules")
	c.writeArray(0)
}

// redisVersion is the Redis version Shoal is compatible with and reports.
const redisVersion = "7.0.15"

// roleName is the replication role HELLO reports.
func (s *Server) roleName() string { return "master" }

// RESET: back to a fresh connection's state, as Redis's
// clearClientConnectionState does.
func cmdReset(c *Client) {
	s := c.srv
	if c.has(clientMonitor) {
		s.removeMonitor(c)
		c.clearFlag(clientMonitor)
	}
	if c.has(clientMulti) {
		c.discardTransaction()
	}
	c.unwatchAll()
	c.clearFlag(clientDirtyCAS)
	c.unsubscribeAll()
	c.disableTracking()
	c.selectDB(0)
	c.stateMu.Lock()
	c.resp = 2
	c.pushProto.Store(2)
	c.user = "default"
	c.authed = s.config().RequirePass == ""
	c.stateMu.Unlock()
	c.setName("") // NO-EVICT stays, as in Redis 7.0
	// CLIENT REPLY OFF and a pending SKIP end; a SKIP already in force still
	// swallows this reply, as in Redis.
	c.replyMode &^= replyOff | replySkipNext
	c.writeStatus("RESET")
}
