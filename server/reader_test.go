package server

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"testing"
)

// parseAll feeds data to a reader in chunks of the given size, the way the
// connection loop does (the buffer grows, parsed bytes stay until the request
// completes), and returns every request and the first protocol error.
func parseAll(data []byte, chunk int, lim readerLimits) ([][]string, error) {
	var r reqReader
	var buf []byte
	pos := 0
	var out [][]string
	for off := 0; ; {
		for {
			args, err := r.parse(buf, &pos, lim)
			if errors.Is(err, errNeedMore) {
				break
			}
			if err != nil {
				return out, err
			}
			if len(args) > 0 {
				req := make([]string, len(args))
				for i, a := range args {
					req[i] = string(a)
				}
				out = append(out, req)
			}
		}
		if off >= len(data) {
			return out, nil
		}
		// Drop what is done with, as fill() does, to exercise rebase.
		keep := pos
		if r.inProgress() {
			keep = r.start
		}
		buf = append(buf[:0:0], buf[keep:]...)
		r.rebase(keep)
		pos -= keep
		end := min(off+chunk, len(data))
		buf = append(buf, data[off:end]...)
		off = end
	}
}

var testLimits = readerLimits{maxBulkLen: 512 << 20, authed: true}

func TestReaderChunkingInvariance(t *testing.T) {
	data := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n*0\r\nECHO \"a b\" 'c'\n*1\r\n$4\r\nPING\r\n")
	want, err := parseAll(data, len(data), testLimits)
	if err != nil || len(want) != 4 {
		t.Fatalf("whole: %v %q", err, want)
	}
	for chunk := 1; chunk < len(data); chunk++ {
		got, err := parseAll(data, chunk, testLimits)
		if err != nil || !equalReqs(got, want) {
			t.Fatalf("chunk %d: %v %q, want %q", chunk, err, got, want)
		}
	}
}

func TestReaderLimits(t *testing.T) {
	cases := []struct {
		in   string
		lim  readerLimits
		want string
	}{
		{"*1\r\n$9223372036854775807\r\nabc", testLimits, "Protocol error: invalid bulk length"},
		{"*11\r\n", readerLimits{maxBulkLen: 512 << 20}, "Protocol error: unauthenticated multibulk length"},
		{"*1\r\n$16385\r\n", readerLimits{maxBulkLen: 512 << 20}, "Protocol error: unauthenticated bulk length"},
		{"*1\r\n$2000000\r\n", readerLimits{maxBulkLen: 1 << 20, authed: true}, "Protocol error: invalid bulk length"},
	}
	for _, c := range cases {
		_, err := parseAll([]byte(c.in), len(c.in), c.lim)
		var pe *protoError
		if !errors.As(err, &pe) || pe.msg != c.want {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
	// A huge declared length allocates nothing up front: the reader only
	// records the length and waits for the bytes.
	var r reqReader
	pos := 0
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r.parse([]byte("*1\r\n$536870912\r\n"), &pos, testLimits)
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
		t.Fatalf("declared 512MB bulk allocated %d bytes", d)
	}
	if r.pendingBulk() != 536870912+2 {
		t.Fatalf("pending bulk %d", r.pendingBulk())
	}
}

func equalReqs(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// encodeReq is the multibulk encoding of a request.
func encodeReq(args []string) []byte {
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.Bytes()
}

// FuzzReader feeds arbitrary bytes in arbitrary chunks: the reader must
// never panic, must parse the same requests whatever the chunking, and a
// well-formed multibulk request must round-trip.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"*1\r\n$9223372036854775807\r\nabc",
		"*abc\r\n", "*3000000000\r\n", "*2147483648\r\n", "*\r\n",
		"*1\r\n$-5\r\n", "*1\r\n$abc\r\n", "*1\r\n$\r\n", "*1\r\nx\r\n",
		"set a \"b\r\n", "*0\r\nPING\r\n", "*-1\r\nPING\r\n", "PING\n",
		"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", "echo \"\\x41\\n\" 'a\\'b'\r\n",
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "*1\r\n$536870912\r\n", "\x01\x00\n", "a \"b\x00\"\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		lim := readerLimits{maxBulkLen: 1 << 20, authed: true}
		whole, errWhole := parseAll(data, len(data)+1, lim)
		pieces, errPieces := parseAll(data, int(chunk)%16+1, lim)
		if !equalReqs(whole, pieces) || (errWhole == nil) != (errPieces == nil) {
			t.Fatalf("chunking changed the result: %q/%v vs %q/%v", whole, errWhole, pieces, errPieces)
		}
		// Each parsed request, re-encoded as multibulk, parses back to itself.
		for _, req := range whole {
			back, err := parseAll(encodeReq(req), len(data)+1, lim)
			if err != nil || len(back) != 1 || !equalReqs(back, [][]string{req}) {
				t.Fatalf("round trip of %q: %q %v", req, back, err)
			}
		}
	})
}
