package server

// zsetRangeCommands: being written.
func zsetRangeCommands() []*Command { return nil }
