package server

// The keys family: commands on keys of any type.

func keyCommands() []*Command {
	return []*Command{
		{Name: "del", Arity: -2, Flags: flagWrite, ACL: "@keyspace", First: 1, Last: -1, Step: 1, Handler: cmdDel},
		{Name: "exists", Arity: -2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: -1, Step: 1, Handler: cmdExists},
	}
}

func cmdDel(c *Client) {
	var n int64
	for _, k := range c.args[1:] {
		if c.deleteKey(k) {
			n++
		}
	}
	c.writeInt(n)
}

func cmdExists(c *Client) {
	var n int64
	for _, k := range c.args[1:] {
		if c.lookupRead(k) != nil {
			n++
		}
	}
	c.writeInt(n)
}
