// Package scripting runs Redis's Lua scripts and functions on gopher-lua
// (Lua 5.1, as Redis's): the sandboxed environment, the libraries Redis
// bundles (cjson, cmsgpack, bit, struct), the conversions between Lua values
// and RESP replies, the script cache and the function libraries. It never
// imports the server: the server hands it the functions a script calls.
package scripting
