package server

// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP

func objectCommand() *Command {
	sub := func(name string, h Handler) *Command {
		return &Command{Name: name, Arity: 3, Flags: flagReadonly, ACL: "@keyspace", First: 2, Last: 2, Step: 1, Handler: h}
	}
	return &Command{Name: "object", Arity: -2, Subs: []*Command{
		{Name: "help", Arity: 2, Flags: flagLoading | flagStale, ACL: "@keyspace", Handler: cmdObjectHelp},
		sub("encoding", cmdObjectEncoding),
		sub("freq", cmdObjectFreq),
		sub("idletime", cmdObjectIdleTime),
		sub("refcount", cmdObjectRefCount),
	}}
}

// valueEncoder is implemented by non-string values to name their internal
// representation as Redis would ("listpack", "hashtable", ...).
type valueEncoder interface {
	Encoding() string
}

// objectLookup finds the key OBJECT inspects, replying nil when it is missing.
func (c *Client) objectLookup() *Entry {
	e := c.lookupNoTouch(c.args[2])
	if e == nil {
		c.writeNull()
	}
	return e
}

func cmdObjectEncoding(c *Client) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if e.Type == TypeString {
		c.writeBulkString(stringEncoding(e))
		return
	}
	if v, ok := e.obj.(valueEncoder); ok {
		c.writeBulkString(v.Encoding())
		return
	}
	c.writeBulkString("unknown")
}

// stringEncoding applies Redis's rules for a string stored by SET: "int"
// when it is a canonical 64-bit integer, "embstr" up to 44 bytes, else
// "raw". APPEND and SETRANGE results are "raw" and INCRBYFLOAT results
// "embstr" (if short enough) whatever they look like: Entry.enc says which.
func stringEncoding(e *Entry) string {
	v := e.Str()
	switch e.enc {
	case encRaw:
		return "raw"
	case encEmbstr:
		if len(v) <= 44 {
			return "embstr"
		}
		return "raw"
	}
	if len(v) <= 20 {
		if _, ok := parseInt(v); ok {
			return "int"
		}
	}
	if len(v) <= 44 {
		return "embstr"
	}
	return "raw"
}

func (s *Server) lfuPolicy() bool {
	p := s.config().MaxMemoryPolicy
	return p == policyAllKeysLFU || p == policyVolatileLFU
}

func cmdObjectFreq(c *Client) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if !c.srv.lfuPolicy() {
		c.writeError(errNoLFU)
		return
	}
	c.writeInt(int64(c.srv.lfuDecayed(e, c.now)))
}

func cmdObjectIdleTime(c *Client) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if c.srv.lfuPolicy() {
		c.writeError(errLFUNoIdle)
		return
	}
	c.writeInt(int64(lruIdle(c.srv.lruClock.Load(), e.access.Load())))
}

// sharedRefCount is what Redis reports for its shared small integers.
const sharedRefCount = 1<<31 - 1

// cmdObjectRefCount: Redis shares the objects of integers 0..9999 unless an
// LRU or LFU maxmemory policy needs per-key access data; every other value
// has one reference.
func cmdObjectRefCount(c *Client) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if e.Type == TypeString && len(e.Str()) <= 4 {
		cfg := c.srv.config()
		p := cfg.MaxMemoryPolicy
		sharing := cfg.MaxMemory == 0 || !(p == policyAllKeysLRU || p == policyVolatileLRU || p == policyAllKeysLFU || p == policyVolatileLFU)
		if n, ok := parseInt(e.Str()); ok && n >= 0 && n < 10000 && sharing {
			c.writeInt(sharedRefCount)
			return
		}
	}
	c.writeInt(1)
}

func cmdObjectHelp(c *Client) {
	c.helpReply("object", []string{
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
	})
}
