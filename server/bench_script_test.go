package server

import (
	"github.com/shoaldb/shoal/scripting"
	"strconv"
	"testing"
)

// The two scripts issue 6's speed table measures: a rate limiter (INCR,
// PEXPIRE, compare) and a read of ten keys.
const (
	benchRateLimiter = "local n = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1]) if n > tonumber(ARGV[2]) then return 0 end return 1"
	benchRead10      = "local r = {} for i = 1, #KEYS do r[i] = redis.call('GET', KEYS[i]) end return r"
)

func loadBenchScript(b *testing.B, c *Client, body string) []byte {
	c.execute([][]byte{[]byte("SCRIPT"), []byte("LOAD"), []byte(body)})
	sha := []byte(c.srv.scripts.eng.Lookup([]byte(shaOfBody(body))).SHA)
	c.out = c.out[:0]
	return sha
}

func shaOfBody(body string) string {
	return scripting.SHA1Hex([]byte(body))
}

// BenchmarkEvalSHARateLimiter: EVALSHA of the rate limiter on random keys.
func BenchmarkEvalSHARateLimiter(b *testing.B) {
	c := benchClient(b)
	sha := loadBenchScript(b, c, benchRateLimiter)
	req := [][]byte{[]byte("EVALSHA"), sha, []byte("1"), nil, []byte("60000"), []byte("100")}
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = []byte("rl:" + strconv.Itoa(i))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.out = c.out[:0]
		req[3] = keys[i&1023]
		i++
		c.execute(req)
	}
}

// BenchmarkEvalSHARead10: EVALSHA of a script reading ten keys.
func BenchmarkEvalSHARead10(b *testing.B) {
	c := benchClient(b)
	sha := loadBenchScript(b, c, benchRead10)
	req := [][]byte{[]byte("EVALSHA"), sha, []byte("10")}
	for i := 0; i < 10; i++ {
		k := []byte("k" + strconv.Itoa(i))
		c.execute([][]byte{[]byte("SET"), k, []byte("value" + strconv.Itoa(i))})
		req = append(req, k)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.out = c.out[:0]
		c.execute(req)
	}
}
