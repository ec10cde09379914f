package server

// The bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.

func bitCommands() []*Command { return nil }
