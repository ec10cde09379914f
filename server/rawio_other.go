//go:build !linux

package server

import (
	"errors"
	"net"
)

// rawIO is Linux's (rawio_linux.go). Elsewhere connections read and write
// through net.Conn: newRawIO returns nil and the methods are never called.
type rawIO struct{}

func newRawIO(net.Conn) *rawIO { return nil }

var errNoRawIO = errors.New("no raw I/O on this system")

func (*rawIO) shutdown()                 {}
func (*rawIO) serve(*Client) error       { return errNoRawIO }
func (*rawIO) read([]byte) (int, error)  { return 0, errNoRawIO }
func (*rawIO) write([]byte) (int, error) { return 0, errNoRawIO }
