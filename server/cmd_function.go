package server

// FUNCTION and FCALL (Redis 7 function libraries).

func functionCommands() []*Command {
	return nil
}
