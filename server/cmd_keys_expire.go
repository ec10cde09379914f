package server

import "math"

// The expiry commands of the keys family: EXPIRE, PEXPIRE, EXPIREAT,
// PEXPIREAT, PERSIST, TTL, PTTL, EXPIRETIME, PEXPIRETIME.

func cmdExpire(c *Client)    { c.expireGeneric(1000, false) }
func cmdPExpire(c *Client)   { c.expireGeneric(1, false) }
func cmdExpireAt(c *Client)  { c.expireGeneric(1000, true) }
func cmdPExpireAt(c *Client) { c.expireGeneric(1, true) }

// expireGeneric is EXPIRE key time [NX | XX | GT | LT] and its variants:
// time is in unit milliseconds, relative to now unless abs. A time already
// past deletes the key (propagated as DEL); otherwise the command propagates
// as PEXPIREAT with the absolute time, so replicas agree whatever their clock.
func (c *Client) expireGeneric(unit int64, abs bool) {
	var nx, xx, gt, lt bool
	for _, a := range c.args[3:] {
		switch {
		case eqFold(a, "nx"):
			nx = true
		case eqFold(a, "xx"):
			xx = true
		case eqFold(a, "gt"):
			gt = true
		case eqFold(a, "lt"):
			lt = true
		default:
			c.writeError(errUnsupportedOpt + string(a))
			return
		}
	}
	if nx && (xx || gt || lt) {
		c.writeError(errExpireNXCombo)
		return
	}
	if gt && lt {
		c.writeError(errExpireGTLT)
		return
	}
	when, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	// Negative times are allowed (they delete); only overflow is an error.
	if unit == 1000 {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.writeError(invalidExpireErr(c.cmd.Name))
			return
		}
		when *= 1000
	}
	if !abs {
		if when > math.MaxInt64-c.now {
			c.writeError(invalidExpireErr(c.cmd.Name))
			return
		}
		when += c.now
	}

	key := c.args[1]
	e := c.lookupWrite(key)
	if e == nil {
		c.writeInt(0)
		return
	}
	// A key without a TTL counts as an infinite TTL for GT and LT.
	cur := e.exp
	if (nx && cur != 0) || (xx && cur == 0) || (gt && (cur == 0 || when <= cur)) || (lt && cur != 0 && when >= cur) {
		c.writeInt(0)
		return
	}
	if when <= c.now {
		c.deleteKey(key)
		c.notify(notifyGeneric, "del", key)
		c.propArgs = [][]byte{[]byte("DEL"), key}
		c.writeInt(1)
		return
	}
	c.setExpire(key, e, when)
	c.notify(notifyGeneric, "expire", key)
	c.setProp(c.args[3:], lit("PEXPIREAT"), key, c.propInt(when))
	c.writeInt(1)
}

// PERSIST key
func cmdPersist(c *Client) {
	e := c.lookupWrite(c.args[1])
	if e == nil || e.exp == 0 {
		c.writeInt(0)
		return
	}
	c.setExpire(c.args[1], e, 0)
	c.notify(notifyGeneric, "persist", c.args[1])
	c.writeInt(1)
}

func cmdTTL(c *Client)         { c.ttlGeneric(false, false) }
func cmdPTTL(c *Client)        { c.ttlGeneric(true, false) }
func cmdExpireTime(c *Client)  { c.ttlGeneric(false, true) }
func cmdPExpireTime(c *Client) { c.ttlGeneric(true, true) }

// ttlGeneric replies -2 for a missing key, -1 for a key without a TTL, else
// the remaining time (or with abs the expiry time), in ms or rounded seconds.
func (c *Client) ttlGeneric(ms, abs bool) {
	e := c.lookupNoTouch(c.args[1])
	if e == nil {
		c.writeInt(-2)
		return
	}
	if e.exp == 0 {
		c.writeInt(-1)
		return
	}
	t := e.exp
	if !abs {
		t -= c.now
	}
	if t < 0 {
		t = 0
	}
	if !ms {
		t = (t + 500) / 1000
	}
	c.writeInt(t)
}
