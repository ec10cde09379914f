package server

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/shoaldb/shoal/persistence"
	"github.com/shoaldb/shoal/scripting"
)

// FUNCTION and FCALL (Redis 7 function libraries). The libraries live in
// package scripting; what changes them runs under the script mutex, so
// it never overlaps a running function.

func functionCommands() []*Command {
	// As EVAL: the script locks the shards its commands touch.
	const fc = flagNoScript | flagStale | flagSkipMonitor | flagNoMandatoryKeys | flagMovableKeys | flagNoLock
	const sc = flagNoScript
	return []*Command{
		{Name: "fcall", Arity: -3, Flags: fc, ACL: "@scripting", KeysFunc: numKeysAt(2), Handler: func(c *Client) { fcallGeneric(c, false) }},
		{Name: "fcall_ro", Arity: -3, Flags: fc | flagReadonly, ACL: "@scripting", KeysFunc: numKeysAt(2), Handler: func(c *Client) { fcallGeneric(c, true) }},
		{Name: "function", Arity: -2, Subs: []*Command{
			{Name: "load", Arity: -3, Flags: sc | flagWrite | flagDenyOOM, ACL: "@scripting", Handler: cmdFunctionLoad},
			{Name: "delete", Arity: 3, Flags: sc | flagWrite, ACL: "@scripting", Handler: cmdFunctionDelete},
			{Name: "list", Arity: -2, Flags: sc, ACL: "@scripting", Handler: cmdFunctionList},
			{Name: "dump", Arity: 2, Flags: sc, ACL: "@scripting", Handler: cmdFunctionDump},
			{Name: "restore", Arity: -3, Flags: sc | flagWrite | flagDenyOOM, ACL: "@scripting", Handler: cmdFunctionRestore},
			{Name: "flush", Arity: -2, Flags: sc | flagWrite, ACL: "@scripting", Handler: cmdFunctionFlush},
			{Name: "kill", Arity: 2, Flags: sc | flagAllowBusy, ACL: "@scripting", Handler: cmdFunctionKill},
			{Name: "stats", Arity: 2, Flags: sc | flagAllowBusy, ACL: "@scripting", Handler: cmdFunctionStats},
			{Name: "help", Arity: 2, Flags: flagLoading | flagStale, ACL: "@scripting", Handler: cmdFunctionHelp},
		}},
	}
}

// fcallGeneric is FCALL and FCALL_RO: evalGeneric's shape, with the
// function's registered flags as a shebang's.
func fcallGeneric(c *Client, ro bool) {
	eng := c.srv.scripts.eng
	f := eng.LookupFunction(c.args[1])
	if f == nil {
		c.writeError(errFunctionNotFound)
		return
	}
	if _, isInt := parseInt(c.args[2]); !isInt {
		c.writeError(errFnBadNumKeys)
		return
	}
	keys, args, ok := c.scriptKeysArgs()
	if !ok {
		return
	}
	run, ok := c.declaredRun(f.Flags, ro)
	if !ok {
		return
	}
	name, cmd := c.args[1], c.args
	run.function = true
	run.exec = func(h scripting.Host, w scripting.ReplyWriter) { eng.FCall(name, keys, args, cmd, h, w) }
	c.srv.runScript(c, run)
}

func cmdFunctionLoad(c *Client) {
	replace := false
	last := len(c.args) - 1
	for _, opt := range c.args[2:last] {
		if !eqFold(opt, "replace") {
			c.writeError("ERR Unknown option given: " + string(opt))
			return
		}
		replace = true
	}
	s := c.srv
	timeout := scripting.FunctionLoadTimeout
	if c.has(clientMaster) {
		timeout = 0 // what the master loaded must load here too
	}
	logf := func(level int, msg string) { s.log.logf(scriptLogLevel(level), "%s", msg) }
	var name, msg string
	s.withScriptMutex(c, func() {
		name, msg = s.scripts.eng.FunctionLoad(c.args[last], replace, timeout, logf)
	})
	if msg != "" {
		c.writeError(msg)
		return
	}
	c.dirty++
	c.writeBulkString(name)
}

func cmdFunctionDelete(c *Client) {
	var ok bool
	c.srv.withScriptMutex(c, func() { ok = c.srv.scripts.eng.FunctionDelete(c.args[2]) })
	if !ok {
		c.writeError(errLibraryNotFound)
		return
	}
	c.dirty++
	c.writeOK()
}

func cmdFunctionList(c *Client) {
	withCode, pattern := false, []byte(nil)
	for i := 2; i < len(c.args); i++ {
		a := c.args[i]
		switch {
		case !withCode && eqFold(a, "withcode"):
			withCode = true
		case pattern == nil && eqFold(a, "libraryname"):
			if i == len(c.args)-1 {
				c.writeError(errFnListNoName)
				return
			}
			i++
			pattern = c.args[i]
		default:
			c.writeError("ERR Unknown argument " + string(a))
			return
		}
	}
	libs := c.srv.scripts.eng.FunctionLibraries()
	if pattern != nil {
		kept := libs[:0]
		for _, lib := range libs {
			if datatypes.GlobMatch(pattern, []byte(lib.Name), true) {
				kept = append(kept, lib)
			}
		}
		libs = kept
	}
	c.writeArray(len(libs))
	for _, lib := range libs {
		if withCode {
			c.writeMap(4)
		} else {
			c.writeMap(3)
		}
		c.writeBulkString("library_name")
		c.writeBulkString(lib.Name)
		c.writeBulkString("engine")
		c.writeBulkString("LUA")
		c.writeBulkString("functions")
		c.writeArray(len(lib.Functions))
		for _, f := range lib.Functions {
			c.writeMap(3)
			c.writeBulkString("name")
			c.writeBulkString(f.Name)
			c.writeBulkString("description")
			if f.HasDescription {
				c.writeBulkString(f.Description)
			} else {
				c.writeNull()
			}
			c.writeBulkString("flags")
			names := f.Flags.Names()
			c.writeSet(len(names))
			for _, n := range names {
				c.writeStatus(n)
			}
		}
		if withCode {
			c.writeBulkString("library_code")
			c.writeBulkString(lib.Code)
		}
	}
}

// Function payloads (FUNCTION DUMP / RESTORE) are Redis's: per library
// the RDB function opcode and the library code as an RDB string, then the
// RDB version and a CRC-64 of everything before it, both little-endian.
const (
	rdbOpFunctionPreGA = 246 // Redis 7.0 RC1/RC2's format
	rdbOpFunction      = 245
	rdbVersion         = 10
)

func cmdFunctionDump(c *Client) {
	z := c.srv.lzf()
	defer c.srv.putLZF(z)
	var p []byte
	for _, lib := range c.srv.scripts.eng.FunctionLibraries() {
		p = append(p, rdbOpFunction)
		p = persistence.AppendString(p, []byte(lib.Code), z)
	}
	p = binary.LittleEndian.AppendUint16(p, rdbVersion)
	p = binary.LittleEndian.AppendUint64(p, persistence.CRC64(0, p))
	c.writeBulk(p)
}

func cmdFunctionRestore(c *Client) {
	if len(c.args) > 4 {
		c.writeError(fmt.Sprintf(errSubSyntax, sanitizeArg(string(c.args[1])), "FUNCTION"))
		return
	}
	policy := scripting.RestoreAppend
	if len(c.args) == 4 {
		switch a := c.args[3]; {
		case eqFold(a, "append"):
		case eqFold(a, "replace"):
			policy = scripting.RestoreReplace
		case eqFold(a, "flush"):
			policy = scripting.RestoreFlush
		default:
			c.writeError(errRestorePolicy)
			return
		}
	}
	data := c.args[2]
	if !validPayload(data) {
		c.writeError(errDumpPayload)
		return
	}
	var msg string
	c.srv.withScriptMutex(c, func() { msg = restoreFunctions(c.srv.scripts.eng, data, policy) })
	if msg != "" {
		c.writeError(msg)
		return
	}
	c.dirty++
	c.writeOK()
}

// validPayload checks a payload's footer: an RDB version Shoal can read
// and the checksum.
func validPayload(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion {
		return false
	}
	return binary.LittleEndian.Uint64(footer[2:]) == persistence.CRC64(0, p[:len(p)-8])
}

// restoreFunctions loads the payload's libraries one by one, stopping at
// the first error as Redis does, then joins them to the current ones. As
// in Redis, a library's string may run into the footer: reading stops
// once no more than the footer's ten bytes are left.
func restoreFunctions(eng *scripting.Engine, data []byte, policy scripting.RestorePolicy) string {
	r := persistence.NewReader(data)
	rs := eng.NewFunctionRestore()
	for r.Remaining() > 10 {
		var code []byte
		switch typ, _ := r.ReadType(); typ {
		case rdbOpFunction:
			var ok bool
			if code, ok = r.ReadString(); !ok {
				return errFnRestorePayload
			}
		case rdbOpFunctionPreGA:
			var msg string
			if code, msg = readPreGALibrary(r); msg != "" {
				return msg
			}
		default:
			return errFnRestoreNotFn
		}
		if msg := rs.Add(code); msg != "" {
			return msg
		}
	}
	return rs.Commit(policy)
}

// readPreGALibrary reads a library saved by Redis 7.0's release
// candidates (name, engine, optional description, body) as the code
// FUNCTION LOAD would take.
func readPreGALibrary(r *persistence.Reader) ([]byte, string) {
	name, ok := r.ReadString()
	if !ok {
		return nil, "ERR Failed loading library name"
	}
	engine, ok := r.ReadString()
	if !ok {
		return nil, "ERR Failed loading engine name"
	}
	hasDesc, _, ok := r.ReadLen()
	if !ok {
		return nil, "ERR Failed loading library description indicator"
	}
	if hasDesc != 0 {
		if _, ok := r.ReadString(); !ok {
			return nil, "ERR Failed loading library description"
		}
	}
	body, ok := r.ReadString()
	if !ok {
		return nil, "ERR Failed loading library blob"
	}
	return fmt.Appendf(nil, "#!%s name=%s\n%s", engine, name, body), ""
}

func cmdFunctionFlush(c *Client) {
	switch {
	case len(c.args) > 3:
		c.writeError(fmt.Sprintf(errSubSyntax, sanitizeArg(string(c.args[1])), "FUNCTION"))
		return
	case len(c.args) == 3 && !eqFold(c.args[2], "sync") && !eqFold(c.args[2], "async"):
		c.writeError(errFunctionFlushMode)
		return
	}
	c.srv.withScriptMutex(c, c.srv.scripts.eng.FunctionFlush)
	c.dirty++
	c.writeOK()
}

// FUNCTION KILL of a running EVAL answers as Redis does: use SCRIPT KILL.
func cmdFunctionKill(c *Client) { c.writeKillResult(c.srv.scripts.eng.Kill(true), errBusyScript) }

func cmdFunctionStats(c *Client) {
	s := c.srv
	// Redis can only answer while a script runs once it is busy; a
	// running EVAL is refused, as there.
	busy := s.scriptBusy()
	if busy && !s.scripts.isFn.Load() {
		c.writeError(errBusyScript)
		return
	}
	c.writeMap(2)
	c.writeBulkString("running_script")
	name, cmd, started, running := s.scripts.eng.RunningFunction()
	if busy && running {
		c.writeMap(3)
		c.writeBulkString("name")
		c.writeBulkString(name)
		c.writeBulkString("command")
		c.writeArray(len(cmd))
		for _, a := range cmd {
			c.writeBulk(a)
		}
		c.writeBulkString("duration_ms")
		c.writeInt(time.Since(started).Milliseconds())
	} else {
		c.writeNull()
	}
	libs, fns := s.scripts.eng.FunctionCounts()
	c.writeBulkString("engines")
	c.writeMap(1)
	c.writeBulkString("LUA")
	c.writeMap(2)
	c.writeBulkString("libraries_count")
	c.writeInt(int64(libs))
	c.writeBulkString("functions_count")
	c.writeInt(int64(fns))
}

// scriptBusy reports whether a script has run past busy-reply-threshold.
func (s *Server) scriptBusy() bool {
	since := s.scripts.since.Load()
	if since == 0 {
		return false
	}
	return int64(time.Since(s.clockBase))-since >= s.config().BusyReplyThreshold*int64(time.Millisecond)
}

func cmdFunctionHelp(c *Client) {
	c.helpReply("function", []string{
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Create a new library with the given library name and code.",
		"DELETE <LIBRARY NAME>",
		"    Delete the given library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    Return general information on all the libraries:",
		"    * Library name",
		"    * The engine used to run the Library",
		"    * Library description",
		"    * Functions list",
		"    * Library code (if WITHCODE is given)",
		"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
		"STATS",
		"    Return information about the current function running:",
		"    * Function name",
		"    * Command used to run the function",
		"    * Duration in MS that the function is running",
		"    If no function is running, return nil",
		"    In addition, returns a list of available engines.",
		"KILL",
		"    Kill the current running function.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete all the libraries.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the libraries.",
		"    * SYNC: Synchronously flush the libraries.",
		"DUMP",
		"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
		"    control how to handle existing libraries (default APPEND):",
		"    * FLUSH: delete all existing libraries.",
		"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
		"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
		"      libraries with the new libraries (notice that even on this option there is a chance of failure",
		"      in case of functions name collision with another library).",
	})
}
