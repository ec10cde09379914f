package server

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Client-side caching (CLIENT TRACKING). In the default mode the server
// remembers which clients read which keys (the keys of their read-only
// commands) and, when such a key changes, tells each of them once; in
// BCAST mode a client hears of every changed key under its prefixes,
// batched per pipeline of the writer, keys sorted, as Redis batches them per
// event-loop turn. Invalidations travel as RESP3 "invalidate" pushes, or to
// a redirect client subscribed to __redis__:invalidate. The table is keyed
// by key name across databases, as Redis's is. Changes reach it through
// the same hook as WATCH (noteWrite/touchKey), so it costs the write path
// one atomic load while nobody tracks.

// trackState is a client's tracking configuration. The owner goroutine
// changes it under the table's mutex; other goroutines read it under it.
type trackState struct {
	on, bcast, optin, optout, noloop bool
	broken                           bool  // the redirect client went away
	redirect                         int64 // 0: none
	prefixes                         []string
	caching                          bool // CLIENT CACHING given for the next command
}

type trackingTable struct {
	mu       sync.Mutex
	keys     map[string]map[int64]struct{}   // default mode: key -> reader ids
	prefixes map[string]map[*Client]struct{} // BCAST mode: prefix -> clients
}

// observed reports whether a change to a key matters to anybody: a
// watcher (WATCH) or a tracking client.
func (s *Server) observed() bool { return s.watchers.Load() > 0 || s.trackers.Load() > 0 }

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
func cmdClientTracking(c *Client) {
	var redirect int64
	var bcast, optin, optout, noloop bool
	var prefixes []string
	for i := 3; i < len(c.args); i++ {
		a, more := c.args[i], i+1 < len(c.args)
		switch {
		case eqFold(a, "redirect") && more:
			i++
			if redirect != 0 {
				c.writeError(errTrackingOneRedirect)
				return
			}
			id, ok := parseInt(c.args[i])
			if !ok {
				c.writeError(errNotInt)
				return
			}
			if c.srv.clientByID(id) == nil {
				c.writeError(errTrackingNoRedirect)
				return
			}
			redirect = id
		case eqFold(a, "bcast"):
			bcast = true
		case eqFold(a, "optin"):
			optin = true
		case eqFold(a, "optout"):
			optout = true
		case eqFold(a, "noloop"):
			noloop = true
		case eqFold(a, "prefix") && more:
			i++
			prefixes = append(prefixes, string(c.args[i]))
		default:
			c.writeError(errSyntax)
			return
		}
	}
	switch {
	case eqFold(c.args[2], "off"):
		c.disableTracking()
		c.writeOK()
		return
	case !eqFold(c.args[2], "on"):
		c.writeError(errSyntax)
		return
	}
	t := &c.trk
	switch {
	case !bcast && len(prefixes) > 0:
		c.writeError(errTrackingPrefixNoBcast)
	case t.on && t.bcast != bcast:
		c.writeError(errTrackingSwitchBcast)
	case bcast && (optin || optout):
		c.writeError(errTrackingBcastOpt)
	case optin && optout:
		c.writeError(errTrackingOptinOptout)
	case t.on && (optin && t.optout || optout && t.optin):
		c.writeError(errTrackingSwitchOpt)
	case bcast && !c.prefixesOK(prefixes):
	default:
		c.enableTracking(redirect, bcast, optin, optout, noloop, prefixes)
		c.writeOK()
	}
}

// prefixesOK refuses prefixes that overlap each other or the client's own.
func (c *Client) prefixesOK(prefixes []string) bool {
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	for i, p := range prefixes {
		for _, q := range c.trk.prefixes {
			if overlap(p, q) {
				c.writeError(fmt.Sprintf(errTrackingPrefixExisting, sanitizeArg(p), sanitizeArg(q)))
				return false
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(p, q) {
				c.writeError(fmt.Sprintf(errTrackingPrefixOther, sanitizeArg(p), sanitizeArg(q)))
				return false
			}
		}
	}
	return true
}

func (c *Client) enableTracking(redirect int64, bcast, optin, optout, noloop bool, prefixes []string) {
	s := c.srv
	c.queueOutput() // invalidations arrive from other clients' goroutines
	t := &s.trackTable
	t.mu.Lock()
	defer t.mu.Unlock()
	if !c.trk.on {
		s.trackers.Add(1)
	}
	c.trk.on, c.trk.broken, c.trk.redirect = true, false, redirect
	c.trk.bcast, c.trk.optin, c.trk.optout, c.trk.noloop = bcast, optin, optout, noloop
	c.clearFlag(clientTrackingBroken)
	c.setFlag(clientTracking)
	if !bcast {
		return
	}
	c.setFlag(clientTrackingBcast)
	if len(prefixes) == 0 && len(c.trk.prefixes) == 0 {
		prefixes = []string{""} // every key
	}
	if t.prefixes == nil {
		t.prefixes = make(map[string]map[*Client]struct{})
	}
	for _, p := range prefixes {
		if t.prefixes[p] == nil {
			t.prefixes[p] = make(map[*Client]struct{})
		}
		t.prefixes[p][c] = struct{}{}
		c.trk.prefixes = append(c.trk.prefixes, p)
	}
	sort.Strings(c.trk.prefixes)
}

// disableTracking turns tracking off; the keys it read stay in the table
// until they change, as in Redis.
func (c *Client) disableTracking() {
	if !c.trk.on {
		return
	}
	t := &c.srv.trackTable
	t.mu.Lock()
	for _, p := range c.trk.prefixes {
		delete(t.prefixes[p], c)
		if len(t.prefixes[p]) == 0 {
			delete(t.prefixes, p)
		}
	}
	c.trk = trackState{}
	c.clearFlag(clientTracking | clientTrackingBroken | clientTrackingBcast)
	t.mu.Unlock()
	c.srv.trackers.Add(-1)
}

// CLIENT CACHING YES|NO: whether the next command's keys are tracked, in
// OPTIN and OPTOUT modes.
func cmdClientCaching(c *Client) {
	t := &c.trk
	if !t.on {
		c.writeError(errCachingNoTracking)
		return
	}
	switch {
	case eqFold(c.args[2], "yes") && t.optin, eqFold(c.args[2], "no") && t.optout:
		t.caching = true
		c.writeOK()
	case eqFold(c.args[2], "yes"):
		c.writeError(errCachingYes)
	case eqFold(c.args[2], "no"):
		c.writeError(errCachingNo)
	default:
		c.writeError(errSyntax)
	}
}

// trackingRedirect is what CLIENT GETREDIR, TRACKINGINFO and LIST show.
func (c *Client) trackingRedirect() int64 {
	if !c.trk.on {
		return -1
	}
	return c.trk.redirect
}

func cmdClientGetRedir(c *Client) { c.writeInt(c.trackingRedirect()) }

func cmdClientTrackingInfo(c *Client) {
	t := &c.trk
	var flags []string
	if !t.on {
		flags = append(flags, "off")
	} else {
		flags = append(flags, "on")
		if t.bcast {
			flags = append(flags, "bcast")
		}
		if t.optin {
			flags = append(flags, "optin")
			if t.caching {
				flags = append(flags, "caching-yes")
			}
		}
		if t.optout {
			flags = append(flags, "optout")
			if t.caching {
				flags = append(flags, "caching-no")
			}
		}
		if t.noloop {
			flags = append(flags, "noloop")
		}
		if t.broken {
			flags = append(flags, "broken_redirect")
		}
	}
	c.writeMap(3)
	c.writeBulkString("flags")
	c.writeSet(len(flags))
	for _, f := range flags {
		c.writeBulkString(f)
	}
	c.writeBulkString("redirect")
	c.writeInt(c.trackingRedirect())
	c.writeBulkString("prefixes")
	c.writeArray(len(t.prefixes))
	for _, p := range t.prefixes {
		c.writeBulkString(p)
	}
}

// afterTrackedCommand runs after every command of a tracking client:
// it remembers the keys of a read-only command (default mode) and ends
// CLIENT CACHING's one-command scope.
func (c *Client) afterTrackedCommand(cmd *Command) {
	t := &c.trk
	if cmd.Flags&flagReadonly != 0 && !t.bcast && (!t.optin || t.caching) && (!t.optout || !t.caching) {
		pos := cmd.keyPositions(c.args, c.keyPos[:0])
		if len(pos) > 0 {
			tt := &c.srv.trackTable
			tt.mu.Lock()
			if tt.keys == nil {
				tt.keys = make(map[string]map[int64]struct{})
			}
			for _, p := range pos {
				ids := tt.keys[string(c.args[p])]
				if ids == nil {
					ids = make(map[int64]struct{})
					tt.keys[string(c.args[p])] = ids
				}
				ids[c.id] = struct{}{}
			}
			var evict []string
			if max := c.srv.config().TrackingMaxKeys; max > 0 {
				// Over tracking-table-max-keys: forget keys (in the map's
				// random order), telling their readers, as Redis does.
				for k := range tt.keys {
					if int64(len(tt.keys)-len(evict)) <= max {
						break
					}
					evict = append(evict, k)
				}
			}
			tt.mu.Unlock()
			for _, k := range evict {
				c.srv.invalidateKey(nil, []byte(k))
			}
		}
	}
	if cmd.parent == nil || cmd.parent.Name != "client" {
		if !c.has(clientMulti) {
			t.caching = false
		}
	}
}

// invalidateKey tells the clients tracking key that it changed. by is the
// client whose command changed it (nil for expiry and eviction): with
// NOLOOP it is not told, and otherwise it is told after its reply.
func (s *Server) invalidateKey(by *Client, key []byte) {
	t := &s.trackTable
	t.mu.Lock()
	ids := t.keys[string(key)]
	if ids != nil {
		delete(t.keys, string(key))
	}
	var now []*Client // told at once
	for id := range ids {
		tc := s.clientByID(id)
		switch {
		case tc == nil || !tc.trk.on || tc.trk.bcast || tc.trk.noloop && tc == by:
		case tc == by:
			by.selfInval = append(by.selfInval, string(key))
		default:
			now = append(now, tc)
		}
	}
	for p, clients := range t.prefixes {
		if !bytes.HasPrefix(key, []byte(p)) {
			continue
		}
		for tc := range clients {
			switch {
			case tc.trk.noloop && tc == by:
			case by == nil:
				now = append(now, tc)
			default:
				by.bcastOut = append(by.bcastOut, bcastItem{target: tc, prefix: p, key: string(key)})
			}
		}
	}
	t.mu.Unlock()
	for _, tc := range now {
		s.tell(by, tc, [][]byte{key})
	}
}

// bcastItem is a BCAST invalidation waiting for the end of the writer's
// pipeline.
type bcastItem struct {
	target *Client
	prefix string
	key    string
}

// flushSelfInvalidations tells c, after its command's reply, of the keys
// it changed among those it tracks (or that everything changed).
func (c *Client) flushSelfInvalidations() {
	if c.selfFlush {
		c.selfFlush = false
		c.selfInval = c.selfInval[:0]
		c.srv.tell(c, c, nil)
	}
	for _, key := range c.selfInval {
		c.srv.tell(c, c, [][]byte{[]byte(key)})
	}
	c.selfInval = c.selfInval[:0]
}

// flushBcast sends the BCAST batches c's pipeline left: per prefix and
// client, the changed keys sorted, as Redis sends them per event-loop turn.
func (c *Client) flushBcast() {
	items := c.bcastOut
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.prefix != b.prefix {
			return a.prefix < b.prefix
		}
		if a.target.id != b.target.id {
			return a.target.id < b.target.id
		}
		return a.key < b.key
	})
	for i := 0; i < len(items); {
		j := i
		var keys [][]byte
		for ; j < len(items) && items[j].prefix == items[i].prefix && items[j].target == items[i].target; j++ {
			if j == i || items[j].key != items[j-1].key {
				keys = append(keys, []byte(items[j].key))
			}
		}
		c.srv.tell(c, items[i].target, keys)
		i = j
	}
	clear(c.bcastOut)
	c.bcastOut = c.bcastOut[:0]
}

// invalidateAll tells every tracking client that everything changed
// (FLUSHALL, FLUSHDB) and forgets the table. by hears it after its reply.
func (s *Server) invalidateAll(by *Client) {
	if s.trackers.Load() == 0 {
		return
	}
	t := &s.trackTable
	t.mu.Lock()
	t.keys = nil
	t.mu.Unlock()
	for _, tc := range s.clientsByID() {
		switch {
		case !tc.trackingOn():
		case tc == by:
			by.selfFlush = true
		default:
			s.tell(by, tc, nil)
		}
	}
}

// sharedTrackingRedirect is trackingRedirect read from another goroutine
// (CLIENT LIST).
func (c *Client) sharedTrackingRedirect() int64 {
	t := &c.srv.trackTable
	t.mu.Lock()
	defer t.mu.Unlock()
	return c.trackingRedirect()
}

// trackingOn reads another client's tracking flag.
func (c *Client) trackingOn() bool {
	t := &c.srv.trackTable
	t.mu.Lock()
	defer t.mu.Unlock()
	return c.trk.on
}

// tell sends tc an invalidation of keys (nil: everything), or sends it to
// its redirect client: a RESP3 push, or for a RESP2 redirect client in
// subscribed mode a message on __redis__:invalidate. A RESP2 client without
// a redirect cannot be told anything, as in Redis. by is the goroutine's
// own client (nil for the server's): a message for it is appended to its
// replies instead of its queue, after what it has replied so far.
func (s *Server) tell(by, tc *Client, keys [][]byte) {
	send := func(to *Client, msg []byte) {
		if to == by {
			by.out = append(by.out, msg...)
			return
		}
		to.deliver(by, msg)
	}
	t := &s.trackTable
	t.mu.Lock()
	redirect, broken := tc.trk.redirect, tc.trk.broken
	t.mu.Unlock()
	target, redirected := tc, false
	if redirect != 0 {
		if target = s.clientByID(redirect); target == nil {
			if !broken {
				t.mu.Lock()
				tc.trk.broken = true
				t.mu.Unlock()
				tc.setFlag(clientTrackingBroken)
				if tc.pushResp() == 3 {
					b := []byte(">2\r\n$21\r\ntracking-redir-broken\r\n:")
					b = strconv.AppendInt(b, redirect, 10)
					send(tc, append(b, "\r\n"...))
				}
			}
			return
		}
		redirected = true
	}
	resp := target.pushResp()
	var b []byte
	switch {
	case resp == 3:
		b = append(b, ">2\r\n$10\r\ninvalidate\r\n"...)
	case redirected && target.has(clientPubSub):
		b = append(b, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"...)
	default:
		return
	}
	switch {
	case keys == nil && resp == 3:
		b = append(b, "_\r\n"...)
	case keys == nil:
		b = append(b, "$-1\r\n"...)
	default:
		b = append(b, '*')
		b = strconv.AppendInt(b, int64(len(keys)), 10)
		b = append(b, "\r\n"...)
		for _, k := range keys {
			b = appendBulk(b, k)
		}
	}
	send(target, b)
}
