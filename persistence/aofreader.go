package persistence

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Reading the commands of an append-only file: RESP arrays of bulk
// strings ("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"), and "#..." annotation
// lines between them (Redis's #TS: timestamps), which are skipped.

// ErrAOFTruncated is a file that ends inside a command: a torn tail.
var ErrAOFTruncated = errors.New("unexpected end of file")

// AOFFormatError is a file holding bytes that are not a command.
type AOFFormatError struct {
	Offset int64 // where the bad command starts
	Msg    string
}

func (e *AOFFormatError) Error() string {
	return fmt.Sprintf("bad file format at offset %d: %s", e.Offset, e.Msg)
}

var errLineTooLong = errors.New("line too long")

// aofMaxLine bounds a "*n" or "$n" line, as Redis's fgets buffer does.
const aofMaxLine = 1024

// aofReadChunk is how much of a declared bulk length is allocated ahead
// of the bytes arriving.
const aofReadChunk = 1 << 20

// AOFReader reads commands one at a time.
type AOFReader struct {
	r     *bufio.Reader
	off   int64 // bytes consumed
	done  int64 // end of the last complete command
	buf   []byte
	args  [][]byte
	spans [][2]int
}

// NewAOFReader reads commands from r, which should be buffered only by
// the AOFReader (it makes its own buffer unless r is a *bufio.Reader).
func NewAOFReader(r io.Reader) *AOFReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &AOFReader{r: br}
}

// Offset is the end of the last complete command: where a torn file is
// cut.
func (a *AOFReader) Offset() int64 { return a.done }

// Next returns the next command, valid until the following call; io.EOF
// at the end of the file, ErrAOFTruncated when it ends inside a command,
// *AOFFormatError on anything else, or the underlying read error.
func (a *AOFReader) Next() ([][]byte, error) {
	for {
		start := a.off
		line, err := a.line()
		if err == io.EOF && len(line) == 0 {
			return nil, io.EOF
		}
		if len(line) > 0 && line[0] == '#' && err == nil {
			continue
		}
		bad := func(msg string) error { return &AOFFormatError{Offset: start, Msg: msg} }
		if err != nil {
			return nil, a.readErr(err, bad)
		}
		if line[0] != '*' {
			return nil, bad("expected '*'")
		}
		argc, ok := lineNumber(line[1:])
		if !ok || argc < 1 {
			return nil, bad("invalid multibulk length")
		}
		a.buf, a.args, a.spans = a.buf[:0], a.args[:0], a.spans[:0]
		for j := int64(0); j < argc; j++ {
			line, err := a.line()
			if err != nil {
				return nil, a.readErr(err, bad)
			}
			if line[0] != '$' {
				return nil, bad("expected '$'")
			}
			n, ok := lineNumber(line[1:])
			if !ok || n < 0 {
				return nil, bad("invalid bulk length")
			}
			from := len(a.buf)
			if err := a.readBulk(n); err != nil {
				return nil, a.readErr(err, bad)
			}
			if a.buf[len(a.buf)-2] != '\r' || a.buf[len(a.buf)-1] != '\n' {
				return nil, bad("bulk string not followed by CRLF")
			}
			a.buf = a.buf[:len(a.buf)-2]
			a.spans = append(a.spans, [2]int{from, len(a.buf)})
		}
		for _, s := range a.spans {
			a.args = append(a.args, a.buf[s[0]:s[1]:s[1]])
		}
		a.done = a.off
		return a.args, nil
	}
}

// readErr maps an end of file inside a command to ErrAOFTruncated.
func (a *AOFReader) readErr(err error, bad func(string) error) error {
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return ErrAOFTruncated
	case errLineTooLong:
		return bad(err.Error())
	}
	return err
}

// line reads one line, '\n' included; at the end of the file it returns
// what it read with io.EOF.
func (a *AOFReader) line() ([]byte, error) {
	line, err := a.r.ReadSlice('\n')
	a.off += int64(len(line))
	switch {
	case err == bufio.ErrBufferFull || (err == nil && len(line) > aofMaxLine):
		return nil, errLineTooLong
	case err != nil:
		return line, err
	}
	return line, nil
}

// readBulk appends n bytes and the two after them (CRLF) to a.buf,
// growing it only as the bytes arrive.
func (a *AOFReader) readBulk(n int64) error {
	for left := n + 2; left > 0; {
		step := min(left, aofReadChunk)
		from := len(a.buf)
		a.buf = slices.Grow(a.buf, int(step))[:from+int(step)]
		got, err := io.ReadFull(a.r, a.buf[from:])
		a.off += int64(got)
		if err != nil {
			return err
		}
		left -= step
	}
	return nil
}

// lineNumber parses "<digits>\r\n" (a sign allowed).
func lineNumber(b []byte) (int64, bool) {
	if len(b) < 3 || b[len(b)-2] != '\r' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b[:len(b)-2]), 10, 64)
	return n, err == nil
}

// AppendAOFCommand appends args as a RESP array of bulk strings.
func AppendAOFCommand(b []byte, args [][]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
