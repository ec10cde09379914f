package server

// setCommands: being written.
func setCommands() []*Command { return nil }
