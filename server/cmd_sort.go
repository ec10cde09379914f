package server

// sortCommands: being written.
func sortCommands() []*Command { return nil }
