package server

// zsetCommands: being written.
func zsetCommands() []*Command { return nil }
