package server

import "github.com/shoaldb/shoal/datatypes"

// The HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. An
// HLL is a string value in Redis's own representation (datatypes/hll.go),
// changed in place under the write lock.

func hllCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		f  = flagFast
	)
	return []*Command{
		{Name: "pfadd", Arity: -2, Flags: w | oo | f, ACL: "@hyperloglog", First: 1, Last: 1, Step: 1, Handler: cmdPFAdd},
		// Readonly for Redis, yet it writes the cached cardinality back
		// into the value and is then propagated: flagMutates.
		{Name: "pfcount", Arity: -2, Flags: r | flagMutates, ACL: "@hyperloglog", First: 1, Last: -1, Step: 1, Handler: cmdPFCount},
		{Name: "pfmerge", Arity: -2, Flags: w | oo, ACL: "@hyperloglog", First: 1, Last: -1, Step: 1, Handler: cmdPFMerge},
		{Name: "pfdebug", Arity: 3, Flags: w | oo | flagAdmin, ACL: "@hyperloglog", First: 2, Last: 2, Step: 1, Handler: cmdPFDebug},
		{Name: "pfselftest", Arity: 1, Flags: flagAdmin, ACL: "@hyperloglog", Handler: cmdPFSelfTest},
	}
}

// hllSpare is the spare capacity kept after a sparse value: an update
// grows it by at most 3 bytes and may write one more.
const hllSpare = 4

// addHLL creates key, known to be absent, holding an empty HLL.
func (c *Client) addHLL(key []byte) *Entry {
	kv := make([]byte, len(key), len(key)+datatypes.HLLEmptySize+32)
	copy(kv, key)
	e := &Entry{kv: datatypes.AppendNewHLL(kv), klen: uint32(len(key)), Type: TypeString, enc: encRaw}
	c.addEntry(e)
	return e
}

// checkHLL replies with Redis's error unless e holds a valid HLL.
func (c *Client) checkHLL(e *Entry) bool {
	if e.Type != TypeString {
		c.writeError(errWrongType)
		return false
	}
	if !datatypes.IsHLL(e.Str()) {
		c.writeError(errHLLWrongType)
		return false
	}
	return true
}

// setHLL makes out, which a datatypes function derived from e.Str(), the
// value of e: in place when it still lives in e's memory.
func setHLL(e *Entry, out []byte) {
	if &out[0] == &e.kv[e.klen] {
		e.kv = e.kv[:int(e.klen)+len(out)]
		return
	}
	kv := make([]byte, int(e.klen)+len(out))
	copy(kv, e.kv[:e.klen])
	copy(kv[e.klen:], out)
	e.kv = kv
}

// hllRoom returns e's sparse value with hllSpare bytes of spare capacity,
// grown geometrically so that adds stay amortized O(1) in allocations.
func hllRoom(e *Entry) []byte {
	v := e.Str()
	if cap(v)-len(v) >= hllSpare {
		return v
	}
	e.growStr(hllSpare)
	e.kv = e.kv[:len(e.kv)-hllSpare]
	return e.Str()
}

// PFADD key [element ...]: 1 if a register changed (or the key was
// created), else 0.
func cmdPFAdd(c *Client) {
	key := c.args[1]
	updated, created := 0, false
	e := c.lookupWrite(key)
	if e == nil {
		e = c.addHLL(key)
		updated, created = 1, true
	} else {
		if !c.checkHLL(e) {
			return
		}
		e.enc = encRaw // Redis unshares the value
	}
	before := e.memUsage()
	sparseMax := c.srv.config().HLLSparseMaxBytes
	for _, elem := range c.args[2:] {
		v := e.Str()
		if datatypes.HLLIsSparse(v) {
			v = hllRoom(e)
		}
		out, changed, err := datatypes.HLLAdd(v, elem, sparseMax)
		setHLL(e, out)
		if err != nil {
			// As Redis: the registers already raised stay, uncounted.
			c.resized(e, before)
			c.writeError(errHLLCorrupt)
			return
		}
		if changed {
			updated++
		}
	}
	if updated > 0 {
		datatypes.HLLInvalidate(e.Str())
		c.dirty += updated
		if created {
			c.dirty-- // addEntry counted the creation
		}
	}
	if updated > 0 || e.memUsage() != before {
		c.resized(e, before)
	}
	if updated > 0 {
		c.notify(notifyString, "pfadd", key)
		c.writeInt(1)
	} else {
		c.writeInt(0)
	}
}

// PFCOUNT key [key ...]: the cardinality of one HLL (cached in the value),
// or of the union of several (computed aside, no key changes).
func cmdPFCount(c *Client) {
	if len(c.args) > 2 {
		var regs [datatypes.HLLRegisters]uint8
		for _, key := range c.args[1:] {
			if e := c.lookupRead(key); e != nil && !c.mergeHLL(&regs, e) {
				return
			}
		}
		c.writeInt(int64(datatypes.HLLCountRegisters(&regs)))
		return
	}
	e := c.lookupRead(c.args[1])
	if e == nil {
		c.writeInt(0)
		return
	}
	if !c.checkHLL(e) {
		return
	}
	e.enc = encRaw
	card, recomputed, err := datatypes.HLLCount(e.Str())
	if err != nil {
		c.writeError(errHLLCorrupt)
		return
	}
	if recomputed {
		// The cache was written into the value: a change to propagate and
		// to show to WATCH.
		c.resized(e, e.memUsage())
		c.dirty++
	}
	c.writeInt(int64(card))
}

// mergeHLL raises regs to e's registers, replying with the error if e is
// not a valid HLL.
func (c *Client) mergeHLL(regs *[datatypes.HLLRegisters]uint8, e *Entry) bool {
	if !c.checkHLL(e) {
		return false
	}
	if datatypes.HLLMerge(regs, e.Str()) != nil {
		c.writeError(errHLLCorrupt)
		return false
	}
	return true
}

// PFMERGE destkey [sourcekey ...]: destkey becomes the union of itself and
// the sources. It turns dense if any input is dense; otherwise it stays
// sparse as long as the sparse code can hold the result.
func cmdPFMerge(c *Client) {
	var regs [datatypes.HLLRegisters]uint8
	useDense := false
	for _, key := range c.args[1:] {
		e := c.lookupRead(key)
		if e == nil {
			continue
		}
		if !c.mergeHLL(&regs, e) {
			return
		}
		useDense = useDense || !datatypes.HLLIsSparse(e.Str())
	}
	dest := c.args[1]
	e := c.lookupWrite(dest)
	if e == nil {
		e = c.addHLL(dest)
	} else {
		e.enc = encRaw
	}
	before := e.memUsage()
	v := e.Str()
	if useDense && datatypes.HLLIsSparse(v) {
		d, err := datatypes.HLLToDense(v)
		if err != nil {
			c.writeError(errHLLCorrupt)
			return
		}
		setHLL(e, d)
		v = e.Str()
	}
	setHLL(e, datatypes.HLLStore(v, &regs, c.srv.config().HLLSparseMaxBytes))
	c.resized(e, before)
	c.dirty++
	c.notify(notifyString, "pfadd", dest)
	c.writeOK()
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
func cmdPFDebug(c *Client) {
	sub := c.args[1]
	e := c.lookupWrite(c.args[2])
	if e == nil {
		c.writeError(errHLLNoKey)
		return
	}
	if !c.checkHLL(e) {
		return
	}
	e.enc = encRaw
	v := e.Str()
	switch {
	case eqFold(sub, "getreg"):
		if !c.hllToDense(e) {
			return
		}
		v = e.Str()
		c.writeArray(datatypes.HLLRegisters)
		for i := range datatypes.HLLRegisters {
			c.writeInt(int64(datatypes.HLLRegister(v, i)))
		}
	case eqFold(sub, "decode"):
		if !datatypes.HLLIsSparse(v) {
			c.writeError(errHLLNotSparse)
			return
		}
		c.writeBulk(datatypes.HLLDecode(nil, v))
	case eqFold(sub, "encoding"):
		if datatypes.HLLIsSparse(v) {
			c.writeStatus("sparse")
		} else {
			c.writeStatus("dense")
		}
	case eqFold(sub, "todense"):
		sparse := datatypes.HLLIsSparse(v)
		if !c.hllToDense(e) {
			return
		}
		if sparse {
			c.writeInt(1)
		} else {
			c.writeInt(0)
		}
	default:
		c.writeError(string(appendSanitized([]byte(errHLLUnknownSub), sub, len(sub))) + "'")
	}
}

// hllToDense converts e's value to the dense encoding if it is sparse,
// replying with the error if the value is corrupted.
func (c *Client) hllToDense(e *Entry) bool {
	v := e.Str()
	if !datatypes.HLLIsSparse(v) {
		return true
	}
	d, err := datatypes.HLLToDense(v)
	if err != nil {
		c.writeError(errHLLCorrupt)
		return false
	}
	before := e.memUsage()
	setHLL(e, d)
	c.resized(e, before)
	c.dirty++ // the encoding changed: propagate it
	return true
}

// PFSELFTEST: checks the register code and the estimator's error.
func cmdPFSelfTest(c *Client) {
	if msg := datatypes.HLLSelfTest(c.srv.rng.Uint64, c.srv.config().HLLSparseMaxBytes); msg != "" {
		c.writeError(errHLLTestFailed + msg)
		return
	}
	c.writeOK()
}
