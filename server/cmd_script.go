package server

import (
	"strings"

	"github.com/shoaldb/shoal/scripting"
)

// EVAL, EVALSHA, their _RO forms and SCRIPT. The scripts themselves run in
// package scripting; script.go runs them atomically.

func scriptCommands() []*Command {
	// flagNoLock: the caller takes no shard lock; the script locks what
	// its commands touch (script.go).
	const ev = flagNoScript | flagStale | flagSkipMonitor | flagNoMandatoryKeys | flagMovableKeys | flagNoLock
	const sc = flagNoScript
	return []*Command{
		{Name: "eval", Arity: -3, Flags: ev, ACL: "@scripting", KeysFunc: numKeysAt(2), Handler: func(c *Client) { evalGeneric(c, false, false) }},
		{Name: "evalsha", Arity: -3, Flags: ev, ACL: "@scripting", KeysFunc: numKeysAt(2), Handler: func(c *Client) { evalGeneric(c, true, false) }},
		{Name: "eval_ro", Arity: -3, Flags: ev | flagReadonly, ACL: "@scripting", KeysFunc: numKeysAt(2), Handler: func(c *Client) { evalGeneric(c, false, true) }},
		{Name: "evalsha_ro", Arity: -3, Flags: ev | flagReadonly, ACL: "@scripting", KeysFunc: numKeysAt(2), Handler: func(c *Client) { evalGeneric(c, true, true) }},
		{Name: "script", Arity: -2, Subs: []*Command{
			{Name: "load", Arity: 3, Flags: sc | flagStale, ACL: "@scripting", Handler: cmdScriptLoad},
			{Name: "exists", Arity: -3, Flags: sc, ACL: "@scripting", Handler: cmdScriptExists},
			{Name: "flush", Arity: -2, Flags: sc, ACL: "@scripting", Handler: cmdScriptFlush},
			{Name: "kill", Arity: 2, Flags: sc | flagAllowBusy, ACL: "@scripting", Handler: cmdScriptKill},
			{Name: "debug", Arity: 3, Flags: sc, ACL: "@scripting", Handler: cmdScriptDebug},
			{Name: "help", Arity: 2, Flags: flagLoading | flagStale, ACL: "@scripting", Handler: cmdScriptHelp},
		}},
	}
}

// scriptKeysArgs parses numkeys (argument 2) and splits the rest into
// keys and arguments, replying the error when it is bad.
func (c *Client) scriptKeysArgs() (keys, args [][]byte, ok bool) {
	n, isInt := parseInt(c.args[2])
	switch {
	case !isInt:
		c.writeError(errNotInt)
		return nil, nil, false
	case n > int64(len(c.args)-3):
		c.writeError(errNumKeysTooBig)
		return nil, nil, false
	case n < 0:
		c.writeError(errNumKeysNeg)
		return nil, nil, false
	}
	return c.args[3 : 3+n], c.args[3+n:], true
}

func evalGeneric(c *Client, bySHA, ro bool) {
	keys, args, ok := c.scriptKeysArgs()
	if !ok {
		return
	}
	eng := c.srv.scripts.eng
	var sc *scripting.Script
	if bySHA {
		if sc = eng.Lookup(c.args[1]); sc == nil {
			c.writeError(errNoScript)
			return
		}
	} else {
		var msg string
		if sc, msg = eng.Load(c.args[1]); sc == nil {
			c.writeError(msg)
			return
		}
	}
	run := scriptRun{readOnly: ro}
	if sc.Shebang {
		if run, ok = c.declaredRun(sc.Flags, ro); !ok {
			return
		}
	}
	run.exec = func(h scripting.Host, w scripting.ReplyWriter) { eng.Eval(sc, keys, args, h, w) }
	c.srv.runScript(c, run)
}

// declaredRun checks the flags a script declares (a shebang's, or a
// function's) up front, as Redis 7.0 checks the command flags they give
// it, and returns the run's settings.
func (c *Client) declaredRun(flags scripting.Flags, ro bool) (scriptRun, bool) {
	writes := flags&scripting.FlagNoWrites == 0
	allowOOM := flags&scripting.FlagAllowOOM != 0
	if writes && !allowOOM && c.srv.overMaxMemory(c.srv.config(), !c.allLocked()) {
		c.writeError(errOOM)
		return scriptRun{}, false
	}
	if writes && ro {
		c.writeError(errScriptWriteRO)
		return scriptRun{}, false
	}
	return scriptRun{readOnly: ro || !writes, allowOOM: allowOOM}, true
}

func cmdScriptLoad(c *Client) {
	sc, msg := c.srv.scripts.eng.Load(c.args[2])
	if sc == nil {
		c.writeError(msg)
		return
	}
	c.writeBulkString(sc.SHA)
}

func cmdScriptExists(c *Client) {
	found := c.srv.scripts.eng.Exists(c.args[2:])
	c.writeArray(len(found))
	for _, f := range found {
		if f {
			c.writeInt(1)
		} else {
			c.writeInt(0)
		}
	}
}

func cmdScriptFlush(c *Client) {
	if len(c.args) > 3 || (len(c.args) == 3 && !eqFold(c.args[2], "sync") && !eqFold(c.args[2], "async")) {
		c.writeError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	c.srv.scripts.eng.Flush()
	c.writeOK()
}

func cmdScriptKill(c *Client) { c.writeKillResult(c.srv.scripts.eng.Kill(false), errBusyFunction) }

// writeKillResult answers SCRIPT KILL or FUNCTION KILL. wrongKind is the
// reply when the running script is of the other kind.
func (c *Client) writeKillResult(res scripting.KillResult, wrongKind string) {
	switch res {
	case scripting.KillNotBusy:
		c.writeError(errNotBusy)
	case scripting.KillUnkillable:
		c.writeError(errUnkillable)
	case scripting.KillWrongKind:
		c.writeError(wrongKind)
	default:
		c.writeOK()
	}
}

// cmdScriptDebug: Shoal has no Lua debugger. NO is what every client
// already has; YES and SYNC are refused plainly.
func cmdScriptDebug(c *Client) {
	switch strings.ToLower(string(c.args[2])) {
	case "no":
		c.writeOK()
	case "yes", "sync":
		c.writeError("ERR SCRIPT DEBUG is not supported by Shoal")
	default:
		c.writeError("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}

func cmdScriptHelp(c *Client) {
	c.helpReply("script", []string{
		"DEBUG (YES|SYNC|NO)",
		"    Set the debug mode for subsequent scripts executed.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Return information about the existence of the scripts in the script cache.",
		"FLUSH [ASYNC|SYNC]",
		"    Flush the Lua scripts cache. Very dangerous on replicas.",
		"    When called without the optional mode argument, the behavior is determined by the",
		"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
		"    * ASYNC: Asynchronously flush the scripts cache.",
		"    * SYNC: Synchronously flush the scripts cache.",
		"KILL",
		"    Kill the currently executing Lua script.",
		"LOAD <script>",
		"    Load a script into the scripts cache without executing it.",
	})
}
