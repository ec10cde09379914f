package server

// The keys family: commands on keys of any type. The expiry commands are in
// cmd_keys_expire.go, KEYS/SCAN/RANDOMKEY (which walk the shards
// themselves) in cmd_keys_scan.go, OBJECT in cmd_keys_object.go.

func keyCommands() []*Command {
	return []*Command{
		{Name: "del", Arity: -2, Flags: flagWrite, ACL: "@keyspace", First: 1, Last: -1, Step: 1, Handler: cmdDel},
		{Name: "unlink", Arity: -2, Flags: flagWrite | flagFast, ACL: "@keyspace", First: 1, Last: -1, Step: 1, Handler: cmdDel},
		{Name: "exists", Arity: -2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: -1, Step: 1, Handler: cmdExists},
		{Name: "touch", Arity: -2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: -1, Step: 1, Handler: cmdTouch},
		{Name: "type", Arity: 2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdType},
		{Name: "rename", Arity: 3, Flags: flagWrite, ACL: "@keyspace", First: 1, Last: 2, Step: 1, Handler: cmdRename},
		{Name: "renamenx", Arity: 3, Flags: flagWrite | flagFast, ACL: "@keyspace", First: 1, Last: 2, Step: 1, Handler: cmdRenameNX},
		// MOVE and COPY (with DB) reach into a second database: they run with
		// every shard of every database locked.
		{Name: "move", Arity: 3, Flags: flagWrite | flagFast | flagLockAll, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdMove},
		{Name: "copy", Arity: -3, Flags: flagWrite | flagDenyOOM | flagLockAll, ACL: "@keyspace", First: 1, Last: 2, Step: 1, Handler: cmdCopy},

		{Name: "expire", Arity: -3, Flags: flagWrite | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdExpire},
		{Name: "pexpire", Arity: -3, Flags: flagWrite | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdPExpire},
		{Name: "expireat", Arity: -3, Flags: flagWrite | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdExpireAt},
		{Name: "pexpireat", Arity: -3, Flags: flagWrite | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdPExpireAt},
		{Name: "persist", Arity: 2, Flags: flagWrite | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdPersist},
		{Name: "ttl", Arity: 2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdTTL},
		{Name: "pttl", Arity: 2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdPTTL},
		{Name: "expiretime", Arity: 2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdExpireTime},
		{Name: "pexpiretime", Arity: 2, Flags: flagReadonly | flagFast, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdPExpireTime},

		{Name: "keys", Arity: 2, Flags: flagReadonly | flagNoLock, ACL: "@keyspace @dangerous", Handler: cmdKeys},
		{Name: "scan", Arity: -2, Flags: flagReadonly | flagNoLock, ACL: "@keyspace", Handler: cmdScan},
		{Name: "randomkey", Arity: 1, Flags: flagReadonly | flagNoLock, ACL: "@keyspace", Handler: cmdRandomKey},

		objectCommand(),
	}
}

func cmdDel(c *Client) {
	var n int64
	for _, k := range c.args[1:] {
		if c.deleteKey(k) {
			c.notify(notifyGeneric, "del", k)
			n++
		}
	}
	c.writeInt(n)
}

func cmdExists(c *Client) {
	var n int64
	for _, k := range c.args[1:] {
		if c.lookupNoTouch(k) != nil {
			n++
		}
	}
	c.writeInt(n)
}

func cmdTouch(c *Client) {
	var n int64
	for _, k := range c.args[1:] {
		if c.lookupRead(k) != nil {
			n++
		}
	}
	c.writeInt(n)
}

func cmdType(c *Client) {
	e := c.lookupNoTouch(c.args[1])
	if e == nil {
		c.writeStatus("none")
		return
	}
	c.writeStatus(typeNames[e.Type])
}

func cmdRename(c *Client)   { c.rename(false) }
func cmdRenameNX(c *Client) { c.rename(true) }

// rename is RENAME and RENAMENX: the value (and its TTL) moves to the new
// name, replacing whatever was there unless nx.
func (c *Client) rename(nx bool) {
	src, dst := c.args[1], c.args[2]
	e := c.lookupWrite(src)
	if e == nil {
		c.writeError(errNoSuchKey)
		return
	}
	if string(src) == string(dst) {
		c.renameReply(nx, false)
		return
	}
	if c.lookupWrite(dst) != nil {
		if nx {
			c.writeInt(0)
			return
		}
		c.deleteKey(dst)
	}
	dirty := c.dirty
	moved := dupEntry(dst, e, false)
	c.deleteKey(src)
	c.addEntry(moved)
	moved.access.Store(e.access.Load()) // the same value: its access history stays
	c.dirty = dirty + 1
	c.notify(notifyGeneric, "rename_from", src)
	c.notify(notifyGeneric, "rename_to", dst)
	c.renameReply(nx, true)
}

func (c *Client) renameReply(nx, done bool) {
	switch {
	case !nx:
		c.writeOK()
	case done:
		c.writeInt(1)
	default:
		c.writeInt(0)
	}
}

// MOVE key db
func cmdMove(c *Client) {
	dst, ok := c.parseDBIndex(c.args[2])
	if !ok {
		return
	}
	if dst == c.dbIndex {
		c.writeError(errSameObject)
		return
	}
	key := c.args[1]
	e := c.lookupWrite(key)
	if e == nil {
		c.writeInt(0)
		return
	}
	dirty := c.dirty
	moved := false
	c.inDB(dst, func() {
		if c.lookupWrite(key) != nil {
			return
		}
		n := dupEntry(key, e, false)
		c.addEntry(n)
		n.access.Store(e.access.Load())
		moved = true
	})
	if !moved {
		c.writeInt(0)
		return
	}
	c.deleteKey(key)
	c.dirty = dirty + 1
	c.notify(notifyGeneric, "move_from", key)
	c.notifyIn(dst, notifyGeneric, "move_to", key)
	c.writeInt(1)
}

// COPY source destination [DB destination-db] [REPLACE]
func cmdCopy(c *Client) {
	dst := c.dbIndex
	replace := false
	for i := 3; i < len(c.args); i++ {
		a := c.args[i]
		switch {
		case eqFold(a, "replace"):
			replace = true
		case eqFold(a, "db") && i+1 < len(c.args):
			i++
			id, ok := c.parseDBIndex(c.args[i])
			if !ok {
				return
			}
			dst = id
		default:
			c.writeError(errSyntax)
			return
		}
	}
	key, newKey := c.args[1], c.args[2]
	if dst == c.dbIndex && string(key) == string(newKey) {
		c.writeError(errSameObject)
		return
	}
	e := c.lookupRead(key)
	if e == nil {
		c.writeInt(0)
		return
	}
	if e.Type != TypeString {
		if _, ok := e.obj.(valueCopier); !ok {
			c.writeError(errCopyUnsupported)
			return
		}
	}
	dirty := c.dirty
	copied := false
	c.inDB(dst, func() {
		if c.lookupWrite(newKey) != nil {
			if !replace {
				return
			}
			c.deleteKey(newKey)
		}
		n := dupEntry(newKey, e, true)
		c.addEntry(n)
		c.srv.initAccess(n, c.now) // a new value, as Redis's createObject makes
		copied = true
	})
	if !copied {
		c.writeInt(0)
		return
	}
	c.dirty = dirty + 1
	c.notifyIn(dst, notifyGeneric, "copy_to", newKey)
	c.writeInt(1)
}

// valueCopier is implemented by non-string values so COPY can duplicate
// them: Copy returns a deep copy sharing no mutable state with the original.
type valueCopier interface {
	Copy() any
}

// dupEntry makes a new entry named key with e's value and expiry. With deep
// the value is duplicated (COPY); otherwise it is shared, for moves (RENAME,
// MOVE) where the old entry is deleted right after.
func dupEntry(key []byte, e *Entry, deep bool) *Entry {
	var n *Entry
	if e.Type == TypeString {
		n = newEntry(key, e.Str())
	} else {
		obj := e.obj
		if deep {
			obj = obj.(valueCopier).Copy()
		}
		n = newObjEntry(key, e.Type, obj)
	}
	n.exp = e.exp
	n.enc = e.enc // Redis moves the object, and COPY duplicates its encoding
	return n
}

// parseDBIndex parses a database number as MOVE and COPY do: an int32,
// then a valid index.
func (c *Client) parseDBIndex(arg []byte) (int, bool) {
	n, ok := parseInt(arg)
	if !ok {
		c.writeError(errNotInt)
		return 0, false
	}
	if n < -1<<31 || n > 1<<31-1 {
		c.writeError(errIntRange)
		return 0, false
	}
	if n < 0 || n >= int64(len(c.srv.dbs)) {
		c.writeError(errDBIndex)
		return 0, false
	}
	return int(n), true
}

// inDB runs fn with the client switched to database id, for the commands
// that touch two databases (they hold every lock). The keyspace API then
// works on that database, and expiries it finds propagate to it.
func (c *Client) inDB(id int, fn func()) {
	saved := c.dbIndex
	c.selectDB(id)
	defer c.selectDB(saved)
	fn()
}
