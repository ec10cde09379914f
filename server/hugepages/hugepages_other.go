//go:build !linux

package hugepages

import "time"

// Advisor does nothing outside Linux.
type Advisor struct{}

func New() *Advisor                           { return nil }
func (a *Advisor) Advise() int                { return 0 }
func (a *Advisor) Run(interval time.Duration) {}
func (a *Advisor) Reserve(n int)              {}
func (a *Advisor) ReserveFor(fileSize int64)  {}
