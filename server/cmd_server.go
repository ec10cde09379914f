package server

import "time"

// The server family: DBSIZE, FLUSHALL, INFO, CONFIG, SLOWLOG, MONITOR, ...

func serverCommands() []*Command {
	return []*Command{
		{Name: "dbsize", Arity: 1, Flags: flagReadonly | flagFast, ACL: "@keyspace", Handler: cmdDBSize},
		{Name: "flushall", Arity: -1, Flags: flagWrite | flagLockAll, ACL: "@keyspace @dangerous", Handler: cmdFlushAll},
		{Name: "flushdb", Arity: -1, Flags: flagWrite | flagLockAll, ACL: "@keyspace @dangerous", Handler: cmdFlushDB},
	}
}

// serverExt is the state of the server-family features.
type serverExt struct{}

func (s *Server) initExt() {}

// afterCall runs after every executed command: slowlog, latency, MONITOR.
func (s *Server) afterCall(c *Client, cmd *Command, start time.Time, dur time.Duration) {}

func (s *Server) removeMonitor(c *Client) {}

func cmdDBSize(c *Client) { c.writeInt(int64(c.db.size())) }

func cmdFlushAll(c *Client) {
	if !c.parseFlushMode() {
		return
	}
	for _, db := range c.srv.dbs {
		db.clear()
	}
	c.dirty++
	c.writeOK()
}

func cmdFlushDB(c *Client) {
	if !c.parseFlushMode() {
		return
	}
	c.db.clear()
	c.dirty++
	c.writeOK()
}

// parseFlushMode accepts FLUSHALL/FLUSHDB's optional ASYNC or SYNC.
func (c *Client) parseFlushMode() bool {
	if len(c.args) > 2 || (len(c.args) == 2 && !eqFold(c.args[1], "async") && !eqFold(c.args[1], "sync")) {
		c.writeError(errSyntax)
		return false
	}
	return true
}
