package server

// The strings family. This file has the table, the GET and SET variants and
// the multi-key commands; cmd_string_num.go has INCR and friends,
// cmd_string_range.go the commands on parts of a value (APPEND, SETRANGE,
// GETRANGE, STRLEN, LCS).

func stringCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
	)
	return []*Command{
		{Name: "get", Arity: 2, Flags: r | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdGet},
		{Name: "set", Arity: -3, Flags: w | oo, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdSet},
		{Name: "setnx", Arity: 3, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdSetNX},
		{Name: "setex", Arity: 4, Flags: w | oo, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdSetEX},
		{Name: "psetex", Arity: 4, Flags: w | oo, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdSetEX},
		{Name: "getset", Arity: 3, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdGetSet},
		{Name: "getdel", Arity: 2, Flags: w | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdGetDel},
		{Name: "getex", Arity: -2, Flags: w | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdGetEX},
		{Name: "mget", Arity: -2, Flags: r | f, ACL: "@string", First: 1, Last: -1, Step: 1, Handler: cmdMGet},
		{Name: "mset", Arity: -3, Flags: w | oo, ACL: "@string", First: 1, Last: -1, Step: 2, Handler: cmdMSet},
		{Name: "msetnx", Arity: -3, Flags: w | oo, ACL: "@string", First: 1, Last: -1, Step: 2, Handler: cmdMSet},
		{Name: "incr", Arity: 2, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdIncr},
		{Name: "decr", Arity: 2, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdIncr},
		{Name: "incrby", Arity: 3, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdIncrBy},
		{Name: "decrby", Arity: 3, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdIncrBy},
		{Name: "incrbyfloat", Arity: 3, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdIncrByFloat},
		{Name: "append", Arity: 3, Flags: w | oo | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdAppend},
		{Name: "setrange", Arity: 4, Flags: w | oo, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdSetRange},
		{Name: "getrange", Arity: 4, Flags: r, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdGetRange},
		{Name: "substr", Arity: 4, Flags: r, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdGetRange},
		{Name: "strlen", Arity: 2, Flags: r | f, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdStrlen},
		{Name: "lcs", Arity: -3, Flags: r, ACL: "@string", First: 1, Last: 2, Step: 1, Handler: cmdLCS},
	}
}

func cmdGet(c *Client) {
	e := c.lookupRead(c.args[1])
	if e == nil {
		c.writeNull()
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	c.writeBulk(e.Str())
}

// getForWrite is Redis's getGenericCommand in a write command (SET .. GET,
// GETSET, GETDEL): it replies with the key's string value or null, and
// returns the entry; ok is false after a WRONGTYPE error.
func (c *Client) getForWrite(key []byte) (e *Entry, ok bool) {
	e = c.lookupRead(key)
	if e == nil {
		c.writeNull()
		return nil, true
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return nil, false
	}
	c.writeBulk(e.Str())
	return e, true
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
func cmdSet(c *Client) {
	var o setOpts
	if !c.parseSetOpts(2, &o, true) {
		return
	}
	c.setGeneric(&o, c.args[1], c.args[2], false)
}

// SETNX key value: SET NX replying 1 or 0.
func cmdSetNX(c *Client) {
	o := setOpts{nx: true}
	c.setGeneric(&o, c.args[1], c.args[2], true)
}

// SETEX key seconds value, PSETEX key milliseconds value.
func cmdSetEX(c *Client) {
	unit := int64(1000)
	if c.cmd.Name == "psetex" {
		unit = 1
	}
	var o setOpts
	if !c.parseExpire(c.args[2], unit, false, &o) {
		return
	}
	c.setGeneric(&o, c.args[1], c.args[3], false)
}

// setGeneric is the common part of the SET commands, after option parsing:
// Redis's setGenericCommand. intReply selects SETNX's 1/0 replies.
func (c *Client) setGeneric(o *setOpts, key, val []byte, intReply bool) {
	var old *Entry
	if o.get {
		var ok bool
		if old, ok = c.getForWrite(key); !ok {
			return
		}
	} else {
		old = c.lookupWrite(key)
	}
	if (o.nx && old != nil) || (o.xx && old == nil) {
		switch {
		case o.get: // the old value is the whole reply
		case intReply:
			c.writeInt(0)
		default:
			c.writeNull()
		}
		return
	}
	e := c.overwrite(key, old, val, o.keepTTL)
	c.notify(notifyString, "set", key)
	if o.hasExpire {
		c.setExpire(key, e, o.expireAt)
		c.notify(notifyGeneric, "expire", key)
		// Replicas and the AOF get an absolute time, so they agree on it;
		// NX, XX and GET are dropped, they were decided here.
		c.setProp(nil, lit("SET"), key, val, lit("PXAT"), c.propInt(o.expireAt))
	} else if o.get {
		c.propArgs = withoutGet(c.args)
	}
	switch {
	case o.get:
	case intReply:
		c.writeInt(1)
	default:
		c.writeOK()
	}
}

// withoutGet drops the GET options of a SET: replicas must not reply.
func withoutGet(args [][]byte) [][]byte {
	out := make([][]byte, 0, len(args)-1)
	for i, a := range args {
		if i >= 3 && eqFold(a, "get") {
			continue
		}
		out = append(out, a)
	}
	return out
}

type setOpts struct {
	nx, xx, get, keepTTL, persist bool
	hasExpire                     bool
	expireAt                      int64 // unix ms
}

// parseSetOpts parses the options of SET (forSet) or GETEX from
// args[from+1:] and checks the expiry value. See scanSetOpts.
func (c *Client) parseSetOpts(from int, o *setOpts, forSet bool) bool {
	expArg, kind, ok := c.scanSetOpts(from, o, forSet)
	if !ok {
		return false
	}
	return kind == "" || c.parseExpireArg(expArg, kind, o)
}

// scanSetOpts is the syntax pass over SET's or GETEX's options, as Redis's
// parseExtendedStringArgumentsOrReply: NX/XX/GET/KEEPTTL only for SET,
// PERSIST only for GETEX, one kind of expiry (repeating the same option is
// allowed: the last value wins). It returns the expiry's value and
// lower-case option name ("" if none), or replies with a syntax error.
func (c *Client) scanSetOpts(from int, o *setOpts, forSet bool) (expArg []byte, kind string, ok bool) {
	for i := from + 1; i < len(c.args); i++ {
		a := c.args[i]
		switch {
		case forSet && eqFold(a, "nx") && !o.xx:
			o.nx = true
		case forSet && eqFold(a, "xx") && !o.nx:
			o.xx = true
		case forSet && eqFold(a, "get"):
			o.get = true
		case forSet && eqFold(a, "keepttl") && kind == "":
			o.keepTTL = true
		case !forSet && eqFold(a, "persist") && kind == "":
			o.persist = true
		default:
			k := expireKind(a)
			if k == "" || o.keepTTL || o.persist || (kind != "" && kind != k) || i+1 == len(c.args) {
				c.writeError(errSyntax)
				return nil, "", false
			}
			kind = k
			i++
			expArg = c.args[i]
		}
	}
	return expArg, kind, true
}

// expireKind names an expiry option: "ex", "px", "exat", "pxat", or "".
func expireKind(a []byte) string {
	for _, k := range [...]string{"ex", "px", "exat", "pxat"} {
		if eqFold(a, k) {
			return k
		}
	}
	return ""
}

// parseExpireArg checks an expiry option's value and stores it in o.
func (c *Client) parseExpireArg(arg []byte, kind string, o *setOpts) bool {
	unit := int64(1)
	if kind == "ex" || kind == "exat" {
		unit = 1000
	}
	return c.parseExpire(arg, unit, len(kind) == 4, o)
}

// parseExpire parses a time in unit milliseconds, relative or absolute
// (abs), into o.expireAt, replying with Redis's errors.
func (c *Client) parseExpire(arg []byte, unit int64, abs bool, o *setOpts) bool {
	n, ok := parseInt(arg)
	if !ok {
		c.writeError(errNotInt)
		return false
	}
	at, ok := expireTime(n, unit, abs, c.now)
	if !ok {
		c.writeError(invalidExpireErr(c.cmd.Name))
		return false
	}
	o.hasExpire = true
	o.expireAt = at
	return true
}

// expireTime turns a relative or absolute time in unit milliseconds into an
// absolute unix-ms time, refusing values <= 0 and overflows as Redis does.
func expireTime(n, unit int64, abs bool, now int64) (int64, bool) {
	if n <= 0 {
		return 0, false
	}
	if n > (1<<63-1)/unit {
		return 0, false
	}
	n *= unit
	if !abs {
		if n > 1<<63-1-now {
			return 0, false
		}
		n += now
	}
	return n, true
}

func invalidExpireErr(cmd string) string {
	return "ERR invalid expire time in '" + cmd + "' command"
}

// GETSET key value: GET then SET, propagated as SET.
func cmdGetSet(c *Client) {
	old, ok := c.getForWrite(c.args[1])
	if !ok {
		return
	}
	c.overwrite(c.args[1], old, c.args[2], false)
	c.notify(notifyString, "set", c.args[1])
	c.propArgs = [][]byte{[]byte("SET"), c.args[1], c.args[2]}
}

// GETDEL key: GET then DEL, propagated as DEL.
func cmdGetDel(c *Client) {
	e, ok := c.getForWrite(c.args[1])
	if !ok || e == nil {
		return
	}
	c.deleteKey(c.args[1])
	c.notify(notifyGeneric, "del", c.args[1])
	c.propArgs = [][]byte{[]byte("DEL"), c.args[1]}
}

// GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]
func cmdGetEX(c *Client) {
	var o setOpts
	expArg, kind, ok := c.scanSetOpts(1, &o, false)
	if !ok {
		return
	}
	key := c.args[1]
	e := c.lookupRead(key)
	if e == nil {
		c.writeNull()
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	// The expiry value is checked after the key, as Redis does.
	if kind != "" && !c.parseExpireArg(expArg, kind, &o) {
		return
	}
	c.writeBulk(e.Str())
	switch {
	case o.hasExpire && (kind == "exat" || kind == "pxat") && o.expireAt <= c.now:
		// An absolute time already past deletes the key.
		c.deleteKey(key)
		c.notify(notifyGeneric, "del", key)
		c.propArgs = [][]byte{[]byte("DEL"), key}
	case o.hasExpire:
		c.setExpire(key, e, o.expireAt)
		c.notify(notifyGeneric, "expire", key)
		c.setProp(nil, lit("PEXPIREAT"), key, c.propInt(o.expireAt))
	case o.persist && e.Expire() != 0:
		c.setExpire(key, e, 0)
		c.notify(notifyGeneric, "persist", key)
		c.propArgs = [][]byte{[]byte("PERSIST"), key}
	}
}

// MGET key [key ...]: a null for missing keys and for keys of other types.
func cmdMGet(c *Client) {
	c.writeArray(len(c.args) - 1)
	for _, k := range c.args[1:] {
		e := c.lookupRead(k)
		if e == nil || e.Type != TypeString {
			c.writeNull()
			continue
		}
		c.writeBulk(e.Str())
	}
}

// MSET key value [key value ...], MSETNX (sets nothing if any key exists).
func cmdMSet(c *Client) {
	if len(c.args)%2 == 0 {
		c.writeError(errArity(c.cmd.FullName()))
		return
	}
	nx := c.cmd.Name == "msetnx"
	if nx {
		for i := 1; i < len(c.args); i += 2 {
			if c.lookupWrite(c.args[i]) != nil {
				c.writeInt(0)
				return
			}
		}
	}
	for i := 1; i < len(c.args); i += 2 {
		c.setKey(c.args[i], c.args[i+1], false)
		c.notify(notifyString, "set", c.args[i])
	}
	if nx {
		c.writeInt(1)
	} else {
		c.writeOK()
	}
}

// eqFold compares an argument with a lower-case ASCII word, ignoring case.
func eqFold(a []byte, word string) bool {
	if len(a) != len(word) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		if c != word[i] {
			return false
		}
	}
	return true
}
