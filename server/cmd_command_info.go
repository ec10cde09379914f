package server

import (
	"math/bits"
	"strings"
)

// COMMAND INFO and COMMAND DOCS replies, written from the table and the
// generated documentation (commanddocs.go) in Redis 7.0's layout.

// writeCommandInfo writes one COMMAND INFO entry.
func (c *Client) writeCommandInfo(cmd *Command) {
	c.writeArray(10)
	c.writeBulkString(cmd.FullName())
	c.writeInt(int64(cmd.Arity))

	names := redisFlagNames()
	n := 0
	for _, fn := range names {
		if cmd.Flags&fn.flag != 0 {
			n++
		}
	}
	c.writeSet(n)
	for _, fn := range names {
		if cmd.Flags&fn.flag != 0 {
			c.writeStatus(fn.name)
		}
	}

	if cmd.First > 0 {
		c.writeInt(int64(cmd.First))
		c.writeInt(int64(cmd.Last))
		c.writeInt(int64(cmd.Step))
	} else {
		c.writeInt(0)
		c.writeInt(0)
		c.writeInt(0)
	}

	cats := cmd.aclCategories()
	c.writeSet(bits.OnesCount64(cats))
	for i, name := range strings.Fields(aclCategoryList) {
		if cats&(1<<i) != 0 {
			c.writeStatus("@" + name)
		}
	}

	c.writeSet(len(cmd.Tips))
	for _, tip := range cmd.Tips {
		c.writeBulkString(tip)
	}

	c.writeSet(len(cmd.Specs))
	for i := range cmd.Specs {
		c.writeKeySpec(&cmd.Specs[i])
	}

	if len(cmd.Subs) == 0 {
		c.writeSet(0)
		return
	}
	c.writeArray(len(cmd.Subs))
	for _, sub := range sortedSubs(cmd) {
		c.writeCommandInfo(sub)
	}
}

func (c *Client) writeKeySpec(s *KeySpec) {
	if s.Notes != "" {
		c.writeMap(4)
		c.writeBulkString("notes")
		c.writeBulkString(s.Notes)
	} else {
		c.writeMap(3)
	}
	c.writeBulkString("flags")
	c.writeFlagList(s.Flags)

	c.writeBulkString("begin_search")
	c.writeMap(2)
	c.writeBulkString("type")
	c.writeBulkString(s.BeginSearch)
	c.writeBulkString("spec")
	switch s.BeginSearch {
	case "index":
		c.writeMap(1)
		c.writeIntField("index", s.BSIndex)
	case "keyword":
		c.writeMap(2)
		c.writeBulkString("keyword")
		c.writeBulkString(s.BSKeyword)
		c.writeIntField("startfrom", s.BSStart)
	default:
		c.writeMap(0)
	}

	c.writeBulkString("find_keys")
	c.writeMap(2)
	c.writeBulkString("type")
	c.writeBulkString(s.FindKeys)
	c.writeBulkString("spec")
	switch s.FindKeys {
	case "range":
		c.writeMap(3)
		c.writeIntField("lastkey", s.FKLastKey)
		c.writeIntField("keystep", s.FKKeyStep)
		c.writeIntField("limit", s.FKLimit)
	case "keynum":
		c.writeMap(3)
		c.writeIntField("keynumidx", s.FKKeyNumIdx)
		c.writeIntField("firstkey", s.FKFirstKey)
		c.writeIntField("keystep", s.FKKeyStep)
	default:
		c.writeMap(0)
	}
}

// writeCommandDocs writes one COMMAND DOCS entry (the map after the name).
func (c *Client) writeCommandDocs(cmd *Command) {
	d := cmd.Doc
	if d == nil {
		d = &CommandDoc{} // a command missing from commanddocs.go: tests catch it
	}
	n := 3 + countNonEmpty(d.Complexity, d.DocFlags, d.Deprecated, d.Replaced)
	if len(d.History) > 0 {
		n++
	}
	if len(d.Args) > 0 {
		n++
	}
	if len(cmd.Subs) > 0 {
		n++
	}
	c.writeMap(n)
	c.writeStringField("summary", d.Summary)
	c.writeStringField("since", d.Since)
	c.writeStringField("group", d.Group)
	if d.Complexity != "" {
		c.writeStringField("complexity", d.Complexity)
	}
	if d.DocFlags != "" {
		c.writeBulkString("doc_flags")
		c.writeFlagList(d.DocFlags)
	}
	if d.Deprecated != "" {
		c.writeStringField("deprecated_since", d.Deprecated)
	}
	if d.Replaced != "" {
		c.writeStringField("replaced_by", d.Replaced)
	}
	if len(d.History) > 0 {
		c.writeBulkString("history")
		c.writeSet(len(d.History))
		for _, h := range d.History {
			c.writeArray(2)
			c.writeBulkString(h[0])
			c.writeBulkString(h[1])
		}
	}
	if len(d.Args) > 0 {
		c.writeBulkString("arguments")
		c.writeArgDocs(d.Args)
	}
	if len(cmd.Subs) > 0 {
		c.writeBulkString("subcommands")
		c.writeMap(len(cmd.Subs))
		for _, sub := range sortedSubs(cmd) {
			c.writeBulkString(sub.FullName())
			c.writeCommandDocs(sub)
		}
	}
}

func (c *Client) writeArgDocs(args []ArgDoc) {
	c.writeArray(len(args))
	for i := range args {
		a := &args[i]
		hasSpec := a.Type == "key" || a.KeySpec != 0
		hasToken := a.Type == "pure-token" || a.Token != ""
		nested := a.Type == "oneof" || a.Type == "block"
		n := 2 + countNonEmpty(a.Summary, a.Since, a.Deprecated, a.Flags)
		if hasSpec {
			n++
		}
		if hasToken {
			n++
		}
		if nested {
			n++
		}
		c.writeMap(n)
		c.writeStringField("name", a.Name)
		c.writeStringField("type", a.Type)
		if hasSpec {
			c.writeIntField("key_spec_index", a.KeySpec)
		}
		if hasToken {
			c.writeStringField("token", a.Token)
		}
		if a.Summary != "" {
			c.writeStringField("summary", a.Summary)
		}
		if a.Since != "" {
			c.writeStringField("since", a.Since)
		}
		if a.Deprecated != "" {
			c.writeStringField("deprecated_since", a.Deprecated)
		}
		if a.Flags != "" {
			c.writeBulkString("flags")
			c.writeFlagList(a.Flags)
		}
		if nested {
			c.writeBulkString("arguments")
			c.writeArgDocs(a.Args)
		}
	}
}

func countNonEmpty(ss ...string) int {
	n := 0
	for _, s := range ss {
		if s != "" {
			n++
		}
	}
	return n
}

func (c *Client) writeStringField(k, v string) {
	c.writeBulkString(k)
	c.writeBulkString(v)
}

func (c *Client) writeIntField(k string, v int) {
	c.writeBulkString(k)
	c.writeInt(int64(v))
}

// writeFlagList writes a space-separated flag list as a set of statuses.
func (c *Client) writeFlagList(flags string) {
	f := strings.Fields(flags)
	c.writeSet(len(f))
	for _, s := range f {
		c.writeStatus(s)
	}
}
