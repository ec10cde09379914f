package server

import (
	"encoding/binary"

	"github.com/shoaldb/shoal/persistence"
)

// DUMP and RESTORE: a key's value in Redis's payload format, the RDB
// value followed by the RDB version and a CRC-64 (both little-endian), so
// payloads move between Shoal and redis-server.

const (
	errBusyKey      = "BUSYKEY Target key name already exists."
	errBadData      = "ERR Bad data format"
	errRestoreTTL   = "ERR Invalid TTL value, must be >= 0"
	errRestoreIdle  = "ERR Invalid IDLETIME value, must be >= 0"
	errRestoreFreq  = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	restoreFirstOpt = 4
)

func dumpCommands() []*Command {
	return []*Command{
		{Name: "dump", Arity: 2, Flags: flagReadonly, ACL: "@keyspace", First: 1, Last: 1, Step: 1, Handler: cmdDump},
		{Name: "restore", Arity: -4, Flags: flagWrite | flagDenyOOM, ACL: "@keyspace @dangerous", First: 1, Last: 1, Step: 1, Handler: cmdRestore},
		{Name: "restore-asking", Arity: -4, Flags: flagWrite | flagDenyOOM | flagAsking, ACL: "@keyspace @dangerous", First: 1, Last: 1, Step: 1, Handler: cmdRestore},
	}
}

// DUMP key
func cmdDump(c *Client) {
	e := c.lookupRead(c.args[1])
	if e == nil {
		c.writeNull()
		return
	}
	z := c.srv.lzf()
	defer c.srv.putLZF(z)
	var str []byte
	if e.Type == TypeString {
		str = e.Str()
	}
	p := persistence.AppendValue(nil, e.Type, str, e.obj, z)
	p = binary.LittleEndian.AppendUint16(p, rdbVersion)
	p = binary.LittleEndian.AppendUint64(p, persistence.CRC64(0, p))
	c.writeBulk(p)
}

// rdbLimits is the configuration that picks a loaded value's encoding.
func (c *Client) rdbLimits() *persistence.Limits {
	cfg := c.srv.config()
	return &persistence.Limits{
		SetMaxIntsetEntries:    cfg.SetMaxIntsetEntries,
		HashMaxListpackEntries: cfg.HashMaxListpackEntries,
		HashMaxListpackValue:   cfg.HashMaxListpackValue,
		ZSetMaxListpackEntries: cfg.ZSetMaxListpackEntries,
		ZSetMaxListpackValue:   cfg.ZSetMaxListpackValue,
		Seed:                   c.db.seed,
	}
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]
func cmdRestore(c *Client) {
	replace, absTTL := false, false
	idle, freq := int64(-1), int64(-1)
	for j := restoreFirstOpt; j < len(c.args); j++ {
		a, more := c.args[j], len(c.args)-j-1
		switch {
		case eqFold(a, "replace"):
			replace = true
		case eqFold(a, "absttl"):
			absTTL = true
		case eqFold(a, "idletime") && more >= 1 && freq == -1:
			v, ok := parseInt(c.args[j+1])
			if !ok {
				c.writeError(errNotInt)
				return
			}
			if v < 0 {
				c.writeError(errRestoreIdle)
				return
			}
			idle = v
			j++
		case eqFold(a, "freq") && more >= 1 && idle == -1:
			v, ok := parseInt(c.args[j+1])
			if !ok {
				c.writeError(errNotInt)
				return
			}
			if v < 0 || v > 255 {
				c.writeError(errRestoreFreq)
				return
			}
			freq = v
			j++
		default:
			c.writeError(errSyntax)
			return
		}
	}
	key := c.args[1]
	if !replace && c.lookupWrite(key) != nil {
		c.writeError(errBusyKey)
		return
	}
	ttl, ok := parseInt(c.args[2])
	if !ok {
		c.writeError(errNotInt)
		return
	}
	if ttl < 0 {
		c.writeError(errRestoreTTL)
		return
	}
	payload := c.args[3]
	if !validPayload(payload) {
		c.writeError(errDumpPayload)
		return
	}
	// As in Redis, the value is read from the whole payload: a malformed
	// one may run into the footer.
	r := persistence.NewReader(payload)
	t, ok := r.ReadType()
	if !ok {
		c.writeError(errBadData)
		return
	}
	kind, str, obj, err := persistence.ReadValue(r, t, c.rdbLimits())
	if err != nil {
		c.writeError(errBadData)
		return
	}

	deleted := replace && c.deleteKey(key)
	if ttl != 0 && !absTTL {
		ttl += c.now
	}
	if ttl != 0 && ttl <= c.now {
		// Already expired: the old value, if any, is gone all the same.
		if deleted {
			c.notify(notifyGeneric, "del", key)
			c.propArgs = [][]byte{[]byte("DEL"), key}
		}
		c.writeOK()
		return
	}
	var e *Entry
	if kind == TypeString {
		e = newEntry(key, str)
	} else {
		e = newObjEntry(key, kind, obj)
	}
	c.addEntry(e)
	if ttl != 0 {
		c.setExpire(key, e, ttl)
		if !absTTL {
			// Replicas and the AOF get the absolute time.
			c.propArgs = append([][]byte{c.args[0], key, appendInt(nil, ttl)}, c.args[3:]...)
			c.propArgs = append(c.propArgs, []byte("ABSTTL"))
		}
	}
	c.srv.loadAccess(e, idle, int(freq)) // as Redis's objectSetLRUOrLFU
	c.notify(notifyGeneric, "restore", key)
	c.writeOK()
}
