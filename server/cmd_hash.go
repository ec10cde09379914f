package server

// hashCommands: being written.
func hashCommands() []*Command { return nil }
