package scripting

// Libraries are the function libraries FUNCTION LOAD defined.
type Libraries struct{}

func newLibraries() *Libraries { return &Libraries{} }
