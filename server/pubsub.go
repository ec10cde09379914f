package server

import (
	"strconv"
	"sync"

	"github.com/shoaldb/shoal/datatypes"
)

// The pub/sub hub: channels, patterns and shard channels, each mapped to
// its subscribers. PUBLISH takes the hub's read lock, encodes the message
// once per protocol version and appends it to each subscriber's queue
// (pushq.go); subscribing takes the write lock. Keyspace notifications
// publish through the same hub.

// Subscription kinds.
const (
	subChannel = iota
	subPattern
	subShard
)

type pubsubHub struct {
	mu   sync.RWMutex
	subs [3]map[string]map[*Client]struct{} // by kind: name -> subscribers
}

// clientSubs are a client's subscriptions by kind. The owner goroutine
// changes them under the hub's write lock.
type clientSubs [3]map[string]struct{}

// kindWords are the reply words of a kind: subscribe, unsubscribe and
// message.
func kindWords(kind int) (sub, unsub, msg string) {
	switch kind {
	case subPattern:
		return "psubscribe", "punsubscribe", "pmessage"
	case subShard:
		return "ssubscribe", "sunsubscribe", "smessage"
	}
	return "subscribe", "unsubscribe", "message"
}

// subCount is the count a (un)subscribe confirmation carries: channels and
// patterns together, shard channels on their own.
func (c *Client) subCount(kind int) int {
	if kind == subShard {
		return len(c.subs[subShard])
	}
	return len(c.subs[subChannel]) + len(c.subs[subPattern])
}

// updateSubFlags keeps CLIENT LIST's counts and the subscribed-context
// flag in step with the subscriptions.
func (c *Client) updateSubFlags() {
	c.nsub.Store(int32(len(c.subs[subChannel])))
	c.npsub.Store(int32(len(c.subs[subPattern])))
	c.nssub.Store(int32(len(c.subs[subShard])))
	if len(c.subs[0])+len(c.subs[1])+len(c.subs[2]) > 0 {
		c.setFlag(clientPubSub)
	} else {
		c.clearFlag(clientPubSub)
	}
}

// subscribe adds subscriptions of one kind, confirming each.
func (c *Client) subscribe(kind int, names [][]byte) {
	c.queueOutput()
	h := &c.srv.hub
	h.mu.Lock()
	for _, name := range names {
		if _, ok := c.subs[kind][string(name)]; !ok {
			n := string(name)
			if c.subs[kind] == nil {
				c.subs[kind] = make(map[string]struct{})
			}
			c.subs[kind][n] = struct{}{}
			if h.subs[kind] == nil {
				h.subs[kind] = make(map[string]map[*Client]struct{})
			}
			set := h.subs[kind][n]
			if set == nil {
				set = make(map[*Client]struct{})
				h.subs[kind][n] = set
			}
			set[c] = struct{}{}
		}
		word, _, _ := kindWords(kind)
		c.writePush(3)
		c.writeBulkString(word)
		c.writeBulk(name)
		c.writeInt(int64(c.subCount(kind)))
	}
	c.updateSubFlags()
	// The confirmations go out before any message that follows them.
	c.handOff()
	h.mu.Unlock()
}

// unsubscribe removes subscriptions of one kind (all of them when names is
// empty), confirming each unless quiet.
func (c *Client) unsubscribe(kind int, names [][]byte, quiet bool) {
	_, word, _ := kindWords(kind)
	h := &c.srv.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(names) == 0 {
		for n := range c.subs[kind] {
			names = append(names, []byte(n))
		}
		if len(names) == 0 && !quiet {
			c.writePush(3)
			c.writeBulkString(word)
			c.writeNull()
			c.writeInt(int64(c.subCount(kind)))
		}
	}
	for _, name := range names {
		if _, ok := c.subs[kind][string(name)]; ok {
			delete(c.subs[kind], string(name))
			set := h.subs[kind][string(name)]
			delete(set, c)
			if len(set) == 0 {
				delete(h.subs[kind], string(name))
			}
		}
		if !quiet {
			c.writePush(3)
			c.writeBulkString(word)
			c.writeBulk(name)
			c.writeInt(int64(c.subCount(kind)))
		}
	}
	c.updateSubFlags()
}

// unsubscribeAll drops every subscription silently (RESET, disconnect).
func (c *Client) unsubscribeAll() {
	if !c.has(clientPubSub) {
		return
	}
	for kind := range c.subs {
		c.unsubscribe(kind, nil, true)
	}
}

// publish delivers msg on channel to its subscribers (shard channel
// subscribers for SPUBLISH; channel and matching pattern subscribers
// otherwise) and returns how many received it. by is the publishing
// client (nil for the server): see deliver.
func (s *Server) publish(by *Client, shard bool, channel, msg []byte) int {
	h := &s.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	kind := subChannel
	if shard {
		kind = subShard
	}
	_, _, word := kindWords(kind)
	var enc [4][]byte // by protocol version
	for sub := range h.subs[kind][string(channel)] {
		resp := sub.pushResp()
		if enc[resp] == nil {
			enc[resp] = encodeMessage(resp, word, nil, channel, msg)
		}
		sub.deliver(by, enc[resp])
		n++
	}
	if shard {
		return n
	}
	for pat, subs := range h.subs[subPattern] {
		if !datatypes.GlobMatch([]byte(pat), channel, false) {
			continue
		}
		var penc [4][]byte
		for sub := range subs {
			resp := sub.pushResp()
			if penc[resp] == nil {
				penc[resp] = encodeMessage(resp, "pmessage", []byte(pat), channel, msg)
			}
			sub.deliver(by, penc[resp])
			n++
		}
	}
	return n
}

// pushResp is the protocol version of a subscriber, read from another
// goroutine.
func (c *Client) pushResp() int {
	if c.pushProto.Load() == 3 {
		return 3
	}
	return 2
}

// encodeMessage encodes a message push: [kind, (pattern,) channel, msg].
func encodeMessage(resp int, kind string, pattern, channel, msg []byte) []byte {
	n := 3
	if pattern != nil {
		n = 4
	}
	b := make([]byte, 0, 32+len(kind)+len(pattern)+len(channel)+len(msg))
	if resp == 3 {
		b = append(b, '>')
	} else {
		b = append(b, '*')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, "\r\n"...)
	b = appendBulk(b, []byte(kind))
	if pattern != nil {
		b = appendBulk(b, pattern)
	}
	b = appendBulk(b, channel)
	return appendBulk(b, msg)
}

func appendBulk(b, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, "\r\n"...)
	b = append(b, s...)
	return append(b, "\r\n"...)
}

// channelsMatching lists the channels (or shard channels) with
// subscribers that match pattern (nil: all).
func (s *Server) channelsMatching(kind int, pattern []byte) []string {
	h := &s.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []string
	for name := range h.subs[kind] {
		if pattern == nil || datatypes.GlobMatch(pattern, []byte(name), false) {
			out = append(out, name)
		}
	}
	return out
}

// numSubscribers counts the subscribers of a channel of a kind.
func (s *Server) numSubscribers(kind int, name []byte) int {
	h := &s.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[kind][string(name)])
}

// numPatterns counts the distinct patterns subscribed to.
func (s *Server) numPatterns() int {
	h := &s.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[subPattern])
}
