package scripting

import (
	"context"
	"encoding/hex"
	"math"
	"runtime"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// mpTestPrelude defines the helpers the cases use, on the cases' line so
// errors read "user_script:1:": H (hex of a string), D (bytes of hex), S (a
// value, tables with sorted keys) and A (count and values of a call).
const mpTestPrelude = `local function H(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end local function D(h) return (h:gsub('%x%x', function(x) return string.char(tonumber(x,16)) end)) end local function S(v) local t = type(v) if t == 'table' then local ks = {} for k in pairs(v) do ks[#ks+1] = k end table.sort(ks, function(a,b) return tostring(a) < tostring(b) end) local o = {} for _,k in ipairs(ks) do o[#o+1] = S(k)..'='..S(v[k]) end return '{'..table.concat(o, ',')..'}' elseif t == 'string' then return '"'..v..'"' elseif t == 'number' then if v ~= v then return 'nan' elseif v == 1/0 then return 'inf' elseif v == -1/0 then return '-inf' end return string.format('%.17g', v) else return tostring(v) end end local function A(...) local n = select('#', ...) local o = {} for i=1,n do o[i] = S((select(i, ...))) end return n..':'..table.concat(o, ' ') end`

// mpCases were recorded from redis-server 7.0.15: each src ran as
// EVAL "<prelude> <src>" 0, want is the reply, or the error's message
// between "ERR " and " script: <sha>...".
var mpCases = []struct {
	name, src, want string
	isErr           bool
}{
	{"fields", `local t={} for k,v in pairs(cmsgpack) do t[#t+1]=k..'='..(type(v)=='string' and v or type(v)) end table.sort(t) return table.concat(t, ';')`, "_COPYRIGHT=Copyright (C) 2012, Salvatore Sanfilippo;_DESCRIPTION=MessagePack C implementation for Lua;_NAME=cmsgpack;_VERSION=lua-cmsgpack 0.4.0;pack=function;unpack=function;unpack_limit=function;unpack_one=function", false},
	{"pack_fixint", `return H(cmsgpack.pack(0, 1, 127, -1, -32))`, "00017fffe0", false},
	{"pack_uint8", `return H(cmsgpack.pack(128, 255))`, "cc80ccff", false},
	{"pack_uint16", `return H(cmsgpack.pack(256, 65535))`, "cd0100cdffff", false},
	{"pack_uint32", `return H(cmsgpack.pack(65536, 4294967295))`, "ce00010000ceffffffff", false},
	{"pack_uint64", `return H(cmsgpack.pack(4294967296, 2^53, 2^63-1024))`, "cf0000000100000000cf0020000000000000cf7ffffffffffffc00", false},
	{"pack_int8", `return H(cmsgpack.pack(-33, -128))`, "d0dfd080", false},
	{"pack_int16", `return H(cmsgpack.pack(-129, -32768))`, "d1ff7fd18000", false},
	{"pack_int32", `return H(cmsgpack.pack(-32769, -2147483648))`, "d2ffff7fffd280000000", false},
	{"pack_int64", `return H(cmsgpack.pack(-2147483649, -2^53, -2^63))`, "d3ffffffff7fffffffd3ffe0000000000000d38000000000000000", false},
	{"pack_intfloat", `return H(cmsgpack.pack(3.0, -3.0, 1e15, -0.0))`, "03fdcf00038d7ea4c6800000", false},
	{"pack_float32", `return H(cmsgpack.pack(1.5, -0.25, 0.5, 2^-149, 3.4028234663852886e38))`, "ca3fc00000cabe800000ca3f000000ca00000001ca7f7fffff", false},
	{"pack_float64", `return H(cmsgpack.pack(0.1, 1e300, 1e-300, 2^-150, 1e39, 3.14159))`, "cb3fb999999999999acb7e37e43c8800759ccb01a56e1fc2f8f359cb3690000000000000cb48078287f49c4a1dcb400921f9f01b866e", false},
	{"pack_bigfloat", `return H(cmsgpack.pack(2^63, -2^64, 2^64, 1e19, 2^53+1))`, "ca5f000000cadf800000ca5f800000cb43e158e460913d00cf0020000000000000", false},
	{"pack_inf_nan", `return H(cmsgpack.pack(1/0, -1/0)) .. ' ' .. H(cmsgpack.pack(0/0)):sub(1,2)`, "ca7f800000caff800000 cb", false},
	{"pack_numstr", `return H(cmsgpack.pack('123', 12.5))`, "a3313233ca41480000", false},
	{"pack_str_fix", `return H(cmsgpack.pack('', 'abc', string.rep('x', 31)))`, "a0a3616263bf78787878787878787878787878787878787878787878787878787878787878", false},
	{"pack_str8", `local s = cmsgpack.pack(string.rep('x', 32)) return H(s:sub(1,3)) .. ' ' .. #s`, "d92078 34", false},
	{"pack_str8_max", `local s = cmsgpack.pack(string.rep('x', 255)) return H(s:sub(1,3)) .. ' ' .. #s`, "d9ff78 257", false},
	{"pack_str16", `local s = cmsgpack.pack(string.rep('x', 256)) return H(s:sub(1,4)) .. ' ' .. #s`, "da010078 259", false},
	{"pack_str16_max", `local s = cmsgpack.pack(string.rep('x', 65535)) return H(s:sub(1,4)) .. ' ' .. #s`, "daffff78 65538", false},
	{"pack_str32", `local s = cmsgpack.pack(string.rep('x', 65536)) return H(s:sub(1,6)) .. ' ' .. #s`, "db0001000078 65541", false},
	{"pack_binary_str", `return H(cmsgpack.pack('\0\255\n'))`, "a300ff0a", false},
	{"pack_bool_nil", `return H(cmsgpack.pack(true, false, nil))`, "c3c2c0", false},
	{"pack_nil_only", `return H(cmsgpack.pack(nil))`, "c0", false},
	{"pack_function", `return H(cmsgpack.pack(cmsgpack.pack, tostring))`, "c0c0", false},
	{"pack_multi", `return H(cmsgpack.pack(1, 'a', {2}, {x=true}))`, "01a161910281a178c3", false},
	{"pack_empty_table", `return H(cmsgpack.pack({}))`, "90", false},
	{"pack_array", `return H(cmsgpack.pack({1, 2, 3, 'x'}))`, "94010203a178", false},
	{"pack_array16", `local t={} for i=1,16 do t[i]=i end return H(cmsgpack.pack(t))`, "dc00100102030405060708090a0b0c0d0e0f10", false},
	{"pack_array16_max", `local t={} for i=1,65535 do t[i]=0 end local s = cmsgpack.pack(t) return H(s:sub(1,4)) .. ' ' .. #s`, "dcffff00 65538", false},
	{"pack_array32", `local t={} for i=1,65536 do t[i]=0 end local s = cmsgpack.pack(t) return H(s:sub(1,6)) .. ' ' .. #s`, "dd0001000000 65541", false},
	{"pack_hole", `return H(cmsgpack.pack({1, nil, 3}))`, "8201010303", false},
	{"pack_sparse", `return H(cmsgpack.pack({[2]=2}))`, "810202", false},
	{"pack_zero_key", `return H(cmsgpack.pack({[0]=2}))`, "810002", false},
	{"pack_neg_key", `return H(cmsgpack.pack({[-1]=2}))`, "81ff02", false},
	{"pack_float_key", `return H(cmsgpack.pack({[1.5]=2}))`, "81ca3fc0000002", false},
	{"pack_big_key", `return H(cmsgpack.pack({[2^31]=2}))`, "81ce8000000002", false},
	{"pack_int_max_key", `local t = {[2147483647]=1} return H(cmsgpack.pack(t))`, "81ce7fffffff01", false},
	{"pack_string_key", `return H(cmsgpack.pack({['1']=2}))`, "81a13102", false},
	{"pack_map", `return H(cmsgpack.pack({a=1}))`, "81a16101", false},
	{"pack_bool_key", `return H(cmsgpack.pack({[true]=false}))`, "81c3c2", false},
	{"pack_table_key", `return H(cmsgpack.pack({[{}]=1}))`, "819001", false},
	{"pack_map16", `local t={} for i=1,16 do t['k'..i]=i end local s = cmsgpack.pack(t) return H(s:sub(1,3)) .. ' ' .. #s`, "de0010 74", false},
	{"pack_map32", `local t={} for i=1,65536 do t[-i]=0 end local s = cmsgpack.pack(t) return H(s:sub(1,5)) .. ' ' .. #s`, "df00010000 327525", false},
	{"pack_mixed_keys", `local s = cmsgpack.pack({1, 2, x=3}) return H(s:sub(1,1)) .. ' ' .. #s`, "83 8", false},
	{"pack_nest_16", `local t={} local c=t for i=1,15 do c[1]={} c=c[1] end return H(cmsgpack.pack(t))`, "91919191919191919191919191919190", false},
	{"pack_nest_17", `local t={} local c=t for i=1,16 do c[1]={} c=c[1] end return H(cmsgpack.pack(t))`, "91919191919191919191919191919191c0", false},
	{"pack_nest_map", `local t={} local c=t for i=1,20 do c.a={} c=c.a end return H(cmsgpack.pack(t))`, "81a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a16181a161c0", false},
	{"pack_cycle", `local t={} t[1]=t return H(cmsgpack.pack(t))`, "91919191919191919191919191919191c0", false},
	{"pack_cycle_key", `local t={} t[t]=1 return H(cmsgpack.pack(t))`, "81818181818181818181818181818181c001010101010101010101010101010101", false},
	{"pack_metatable", `local t = setmetatable({}, {__index=function() return 1 end}) t[1]=5 return H(cmsgpack.pack(t))`, "9105", false},
	{"pack_no_args", `return H(cmsgpack.pack())`, "user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)", true},
	{"pack_no_args_pcall", `return A(pcall(cmsgpack.pack))`, "2:false \"bad argument #0 to '?' (MessagePack pack needs input.)\"", false},
	{"pack_4000_args", `local t={} for i=1,4000 do t[i]=i end return #cmsgpack.pack(unpack(t))`, "11618", false},
	{"pack_4001_args", `local t={} for i=1,4001 do t[i]=i end return #cmsgpack.pack(unpack(t))`, "user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)", true},
	{"pack_stack_array", `local t={} for i=1,3999 do t[i]=i end t[4000]={} return #cmsgpack.pack(unpack(t))`, "user_script:1: stack overflow (in function table_is_an_array)", true},
	{"pack_stack_ok", `local t={} for i=1,3998 do t[i]=i end t[3999]={} return #cmsgpack.pack(unpack(t))`, "11613", false},
	{"pack_stack_map", `local t={} for i=1,3998 do t[i]=i end t[3999]={a={}} return #cmsgpack.pack(unpack(t))`, "user_script:1: stack overflow (in function mp_encode_lua_table_as_map)", true},
	{"pack_stack_map_ok", `local t={} for i=1,3996 do t[i]=i end t[3997]={a={}} return #cmsgpack.pack(unpack(t))`, "11610", false},
	{"unpack_empty", `return A(cmsgpack.unpack(''))`, "0:", false},
	{"unpack_fixint", `return A(cmsgpack.unpack(D('00017fffe0')))`, "5:0 1 127 -1 -32", false},
	{"unpack_uints", `return A(cmsgpack.unpack(D('cc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000')))`, "7:128 255 256 65535 65536 4294967295 4294967296", false},
	{"unpack_uint64_wrap", `return A(cmsgpack.unpack(D('cfffffffffffffffffcf8000000000000000')))`, "2:-1 -9.2233720368547758e+18", false},
	{"unpack_ints", `return A(cmsgpack.unpack(D('d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffd38000000000000000')))`, "8:-33 -128 -129 -32768 -32769 -2147483648 -2147483649 -9.2233720368547758e+18", false},
	{"unpack_floats", `return A(cmsgpack.unpack(D('ca3fc00000cb3fb999999999999aca7f800000caff800000cbfff0000000000000')))`, "5:1.5 0.10000000000000001 inf -inf -inf", false},
	{"unpack_nan", `local a, b = cmsgpack.unpack(D('ca7fc00000cb7ff8000000000001')) return A(a ~= a, b ~= b)`, "2:true true", false},
	{"unpack_nil_bool", `return A(cmsgpack.unpack(D('c0c2c3')))`, "3:nil false true", false},
	{"unpack_strings", `return A(cmsgpack.unpack(D('a0a3616263d903616263da0003616263db00000003616263')))`, "5:\"\" \"abc\" \"abc\" \"abc\" \"abc\"", false},
	{"unpack_str8_long", `local s = cmsgpack.unpack(cmsgpack.pack(string.rep('y', 200))) return #s .. s:sub(1, 3)`, "200yyy", false},
	{"unpack_arrays", `return A(cmsgpack.unpack(D('90910192010293010203dc0001c0dd00000002c0c3')))`, "6:{} {1=1} {1=1,2=2} {1=1,2=2,3=3} {} {2=true}", false},
	{"unpack_array_nils", `return A(cmsgpack.unpack(D('92c00193c0c0c0')))`, "2:{2=1} {}", false},
	{"unpack_maps", `return A(cmsgpack.unpack(D('8081a161018201020304de0001c2c3df00000001a1619101')))`, "5:{} {\"a\"=1} {1=2,3=4} {false=true} {\"a\"={1=1}}", false},
	{"unpack_map_nil_value", `return A(cmsgpack.unpack(D('8201c00203')))`, "1:{2=3}", false},
	{"unpack_map_dup_key", `return A(cmsgpack.unpack(D('82a16101a16102')))`, "1:{\"a\"=2}", false},
	{"unpack_map_dup_delete", `return A(cmsgpack.unpack(D('82a16101a161c0')))`, "1:{}", false},
	{"unpack_map_table_key", `local t = cmsgpack.unpack(D('81900102')) local k, v = next(t) return A(type(k), v)`, "2:\"table\" 1", false},
	{"unpack_map_float_key", `local t = cmsgpack.unpack(D('81ca3f80000005')) return A(t[1])`, "1:5", false},
	{"unpack_map_nil_key", `return A(cmsgpack.unpack(D('81c001')))`, "table index is nil", true},
	{"unpack_map_nil_key_nil", `return A(cmsgpack.unpack(D('81c0c0')))`, "table index is nil", true},
	{"unpack_map_nan_key", `return A(cmsgpack.unpack(D('81ca7fc0000001')))`, "table index is NaN", true},
	{"unpack_map_nil_key_pcall", `return A(pcall(cmsgpack.unpack, D('81c001')))`, "2:false \"table index is nil\"", false},
	{"unpack_nested", `return A(cmsgpack.unpack(cmsgpack.pack({1, {a={true, false}}, 'x'})))`, "1:{1=1,2={\"a\"={1=true,2=false}},3=\"x\"}", false},
	{"unpack_number_arg", `return A(cmsgpack.unpack(12))`, "2:49 50", false},
	{"unpack_float_arg", `return A(cmsgpack.unpack(1.5))`, "3:49 46 53", false},
	{"unpack_extra_args", `return A(cmsgpack.unpack(D('010203'), 5, 6))`, "3:1 2 3", false},
	{"unpack_bad_arg", `return A(cmsgpack.unpack({}))`, "user_script:1: bad argument #1 to 'unpack' (string expected, got table)", true},
	{"unpack_no_arg", `return A(cmsgpack.unpack())`, "user_script:1: bad argument #1 to 'unpack' (string expected, got no value)", true},
	{"unpack_nil_arg", `return A(cmsgpack.unpack(nil))`, "user_script:1: bad argument #1 to 'unpack' (string expected, got nil)", true},
	{"unpack_bad_arg_pcall", `return A(pcall(cmsgpack.unpack, true))`, "2:false \"bad argument #1 to '?' (string expected, got boolean)\"", false},
	{"bad_c1", `return A(cmsgpack.unpack(D('01c1')))`, "user_script:1: Bad data format in input.", true},
	{"bad_bin8", `return A(cmsgpack.unpack(D('c40161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_bin16", `return A(cmsgpack.unpack(D('c5000161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_bin32", `return A(cmsgpack.unpack(D('c60000000161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_ext8", `return A(cmsgpack.unpack(D('c7010161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_ext16", `return A(cmsgpack.unpack(D('c800010161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_ext32", `return A(cmsgpack.unpack(D('c9000000010161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_fixext", `return A(cmsgpack.unpack(D('d40161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_fixext2", `return A(cmsgpack.unpack(D('d5016162')))`, "user_script:1: Bad data format in input.", true},
	{"bad_fixext4", `return A(cmsgpack.unpack(D('d60161626364')))`, "user_script:1: Bad data format in input.", true},
	{"bad_fixext8", `return A(cmsgpack.unpack(D('d7016161616161616161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_fixext16", `return A(cmsgpack.unpack(D('d8016161616161616161616161616161616161')))`, "user_script:1: Bad data format in input.", true},
	{"bad_in_array", `return A(cmsgpack.unpack(D('9201c1')))`, "user_script:1: Bad data format in input.", true},
	{"bad_pcall", `return A(pcall(cmsgpack.unpack, D('c1')))`, "2:false \"Bad data format in input.\"", false},
	{"missing_uint8", `return A(cmsgpack.unpack(D('cc')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_uint16", `return A(cmsgpack.unpack(D('cd00')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_uint32", `return A(cmsgpack.unpack(D('ce000000')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_uint64", `return A(cmsgpack.unpack(D('cf00000000000000')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_int8", `return A(cmsgpack.unpack(D('d0')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_int16", `return A(cmsgpack.unpack(D('d1ff')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_int32", `return A(cmsgpack.unpack(D('d2ffffff')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_int64", `return A(cmsgpack.unpack(D('d3')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_float", `return A(cmsgpack.unpack(D('ca3f')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_double", `return A(cmsgpack.unpack(D('cb3f00000000')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_fixstr", `return A(cmsgpack.unpack(D('a26')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_str8", `return A(cmsgpack.unpack(D('d90261')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_str8_len", `return A(cmsgpack.unpack(D('d9')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_str16", `return A(cmsgpack.unpack(D('da000161')))`, "1:\"a\"", false},
	{"missing_str16_short", `return A(cmsgpack.unpack(D('da0002')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_str32", `return A(cmsgpack.unpack(D('dbffffffff61')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_array", `return A(cmsgpack.unpack(D('9201')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_array16", `return A(cmsgpack.unpack(D('dc00')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_array32_huge", `return A(cmsgpack.unpack(D('ddffffffff01')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_map", `return A(cmsgpack.unpack(D('8101')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_map_key", `return A(cmsgpack.unpack(D('81')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_map16", `return A(cmsgpack.unpack(D('de0001')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_map32_huge", `return A(cmsgpack.unpack(D('dfffffffff')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_map32_huge_pairs", `return A(cmsgpack.unpack(D('dfffffffff0102030405')))`, "user_script:1: Missing bytes in input.", true},
	{"missing_pcall", `return A(pcall(cmsgpack.unpack, D('91')))`, "2:false \"Missing bytes in input.\"", false},
	{"missing_after_values", `return A(cmsgpack.unpack(D('0102cc')))`, "user_script:1: Missing bytes in input.", true},
	{"one_default", `return A(cmsgpack.unpack_one(D('010203')))`, "2:1 1", false},
	{"one_offsets", `return A(cmsgpack.unpack_one(D('010203'), 1)) .. ' ' .. A(cmsgpack.unpack_one(D('010203'), 2)) .. ' ' .. A(cmsgpack.unpack_one(D('010203'), 3))`, "2:2 2 2:-1 3 1:-1", false},
	{"one_empty", `return A(cmsgpack.unpack_one(''))`, "1:-1", false},
	{"one_loop", `local s = cmsgpack.pack(1, 'two', {3}) local o, out = 0, {} while o >= 0 do local v o, v = cmsgpack.unpack_one(s, o) out[#out+1] = S(v) end return table.concat(out, ' ')`, "1 \"two\" {1=3}", false},
	{"one_offset_past", `return A(cmsgpack.unpack_one(D('010203'), 4))`, "user_script:1: Start offset 4 greater than input length 3.", true},
	{"one_offset_negative", `return A(cmsgpack.unpack_one(D('010203'), -1))`, "user_script:1: Invalid request to unpack with offset of -1 and limit of 3.", true},
	{"one_offset_float", `return A(cmsgpack.unpack_one(D('010203'), 1.9))`, "2:2 2", false},
	{"one_offset_string", `return A(cmsgpack.unpack_one(D('010203'), '1'))`, "2:2 2", false},
	{"one_offset_hex", `return A(cmsgpack.unpack_one(D('010203'), ' 0x2 '))`, "2:-1 3", false},
	{"one_offset_bad_string", `return A(cmsgpack.unpack_one(D('010203'), 'x'))`, "user_script:1: bad argument #2 to 'unpack_one' (number expected, got string)", true},
	{"one_offset_nil", `return A(cmsgpack.unpack_one(D('010203'), nil))`, "2:1 1", false},
	{"one_offset_table", `return A(cmsgpack.unpack_one(D('010203'), {}))`, "user_script:1: bad argument #2 to 'unpack_one' (number expected, got table)", true},
	{"one_offset_wrap", `return A(cmsgpack.unpack_one(D('010203'), 2^32+1))`, "user_script:1: Start offset 1 greater than input length 3.", true},
	{"one_offset_nan", `return A(cmsgpack.unpack_one(D('010203'), 0/0))`, "user_script:1: Invalid request to unpack with offset of 0 and limit of 3.", true},
	{"one_offset_huge", `return A(cmsgpack.unpack_one(D('010203'), 1e30))`, "user_script:1: Invalid request to unpack with offset of 0 and limit of 3.", true},
	{"one_offset_2p31", `return A(cmsgpack.unpack_one(D('010203'), 2^31))`, "user_script:1: Start offset -2147483648 greater than input length 3.", true},
	{"one_offset_neg_wrap", `return A(cmsgpack.unpack_one(D('010203'), -2^32-5))`, "user_script:1: Invalid request to unpack with offset of -5 and limit of 3.", true},
	{"one_no_args", `return A(cmsgpack.unpack_one())`, "user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value)", true},
	{"one_nil", `return A(cmsgpack.unpack_one(nil))`, "user_script:1: bad argument #1 to 'unpack_one' (string expected, got nil)", true},
	{"one_number", `return A(cmsgpack.unpack_one(12))`, "2:1 49", false},
	{"one_extra_args", `return A(cmsgpack.unpack_one(D('010203'), 1, 6))`, "2:2 2", false},
	{"one_missing", `return A(cmsgpack.unpack_one(D('01cd00'), 1))`, "user_script:1: Missing bytes in input.", true},
	{"limit_no_limit", `return A(cmsgpack.unpack_limit(D('010203')))`, "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value)", true},
	{"limit_nil", `return A(cmsgpack.unpack_limit(D('010203'), nil))`, "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got nil)", true},
	{"limit_zero", `return A(cmsgpack.unpack_limit(D('010203'), 0))`, "3:1 2 3", false},
	{"limit_zero_zero", `return A(cmsgpack.unpack_limit(D('010203'), 0, 0))`, "3:1 2 3", false},
	{"limit_zero_offset", `return A(cmsgpack.unpack_limit(D('010203'), 0, 1))`, "1:1", false},
	{"limit_zero_end", `return A(cmsgpack.unpack_limit(D('010203'), 0, 3))`, "1:-1", false},
	{"limit_two", `return A(cmsgpack.unpack_limit(D('010203'), 2))`, "3:2 1 2", false},
	{"limit_two_offset", `return A(cmsgpack.unpack_limit(D('010203'), 2, 1))`, "3:-1 2 3", false},
	{"limit_past_end", `return A(cmsgpack.unpack_limit(D('010203'), 5, 1))`, "3:-1 2 3", false},
	{"limit_negative", `return A(cmsgpack.unpack_limit(D('010203'), -1))`, "user_script:1: Invalid request to unpack with offset of 0 and limit of 3.", true},
	{"limit_negative_offset", `return A(cmsgpack.unpack_limit(D('010203'), -1, 7))`, "user_script:1: Invalid request to unpack with offset of 7 and limit of 3.", true},
	{"limit_offset_past", `return A(cmsgpack.unpack_limit(D('010203'), 1, 7))`, "user_script:1: Start offset 7 greater than input length 3.", true},
	{"limit_bad_limit", `return A(cmsgpack.unpack_limit(D('010203'), 'x'))`, "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got string)", true},
	{"limit_bool_limit", `return A(cmsgpack.unpack_limit(D('010203'), true))`, "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got boolean)", true},
	{"limit_bad_offset", `return A(cmsgpack.unpack_limit(D('010203'), 1, 'x'))`, "user_script:1: bad argument #3 to 'unpack_limit' (number expected, got string)", true},
	{"limit_table_offset", `return A(cmsgpack.unpack_limit(D('010203'), 1, {}))`, "user_script:1: bad argument #3 to 'unpack_limit' (number expected, got table)", true},
	{"limit_nil_string", `return A(cmsgpack.unpack_limit(nil, 1))`, "user_script:1: bad argument #1 to 'unpack_limit' (string expected, got nil)", true},
	{"limit_check_order", `return A(cmsgpack.unpack_limit(nil, 'x'))`, "user_script:1: bad argument #2 to 'unpack_limit' (number expected, got string)", true},
	{"limit_nested", `return A(cmsgpack.unpack_limit(D('01920203'), 1, 1))`, "2:-1 {1=2,2=3}", false},
	{"limit_missing", `return A(cmsgpack.unpack_limit(D('0192'), 1, 1))`, "user_script:1: Missing bytes in input.", true},
	{"limit_huge", `return A(cmsgpack.unpack_limit(D('010203'), 1e30))`, "user_script:1: Invalid request to unpack with offset of 0 and limit of 3.", true},
	{"limit_2p32", `return A(cmsgpack.unpack_limit(D('010203'), 2^32+1))`, "4:-1 1 2 3", false},
	{"limit_offset_min", `return A(cmsgpack.unpack_limit(D('010203'), 1, -2^31))`, "user_script:1: Invalid request to unpack with offset of -2147483648 and limit of 3.", true},
	{"limit_offset_2p63", `return A(cmsgpack.unpack_limit(D('010203'), 1, 2^63))`, "user_script:1: Invalid request to unpack with offset of 0 and limit of 3.", true},
	{"limit_empty", `return A(cmsgpack.unpack_limit('', 1))`, "1:-1", false},
	{"stack_values_ok", `local s = string.rep('\1', 7999) return A(select('#', cmsgpack.unpack(s)))`, "1:7999", false},
	{"stack_values_over", `local s = string.rep('\1', 8000) return A(select('#', cmsgpack.unpack(s)))`, "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)", true},
	{"stack_values_args", `local s = string.rep('\1', 7999) return A(select('#', cmsgpack.unpack(s, 1)))`, "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)", true},
	{"stack_limit_ok", `local s = string.rep('\1', 7998) return A(select('#', cmsgpack.unpack_limit(s, 8000)))`, "1:7999", false},
	{"stack_limit_over", `local s = string.rep('\1', 7999) return A(select('#', cmsgpack.unpack_limit(s, 8000)))`, "user_script:1: stack overflow (in function mp_unpack_full)", true},
	{"stack_limit_one", `local s = string.rep('\1', 8100) return A(cmsgpack.unpack_limit(s, 1, 8000))`, "2:8001 1", false},
	{"stack_deep_array_ok", `local s = string.rep('\145', 3999)..'\1' local t = cmsgpack.unpack(s) local d=0 while type(t)=='table' do t=t[1] d=d+1 end return A(d, t)`, "2:3999 1", false},
	{"stack_deep_array_over", `local s = string.rep('\145', 4000)..'\1' return A(cmsgpack.unpack(s))`, "user_script:1: stack overflow (in function mp_decode_to_lua_array)", true},
	{"stack_deep_empty_array", `local s = string.rep('\145', 3999)..'\144' return A(cmsgpack.unpack(s))`, "user_script:1: stack overflow (in function mp_decode_to_lua_array)", true},
	{"stack_deep_map_ok", `local s = string.rep('\129\1', 3999)..'\1' local t = cmsgpack.unpack(s) local d=0 while type(t)=='table' do t=t[1] d=d+1 end return A(d, t)`, "2:3999 1", false},
	{"stack_deep_map_over", `local s = string.rep('\129\1', 4000)..'\1' return A(cmsgpack.unpack(s))`, "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)", true},
	{"stack_deep_key_ok", `local s = string.rep('\129', 7997)..'\1'..string.rep('\1', 7997) local t = cmsgpack.unpack(s) local d=0 while type(t)=='table' do t=next(t) d=d+1 end return A(d, t)`, "2:7997 1", false},
	{"stack_deep_key_over", `local s = string.rep('\129', 7998)..'\1'..string.rep('\1', 7998) return A(cmsgpack.unpack(s))`, "user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)", true},
	{"stack_deep_truncated", `local s = string.rep('\145', 5000) return A(cmsgpack.unpack(s))`, "user_script:1: stack overflow (in function mp_decode_to_lua_array)", true},
	{"stack_deep_pcall", `return A(pcall(cmsgpack.unpack, string.rep('\145', 5000)..'\1'))`, "2:false \"stack overflow (in function mp_decode_to_lua_array)\"", false},
	{"roundtrip", `local v = {1, 2.5, 'three', {four=4}, true} local t = cmsgpack.unpack(cmsgpack.pack(v)) return S(t)`, "{1=1,2=2.5,3=\"three\",4={\"four\"=4},5=true}", false},
	{"roundtrip_int64", `return A(cmsgpack.unpack(cmsgpack.pack(2^62, -2^62, 2^53+2)))`, "3:4.6116860184273879e+18 -4.6116860184273879e+18 9007199254740994", false},
	{"tail_call_error", `return cmsgpack.unpack(D('c1'))`, "user_script:1: Bad data format in input.", true},
	{"tail_call_argerror", `return cmsgpack.unpack({})`, "user_script:1: bad argument #1 to 'unpack' (string expected, got table)", true},
	{"nested_function_error", `local function f() return cmsgpack.unpack(D('c1')) end local x = f() return x`, "user_script:1: Bad data format in input.", true},
}

// mpKnown are recorded cases Shoal does not match yet, and why.
var mpKnown = map[string]string{
	"pack_no_args_pcall":   "argError names the function under pcall; Lua 5.1 says '?'",
	"unpack_bad_arg_pcall": "argError names the function under pcall; Lua 5.1 says '?'",
}

// newMsgpackState is newLibState with a data stack as large as the engine
// lets it grow, which unpack's 7999 results need.
func newMsgpackState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true, RegistrySize: 1024, RegistryMaxSize: mpMaxStack * 16})
	for _, lib := range []lua.LGFunction{lua.OpenBase, lua.OpenTable, lua.OpenString, lua.OpenMath} {
		L.Push(L.NewFunction(lib))
		L.Call(0, 0)
	}
	L.SetGlobal("cmsgpack", openCMsgpack(L))
	t.Cleanup(L.Close)
	return L
}

func TestCMsgpackRecorded(t *testing.T) {
	L := newMsgpackState(t)
	for _, c := range mpCases {
		v, err := runLua(L, mpTestPrelude+" "+c.src)
		L.SetTop(0)
		ok := c.isErr && err == c.want || !c.isErr && err == "" && v.String() == c.want
		if why := mpKnown[c.name]; why != "" && !ok {
			t.Logf("%s: known difference: %s", c.name, why)
			continue
		}
		switch {
		case c.isErr && err != c.want:
			t.Errorf("%s: error %q, want error %q (value %v)", c.name, err, c.want, v)
		case !c.isErr && (err != "" || v.String() != c.want):
			t.Errorf("%s: got %q (error %q), want %q", c.name, v.String(), err, c.want)
		}
	}
}

// mpCall calls cmsgpack.<fn> with args from Go, returning its results or
// the error message.
func mpCall(L *lua.LState, fn string, args ...lua.LValue) ([]lua.LValue, string) {
	f := L.GetGlobal("cmsgpack").(*lua.LTable).RawGetString(fn)
	top := L.GetTop()
	L.Push(f)
	for _, a := range args {
		L.Push(a)
	}
	if err := L.PCall(len(args), lua.MultRet, nil); err != nil {
		L.SetTop(top)
		if le, ok := err.(*lua.ApiError); ok {
			return nil, le.Object.String()
		}
		return nil, err.Error()
	}
	out := make([]lua.LValue, 0, L.GetTop()-top)
	for i := top + 1; i <= L.GetTop(); i++ {
		out = append(out, L.Get(i))
	}
	L.SetTop(top)
	return out, ""
}

// Multi-key maps pack in gopher-lua's next() order, not C Lua's, so their
// bytes can differ from Redis's; their header and content must not.
func TestCMsgpackMapOrder(t *testing.T) {
	L := newMsgpackState(t)
	v, err := runLua(L, mpTestPrelude+` local s = cmsgpack.pack({a=1, b={true}, [3]='x', [-1]=2.5})
		return H(s:sub(1,1)) .. ' ' .. #s .. ' ' .. S(cmsgpack.unpack(s))`)
	if want := `84 17 {-1=2.5,3="x","a"=1,"b"={1=true}}`; err != "" || v.String() != want {
		t.Fatalf("got %v (error %q), want %s", v, err, want)
	}
}

// Hostile input: declared counts and lengths far beyond the input fail
// with "Missing bytes" after allocating about as much as the input.
func TestCMsgpackHostile(t *testing.T) {
	L := newMsgpackState(t)
	cases := []struct{ name, in, want string }{
		{"map 2^32-1", "\xdf\xff\xff\xff\xff\x01\x02", "Missing bytes in input."},
		{"array 2^32-1", "\xdd\xff\xff\xff\xff\x01\x02", "Missing bytes in input."},
		{"str32 2^32-1", "\xdb\xff\xff\xff\xffabc", "Missing bytes in input."},
		{"nested huge arrays", strings.Repeat("\xdd\xff\xff\xff\xff", 3000), "Missing bytes in input."},
		{"nested huge maps", strings.Repeat("\xdf\xff\xff\xff\xff", 3000), "Missing bytes in input."},
		{"deep arrays", strings.Repeat("\x91", 100000), "stack overflow (in function mp_decode_to_lua_array)"},
		{"deep map keys", strings.Repeat("\x81", 100000), "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)"},
		// gopher-lua keeps integer keys below 2^26 in a nil-padded array:
		// a key that sparse would cost a gigabyte.
		{"sparse key", "\x81\xce\x03\xff\xff\xff\x01", "not enough memory"},
		{"sparse keys", strings.Repeat("\x81\xcd\xff\xff\x01", 100), "not enough memory"},
	}
	for _, c := range cases {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		_, err := mpCall(L, "unpack", lua.LString(c.in))
		runtime.ReadMemStats(&ms1)
		if !strings.HasSuffix(err, c.want) {
			t.Errorf("%s: error %q, want %q", c.name, err, c.want)
		}
		if n := ms1.TotalAlloc - ms0.TotalAlloc; n > 64<<20 {
			t.Errorf("%s: allocated %d bytes for %d bytes of input", c.name, n, len(c.in))
		}
	}
	// Keys sparse within the slack decode as Redis decodes them.
	out, err := mpCall(L, "unpack", lua.LString("\x82\xcd\xff\xff\x01\x03\x02"))
	if err != "" || out[0].(*lua.LTable).RawGetInt(65535) != lua.LNumber(1) || out[0].(*lua.LTable).RawGetInt(3) != lua.LNumber(2) {
		t.Errorf("sparse map within slack: %v %q", out, err)
	}
}

// A pack that never ends (a table holding itself many times packs to
// 20^16 bytes) stops when the script is stopped.
func TestCMsgpackPackStops(t *testing.T) {
	L := newMsgpackState(t)
	v, err := runLua(L, `local t = {} for i = 1, 20 do t[i] = t end return t`)
	if err != "" {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	L.SetContext(ctx)
	defer L.RemoveContext()
	if _, err := mpCall(L, "pack", v); !strings.Contains(err, "context canceled") {
		t.Fatalf("error %q, want the context's", err)
	}
}

// Every value cmsgpack can represent survives pack and unpack.
func TestCMsgpackRoundTrip(t *testing.T) {
	L := newMsgpackState(t)
	nums := []float64{0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, -32768, -32769,
		1<<32 - 1, 1 << 32, -1 << 31, -1<<31 - 1, 1 << 53, -1 << 63, 0.5, 0.1, -1e300, 1e-310,
		math.Inf(1), math.Inf(-1), math.MaxFloat32, math.SmallestNonzeroFloat64}
	for _, f := range nums {
		out, err := mpCall(L, "unpack", mustPack(t, L, lua.LNumber(f)))
		if err != "" || len(out) != 1 || out[0] != lua.LNumber(f) {
			t.Errorf("%v: got %v %q", f, out, err)
		}
	}
	for _, n := range []int{0, 1, 31, 32, 255, 256, 65535, 65536, 70000} {
		s := lua.LString(strings.Repeat("z", n))
		out, err := mpCall(L, "unpack", mustPack(t, L, s))
		if err != "" || len(out) != 1 || out[0] != s {
			t.Errorf("string of %d: got %q", n, err)
		}
	}
}

func mustPack(t *testing.T, L *lua.LState, v lua.LValue) lua.LValue {
	t.Helper()
	out, err := mpCall(L, "pack", v)
	if err != "" {
		t.Fatal(err)
	}
	return out[0]
}

// FuzzCMsgpackUnpack: unpack never panics, fails only with its own errors,
// and what it returns packs and unpacks to the same shape.
func FuzzCMsgpackUnpack(f *testing.F) {
	for _, c := range mpCases {
		if strings.HasPrefix(c.name, "unpack_") || strings.HasPrefix(c.name, "missing_") || strings.HasPrefix(c.name, "bad_") {
			if i := strings.Index(c.src, "D('"); i >= 0 {
				h := c.src[i+3:]
				if b, err := hex.DecodeString(h[:strings.IndexByte(h, '\'')]); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Add([]byte("\x93\x01\xa1a\x81\xc3\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte(strings.Repeat("\x91", 5000)))
	L := newMsgpackState(f)
	known := []string{"Missing bytes in input.", "Bad data format in input.", "table index is nil",
		"table index is NaN", "stack overflow (", "not enough memory"}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := mpCall(L, "unpack", lua.LString(in))
		if err != "" {
			for _, k := range known {
				if strings.Contains(err, k) {
					return
				}
			}
			t.Fatalf("unexpected error %q", err)
		}
		if len(out) == 0 {
			return
		}
		packed, err := mpCall(L, "pack", out...)
		if err != "" {
			t.Fatalf("pack: %s", err)
		}
		again, err := mpCall(L, "unpack", packed[0])
		if err != "" || len(again) != len(out) {
			t.Fatalf("unpack(pack(unpack(in))): %d values, %q; want %d", len(again), err, len(out))
		}
	})
}

func TestCMsgpackNaNBits(t *testing.T) {
	L := newMsgpackState(t)
	// Recorded: cmsgpack.pack(0/0) is cbfff8000000000000 on x86-64 Redis.
	v, err := runLua(L, mpTestPrelude+` return H(cmsgpack.pack(0/0, -(0/0)))`)
	if want := "cbfff8000000000000cb7ff8000000000000"; err != "" || v.String() != want {
		t.Fatalf("got %v %q, want %s", v, err, want)
	}
}

func BenchmarkCMsgpackPack(b *testing.B) {
	L := newMsgpackState(b)
	v, _ := runLua(L, `return {id = 12345, name = "shoal", tags = {"a", "b", "c"}, score = 1.5, ok = true}`)
	f := L.GetGlobal("cmsgpack").(*lua.LTable).RawGetString("pack")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		L.Push(f)
		L.Push(v)
		L.Call(1, 1)
		L.Pop(1)
	}
}

func BenchmarkCMsgpackUnpack(b *testing.B) {
	L := newMsgpackState(b)
	s, _ := runLua(L, `return cmsgpack.pack({id = 12345, name = "shoal", tags = {"a", "b", "c"}, score = 1.5, ok = true})`)
	f := L.GetGlobal("cmsgpack").(*lua.LTable).RawGetString("unpack")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		L.Push(f)
		L.Push(s)
		L.Call(1, 1)
		L.Pop(1)
	}
}
