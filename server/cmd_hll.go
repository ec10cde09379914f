package server

// The HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.

func hllCommands() []*Command { return nil }
