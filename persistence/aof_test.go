package persistence

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestManifestRedisFiles(t *testing.T) {
	// Manifests as redis-server 7.0.15 writes them.
	for _, text := range []string{
		"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		"file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n" +
			"file appendonly.aof.2.incr.aof seq 2 type h\nfile appendonly.aof.3.incr.aof seq 3 type i\n",
		"file appendonly.aof.3.base.rdb seq 3 type b\n",
		"file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		"file \"my file.aof.1.base.rdb\" seq 1 type b\nfile \"my file.aof.1.incr.aof\" seq 1 type i\n",
		"file \"q\\\"\\n\\x01.aof\" seq 7 type i\n",
	} {
		m, err := ParseManifest([]byte(text))
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got := string(m.Format()); got != text {
			t.Errorf("round trip:\n got %q\nwant %q", got, text)
		}
	}
	m, _ := ParseManifest([]byte("file \"my file.aof\" seq 1 type b\n"))
	if m.Base.Name != "my file.aof" {
		t.Errorf("quoted name: %q", m.Base.Name)
	}
}

func TestManifestForms(t *testing.T) {
	// Accepted: comments, extra keys (forward compatibility), any key
	// case, single quotes, history lines anywhere.
	m, err := ParseManifest([]byte("# comment\nFILE a.rdb SEQ 3 TYPE b extra x\nfile 'b c' seq 2 type h\nfile i1 seq 4 type i\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{Base: &AOFFile{"a.rdb", 3, 'b'}, History: []AOFFile{{"b c", 2, 'h'}}, Incr: []AOFFile{{"i1", 4, 'i'}}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %+v", m)
	}
	c := m.Clone()
	c.History[0].Name = "changed"
	c.Base.Seq = 9
	if m.History[0].Name != "b c" || m.Base.Seq != 3 {
		t.Error("Clone shares memory")
	}
}

func TestManifestErrors(t *testing.T) {
	long := "file " + strings.Repeat("x", 1100) + " seq 1 type b\n"
	for text, msg := range map[string]string{
		"":                           "Found an empty AOF manifest",
		"file a seq 1 type b":        "The AOF manifest file contains too long line",
		long:                         "The AOF manifest file contains too long line",
		"\n":                         "Invalid AOF manifest file format",
		"file a seq 1\n":             "Invalid AOF manifest file format",
		"file a seq 1 type b x\n":    "Invalid AOF manifest file format",
		"file a seq 0 type b\n":      "Invalid AOF manifest file format",
		"file a seq x type b\n":      "Invalid AOF manifest file format",
		"name a seq 1 type b\n":      "Invalid AOF manifest file format",
		"file \"a seq 1 type b\n":    "Invalid AOF manifest file format",
		"file \"a\"x seq 1 type b\n": "Invalid AOF manifest file format",
		"file d/a seq 1 type b\n":    "File can't be a path, just a filename",
		"file a seq 1 type x\n":      "Unknown AOF file type",
		"file a seq 1 type b\nfile b seq 2 type b\n": "Found duplicate base file information",
		"file a seq 2 type i\nfile b seq 2 type i\n": "Found a non-monotonic sequence number",
	} {
		_, err := ParseManifest([]byte(text))
		var me *ManifestError
		if !errors.As(err, &me) || me.Msg != msg {
			t.Errorf("%.40q: got %v, want %q", text, err, msg)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	for line, want := range map[string][]string{
		`a b  c`:               {"a", "b", "c"},
		`"a b" 'c d'`:          {"a b", "c d"},
		`"\x41\n\t\\" 'it\'s'`: {"A\n\t\\", "it's"},
		`""`:                   {""},
		`  `:                   nil,
	} {
		got, ok := SplitArgs(line)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q %v, want %q", line, got, ok, want)
		}
	}
	for _, bad := range []string{`"abc`, `'abc`, `"a"b`, `'a'b`} {
		if _, ok := SplitArgs(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// aofSample is a file of a few commands, with an annotation.
func aofSample() ([]byte, [][][]byte) {
	cmds := [][][]byte{
		{[]byte("SELECT"), []byte("0")},
		{[]byte("set"), []byte("k"), []byte("v")},
		{[]byte("MULTI")},
		{[]byte("rpush"), []byte("l"), []byte(""), []byte("a\r\nb"), bytes.Repeat([]byte("x"), 3000)},
		{[]byte("EXEC")},
	}
	var b []byte
	for i, c := range cmds {
		if i == 2 {
			b = append(b, "#TS:1700000000\r\n"...)
		}
		b = AppendAOFCommand(b, c)
	}
	return b, cmds
}

func readAll(data []byte) ([][][]byte, int64, error) {
	rd := NewAOFReader(bytes.NewReader(data))
	var out [][][]byte
	for {
		args, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, rd.Offset(), err
		}
		cp := make([][]byte, len(args))
		for i, a := range args {
			cp[i] = append([]byte{}, a...)
		}
		out = append(out, cp)
	}
}

func TestAOFReader(t *testing.T) {
	data, want := aofSample()
	got, off, err := readAll(data)
	if err != nil || !reflect.DeepEqual(got, want) || off != int64(len(data)) {
		t.Fatalf("got %q off %d err %v", got, off, err)
	}
	// Every cut inside a command is a torn tail, cut back to the last
	// complete command; a cut between commands is a clean end.
	ends := map[int64]bool{0: true}
	var annotated int64
	var pos []byte
	for i, c := range want {
		if i == 2 {
			// Cut right after the annotation: a clean end too.
			pos = append(pos, "#TS:1700000000\r\n"...)
			annotated = int64(len(pos))
		}
		pos = AppendAOFCommand(pos, c)
		ends[int64(len(pos))] = true
	}
	for n := 0; n < len(data); n++ {
		_, off, err := readAll(data[:n])
		switch {
		case ends[int64(n)]:
			if err != nil || off != int64(n) {
				t.Fatalf("cut at %d: err %v off %d", n, err, off)
			}
		case int64(n) == annotated:
			if err != nil || !ends[off] {
				t.Fatalf("cut after the annotation: err %v off %d", err, off)
			}
		default:
			if err != ErrAOFTruncated || !ends[off] || off > int64(n) {
				t.Fatalf("cut at %d: err %v off %d", n, err, off)
			}
		}
	}
}

func TestAOFReaderCorruption(t *testing.T) {
	for _, bad := range []string{
		"x\r\n",
		"\r\n",
		"*0\r\n",
		"*-1\r\n",
		"*1x\r\n$1\r\na\r\n",
		"*1\n$1\r\na\r\n",
		"*1\r\n+a\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n$1\r\nab\r\n",
		"*1\r\n$1\r\na\r\r",
		"*1\r\n$" + strings.Repeat("1", 2000) + "\r\n",
	} {
		_, _, err := readAll(append(AppendAOFCommand(nil, [][]byte{[]byte("PING")}), bad...))
		var fe *AOFFormatError
		if !errors.As(err, &fe) || fe.Offset != 14 {
			t.Errorf("%.30q: got %v", bad, err)
		}
	}
}

func TestAOFReaderHugeDeclaredLength(t *testing.T) {
	// A declared length never allocates more than what is there.
	data := []byte("*1\r\n$1000000000000\r\nabc")
	rd := NewAOFReader(bytes.NewReader(data))
	if _, err := rd.Next(); err != ErrAOFTruncated {
		t.Fatalf("got %v", err)
	}
	if cap(rd.buf) > 2*aofReadChunk {
		t.Fatalf("allocated %d bytes", cap(rd.buf))
	}
	rd = NewAOFReader(bytes.NewReader([]byte("*2000000000\r\n$1\r\na\r\n")))
	if _, err := rd.Next(); err != ErrAOFTruncated {
		t.Fatalf("got %v", err)
	}
}

// TestAOFReaderRandomDamage: truncations and byte flips anywhere never
// panic; a read either succeeds, or ends torn, or reports bad format.
func TestAOFReaderRandomDamage(t *testing.T) {
	data, _ := aofSample()
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 3000; i++ {
		d := append([]byte(nil), data...)
		switch i % 3 {
		case 0:
			d = d[:rng.IntN(len(d)+1)]
		case 1:
			for j := 0; j <= rng.IntN(3); j++ {
				d[rng.IntN(len(d))] ^= byte(1 << rng.IntN(8))
			}
		default:
			d[rng.IntN(len(d))] = byte(rng.IntN(256))
			d = d[:rng.IntN(len(d)+1)]
		}
		_, off, err := readAll(d)
		var fe *AOFFormatError
		if err != nil && err != ErrAOFTruncated && !errors.As(err, &fe) {
			t.Fatalf("case %d: unexpected error %v", i, err)
		}
		if off > int64(len(d)) {
			t.Fatalf("case %d: offset %d past the end %d", i, off, len(d))
		}
	}
}

func FuzzAOFReader(f *testing.F) {
	data, _ := aofSample()
	f.Add(data)
	f.Add([]byte("*1\r\n$4\r\nPING\r\n*2\r\n$1"))
	f.Add([]byte("#TS:1\r\n*1\r\n$0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, d []byte) {
		got, off, err := readAll(d)
		if off > int64(len(d)) {
			t.Fatalf("offset %d past the end %d", off, len(d))
		}
		if err != nil {
			return
		}
		// What reads cleanly re-encodes to a file that reads the same.
		var b []byte
		for _, c := range got {
			b = AppendAOFCommand(b, c)
		}
		again, _, err := readAll(b)
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("re-encoded file differs: %v", err)
		}
	})
}

func FuzzManifest(f *testing.F) {
	f.Add([]byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	f.Add([]byte("file \"a b\\x00\" seq 2 type h\n"))
	f.Fuzz(func(t *testing.T, d []byte) {
		m, err := ParseManifest(d)
		if err != nil || (m.Base == nil && len(m.History) == 0 && len(m.Incr) == 0) {
			return // only comments: nothing to write back
		}
		again, err := ParseManifest(m.Format())
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("round trip: %v\n%q\n%q", err, d, m.Format())
		}
	})
}
