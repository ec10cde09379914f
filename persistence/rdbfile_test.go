package persistence

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// recorder is a Handler writing down what it is given.
type recorder struct {
	lines []string
}

func (r *recorder) Aux(k, v []byte) error {
	r.lines = append(r.lines, fmt.Sprintf("aux %s=%s", k, v))
	return nil
}

func (r *recorder) Function(code []byte) error {
	r.lines = append(r.lines, "function "+string(code))
	return nil
}

func (r *recorder) SelectDB(db int) error {
	if db >= 16 {
		return errors.New("too many databases")
	}
	r.lines = append(r.lines, fmt.Sprint("select ", db))
	return nil
}

func (r *recorder) ResizeDB(keys, expires uint64) {
	r.lines = append(r.lines, fmt.Sprint("resize ", keys, " ", expires))
}

func (r *recorder) Entry(db int, key []byte, expireMs int64, kind uint8, str []byte, obj any, idle int64, freq int) error {
	r.lines = append(r.lines, fmt.Sprintf("%d %q exp=%d idle=%d freq=%d %s", db, key, expireMs, idle, freq, describe(kind, str, obj)))
	return nil
}

// discard is a Handler keeping nothing.
type discard struct{}

func (discard) Aux(k, v []byte) error      { return nil }
func (discard) Function(code []byte) error { return nil }
func (discard) SelectDB(db int) error      { return nil }
func (discard) ResizeDB(keys, exp uint64)  {}
func (discard) Entry(int, []byte, int64, uint8, []byte, any, int64, int) error {
	return nil
}

// sampleFile writes every sample value to two databases.
func sampleFile(t testing.TB, compress, checksum bool, vals []testValue) ([]byte, []string) {
	var buf bytes.Buffer
	w := NewWriter(&buf, compress, checksum)
	want := []string{}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Header())
	must(w.Aux("redis-ver", "7.0.15"))
	must(w.Aux("redis-bits", "64"))
	want = append(want, "aux redis-ver=7.0.15", "aux redis-bits=64")
	must(w.Function("#!lua name=lib\nredis.register_function('f', function() return 1 end)"))
	want = append(want, "function #!lua name=lib\nredis.register_function('f', function() return 1 end)")
	for _, db := range []int{0, 5} {
		must(w.SelectDB(db, uint64(len(vals)), 1))
		want = append(want, fmt.Sprint("select ", db), fmt.Sprint("resize ", len(vals), " ", 1))
		for i, v := range vals {
			key := []byte(fmt.Sprint("key:", i))
			if i == 3 {
				key = []byte("12345") // an integer-encoded key
			}
			exp := int64(0)
			if i == 1 {
				exp = 1893456000000
			}
			must(w.Entry(key, exp, v.kind, []byte(v.str), v.obj))
			want = append(want, fmt.Sprintf("%d %q exp=%d idle=-1 freq=-1 %s", db, key, exp, describe(v.kind, []byte(v.str), v.obj)))
		}
	}
	must(w.Finish())
	return buf.Bytes(), want
}

func TestFileRoundTrip(t *testing.T) {
	for _, compress := range []bool{false, true} {
		for _, checksum := range []bool{false, true} {
			file, want := sampleFile(t, compress, checksum, sampleValues())
			if !strings.HasPrefix(string(file), "REDIS0010\xfa") {
				t.Fatalf("header %q", file[:10])
			}
			sum := binary.LittleEndian.Uint64(file[len(file)-8:])
			if checksum != (sum != 0) || (checksum && sum != CRC64(0, file[:len(file)-8])) {
				t.Errorf("checksum %x", sum)
			}
			var rec recorder
			if err := Load(bytes.NewReader(file), testLimits(), &rec); err != nil {
				t.Fatal(err)
			}
			if strings.Join(rec.lines, "\n") != strings.Join(want, "\n") {
				t.Errorf("compress %v checksum %v: loaded\n%.2000s\nwant\n%.2000s", compress, checksum,
					strings.Join(rec.lines, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	file, _ := sampleFile(t, true, true, sampleValues())
	flipped := bytes.Clone(file)
	flipped[len(flipped)/2] ^= 0x40
	badCRC := bytes.Clone(file)
	badCRC[len(badCRC)-1] ^= 1
	for _, c := range []struct {
		name string
		file string
		want string
	}{
		{"version 11", "REDIS0011\xff", "can't handle RDB format version 0011"},
		{"version 0", "REDIS0000\xff", "can't handle RDB format version 0000"},
		{"signature", "RODIS0010\xff", "wrong signature"},
		{"empty", "", "wrong signature"},
		{"no eof", "REDIS0010", "short read"},
		{"no crc", "REDIS0010\xff", "short read"},
		{"bad crc", string(badCRC), "wrong RDB checksum"},
		{"module aux", "REDIS0010\xf7", "modules are not supported"},
		{"stream", "REDIS0010\x0f\x01k", "streams are not supported yet"},
		{"database", "REDIS0010\xfe\x20", "too many databases"},
		{"flipped", string(flipped), ""},
	} {
		err := Load(strings.NewReader(c.file), testLimits(), &recorder{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Old versions have no checksum; a zero checksum is not checked.
	for _, f := range []string{"REDIS0004\xff", "REDIS0010\xff\x00\x00\x00\x00\x00\x00\x00\x00"} {
		if err := Load(strings.NewReader(f), testLimits(), &recorder{}); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
}

// TestLoadExpiresAndLRU reads the opcodes Shoal does not write.
func TestLoadExpiresAndLRU(t *testing.T) {
	f := "REDIS0009" + "\xfd\x10\x00\x00\x00" + "\x00\x01a\x01b" + // EXPIRETIME in seconds
		"\xf8\x07" + "\x00\x01c\x01d" + // IDLE
		"\xf9\x05" + "\x00\x01e\x01f" + "\xff"
	f += string(binary.LittleEndian.AppendUint64(nil, CRC64(0, []byte(f))))
	var rec recorder
	if err := Load(strings.NewReader(f), testLimits(), &rec); err != nil {
		t.Fatal(err)
	}
	want := `0 "a" exp=16000 idle=-1 freq=-1 string "b"
0 "c" exp=0 idle=7 freq=-1 string "d"
0 "e" exp=0 idle=-1 freq=5 string "f"`
	if got := strings.Join(rec.lines, "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestCorruption flips and truncates real payloads and files: each must
// load or fail cleanly, never panic or allocate wildly.
func TestCorruption(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var payloads [][]byte
	for _, v := range sampleValues() {
		payloads = append(payloads, AppendValue(nil, v.kind, []byte(v.str), v.obj, new(LZF)))
	}
	for _, p := range oldEncodingPayloads() {
		payloads = append(payloads, p)
	}
	// Small values, no CRC: let damage reach the decoder.
	var small []testValue
	for _, v := range sampleValues() {
		if !strings.Contains(v.name, "big") && !strings.Contains(v.name, "multi") && !strings.Contains(v.name, "long") {
			small = append(small, v)
		}
	}
	file, _ := sampleFile(t, true, false, small)
	cases := 0
	for range 3000 {
		p := bytes.Clone(payloads[rng.IntN(len(payloads))])
		if rng.IntN(4) == 0 {
			p = p[:rng.IntN(len(p))]
		} else {
			for range 1 + rng.IntN(3) {
				p[rng.IntN(len(p))] ^= byte(1 << rng.IntN(8))
			}
		}
		r := NewReader(p)
		typ, ok := r.ReadType()
		if ok {
			ReadValue(r, typ, testLimits())
		}
		cases++
	}
	for range 1000 {
		f := bytes.Clone(file)
		if rng.IntN(3) == 0 {
			f = f[:rng.IntN(len(f))]
		} else {
			f[9+rng.IntN(len(f)-9)] ^= byte(1 << rng.IntN(8))
		}
		Load(bytes.NewReader(f), testLimits(), discard{})
		cases++
	}
	if cases < 1000 {
		t.Fatal("too few cases")
	}
}

func FuzzReadValue(f *testing.F) {
	for _, v := range sampleValues() {
		if p := AppendValue(nil, v.kind, []byte(v.str), v.obj, new(LZF)); len(p) < 2048 {
			f.Add(p) // small seeds keep the fuzzer fast
		}
	}
	for _, p := range oldEncodingPayloads() {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		r := NewReader(p)
		typ, ok := r.ReadType()
		if !ok {
			return
		}
		kind, str, obj, err := ReadValue(r, typ, testLimits())
		if err != nil {
			return
		}
		// What loads must save and load back the same.
		q := AppendValue(nil, kind, str, obj, nil)
		r = NewReader(q)
		typ, _ = r.ReadType()
		kind2, str2, obj2, err := ReadValue(r, typ, testLimits())
		if err != nil {
			t.Fatalf("reloading %q: %v", q, err)
		}
		if a, b := describe(kind, str, obj), describe(kind2, str2, obj2); a != b {
			t.Fatalf("reload differs:\n%s\n%s", a, b)
		}
	})
}

func FuzzLoad(f *testing.F) {
	file, _ := sampleFile(f, false, false, sampleValues()[:8])
	f.Add(file)
	f.Add([]byte("REDIS0010\xff"))
	f.Fuzz(func(t *testing.T, p []byte) {
		Load(bytes.NewReader(p), testLimits(), discard{})
	})
}

// BenchmarkWriterStrings writes small string keys, BGSAVE's common case.
func BenchmarkWriterStrings(b *testing.B) {
	w := NewWriter(io.Discard, true, true)
	key := []byte("key:000000000")
	val := []byte("value-0123456789")
	num := []byte("1234567")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		key[len(key)-1] = byte('0' + i%10)
		w.Entry(key, 0, KindString, val, nil)
		w.Entry(num, 0, KindString, num, nil)
	}
}

// BenchmarkLoadStrings reads them back.
func BenchmarkLoadStrings(b *testing.B) {
	var buf bytes.Buffer
	w := NewWriter(&buf, true, true)
	w.Header()
	w.SelectDB(0, 100000, 0)
	for i := range 100000 {
		w.Entry(fmt.Appendf(nil, "key:%d", i), 0, KindString, []byte("value-0123456789"), nil)
	}
	w.Finish()
	b.ReportAllocs()
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if err := Load(bytes.NewReader(buf.Bytes()), testLimits(), discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHugeLength: a declared length of 2^60 fails at the end of the input
// having allocated about what the input held, not 2^60.
func TestHugeLength(t *testing.T) {
	huge := string(AppendLen(nil, 1<<60))
	body := strings.Repeat("x", 1<<20)
	for _, f := range []string{
		"REDIS0010\x00\x01k" + huge + body,              // a string
		"REDIS0010\x02" + huge + "\x01a\x01b",           // a set's count
		"REDIS0010\x00\x01k\xc3" + huge + "\x05" + body, // an LZF string
		"REDIS0010\x00\x01k\xc3\x05" + huge + "abcde",   // its length
		"REDIS0010\xfa" + huge + body,                   // an aux key
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := Load(strings.NewReader(f), testLimits(), discard{})
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%.20q: loaded", f)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
			t.Errorf("%.20q: allocated %d bytes", f, n)
		}
	}
}

// TestStreamReaderCRC: the running checksum covers exactly the bytes read.
func TestStreamReaderCRC(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 20000))
	r := NewStreamReader(&oneByte{data})
	var want uint64
	for i := 0; i < len(data); i += 777 {
		n := min(777, len(data)-i)
		p, ok := r.next(uint64(n))
		if !ok || !bytes.Equal(p, data[i:i+n]) {
			t.Fatalf("read at %d", i)
		}
		if want = CRC64(want, data[i:i+n]); r.CRC() != want {
			t.Fatalf("CRC at %d", i+n)
		}
	}
	if _, ok := r.ReadType(); ok {
		t.Error("read past the end")
	}
}
