package server

import "strconv"

// Keyspace notifications (notify-keyspace-events): a command that changes
// a key publishes the event on __keyspace@<db>__:<key> (message: the
// event) and __keyevent@<db>__:<event> (message: the key), for the
// classes the directive enables, through the pub/sub hub.

// Event classes, as the directive's letters.
const (
	notifyKeyspace = 1 << iota // K
	notifyKeyevent             // E
	notifyGeneric              // g
	notifyString               // $
	notifyList                 // l
	notifySet                  // s
	notifyHash                 // h
	notifyZSet                 // z
	notifyExpired              // x
	notifyEvicted              // e
	notifyStream               // t
	notifyKeyMiss              // m
	notifyModule               // d
	notifyNew                  // n
)

// notifyFlags parses a normalized notify-keyspace-events value.
func notifyFlags(s string) int {
	f := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			f |= notifyGeneric | notifyString | notifyList | notifySet | notifyHash |
				notifyZSet | notifyExpired | notifyEvicted | notifyStream | notifyModule
		case 'K':
			f |= notifyKeyspace
		case 'E':
			f |= notifyKeyevent
		case 'g':
			f |= notifyGeneric
		case '$':
			f |= notifyString
		case 'l':
			f |= notifyList
		case 's':
			f |= notifySet
		case 'h':
			f |= notifyHash
		case 'z':
			f |= notifyZSet
		case 'x':
			f |= notifyExpired
		case 'e':
			f |= notifyEvicted
		case 't':
			f |= notifyStream
		case 'm':
			f |= notifyKeyMiss
		case 'd':
			f |= notifyModule
		case 'n':
			f |= notifyNew
		}
	}
	return f
}

// notifyOn reports whether events of class are published at all: the
// only cost of notifications when they are off.
func (s *Server) notifyOn(class int) bool {
	f := s.config().NotifyFlags
	return f&class != 0 && f&(notifyKeyspace|notifyKeyevent) != 0
}

// notify publishes event for key in the client's database. A collection
// the command emptied gets its "del" right after its own event.
func (c *Client) notify(class int, event string, key []byte) {
	c.notifyIn(c.dbIndex, class, event, key)
}

// notifyIn is notify for a key of database db (MOVE, COPY ... DB).
func (c *Client) notifyIn(db, class int, event string, key []byte) {
	if c.srv.notifyOn(class) {
		c.srv.publishEvent(c, c.srv.config().NotifyFlags, db, event, key)
	}
	if c.emptied != nil && string(c.emptied) == string(key) {
		c.emptied = nil
		c.notify(notifyGeneric, "del", key)
	}
}

// noteEmptied records that the command deleted key because its collection
// became empty: the "del" event follows the command's own.
func (c *Client) noteEmptied(key []byte) {
	if c.emptied != nil {
		c.notify(notifyGeneric, "del", c.emptied) // an earlier key's, not yet sent
	}
	if c.srv.notifyOn(notifyGeneric) {
		c.emptied = append(c.emptiedBuf[:0], key...)
	}
}

// flushEmptied sends a "del" still pending when the command ends.
func (c *Client) flushEmptied() {
	if c.emptied != nil {
		key := c.emptied
		c.emptied = nil
		c.notify(notifyGeneric, "del", key)
	}
}

// publishEvent publishes one event on the channels flags enable.
func (s *Server) publishEvent(by *Client, flags, db int, event string, key []byte) {
	if flags&notifyKeyspace != 0 {
		ch := make([]byte, 0, 24+len(key))
		ch = append(ch, "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		s.publish(by, false, ch, []byte(event))
	}
	if flags&notifyKeyevent != 0 {
		ch := make([]byte, 0, 24+len(event))
		ch = append(ch, "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(db), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		s.publish(by, false, ch, key)
	}
}
