package server

import "github.com/shoaldb/shoal/datatypes"

// BITFIELD key [GET type offset | SET type offset value |
//   INCRBY type offset increment | OVERFLOW WRAP|SAT|FAIL ...]
// and BITFIELD_RO key [GET type offset ...].

const (
	bfGet uint8 = iota
	bfSet
	bfIncrBy
)

// bitfieldOp is one parsed operation; OVERFLOW applies to those after it.
type bitfieldOp struct {
	f  datatypes.Field
	op uint8
	ow datatypes.Overflow
	v  int64 // SET's value or INCRBY's increment
}

func cmdBitfield(c *Client)   { c.bitfield(false) }
func cmdBitfieldRO(c *Client) { c.bitfield(true) }

// parseBitfieldType parses i1..i64 or u1..u63 (lower case only, as Redis).
func parseBitfieldType(b []byte) (width uint, signed, ok bool) {
	b = cWord(b)
	if len(b) == 0 || (b[0] != 'i' && b[0] != 'u') {
		return 0, false, false
	}
	signed = b[0] == 'i'
	n, ok := parseInt(b[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return 0, false, false
	}
	return uint(n), signed, true
}

// bitfield runs BITFIELD (ro=false) or BITFIELD_RO: every operation is
// parsed first, then the key is checked, then the operations run in order.
func (c *Client) bitfield(ro bool) {
	var stack [8]bitfieldOp
	ops := stack[:0]
	ow := datatypes.OverflowWrap
	writes := false
	var last uint64 // the highest bit a write reaches
	args := c.args
	for j := 2; j < len(args); j++ {
		rem := len(args) - j - 1
		var op uint8
		switch sub := cWord(args[j]); {
		case eqFold(sub, "get") && rem >= 2:
			op = bfGet
		case eqFold(sub, "set") && rem >= 3:
			op = bfSet
		case eqFold(sub, "incrby") && rem >= 3:
			op = bfIncrBy
		case eqFold(sub, "overflow") && rem >= 1:
			j++
			switch t := cWord(args[j]); {
			case eqFold(t, "wrap"):
				ow = datatypes.OverflowWrap
			case eqFold(t, "sat"):
				ow = datatypes.OverflowSat
			case eqFold(t, "fail"):
				ow = datatypes.OverflowFail
			default:
				c.writeError(errBitfieldOverflow)
				return
			}
			continue
		default:
			c.writeError(errSyntax)
			return
		}
		width, signed, ok := parseBitfieldType(args[j+1])
		if !ok {
			c.writeError(errBitfieldType)
			return
		}
		off, ok := c.parseBitOffset(args[j+2], true, int64(width))
		if !ok {
			return
		}
		var v int64
		if op != bfGet {
			writes = true
			last = max(last, off+uint64(width)-1)
			if v, ok = parseInt(args[j+3]); !ok {
				c.writeError(errNotInt)
				return
			}
			j++
		}
		ops = append(ops, bitfieldOp{f: datatypes.Field{Off: off, Width: width, Signed: signed}, op: op, ow: ow, v: v})
		j += 2
	}

	if !writes {
		var val []byte
		if e := c.lookupRead(args[1]); e != nil {
			if e.Type != TypeString {
				c.writeError(errWrongType)
				return
			}
			val = e.Str()
		}
		c.writeArray(len(ops))
		for i := range ops {
			c.writeInt(ops[i].f.Get(val))
		}
		return
	}
	if ro {
		c.writeError(errBitfieldRO)
		return
	}
	e, created, grew := c.bitmapForWrite(args[1], last>>3)
	if e == nil {
		return
	}
	if created {
		// Redis counts only the writes that happen: a new key whose every
		// write FAILs is not a change (and is not propagated).
		c.dirty--
	}
	val := e.Str()
	dirty := c.dirty
	c.writeArray(len(ops))
	for i := range ops {
		o := &ops[i]
		var n int64
		ok := true
		switch o.op {
		case bfGet:
			n = o.f.Get(val)
		case bfSet:
			n, ok = o.f.Set(val, o.v, o.ow)
		case bfIncrBy:
			n, ok = o.f.IncrBy(val, o.v, o.ow)
		}
		if !ok {
			c.writeNull()
			continue
		}
		if o.op != bfGet {
			c.dirty++
		}
		c.writeInt(n)
	}
	if c.dirty > dirty && !created && !grew {
		c.resized(e, e.memUsage()) // same size: marks the shard changed
	}
	if c.dirty > dirty {
		c.notify(notifyString, "setbit", args[1])
	}
}
