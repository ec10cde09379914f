package server

// The COMMAND family: COMMAND, COMMAND COUNT/LIST/INFO/DOCS/GETKEYS, all
// derived from the command table.

func commandCommands() []*Command {
	return []*Command{}
}
