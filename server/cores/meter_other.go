//go:build !linux

package cores

import "errors"

// meter is Linux-only: elsewhere the Controller does not run.
type meter struct{}

func newMeter() (*meter, error)       { return nil, errors.New("not supported on this system") }
func (m *meter) cores() int           { return 0 }
func (m *meter) read() (Window, bool) { return Window{}, false }
