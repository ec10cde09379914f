package server

import (
	"bytes"

	"github.com/shoaldb/shoal/datatypes"
)

// The bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP here, BITFIELD
// and BITFIELD_RO in cmd_bitfield.go. Bitmaps are string values; the bit
// arithmetic is in datatypes/bits.go.

func bitCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
	)
	return []*Command{
		{Name: "setbit", Arity: 4, Flags: w | oo, ACL: "@bitmap", First: 1, Last: 1, Step: 1, Handler: cmdSetBit},
		{Name: "getbit", Arity: 3, Flags: r | f, ACL: "@bitmap", First: 1, Last: 1, Step: 1, Handler: cmdGetBit},
		{Name: "bitcount", Arity: -2, Flags: r, ACL: "@bitmap", First: 1, Last: 1, Step: 1, Handler: cmdBitCount},
		{Name: "bitpos", Arity: -3, Flags: r, ACL: "@bitmap", First: 1, Last: 1, Step: 1, Handler: cmdBitPos},
		{Name: "bitop", Arity: -4, Flags: w | oo, ACL: "@bitmap", First: 2, Last: -1, Step: 1, Handler: cmdBitOp},
		{Name: "bitfield", Arity: -2, Flags: w | oo, ACL: "@bitmap", First: 1, Last: 1, Step: 1, Handler: cmdBitfield},
		{Name: "bitfield_ro", Arity: -2, Flags: r | f, ACL: "@bitmap", First: 1, Last: 1, Step: 1, Handler: cmdBitfieldRO},
	}
}

// cWord is an argument as C's string functions see it: up to its first NUL.
// Redis compares option words and bitfield types with strcasecmp and
// strlen, so "bit\x00junk" is BIT.
func cWord(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// parseBitOffset is Redis's getBitOffsetFromArgument: a bit offset, or with
// hash a "#N" meaning N fields of width bits. It must be below
// 8*proto-max-bulk-len (except from our primary); replies the error itself.
func (c *Client) parseBitOffset(arg []byte, hash bool, width int64) (uint64, bool) {
	useHash := hash && len(arg) > 1 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	n, ok := parseInt(arg)
	if useHash {
		n *= width // wraps on overflow as in Redis, then fails the sign test
	}
	if !ok || n < 0 || (!c.has(clientMaster) && n>>3 >= c.srv.config().ProtoMaxBulkLen) {
		c.writeError(errBitOffset)
		return 0, false
	}
	return uint64(n), true
}

// parseBitUnit parses BITCOUNT's and BITPOS's BYTE | BIT word.
func parseBitUnit(b []byte) (isBit, ok bool) {
	b = cWord(b)
	switch {
	case eqFold(b, "bit"):
		return true, true
	case eqFold(b, "byte"):
		return false, true
	}
	return false, false
}

// newBitmapEntry makes a raw string entry of n zero bytes for key, in one
// allocation (SETBIT and BITFIELD on a missing key).
func newBitmapEntry(key []byte, n int) *Entry {
	kv := make([]byte, len(key)+n)
	copy(kv, key)
	return &Entry{kv: kv, klen: uint32(len(key)), Type: TypeString, enc: encRaw}
}

// bitmapForWrite is Redis's lookupStringForBitCommand: key's string value
// made raw and zero-padded to hold byte index last, creating the key if
// absent (which counts as a change: addEntry). grew reports an existing
// value made longer. It replies WRONGTYPE and returns nil for another type.
func (c *Client) bitmapForWrite(key []byte, last uint64) (e *Entry, created, grew bool) {
	e = c.lookupWrite(key)
	if e == nil {
		e = newBitmapEntry(key, int(last)+1)
		c.addEntry(e)
		return e, true, false
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return nil, false, false
	}
	e.enc = encRaw // Redis unshares the value into a raw string
	if n := len(e.Str()); int(last) >= n {
		before := e.memUsage()
		clear(e.growStr(int(last) + 1 - n)[n:])
		c.resized(e, before)
		return e, false, true
	}
	return e, false, false
}

// SETBIT key offset 0|1: replies with the bit's old value. Only a change
// (a new bit value, a new or longer string) counts as one.
func cmdSetBit(c *Client) {
	off, ok := c.parseBitOffset(c.args[2], false, 0)
	if !ok {
		return
	}
	on, ok := parseInt(c.args[3])
	if !ok || on&^1 != 0 {
		c.writeError(errBitValue)
		return
	}
	e, created, grew := c.bitmapForWrite(c.args[1], off>>3)
	if e == nil {
		return
	}
	v := e.Str()
	i, mask := off>>3, byte(0x80)>>(off&7)
	old := v[i]&mask != 0
	if on == 1 {
		v[i] |= mask
	} else {
		v[i] &^= mask
	}
	if !created && (grew || old != (on == 1)) {
		c.dirty++
		c.resized(e, e.memUsage()) // same size: marks the shard changed
	}
	if created || grew || old != (on == 1) {
		c.notify(notifyString, "setbit", c.args[1])
	}
	if old {
		c.writeInt(1)
	} else {
		c.writeInt(0)
	}
}

// GETBIT key offset: bits past the end are 0.
func cmdGetBit(c *Client) {
	off, ok := c.parseBitOffset(c.args[2], false, 0)
	if !ok {
		return
	}
	e := c.lookupRead(c.args[1])
	if e == nil {
		c.writeInt(0)
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	v := e.Str()
	if i := off >> 3; i < uint64(len(v)) && v[i]&(0x80>>(off&7)) != 0 {
		c.writeInt(1)
		return
	}
	c.writeInt(0)
}

// bitRange applies Redis's rules to a BITCOUNT or BITPOS range over a value
// of n bytes (n*8 bits when isBit): negative indexes count from the end,
// then both are clamped into the value. It returns the range in bits,
// sb > eb when it is empty.
func bitRange(start, end, n int64, isBit bool) (sb, eb int64) {
	total := n
	if isBit {
		total <<= 3
	}
	start, end, ok := strRange(start, end, total)
	if !ok {
		return 1, 0 // empty (and start may be too large to scale)
	}
	if isBit {
		return start, end
	}
	return start * 8, end*8 + 7
}

// BITCOUNT key [start end [BYTE | BIT]]. As in Redis 7.0 the key is looked
// up before the range is parsed: a missing key counts 0 whatever follows.
func cmdBitCount(c *Client) {
	e := c.lookupRead(c.args[1])
	if e == nil {
		c.writeInt(0)
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	v := e.Str()
	switch len(c.args) {
	case 2:
		c.writeInt(datatypes.PopCount(v))
		return
	case 4, 5:
	default:
		c.writeError(errSyntax)
		return
	}
	start, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	end, ok := parseInt(c.args[3])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	isBit := false
	if len(c.args) == 5 {
		if isBit, ok = parseBitUnit(c.args[4]); !ok {
			c.writeError(errSyntax)
			return
		}
	}
	if start < 0 && end < 0 && start > end {
		c.writeInt(0)
		return
	}
	sb, eb := bitRange(start, end, int64(len(v)), isBit)
	if sb > eb {
		c.writeInt(0)
		return
	}
	c.writeInt(datatypes.CountRange(v, sb, eb))
}

// BITPOS key bit [start [end [BYTE | BIT]]]. Looking for a 0 without an
// end, the value is taken as followed by zeros: all ones gives the first
// bit past the end. An empty range gives -1.
func cmdBitPos(c *Client) {
	bit, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if bit != 0 && bit != 1 {
		c.writeError(errBitPosBit)
		return
	}
	e := c.lookupRead(c.args[1])
	if e == nil {
		// A missing key is an endless run of zeros.
		c.writeInt(-bit)
		return
	}
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return
	}
	v := e.Str()
	n := int64(len(v))
	start, end := int64(0), n-1
	endGiven, isBit := false, false
	switch len(c.args) {
	case 3:
	case 4, 5, 6:
		if start, ok = parseInt(c.args[3]); !ok {
			c.writeError(errNotInt)
			return
		}
		// Redis parses the unit before the end.
		if len(c.args) == 6 {
			if isBit, ok = parseBitUnit(c.args[5]); !ok {
				c.writeError(errSyntax)
				return
			}
		}
		if len(c.args) >= 5 {
			if end, ok = parseInt(c.args[4]); !ok {
				c.writeError(errNotInt)
				return
			}
			endGiven = true
		}
	default:
		c.writeError(errSyntax)
		return
	}
	sb, eb := bitRange(start, end, n, isBit)
	if sb > eb {
		c.writeInt(-1)
		return
	}
	pos := datatypes.BitPos(v, int(bit), sb, eb)
	if pos < 0 && bit == 0 && !endGiven {
		pos = eb + 1
	}
	c.writeInt(pos)
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are empty
// strings, the result is as long as the longest source, and an empty
// result deletes destkey. Replies with the result's length.
func cmdBitOp(c *Client) {
	var op datatypes.BitOp
	switch name := cWord(c.args[1]); {
	case eqFold(name, "and"):
		op = datatypes.BitAnd
	case eqFold(name, "or"):
		op = datatypes.BitOr
	case eqFold(name, "xor"):
		op = datatypes.BitXor
	case eqFold(name, "not"):
		op = datatypes.BitNot
	default:
		c.writeError(errSyntax)
		return
	}
	if op == datatypes.BitNot && len(c.args) != 4 {
		c.writeError(errBitOpNot)
		return
	}
	var stack [8][]byte
	srcs := stack[:0]
	maxLen := 0
	for _, key := range c.args[3:] {
		e := c.lookupRead(key)
		if e == nil {
			srcs = append(srcs, nil)
			continue
		}
		if e.Type != TypeString {
			c.writeError(errWrongType)
			return
		}
		srcs = append(srcs, e.Str())
		maxLen = max(maxLen, len(e.Str()))
	}
	dest := c.args[2]
	old := c.lookupWrite(dest)
	switch {
	case maxLen == 0:
		if old != nil {
			c.deleteKey(dest)
			c.notify(notifyGeneric, "del", dest)
		}
	case old == nil:
		e := newBitmapEntry(dest, maxLen)
		datatypes.BitOpInto(op, e.Str(), srcs)
		c.addEntry(e)
	case old.Type == TypeString && old.exp == 0 && cap(old.kv)-int(old.klen)-maxLen < 64+maxLen/2:
		// Computed in place (BitOpInto allows dest among the sources):
		// what storeStr would do, without the copy of a temporary result.
		before := old.memUsage()
		if n := len(old.Str()); maxLen > n {
			old.growStr(maxLen - n)
		} else {
			old.kv = old.kv[:int(old.klen)+maxLen]
		}
		datatypes.BitOpInto(op, old.Str(), srcs)
		old.enc = encRaw
		c.resized(old, before)
		c.dirty++
	default:
		res := make([]byte, maxLen)
		datatypes.BitOpInto(op, res, srcs)
		ne := c.overwrite(dest, old, res, false)
		ne.enc = encRaw // Redis stores the result as a raw string, however short
	}
	if maxLen > 0 {
		c.notify(notifyString, "set", dest)
	}
	c.writeInt(int64(maxLen))
}
