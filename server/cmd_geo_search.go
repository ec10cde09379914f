package server

import (
	"math"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/shoaldb/shoal/geo"
)

// The geo searches: GEORADIUS, GEORADIUSBYMEMBER, their _RO forms,
// GEOSEARCH and GEOSEARCHSTORE, after Redis's georadiusGeneric. A search
// scans the score ranges of at most nine geohash cells around the center
// (geo.Shape.Ranges), each from its first rank on, so it costs
// O(log n + members in those cells), and keeps the members inside the
// shape in scan order, sorting them only when asked (or for COUNT).

// geoSearch is a parsed search.
type geoSearch struct {
	shape                         geo.Shape
	withDist, withHash, withCoord bool
	order                         int // geoUnsorted, geoAsc, geoDesc
	any                           bool
	count                         int64 // 0: all
	store                         []byte
	storeDist                     bool
}

const (
	geoUnsorted = iota
	geoAsc
	geoDesc
)

// geoPoint is one match.
type geoPoint struct {
	member         string
	score          float64
	lon, lat, dist float64
	exact          bool // dist is Redis's (geo.Distance), not the fast estimate
}

// GEORADIUS key lon lat radius unit [options]
// GEORADIUSBYMEMBER key member radius unit [options]
// and their _RO forms, which refuse STORE and STOREDIST.
func cmdGeoRadius(c *Client) {
	name := c.cmd.Name
	byMember := name == "georadiusbymember" || name == "georadiusbymember_ro"
	noStore := name == "georadius_ro" || name == "georadiusbymember_ro"
	e, ok := c.readTyped(c.args[1], TypeZSet)
	if !ok {
		return
	}
	var q geoSearch
	base := 6
	switch {
	case !byMember:
		if q.shape.Lon, q.shape.Lat, ok = c.parseLonLat(c.args[2], c.args[3]); !ok {
			return
		}
		if !c.parseRadius(c.args[4:], &q.shape) {
			return
		}
	case e == nil:
		// No index: the options are still parsed, to know the reply's form.
		base = 5
	default:
		base = 5
		if !c.memberPos(e, c.args[2], &q.shape) || !c.parseRadius(c.args[3:], &q.shape) {
			return
		}
	}
	args := c.args[base:]
	for i := 0; i < len(args); i++ {
		a, left := args[i], len(args)-i-1
		switch {
		case q.isCommon(a):
			if !q.parseCommon(c, args, &i) {
				return
			}
		case (eqFold(a, "store") || eqFold(a, "storedist")) && left >= 1 && !noStore:
			q.store, q.storeDist = args[i+1], len(a) == 9
			i++
		default:
			c.writeError(errSyntax)
			return
		}
	}
	if q.store != nil && (q.withDist || q.withHash || q.withCoord) {
		c.writeError(errGeoStoreWith)
		return
	}
	c.geoRun(e, &q)
}

// GEOSEARCH key FROMMEMBER member|FROMLONLAT lon lat
//
//	BYRADIUS radius unit|BYBOX width height unit [options]
//
// GEOSEARCHSTORE dest key ... [STOREDIST]
func cmdGeoSearch(c *Client) {
	src := 1
	var q geoSearch
	if c.cmd.Name == "geosearchstore" {
		src = 2
		q.store = c.args[1]
	}
	e, ok := c.readTyped(c.args[src], TypeZSet)
	if !ok {
		return
	}
	var fromMember, fromLonLat, byRadius, byBox bool
	args := c.args[src+1:]
	for i := 0; i < len(args); i++ {
		a, left := args[i], len(args)-i-1
		switch {
		case q.isCommon(a):
			if !q.parseCommon(c, args, &i) {
				return
			}
		case eqFold(a, "storedist") && q.store != nil:
			q.storeDist = true
		case eqFold(a, "frommember") && left >= 1 && !fromLonLat:
			// Without an index the member is not looked up: the reply
			// is empty whatever it is.
			if e != nil && !c.memberPos(e, args[i+1], &q.shape) {
				return
			}
			fromMember = true
			i++
		case eqFold(a, "fromlonlat") && left >= 2 && !fromMember:
			if q.shape.Lon, q.shape.Lat, ok = c.parseLonLat(args[i+1], args[i+2]); !ok {
				return
			}
			fromLonLat = true
			i += 2
		case eqFold(a, "byradius") && left >= 2 && !byBox:
			if !c.parseRadius(args[i+1:], &q.shape) {
				return
			}
			byRadius = true
			i += 2
		case eqFold(a, "bybox") && left >= 3 && !byRadius:
			if !c.parseBox(args[i+1:], &q.shape) {
				return
			}
			byBox = true
			i += 3
		default:
			c.writeError(errSyntax)
			return
		}
	}
	switch {
	case q.store != nil && (q.withDist || q.withHash || q.withCoord):
		c.writeError(errGeoSStoreWith)
	case !fromMember && !fromLonLat:
		c.writeError(errGeoSearchFrom + string(c.args[0]))
	case !byRadius && !byBox:
		c.writeError(errGeoSearchShape + string(c.args[0]))
	default:
		c.geoRun(e, &q)
	}
}

// isCommon reports whether a is an option every search takes (WITH*,
// ANY, ASC, DESC, COUNT).
func (q *geoSearch) isCommon(a []byte) bool {
	for _, o := range [...]string{"withdist", "withhash", "withcoord", "any", "asc", "desc", "count"} {
		if eqFold(a, o) {
			return true
		}
	}
	return false
}

// parseCommon parses the common option at args[*i], advancing *i past its
// arguments; false after replying an error. COUNT without its argument is
// a syntax error.
func (q *geoSearch) parseCommon(c *Client, args [][]byte, i *int) bool {
	a := args[*i]
	switch {
	case eqFold(a, "withdist"):
		q.withDist = true
	case eqFold(a, "withhash"):
		q.withHash = true
	case eqFold(a, "withcoord"):
		q.withCoord = true
	case eqFold(a, "any"):
		q.any = true
	case eqFold(a, "asc"):
		q.order = geoAsc
	case eqFold(a, "desc"):
		q.order = geoDesc
	case eqFold(a, "count") && *i+1 < len(args):
		n, ok := parseInt(args[*i+1])
		switch {
		case !ok:
			c.writeError(errNotInt)
			return false
		case n <= 0:
			c.writeError(errGeoCount)
			return false
		}
		q.count = n
		*i++
	default:
		c.writeError(errSyntax)
		return false
	}
	return true
}

// memberPos sets the shape's center to member's position in the index,
// replying when it is not there.
func (c *Client) memberPos(e *Entry, member []byte, s *geo.Shape) bool {
	score, ok := zsetOf(e).Score(member)
	if !ok {
		c.writeError(errGeoMember)
		return false
	}
	s.Lon, s.Lat = geo.DecodeScore(score)
	return true
}

// parseRadius parses "radius unit" into a circle.
func (c *Client) parseRadius(args [][]byte, s *geo.Shape) bool {
	r, ok := parseScore(args[0])
	switch {
	case !ok:
		c.writeError(errGeoRadius)
		return false
	case r < 0:
		c.writeError(errGeoRadiusNeg)
		return false
	}
	if s.Conv, ok = c.parseUnit(args[1]); !ok {
		return false
	}
	s.Box, s.Radius = false, r
	return true
}

// parseBox parses "width height unit" into a box.
func (c *Client) parseBox(args [][]byte, s *geo.Shape) bool {
	w, ok := parseScore(args[0])
	if !ok {
		c.writeError(errGeoWidth)
		return false
	}
	h, ok := parseScore(args[1])
	switch {
	case !ok:
		c.writeError(errGeoHeight)
		return false
	case h < 0 || w < 0:
		c.writeError(errGeoBoxNeg)
		return false
	}
	if s.Conv, ok = c.parseUnit(args[2]); !ok {
		return false
	}
	s.Box, s.Width, s.Height = true, w, h
	return true
}

// geoRun checks the last rule, searches the index and replies or stores.
func (c *Client) geoRun(e *Entry, q *geoSearch) {
	if q.any && q.count == 0 {
		c.writeError(errGeoAny)
		return
	}
	if e == nil {
		if q.store != nil {
			if c.deleteKey(q.store) {
				c.notify(notifyGeneric, "del", q.store)
			}
			c.writeInt(0)
		} else {
			c.writeArray(0)
		}
		return
	}
	if q.count != 0 && q.order == geoUnsorted && !q.any {
		q.order = geoAsc // the nearest COUNT need a sort
	}
	limit := 0
	if q.any {
		limit = int(q.count)
	}
	// The matches go in a buffer the client keeps: a search of thousands
	// would otherwise allocate as much per call, and the collector would
	// rescan the whole (large) index that much more often.
	pts := geoCollect(zsetOf(e), &q.shape, limit, c.geoPts[:0])
	defer func() {
		clear(pts)
		if cap(pts) <= geoKeepPts {
			c.geoPts = pts[:0]
		}
	}()
	// Distances are estimated fast (Go's math), and computed as Redis does
	// (glibc-exact, several times slower) only where the estimate could
	// decide differently: a comparison too close to call, a distance
	// printed near a rounding boundary, a stored distance.
	exact := func(p *geoPoint) {
		if !p.exact {
			p.dist, p.exact = q.shape.Distance(p.lon, p.lat), true
		}
	}
	n := len(pts)
	if q.count != 0 && int64(n) > q.count {
		n = int(q.count)
	}
	if q.order != geoUnsorted {
		geoSort(pts, n, q.order == geoDesc, exact, &c.geoScratch)
	}
	pts = pts[:n]
	conv := q.shape.Conv
	for i := range pts {
		p := &pts[i]
		if q.storeDist || q.withDist && nearRounding(p.dist, conv) {
			exact(p)
		}
		p.dist /= conv
	}
	if q.store != nil {
		c.geoStore(q, pts)
		return
	}
	c.geoReply(q, pts)
}

// geoKeepPts bounds the match buffer a client keeps between searches.
const geoKeepPts = 1 << 16

// nearRounding reports whether an estimated distance of d meters, shown
// in units of conv meters with four decimals (geo.AppendDistance), is so
// close to a rounding boundary that the exact distance could round the
// other way.
func nearRounding(d, conv float64) bool {
	v := d / conv * 1e4
	slack := 2 * geo.FastSlack(d) / conv * 1e4
	// Rounding half to even changes only across the halves.
	return math.Abs(v-math.Floor(v)-0.5) <= slack
}

// geoCollect returns the members inside the shape in Redis's order: cell
// by cell, by score within a cell. limit > 0 (ANY) stops at that many.
func geoCollect(z *datatypes.ZSet, s *geo.Shape, limit int, pts []geoPoint) []geoPoint {
	var ranges [9]geo.Range
	for _, r := range ranges[:s.Ranges(&ranges)] {
		if limit > 0 && len(pts) >= limit {
			break
		}
		z.Ascend(z.ScoreRank(r.Min, false), func(_ int, it datatypes.ZItem) bool {
			if it.Score >= r.Max {
				return false
			}
			if lon, lat, d, ok := s.Contains(it.Score); ok {
				pts = append(pts, geoPoint{member: it.Member, score: it.Score, lon: lon, lat: lat, dist: d})
			}
			return limit == 0 || len(pts) < limit
		})
	}
	return pts
}

// geoReply sends the matches with the requested extras.
func (c *Client) geoReply(q *geoSearch, pts []geoPoint) {
	extras := 0
	for _, on := range [...]bool{q.withDist, q.withHash, q.withCoord} {
		if on {
			extras++
		}
	}
	c.writeArray(len(pts))
	var buf [32]byte
	for i := range pts {
		p := &pts[i]
		if extras > 0 {
			c.writeArray(extras + 1)
		}
		c.writeBulkString(p.member)
		if q.withDist {
			c.writeBulk(geo.AppendDistance(buf[:0], p.dist))
		}
		if q.withHash {
			c.writeInt(int64(p.score))
		}
		if q.withCoord {
			c.writeArray(2)
			c.writeCoord(p.lon)
			c.writeCoord(p.lat)
		}
	}
}

// geoStore makes the destination hold the matches, scored by geohash or
// by distance (STOREDIST); no match deletes it. Replies the count.
func (c *Client) geoStore(q *geoSearch, pts []geoPoint) {
	if len(pts) == 0 {
		if c.deleteKey(q.store) {
			c.notify(notifyGeneric, "del", q.store)
		}
		c.writeInt(0)
		return
	}
	z := datatypes.NewZSet(c.db.seed)
	lim := c.zsetLimits()
	for i := range pts {
		score := pts[i].score
		if q.storeDist {
			score = pts[i].dist
		}
		z.Set(zsBytes(pts[i].member), score, lim)
	}
	c.storeObj(q.store, TypeZSet, z)
	c.dirty += len(pts)
	event := "georadiusstore"
	if c.cmd.Name == "geosearchstore" {
		event = "geosearchstore"
	}
	c.notify(notifyZSet, event, q.store)
	c.writeInt(int64(len(pts)))
}
