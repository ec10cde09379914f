package server

// The strings family.

func stringCommands() []*Command {
	return []*Command{
		{Name: "get", Arity: 2, Flags: flagReadonly | flagFast, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdGet},
		{Name: "set", Arity: -3, Flags: flagWrite | flagDenyOOM, ACL: "@string", First: 1, Last: 1, Step: 1, Handler: cmdSet},
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

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
func cmdSet(c *Client) {
	var opts setOpts
	if !c.parseSetOpts(2, &opts, true) {
		return
	}
	key, val := c.args[1], c.args[2]
	old := c.lookupWrite(key)
	if opts.get && old != nil && old.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	if (opts.nx && old != nil) || (opts.xx && old == nil) {
		if opts.get {
			c.writeBulkOrNull(old)
		} else {
			c.writeNull()
		}
		return
	}
	if opts.get {
		c.writeBulkOrNull(old) // written before old's bytes are overwritten
	}
	e := c.setKey(key, val, opts.keepTTL)
	if opts.expireAt != 0 {
		c.setExpire(e, opts.expireAt)
		// Propagate with an absolute time so replicas and the AOF agree.
		c.propArgs = [][]byte{[]byte("SET"), key, val, []byte("PXAT"), appendInt(nil, opts.expireAt)}
		if opts.keepTTL {
			c.propArgs = append(c.propArgs, []byte("KEEPTTL"))
		}
	}
	if !opts.get {
		c.writeOK()
	}
}

func (c *Client) writeBulkOrNull(e *Entry) {
	if e == nil {
		c.writeNull()
		return
	}
	c.writeBulk(e.Str())
}

type setOpts struct {
	nx, xx, get, keepTTL bool
	expireAt             int64 // unix ms, 0 = none
}

// parseSetOpts parses SET's options from args[from:]. allowGet is false for
// commands that share the parser without GET.
func (c *Client) parseSetOpts(from int, o *setOpts, allowGet bool) bool {
	var unit int64 // 1000 for EX/EXAT, 1 for PX/PXAT
	var abs bool
	var expArg []byte
	for i := from + 1; i < len(c.args); i++ {
		a := c.args[i]
		next := i+1 < len(c.args)
		switch {
		case eqFold(a, "nx") && !o.xx:
			o.nx = true
		case eqFold(a, "xx") && !o.nx:
			o.xx = true
		case eqFold(a, "get") && allowGet:
			o.get = true
		case eqFold(a, "keepttl") && expArg == nil:
			o.keepTTL = true
		case (eqFold(a, "ex") || eqFold(a, "px") || eqFold(a, "exat") || eqFold(a, "pxat")) && !o.keepTTL && expArg == nil && next:
			unit = 1
			if eqFold(a, "ex") || eqFold(a, "exat") {
				unit = 1000
			}
			abs = len(a) == 4
			i++
			expArg = c.args[i]
		default:
			c.writeError(errSyntax)
			return false
		}
	}
	if expArg == nil {
		return true
	}
	n, ok := parseInt(expArg)
	if !ok {
		c.writeError(errNotInt)
		return false
	}
	at, ok := expireTime(n, unit, abs, c.now)
	if !ok {
		c.writeError(invalidExpireErr(c.cmd.Name))
		return false
	}
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
