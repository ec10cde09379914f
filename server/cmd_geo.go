package server

// The geo commands: GEOADD GEODIST GEOHASH GEOPOS GEORADIUS* GEOSEARCH*.

func geoCommands() []*Command { return nil }
