package server

import (
	"math"
	"strconv"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/shoaldb/shoal/geo"
)

// The geo commands. A geospatial index is a sorted set whose scores are
// 52-bit geohashes (package geo does the math), so every sorted-set
// command works on it. This file has the table and the point commands
// (GEOADD GEODIST GEOHASH GEOPOS); cmd_geo_search.go has the searches.

func geoCommands() []*Command {
	const (
		w  = flagWrite
		r  = flagReadonly
		oo = flagDenyOOM
		mk = flagMovableKeys
	)
	return []*Command{
		{Name: "geoadd", Arity: -5, Flags: w | oo, ACL: "@geo", First: 1, Last: 1, Step: 1, Handler: cmdGeoAdd},
		{Name: "geodist", Arity: -4, Flags: r, ACL: "@geo", First: 1, Last: 1, Step: 1, Handler: cmdGeoDist},
		{Name: "geohash", Arity: -2, Flags: r, ACL: "@geo", First: 1, Last: 1, Step: 1, Handler: cmdGeoHash},
		{Name: "geopos", Arity: -2, Flags: r, ACL: "@geo", First: 1, Last: 1, Step: 1, Handler: cmdGeoPos},
		{Name: "georadius", Arity: -6, Flags: w | oo | mk, ACL: "@geo", First: 1, Last: 1, Step: 1, KeysFunc: georadiusKeys, Handler: cmdGeoRadius},
		{Name: "georadiusbymember", Arity: -5, Flags: w | oo | mk, ACL: "@geo", First: 1, Last: 1, Step: 1, KeysFunc: georadiusKeys, Handler: cmdGeoRadius},
		{Name: "georadius_ro", Arity: -6, Flags: r, ACL: "@geo", First: 1, Last: 1, Step: 1, Handler: cmdGeoRadius},
		{Name: "georadiusbymember_ro", Arity: -5, Flags: r, ACL: "@geo", First: 1, Last: 1, Step: 1, Handler: cmdGeoRadius},
		{Name: "geosearch", Arity: -7, Flags: r, ACL: "@geo", First: 1, Last: 1, Step: 1, Handler: cmdGeoSearch},
		{Name: "geosearchstore", Arity: -8, Flags: w | oo, ACL: "@geo", First: 1, Last: 2, Step: 1, Handler: cmdGeoSearch},
	}
}

// georadiusKeys are GEORADIUS's keys: the index and the destination of
// STORE or STOREDIST. Every argument after one of those words is taken, a
// superset of what the handler may write to, so it is always locked.
func georadiusKeys(args [][]byte) []int {
	keys := []int{1}
	for i := 2; i+1 < len(args); i++ {
		if eqFold(args[i], "store") || eqFold(args[i], "storedist") {
			keys = append(keys, i+1)
		}
	}
	return keys
}

// parseLonLat parses a longitude and a latitude, replying to bad input.
func (c *Client) parseLonLat(lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = parseScore(lonArg); ok {
		lat, ok = parseScore(latArg)
	}
	if !ok {
		c.writeError(errNotFloat)
		return 0, 0, false
	}
	if lon < geo.LonMin || lon > geo.LonMax || lat < geo.LatMin || lat > geo.LatMax {
		b := append([]byte(errGeoLonLat), appendCFloat(nil, lon)...)
		b = append(b, ',')
		c.writeError(string(appendCFloat(b, lat)))
		return 0, 0, false
	}
	return lon, lat, true
}

// appendCFloat is C's printf("%f").
func appendCFloat(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'f', 6, 64)
}

// parseUnit parses a distance unit, replying to a bad one.
func (c *Client) parseUnit(b []byte) (float64, bool) {
	conv, ok := geo.Unit(b)
	if !ok {
		c.writeError(errGeoUnit)
	}
	return conv, ok
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]
func cmdGeoAdd(c *Client) {
	var nx, xx, ch bool
	i := 2
	for ; i < len(c.args); i++ {
		switch a := c.args[i]; {
		case eqFold(a, "nx"):
			nx = true
		case eqFold(a, "xx"):
			xx = true
		case eqFold(a, "ch"):
			ch = true
		default:
			goto parsed
		}
	}
parsed:
	triples := c.args[i:]
	if len(triples)%3 != 0 || nx && xx || len(triples) == 0 {
		c.writeError(errSyntax)
		return
	}
	var buf [8]float64
	scores := buf[:0]
	for j := 0; j < len(triples); j += 3 {
		lon, lat, ok := c.parseLonLat(triples[j], triples[j+1])
		if !ok {
			return
		}
		scores = append(scores, geo.Score(lon, lat))
	}
	key := c.args[1]
	e, ok := c.writeTyped(key, TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		if xx {
			c.writeInt(0)
			return
		}
		e = c.addObj(key, TypeZSet, datatypes.NewZSet(c.db.seed))
	}
	z := zsetOf(e)
	lim := c.zsetLimits()
	before := e.memUsage()
	var added, updated int64
	for j, score := range scores {
		member := triples[3*j+2]
		cur, exists := z.Score(member)
		switch {
		case exists && nx, !exists && xx:
		case !exists:
			z.Set(member, score, lim)
			added++
		case score != cur:
			z.Set(member, score, lim)
			updated++
		}
	}
	if added+updated > 0 {
		c.dirty += int(added + updated)
		c.changed(e, before)
		c.geoAddPropagation(i, scores)
		c.notify(notifyZSet, "zadd", c.args[1]) // GEOADD is a ZADD, as in Redis
	}
	if ch {
		added += updated
	}
	c.writeInt(added)
}

// geoAddPropagation replicates GEOADD as the ZADD it amounts to, as Redis
// does (only built when something listens).
func (c *Client) geoAddPropagation(first int, scores []float64) {
	if c.srv.propagateHook.Load() == nil {
		return
	}
	args := make([][]byte, 0, first+2*len(scores))
	args = append(args, []byte("zadd"))
	args = append(args, c.args[1:first]...)
	for j, score := range scores {
		args = append(args, strconv.AppendUint(nil, uint64(score), 10), c.args[first+3*j+2])
	}
	c.propArgs = args
}

// GEODIST key member1 member2 [unit]
func cmdGeoDist(c *Client) {
	conv := 1.0
	switch {
	case len(c.args) == 5:
		var ok bool
		if conv, ok = c.parseUnit(c.args[4]); !ok {
			return
		}
	case len(c.args) > 5:
		c.writeError(errSyntax)
		return
	}
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		c.writeNull()
		return
	}
	z := zsetOf(e)
	s1, ok1 := z.Score(c.args[2])
	s2, ok2 := z.Score(c.args[3])
	if !ok1 || !ok2 {
		c.writeNull()
		return
	}
	lon1, lat1 := geo.DecodeScore(s1)
	lon2, lat2 := geo.DecodeScore(s2)
	var buf [32]byte
	c.writeBulk(geo.AppendDistance(buf[:0], geo.Distance(lon1, lat1, lon2, lat2)/conv))
}

// GEOHASH key [member ...]
func cmdGeoHash(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	c.writeArray(len(c.args) - 2)
	var buf [16]byte
	for _, m := range c.args[2:] {
		score, found := 0.0, false
		if e != nil {
			score, found = zsetOf(e).Score(m)
		}
		if !found {
			c.writeNull()
			continue
		}
		lon, lat := geo.DecodeScore(score)
		c.writeBulk(geo.AppendGeohash(buf[:0], lon, lat))
	}
}

// GEOPOS key [member ...]
func cmdGeoPos(c *Client) {
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	c.writeArray(len(c.args) - 2)
	for _, m := range c.args[2:] {
		score, found := 0.0, false
		if e != nil {
			score, found = zsetOf(e).Score(m)
		}
		if !found {
			c.writeNullArray()
			continue
		}
		lon, lat := geo.DecodeScore(score)
		c.writeArray(2)
		c.writeCoord(lon)
		c.writeCoord(lat)
	}
}

// writeCoord replies a coordinate as Redis's addReplyHumanLongDouble: a
// bulk string in RESP2, a double in RESP3, both in the "human" format.
func (c *Client) writeCoord(f float64) {
	var buf [48]byte
	s := geo.AppendCoord(buf[:0], f)
	if c.resp == 3 {
		c.out = append(c.out, ',')
		c.out = append(c.out, s...)
		c.out = append(c.out, '\r', '\n')
		return
	}
	c.writeBulk(s)
}
