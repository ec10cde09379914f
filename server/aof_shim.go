package server

// Temporary until the AOF lands.
func (s *Server) loadAOFAtStart() error { return nil }
func (s *Server) aofDiskError() string  { return "" }
func (s *Server) shutdownAOF() error    { return nil }
