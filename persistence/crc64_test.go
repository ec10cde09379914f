package persistence

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
)

// bitwiseCRC64 is the textbook bit-at-a-time form, to check the tables.
func bitwiseCRC64(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc ^= uint64(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ crcPoly
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestCRC64CheckValue(t *testing.T) {
	// Redis's crc64.c self-test values.
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64(123456789) = %#x, want 0xe9c6d914c4b8d9ca", got)
	}
	if CRC64(0, nil) != 0 {
		t.Fatal("crc64 of nothing must be 0")
	}
}

func TestCRC64MatchesBitwise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 100 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		seed := r.Uint64()
		if got, want := CRC64(seed, p), bitwiseCRC64(seed, p); got != want {
			t.Fatalf("len %d: %#x, want %#x", n, got, want)
		}
		// Continuing a CRC equals computing it at once.
		cut := n / 3
		if got := CRC64(CRC64(seed, p[:cut]), p[cut:]); got != bitwiseCRC64(seed, p) {
			t.Fatalf("len %d split: %#x", n, got)
		}
	}
}

// Payloads redis-server 7.0.15 returned for FUNCTION DUMP: the RDB
// function opcode, the LZF-compressed library code, RDB version 10 and
// the CRC-64.
var dumpGolden = []struct{ code, hex string }{
	{"#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys, args} end)",
		"f5c34052405b1f23216c7561206e616d653d6c6962310a72656469732e72656769737465725f660d756e6374696f6e28276631272c20e0000e136b6579732c2061726773292072657475726e207be00113057d20656e64290a00a0a8758e552781ba"},
	{goldenLong(),
		"f5c340fe49071f23216c7561206e616d653d6269670a72656469732e72656769737465725f66750d6e6374696f6e2827666e30272c20e0000f116b6579732c2061726773292072657475726e2006403a0863616c6c2827676574202d40240e5b315d29202e2e20272720656e6429e0136000312032e0326000788000e019670032e03c67a000e0196e0033e0436ea000e019750034e04a75a000e0197c0035e0517ca000e019830036e03783e019620037e03762a000e019690038e03e69a000e019700039e04570a000e019770031e43665a068e00e00e01a7fe43d84e01500a0860c2d2d206162636465666768696ae0ff09e1110d612fe0ff00e0ff00e03d0001610a0a00da113d49aa26d2f8"},
}

func goldenLong() string {
	var b strings.Builder
	b.WriteString("#!lua name=big\n")
	for i := range 12 {
		b.WriteString("redis.register_function('fn" + itoa(i) + "', function(keys, args) return redis.call('get', keys[1]) .. '" +
			strings.Repeat("x", i*7%40) + "' end)\n")
	}
	b.WriteString("-- " + strings.Repeat("abcdefghij", 30) + "\n-- " + strings.Repeat("a", 600) + "\n")
	return b.String()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + itoa(i%10)
}

func TestFunctionDumpGolden(t *testing.T) {
	var z LZF
	for _, g := range dumpGolden {
		p := []byte{0xf5}
		p = AppendString(p, []byte(g.code), &z)
		p = binary.LittleEndian.AppendUint16(p, 10)
		p = binary.LittleEndian.AppendUint64(p, CRC64(0, p))
		if got := hex.EncodeToString(p); got != g.hex {
			t.Errorf("payload of %.20q:\n got %s\nwant %s", g.code, got, g.hex)
		}
		want, _ := hex.DecodeString(g.hex)
		r := NewReader(want[1:])
		s, ok := r.ReadString()
		if !ok || string(s) != g.code {
			t.Errorf("reading back %.20q: %v %q", g.code, ok, s)
		}
		if r.Remaining() != 10 {
			t.Errorf("left %d bytes, want the 10-byte footer", r.Remaining())
		}
	}
}

func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var z LZF
	for i := range 2000 {
		n := r.IntN(3000)
		p := make([]byte, n)
		alpha := 1 + r.IntN(255)
		for j := range p {
			if j > 10 && r.IntN(3) == 0 { // repeats, short and long
				k := r.IntN(j)
				p[j] = p[k]
			} else {
				p[j] = byte(r.IntN(alpha))
			}
		}
		if i%7 == 0 {
			p = bytes.Repeat([]byte("ab"), n/2)
		}
		c := z.Compress(p, len(p)-4)
		if c == nil {
			continue
		}
		if len(c) > len(p)-4 {
			t.Fatalf("compressed %d bytes to %d, over the limit", len(p), len(c))
		}
		d, ok := LZFDecompress(c, len(p))
		if !ok || !bytes.Equal(d, p) {
			t.Fatalf("round trip of %d bytes failed (ok=%v)", len(p), ok)
		}
		if _, ok := LZFDecompress(c, len(p)+1); ok {
			t.Fatal("decompressing to a wrong length must fail")
		}
	}
}

func TestLZFDecompressBad(t *testing.T) {
	for _, c := range []struct {
		in  string
		len int
	}{
		{"\x05abc", 6},             // literal run past the input
		{"\x20\x00\x05", 40},       // reference before the start
		{"\x00a\x20", 5},           // reference cut short
		{"\x00a\xe0", 5},           // long reference cut short
		{"\x00a\x20\x00", 2},       // output longer than announced
		{"", 5},                    // nothing to expand
		{"\x00a", 1 << 40},         // impossible length
		{"\x00a\xe0\xff\x00", 300}, // fine stream, wrong length
	} {
		if _, ok := LZFDecompress([]byte(c.in), c.len); ok {
			t.Errorf("LZFDecompress(%q, %d) succeeded", c.in, c.len)
		}
	}
	if d, ok := LZFDecompress([]byte("\x00a\xe0\xff\x00"), 1+7+255+2); !ok || d[len(d)-1] != 'a' {
		t.Errorf("long reference: %v", ok)
	}
}

func TestRDBStringEncodings(t *testing.T) {
	for _, c := range []struct{ s, enc string }{
		{"0", "c000"}, {"-128", "c080"}, {"127", "c07f"}, {"128", "c18000"}, {"-32768", "c10080"},
		{"32768", "c200800000"}, {"2147483647", "c2ffffff7f"}, {"2147483648", "0a32313437343833363438"},
		{"01", "023031"}, {"+1", "022b31"}, {"-0", "022d30"}, {"", "00"},
		{strings.Repeat("x", 64), ""}, // compressed
	} {
		var z LZF
		got := AppendString(nil, []byte(c.s), &z)
		if c.enc != "" && hex.EncodeToString(got) != c.enc {
			t.Errorf("%q: %x, want %s", c.s, got, c.enc)
		}
		back, ok := NewReader(got).ReadString()
		if !ok || string(back) != c.s {
			t.Errorf("%q read back as %q (%v)", c.s, back, ok)
		}
	}
	for _, n := range []uint64{0, 63, 64, 16383, 16384, 1<<32 - 1, 1 << 32} {
		b := AppendLen(nil, n)
		got, enc, ok := NewReader(b).ReadLen()
		if !ok || enc || got != n {
			t.Errorf("length %d: %d %v %v", n, got, enc, ok)
		}
	}
	// Not enough bytes, or encodings Redis does not know.
	for _, bad := range []string{"", "\x05ab", "\x40", "\x80\x00", "\x82", "\xc4", "\xc1\x00", "\xc3\x05\x0a", "\xc3\x01\x01"} {
		if s, ok := NewReader([]byte(bad)).ReadString(); ok {
			t.Errorf("%q read as %q", bad, s)
		}
	}
}
