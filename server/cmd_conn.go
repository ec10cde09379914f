package server

// The connection family: PING, ECHO, SELECT, AUTH, HELLO, CLIENT, ...

func connCommands() []*Command {
	return []*Command{
		{Name: "ping", Arity: -1, Flags: flagFast | flagSentinel | flagSubscribeOK, ACL: "@connection", Handler: cmdPing},
		{Name: "echo", Arity: 2, Flags: flagFast, ACL: "@connection", Handler: cmdEcho},
		{Name: "select", Arity: 2, Flags: flagLoading | flagStale | flagFast, ACL: "@connection", Handler: cmdSelect},
		{Name: "auth", Arity: -2, Flags: flagNoScript | flagLoading | flagStale | flagFast | flagNoAuth | flagSentinel | flagAllowBusy, ACL: "@connection", Handler: cmdAuth},
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

func cmdAuth(c *Client) {
	if len(c.args) > 3 {
		c.writeError(errSyntax)
		return
	}
	pass := c.args[len(c.args)-1]
	user := "default"
	if len(c.args) == 3 {
		user = string(c.args[1])
	}
	cfg := c.srv.config()
	if len(c.args) == 2 && cfg.RequirePass == "" {
		c.writeError(errAuthNoPass)
		return
	}
	if user != "default" || (cfg.RequirePass != "" && string(pass) != cfg.RequirePass) {
		c.writeError(errWrongPass)
		return
	}
	c.authed = true
	c.user = user
	c.writeOK()
}
