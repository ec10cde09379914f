package scripting

import (
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// cjsonWrap runs a case body on a fresh cjson table (cjson.new(), so settings
// changed by one case do not leak into the next) and reports its result or
// error as a string. The same wrapper produced the expected values on
// redis-server 7.0.15 (EVAL "<wrapped body>" 0).
const cjsonWrap = "local cjson = cjson.new() local ok, r = pcall(function() %s end) " +
	"if ok then return 'OK:'..tostring(r) else return 'ERR:'..tostring(r) end"

// cjsonCases are Lua bodies and their results recorded from redis-server
// 7.0.15. Bodies return strings (or integers) so that tostring's number
// formatting, which differs between Lua 5.1 and gopher-lua, stays out.
var cjsonCases = []struct{ body, want string }{
	// module
	{"local t={} for k,v in pairs(cjson) do t[#t+1]=k..'='..type(v) end table.sort(t) return table.concat(t,',')", "OK:_NAME=string,_VERSION=string,decode=function,decode_invalid_numbers=function,decode_max_depth=function,encode=function,encode_invalid_numbers=function,encode_keep_buffer=function,encode_max_depth=function,encode_number_precision=function,encode_sparse_array=function,new=function,null=userdata"},
	{"return cjson._NAME..' '..cjson._VERSION", "OK:cjson 2.1.0"},
	{"return type(cjson.null)..' '..tostring(cjson.decode('null') == cjson.null)", "OK:userdata true"},
	{"return tostring(cjson.new().null == cjson.null)..' '..tostring(cjson.new() ~= cjson)", "OK:true true"},
	{"local c2 = cjson.new() c2.encode_number_precision(3) return cjson.encode(1/3)..' '..c2.encode(1/3)..' '..c2.new().encode(1/3)", "OK:0.33333333333333 0.333 0.33333333333333"},
	// encode scalars
	{"return cjson.encode(nil)", "OK:null"},
	{"return cjson.encode(true)..cjson.encode(false)", "OK:truefalse"},
	{"return cjson.encode(cjson.null)", "OK:null"},
	{"return cjson.encode(0)..' '..cjson.encode(1)..' '..cjson.encode(-1)", "OK:0 1 -1"},
	{"local z=0 return cjson.encode(-z)..' '..cjson.encode({[-z]=1})", "OK:-0 {\"-0\":1}"},
	{"return cjson.encode(1/3)..' '..cjson.encode(0.1)..' '..cjson.encode(0.1+0.2)..' '..cjson.encode(-2/3)", "OK:0.33333333333333 0.1 0.3 -0.66666666666667"},
	{"return cjson.encode(99999999999999)..' '..cjson.encode(1e14)..' '..cjson.encode(123456789012345)..' '..cjson.encode(1e15)", "OK:99999999999999 1e+14 1.2345678901234e+14 1e+15"},
	{"return cjson.encode(1e300)..' '..cjson.encode(1e-5)..' '..cjson.encode(1e-4)..' '..cjson.encode(0.0001234)..' '..cjson.encode(-1e-7)", "OK:1e+300 1e-05 0.0001 0.0001234 -1e-07"},
	{"return cjson.encode(2^53)..' '..cjson.encode(2^63)..' '..cjson.encode(1e21)..' '..cjson.encode(123456.789)..' '..cjson.encode(4.9e-324)", "OK:9.007199254741e+15 9.2233720368548e+18 1e+21 123456.789 4.9406564584125e-324"},
	{"return cjson.encode(3.14159265358979)..' '..cjson.encode(100)..' '..cjson.encode(-123.5)..' '..cjson.encode(1.5e-310)", "OK:3.1415926535898 100 -123.5 1.5e-310"},
	{"return cjson.encode('')..cjson.encode('abc')", "OK:\"\"\"abc\""},
	{"return cjson.encode('a\"b\\\\c/d')", "OK:\"a\\\"b\\\\c\\/d\""},
	{"local s='' for i=0,31 do s=s..string.char(i) end return cjson.encode(s..string.char(127))", "OK:\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\u007f\""},
	{"return cjson.encode(string.char(195,169,255,254,128,32,126))", "OK:\"\xc3\xa9\xff\xfe\x80 ~\""},
	{"return cjson.encode('x'..string.char(0)..'y')", "OK:\"x\\u0000y\""},
	{"return cjson.encode(function() end)", "ERR:user_script:1: Cannot serialise function: type not supported"},
	{"return cjson.encode()", "ERR:user_script:1: bad argument #1 to 'encode' (expected 1 argument)"},
	{"return cjson.encode(1,2)", "ERR:user_script:1: bad argument #1 to 'encode' (expected 1 argument)"},
	{"return cjson.encode(nil,nil)", "ERR:user_script:1: bad argument #1 to 'encode' (expected 1 argument)"},
	// invalid numbers
	{"return cjson.encode(1/0)", "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf"},
	{"return cjson.encode(-1/0)", "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf"},
	{"return cjson.encode(0/0)", "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf"},
	{"return cjson.encode({1,2,1/0})", "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf"},
	{"return cjson.encode({[1/0]=1})", "ERR:user_script:1: Cannot serialise number: must not be NaN or Inf"},
	{"cjson.encode_invalid_numbers(true) return cjson.encode(1/0)..' '..cjson.encode(-1/0)..' '..cjson.encode(0/0)..' '..cjson.encode(-(0/0))", "OK:inf -inf nan nan"},
	{"cjson.encode_invalid_numbers(true) return cjson.encode({[1/0]=1})", "OK:{\"inf\":1}"},
	{"cjson.encode_invalid_numbers('null') return cjson.encode({1/0,-1/0,0/0,1})", "OK:[null,null,null,1]"},
	{"cjson.encode_invalid_numbers('null') return cjson.encode({[-1/0]=1})", "OK:{\"null\":1}"},
	{"return tostring(cjson.encode_invalid_numbers())", "OK:false"},
	{"return tostring(cjson.encode_invalid_numbers(true))..' '..tostring(cjson.encode_invalid_numbers())", "OK:true true"},
	{"return tostring(cjson.encode_invalid_numbers('null'))..' '..tostring(cjson.encode_invalid_numbers())", "OK:null null"},
	{"return tostring(cjson.encode_invalid_numbers('on'))..' '..tostring(cjson.encode_invalid_numbers('off'))..' '..tostring(cjson.encode_invalid_numbers(false))", "OK:true false false"},
	{"return cjson.encode_invalid_numbers('bad')", "ERR:user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option 'bad')"},
	{"return cjson.encode_invalid_numbers(2)", "ERR:user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option '2')"},
	{"return cjson.encode_invalid_numbers({})", "ERR:user_script:1: bad argument #1 to 'encode_invalid_numbers' (string expected, got table)"},
	{"return cjson.encode_invalid_numbers(true, 1)", "ERR:user_script:1: bad argument #2 to 'encode_invalid_numbers' (found too many arguments)"},
	{"return cjson.encode_invalid_numbers('on'..string.char(0)..'x')", "OK:true"},
	// tables
	{"return cjson.encode({})", "OK:{}"},
	{"return cjson.encode({1,2,3})", "OK:[1,2,3]"},
	{"return cjson.encode({1,'a',true,false,cjson.null})", "OK:[1,\"a\",true,false,null]"},
	{"return cjson.encode({{}})", "OK:[{}]"},
	{"return cjson.encode({{{}},{1}})", "OK:[[{}],[1]]"},
	{"return cjson.encode({a=1})", "OK:{\"a\":1}"},
	{"return cjson.encode({a={1,2,{b=cjson.null}}})", "OK:{\"a\":[1,2,{\"b\":null}]}"},
	{"return cjson.encode({[1]=1,[3]=3})", "OK:[1,null,3]"},
	{"return cjson.encode({[10]='x'})", "OK:[null,null,null,null,null,null,null,null,null,\"x\"]"},
	{"return cjson.encode({[11]='x'})", "ERR:user_script:1: Cannot serialise table: excessively sparse array"},
	{"return cjson.encode({[1]=1,[2]=2,[4]=4})", "OK:[1,2,null,4]"},
	{"return cjson.encode({[1]=1,[5]=5})", "OK:[1,null,null,null,5]"},
	{"return cjson.encode({[1]=1,[2]=2,[3]=3,[12]=1})", "ERR:user_script:1: Cannot serialise table: excessively sparse array"},
	{"return cjson.encode({[1]=1,[2]=2,[3]=3,[4]=4,[5]=5,[6]=6,[12]=1})", "OK:[1,2,3,4,5,6,null,null,null,null,null,1]"},
	{"return cjson.encode({[0]=1})", "OK:{\"0\":1}"},
	{"return cjson.encode({[-1]=1})", "OK:{\"-1\":1}"},
	{"return cjson.encode({[1.5]=1})", "OK:{\"1.5\":1}"},
	{"return cjson.encode({1,2,x=1})", "OK:{\"1\":1,\"2\":2,\"x\":1}"},
	{"return cjson.encode({['1']=1})", "OK:{\"1\":1}"},
	{"return cjson.encode({[2^31]=1})", "OK:{\"2147483648\":1}"},
	{"return cjson.encode({1,2,[2^40]=1})", "OK:{\"1\":1,\"2\":2,\"1099511627776\":1}"},
	{"return cjson.encode({[2^31-1]=1})", "ERR:user_script:1: Cannot serialise table: excessively sparse array"},
	{"return cjson.encode({[true]=1})", "ERR:user_script:1: Cannot serialise boolean: table key must be a number or string"},
	{"return cjson.encode({[{}]=1})", "ERR:user_script:1: Cannot serialise table: table key must be a number or string"},
	{"return cjson.encode({f=function() end})", "ERR:user_script:1: Cannot serialise function: type not supported"},
	{"return cjson.encode({[1/3]=true})", "OK:{\"0.33333333333333\":true}"},
	{"cjson.encode_number_precision(3) return cjson.encode({[1/3]=2/3})", "OK:{\"0.333\":0.667}"},
	{"local t={1,2,3} t[2]=nil return cjson.encode(t)", "OK:[1,null,3]"},
	{"local t={1,2,3} t[3]=nil return cjson.encode(t)", "OK:[1,2]"},
	{"local t=setmetatable({}, {__index=function() return 1 end}) return cjson.encode(t)", "OK:{}"},
	{"local t=setmetatable({1}, {__len=function() return 5 end}) return cjson.encode(t)", "OK:[1]"},
	// sparse settings
	{"local a,b,c = cjson.encode_sparse_array() return tostring(a)..' '..b..' '..c", "OK:false 2 10"},
	{"local a,b,c = cjson.encode_sparse_array(true) return tostring(a)..' '..b..' '..c..' '..cjson.encode({[11]='x'})", "OK:true 2 10 {\"11\":\"x\"}"},
	{"local a,b,c = cjson.encode_sparse_array('on', 3, 4) return tostring(a)..' '..b..' '..c", "OK:true 3 4"},
	{"local a,b,c = cjson.encode_sparse_array('off') return tostring(a)..' '..b..' '..c", "OK:false 2 10"},
	{"cjson.encode_sparse_array(false, 0) return cjson.encode({[20]=1})", "OK:[null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,1]"},
	{"cjson.encode_sparse_array(false, 1, 0) return cjson.encode({[1]=1,[3]=1})", "ERR:user_script:1: Cannot serialise table: excessively sparse array"},
	{"cjson.encode_sparse_array(false, 1, 0) return cjson.encode({[1]=1,[2]=1})", "OK:[1,1]"},
	{"cjson.encode_sparse_array(true, 1, 0) return cjson.encode({[1]=1,[3]=1})", "OK:{\"1\":1,\"3\":1}"},
	{"cjson.encode_sparse_array(false, 3, 2) return cjson.encode({[1]=1,[6]=1})", "OK:[1,null,null,null,null,1]"},
	{"cjson.encode_sparse_array(false, 3, 2) return cjson.encode({[1]=1,[7]=1})", "ERR:user_script:1: Cannot serialise table: excessively sparse array"},
	{"return cjson.encode_sparse_array(true, -1)", "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)"},
	{"return cjson.encode_sparse_array(true, 1, -1)", "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)"},
	{"return cjson.encode_sparse_array(true, 2^31)", "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)"},
	{"return cjson.encode_sparse_array(true, 'x')", "ERR:user_script:1: bad argument #2 to 'encode_sparse_array' (number expected, got string)"},
	{"return cjson.encode_sparse_array(true, 1, {})", "ERR:user_script:1: bad argument #3 to 'encode_sparse_array' (number expected, got table)"},
	{"return cjson.encode_sparse_array('x')", "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option 'x')"},
	{"return cjson.encode_sparse_array(5)", "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (invalid option '5')"},
	{"return cjson.encode_sparse_array({})", "ERR:user_script:1: bad argument #1 to 'encode_sparse_array' (string expected, got table)"},
	{"return cjson.encode_sparse_array(true, 1, 1, 1)", "ERR:user_script:1: bad argument #4 to 'encode_sparse_array' (found too many arguments)"},
	{"local a,b,c = pcall(cjson.encode_sparse_array, false, 5, -1) local x,y,z = cjson.encode_sparse_array() return tostring(x)..' '..y..' '..z", "OK:false 5 10"},
	{"local a,b,c = cjson.encode_sparse_array(nil, nil, 7) return tostring(a)..' '..b..' '..c", "OK:false 2 7"},
	// depth
	{"return cjson.encode_max_depth()", "OK:1000"},
	{"return cjson.encode_max_depth(0)", "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"},
	{"return cjson.encode_max_depth(-1)", "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"},
	{"return cjson.encode_max_depth(4294967301)", "OK:5"},
	{"return cjson.encode_max_depth(2^31)", "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"},
	{"return cjson.encode_max_depth(2^31-1)", "OK:2147483647"},
	{"return cjson.encode_max_depth(1.9)", "OK:1"},
	{"return cjson.encode_max_depth('7')", "OK:7"},
	{"return cjson.encode_max_depth('0x10')", "OK:16"},
	{"return cjson.encode_max_depth(' 12 ')", "OK:12"},
	{"return cjson.encode_max_depth('1e1')", "OK:10"},
	{"return cjson.encode_max_depth('12x')", "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (number expected, got string)"},
	{"return cjson.encode_max_depth(true)", "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (number expected, got boolean)"},
	{"return cjson.encode_max_depth(1,2)", "ERR:user_script:1: bad argument #2 to 'encode_max_depth' (found too many arguments)"},
	{"return cjson.encode_max_depth(nil)", "OK:1000"},
	{"return cjson.encode_max_depth(0/0)", "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"},
	{"return cjson.encode_max_depth(1e20)", "ERR:user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)"},
	{"cjson.encode_max_depth(2) return cjson.encode({{1}})", "OK:[[1]]"},
	{"cjson.encode_max_depth(2) return cjson.encode({{{1}}})", "ERR:user_script:1: Cannot serialise, excessive nesting (3)"},
	{"cjson.encode_max_depth(1) return cjson.encode({a={}})", "ERR:user_script:1: Cannot serialise, excessive nesting (2)"},
	{"local t={} t[1]=t return cjson.encode(t)", "ERR:user_script:1: Cannot serialise, excessive nesting (1001)"},
	{"local t={} t.a=t return cjson.encode(t)", "ERR:user_script:1: Cannot serialise, excessive nesting (1001)"},
	{"local t={} local c=t for i=1,999 do local n={} c[1]=n c=n end return #cjson.encode(t)", "OK:2000"},
	{"local t={} local c=t for i=1,1000 do local n={} c[1]=n c=n end return cjson.encode(t)", "ERR:user_script:1: Cannot serialise, excessive nesting (1001)"},
	{"cjson.encode_max_depth(100000) local t={} local c=t for i=1,7996 do local n={} c[1]=n c=n end return #cjson.encode(t)", "OK:15994"},
	{"cjson.encode_max_depth(100000) local t={} local c=t for i=1,7997 do local n={} c[1]=n c=n end return #cjson.encode(t)", "ERR:user_script:1: Cannot serialise, excessive nesting (7998)"},
	{"cjson.encode_max_depth(100000) local t={} local c=t for i=1,3998 do local n={} c.a=n c=n end return #cjson.encode(t)", "OK:23990"},
	{"cjson.encode_max_depth(100000) local t={} local c=t for i=1,3999 do local n={} c.a=n c=n end return #cjson.encode(t)", "ERR:user_script:1: Cannot serialise, excessive nesting (4000)"},
	{"cjson.encode_max_depth(100000) local t={} local c=t for i=1,2000 do local n={} c.a={n} c=n end return #cjson.encode(t)", "OK:16002"},
	{"cjson.encode_max_depth(100000) local t={} local c=t for i=1,2666 do local n={} c.a={n} c=n end return #cjson.encode(t)", "ERR:user_script:1: Cannot serialise, excessive nesting (5332)"},
	{"cjson.encode_max_depth(100000) local t={} local c=t for i=1,2667 do local n={} c.a={n} c=n end return #cjson.encode(t)", "ERR:user_script:1: Cannot serialise, excessive nesting (5332)"},
	{"return cjson.decode_max_depth()", "OK:1000"},
	{"return cjson.decode_max_depth(0)", "ERR:user_script:1: bad argument #1 to 'decode_max_depth' (expected integer between 1 and 2147483647)"},
	{"return cjson.decode_max_depth('a')", "ERR:user_script:1: bad argument #1 to 'decode_max_depth' (number expected, got string)"},
	{"return cjson.decode_max_depth(1, 1)", "ERR:user_script:1: bad argument #2 to 'decode_max_depth' (found too many arguments)"},
	{"cjson.decode_max_depth(2) return cjson.encode(cjson.decode('[[1]]'))", "OK:[[1]]"},
	{"cjson.decode_max_depth(2) return cjson.decode('[[[1]]]')", "ERR:user_script:1: Found too many nested data structures (3) at character 3"},
	{"cjson.decode_max_depth(2) return cjson.decode('{\"a\":{\"b\":{}}}')", "ERR:user_script:1: Found too many nested data structures (3) at character 11"},
	{"cjson.decode_max_depth(2) return cjson.decode('  [ [ [ ] ] ]')", "ERR:user_script:1: Found too many nested data structures (3) at character 7"},
	{"local n=1000 return #cjson.decode(string.rep('[',n)..string.rep(']',n))", "OK:1"},
	{"local n=1001 return #cjson.decode(string.rep('[',n)..string.rep(']',n))", "ERR:user_script:1: Found too many nested data structures (1001) at character 1001"},
	{"local n=1001 return type(cjson.decode(string.rep('{\"a\":',n)..'1'..string.rep('}',n)))", "ERR:user_script:1: Found too many nested data structures (1001) at character 5001"},
	{"cjson.decode_max_depth(100000) local n=7998 return #cjson.decode(string.rep('[',n)..string.rep(']',n))", "OK:1"},
	{"cjson.decode_max_depth(100000) local n=7999 return #cjson.decode(string.rep('[',n)..string.rep(']',n))", "ERR:user_script:1: Found too many nested data structures (7999) at character 7999"},
	{"cjson.decode_max_depth(100000) local n=3999 return type(cjson.decode(string.rep('{\"a\":',n)..'1'..string.rep('}',n)))", "OK:table"},
	{"cjson.decode_max_depth(100000) local n=4000 return type(cjson.decode(string.rep('{\"a\":',n)..'1'..string.rep('}',n)))", "ERR:user_script:1: Found too many nested data structures (4000) at character 19996"},
	{"cjson.decode_max_depth(100000) local n=2667 return type(cjson.decode(string.rep('{\"a\":[',n)..'1'..string.rep(']}',n)))", "ERR:user_script:1: Found too many nested data structures (5333) at character 15997"},
	{"cjson.decode_max_depth(100000) local n=2666 return type(cjson.decode(string.rep('{\"a\":[',n)..'1'..string.rep(']}',n)))", "OK:table"},
	// precision & keep buffer
	{"return cjson.encode_number_precision()", "OK:14"},
	{"cjson.encode_number_precision(1) return cjson.encode({123.456, 0.15, 1, 10, 0.05})", "OK:[1e+02,0.1,1,1e+01,0.05]"},
	{"cjson.encode_number_precision(5) return cjson.encode({123.456, 1/3, 123456, 1e-5})", "OK:[123.46,0.33333,1.2346e+05,1e-05]"},
	{"cjson.encode_number_precision(14) return cjson.encode(2/3)", "OK:0.66666666666667"},
	{"return cjson.encode_number_precision(0)", "ERR:user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)"},
	{"return cjson.encode_number_precision(15)", "ERR:user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)"},
	{"return cjson.encode_number_precision('x')", "ERR:user_script:1: bad argument #1 to 'encode_number_precision' (number expected, got string)"},
	{"return cjson.encode_number_precision(3.9)", "OK:3"},
	{"return cjson.encode_number_precision(1,2)", "ERR:user_script:1: bad argument #2 to 'encode_number_precision' (found too many arguments)"},
	{"return tostring(cjson.encode_keep_buffer())", "OK:true"},
	{"return tostring(cjson.encode_keep_buffer(false))..' '..cjson.encode({1,'a'})..' '..tostring(cjson.encode_keep_buffer())", "OK:false [1,\"a\"] false"},
	{"return tostring(cjson.encode_keep_buffer('on'))..' '..tostring(cjson.encode_keep_buffer('off'))", "OK:true false"},
	{"return cjson.encode_keep_buffer('x')", "ERR:user_script:1: bad argument #1 to 'encode_keep_buffer' (invalid option 'x')"},
	{"return cjson.encode_keep_buffer(1)", "ERR:user_script:1: bad argument #1 to 'encode_keep_buffer' (invalid option '1')"},
	{"return cjson.encode_keep_buffer({})", "ERR:user_script:1: bad argument #1 to 'encode_keep_buffer' (string expected, got table)"},
	{"return cjson.encode_keep_buffer(true, false)", "ERR:user_script:1: bad argument #2 to 'encode_keep_buffer' (found too many arguments)"},
	// decode scalars
	{"return tostring(cjson.decode('true'))..' '..tostring(cjson.decode('false'))", "OK:true false"},
	{"return tostring(cjson.decode('  true  '))..' '..cjson.decode('\"x\"')..' '..cjson.decode(' \\t\\n\\r 7')", "OK:true x 7"},
	{"return cjson.encode({cjson.decode('0x10'), cjson.decode('1e5'), cjson.decode('-0'), cjson.decode('+1'), cjson.decode('01'), cjson.decode('1.')})", "OK:[16,100000,-0,1,1,1]"},
	{"return cjson.encode({cjson.decode('-.5'), cjson.decode('0x1p4'), cjson.decode('0x1.8'), cjson.decode('0X1F'), cjson.decode('-0x10'), cjson.decode('1e-400')})", "OK:[-0.5,16,1.5,31,-16,0]"},
	{"return cjson.encode({cjson.decode('0x.8'), cjson.decode('0x1P-2'), cjson.decode('00.5'), cjson.decode('1E+2'), cjson.decode('-1e-2'), cjson.decode('123456789012345678901234567890')})", "OK:[0.5,0.25,0.5,100,-0.01,1.2345678901235e+29]"},
	{"return tostring(cjson.decode('Infinity') == (1/0))..' '..tostring(cjson.decode('-Infinity') == -(1/0))..' '..tostring(cjson.decode('inf') == (1/0))..' '..tostring(cjson.decode('-INF') == -(1/0))", "OK:true true true true"},
	{"return tostring(cjson.decode('1e400') == (1/0))..' '..tostring(cjson.decode('-1e400') == -(1/0))..' '..tostring(cjson.decode('+Inf') == (1/0))..' '..tostring(cjson.decode('infinity') == (1/0))", "OK:true true true true"},
	{"local a,b,c,d = cjson.decode('nan'), cjson.decode('NaN'), cjson.decode('-nan'), cjson.decode('nan(123)') return tostring(a ~= a)..tostring(b ~= b)..tostring(c ~= c)..tostring(d ~= d)", "OK:truetruetruetrue"},
	{"return cjson.decode('Infinit')", "ERR:user_script:1: Expected the end but found invalid token at character 4"},
	{"return cjson.decode('nan(')", "ERR:user_script:1: Expected the end but found invalid token at character 4"},
	{"return cjson.decode('nan(1')", "ERR:user_script:1: Expected the end but found invalid token at character 4"},
	{"return cjson.decode('nanx')", "ERR:user_script:1: Expected the end but found invalid token at character 4"},
	{"return cjson.decode('.5')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode('1e')", "ERR:user_script:1: Expected the end but found invalid token at character 2"},
	{"return cjson.decode('1e+')", "ERR:user_script:1: Expected the end but found invalid token at character 2"},
	{"return cjson.decode('0x')", "ERR:user_script:1: Expected the end but found invalid token at character 2"},
	{"return cjson.decode('0xg')", "ERR:user_script:1: Expected the end but found invalid token at character 2"},
	{"return cjson.decode('0x1p')", "ERR:user_script:1: Expected the end but found invalid token at character 4"},
	{"return cjson.decode('- 1')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"return cjson.decode('-')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"return cjson.decode('--1')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"return cjson.decode('+')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"return cjson.decode('+-1')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"return cjson.decode('-x')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"return cjson.decode('1.2.3')", "ERR:user_script:1: Expected the end but found invalid token at character 4"},
	{"return cjson.decode('10x5')", "ERR:user_script:1: Expected the end but found invalid token at character 3"},
	{"return cjson.decode('tru')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode('truex')", "ERR:user_script:1: Expected the end but found invalid token at character 5"},
	{"return cjson.decode('nul')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode('nil')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode('fals')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode('True')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode('')", "ERR:user_script:1: Expected value but found T_END at character 1"},
	{"return cjson.decode('   ')", "ERR:user_script:1: Expected value but found T_END at character 4"},
	{"return cjson.decode(':')", "ERR:user_script:1: Expected value but found T_COLON at character 1"},
	{"return cjson.decode(',')", "ERR:user_script:1: Expected value but found T_COMMA at character 1"},
	{"return cjson.decode('}')", "ERR:user_script:1: Expected value but found T_OBJ_END at character 1"},
	{"return cjson.decode(']')", "ERR:user_script:1: Expected value but found T_ARR_END at character 1"},
	{"return cjson.decode('1 2')", "ERR:user_script:1: Expected the end but found T_NUMBER at character 3"},
	{"return cjson.decode('[] x')", "ERR:user_script:1: Expected the end but found invalid token at character 4"},
	{"return cjson.decode(string.char(11)..'1')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode('@')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode(string.char(200))", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"return cjson.decode(123)", "OK:123"},
	{"return cjson.decode(0.1)", "OK:0.1"},
	{"return cjson.decode(1/3)", "OK:0.33333333333333"},
	{"return cjson.decode(-1/0) == -(1/0)", "OK:true"},
	{"return cjson.decode(true)", "ERR:user_script:1: bad argument #1 to 'decode' (string expected, got boolean)"},
	{"return cjson.decode(nil)", "ERR:user_script:1: bad argument #1 to 'decode' (string expected, got nil)"},
	{"return cjson.decode()", "ERR:user_script:1: bad argument #1 to 'decode' (expected 1 argument)"},
	{"return cjson.decode('1', '2')", "ERR:user_script:1: bad argument #1 to 'decode' (expected 1 argument)"},
	{"return cjson.decode({})", "ERR:user_script:1: bad argument #1 to 'decode' (string expected, got table)"},
	// decode invalid numbers off
	{"return tostring(cjson.decode_invalid_numbers())", "OK:true"},
	{"return tostring(cjson.decode_invalid_numbers(false))..' '..tostring(cjson.decode_invalid_numbers())", "OK:false false"},
	{"return tostring(cjson.decode_invalid_numbers('off'))..' '..tostring(cjson.decode_invalid_numbers('on'))", "OK:false true"},
	{"return cjson.decode_invalid_numbers('null')", "ERR:user_script:1: bad argument #1 to 'decode_invalid_numbers' (invalid option 'null')"},
	{"return cjson.decode_invalid_numbers(1, 2)", "ERR:user_script:1: bad argument #2 to 'decode_invalid_numbers' (found too many arguments)"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('0x10')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('Infinity')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('nan')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('+1')", "ERR:user_script:1: Expected value but found invalid token at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('01')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('-01')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('-inf')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('-x')", "ERR:user_script:1: Expected value but found invalid number at character 1"},
	{"cjson.decode_invalid_numbers(false) return cjson.decode('[1, -0x1]')", "ERR:user_script:1: Expected value but found invalid number at character 5"},
	{"cjson.decode_invalid_numbers(false) return cjson.encode({cjson.decode('-.5'), cjson.decode('1.5e3'), cjson.decode('0.5'), cjson.decode('-0'), cjson.decode('0'), cjson.decode('1.')})", "OK:[-0.5,1500,0.5,-0,0,1]"},
	// decode strings
	{"return cjson.decode('\"abc\"')..'|'..cjson.decode('\"\"')", "OK:abc|"},
	{"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cjson.decode('\"a\\\\u00e9b\\\\u20AC\\\\u0041\"'))", "OK:61c3a962e282ac41"},
	{"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cjson.decode('\"\\\\ud83d\\\\ude00\"'))", "OK:f09f9880"},
	{"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cjson.decode('\"\\\\uDBFF\\\\uDFFF\\\\u0000\\\\u07ff\\\\u0800\"'))", "OK:f48fbfbf00dfbfe0a080"},
	{"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cjson.decode('\"\\\\/\\\\b\\\\f\\\\n\\\\r\\\\t\\\\\"\\\\\\\\\"'))", "OK:2f080c0a0d09225c"},
	{"local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end return hex(cjson.decode('\"a'..string.char(10,9,1,255)..'b\"'))", "OK:610a0901ff62"},
	{"return cjson.decode('\"\\\\u00\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2"},
	{"return cjson.decode('\"\\\\u00g0\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2"},
	{"return cjson.decode('\"ab\\\\ud800\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 4"},
	{"return cjson.decode('\"\\\\udc00\\\\ud800\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2"},
	{"return cjson.decode('\"\\\\ud800\\\\u0041\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2"},
	{"return cjson.decode('\"\\\\ud800x\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2"},
	{"return cjson.decode('\"\\\\ud800\\\\\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2"},
	{"return cjson.decode('\"\\\\ud800\\\\ud800\"')", "ERR:user_script:1: Expected value but found invalid unicode escape code at character 2"},
	{"return cjson.decode('\"\\\\x\"')", "ERR:user_script:1: Expected value but found invalid escape code at character 2"},
	{"return cjson.decode('\"\\\\U0041\"')", "ERR:user_script:1: Expected value but found invalid escape code at character 2"},
	{"return cjson.decode('\"abc')", "ERR:user_script:1: Expected value but found unexpected end of string at character 5"},
	{"return cjson.decode('\"abc\\\\')", "ERR:user_script:1: Expected value but found invalid escape code at character 5"},
	{"return cjson.decode('\"a'..string.char(0)..'b\"')", "ERR:user_script:1: Expected value but found unexpected end of string at character 3"},
	{"return cjson.decode('1'..string.char(0)..'garbage')", "ERR:user_script:1: JSON parser does not support UTF-16 or UTF-32"},
	{"return cjson.decode('[\"a\"'..string.char(0)..']')", "ERR:user_script:1: Expected comma or array end but found T_END at character 5"},
	{"return cjson.decode(string.char(0))", "ERR:user_script:1: Expected value but found T_END at character 1"},
	{"return cjson.decode(string.char(0,0))", "ERR:user_script:1: JSON parser does not support UTF-16 or UTF-32"},
	{"return cjson.decode('a'..string.char(0))", "ERR:user_script:1: JSON parser does not support UTF-16 or UTF-32"},
	{"return cjson.decode(string.char(0)..'a')", "ERR:user_script:1: JSON parser does not support UTF-16 or UTF-32"},
	// decode structures
	{"return cjson.encode(cjson.decode('[1,2,3]'))", "OK:[1,2,3]"},
	{"return cjson.encode(cjson.decode('[]'))..cjson.encode(cjson.decode('{}'))", "OK:{}{}"},
	{"return cjson.encode(cjson.decode('{\"a\":[1,{\"b\":null}],\"c\":\"d\"}').a)", "OK:[1,{\"b\":null}]"},
	{"return cjson.encode(cjson.decode(' { \"a\" : [ 1 , { \"b\" : null } ] } '))", "OK:{\"a\":[1,{\"b\":null}]}"},
	{"local t = cjson.decode('[null,1,null]') return #t..' '..tostring(t[1]==cjson.null)..' '..tostring(t[3]==cjson.null)", "OK:3 true true"},
	{"local t = cjson.decode('{\"a\":1,\"a\":2}') return cjson.encode(t)", "OK:{\"a\":2}"},
	{"local t = cjson.decode('{\"1\":2}') return tostring(t['1'])..' '..tostring(t[1])", "OK:2 nil"},
	{"local t = cjson.decode('{\"a\":null}') return tostring(t.a == cjson.null)", "OK:true"},
	{"return cjson.decode('[1,]')", "ERR:user_script:1: Expected value but found T_ARR_END at character 4"},
	{"return cjson.decode('[1 2]')", "ERR:user_script:1: Expected comma or array end but found T_NUMBER at character 4"},
	{"return cjson.decode('[')", "ERR:user_script:1: Expected value but found T_END at character 2"},
	{"return cjson.decode('[1')", "ERR:user_script:1: Expected comma or array end but found T_END at character 3"},
	{"return cjson.decode('[1,')", "ERR:user_script:1: Expected value but found T_END at character 4"},
	{"return cjson.decode('[,1]')", "ERR:user_script:1: Expected value but found T_COMMA at character 2"},
	{"return cjson.decode('[1:2]')", "ERR:user_script:1: Expected comma or array end but found T_COLON at character 3"},
	{"return cjson.decode('{\"a\":1,}')", "ERR:user_script:1: Expected object key string but found T_OBJ_END at character 8"},
	{"return cjson.decode('{1:2}')", "ERR:user_script:1: Expected object key string but found T_NUMBER at character 2"},
	{"return cjson.decode('{\"a\" 1}')", "ERR:user_script:1: Expected colon but found T_NUMBER at character 6"},
	{"return cjson.decode('{\"a\":1 \"b\":2}')", "ERR:user_script:1: Expected comma or object end but found T_STRING at character 8"},
	{"return cjson.decode('{\"a\"}')", "ERR:user_script:1: Expected colon but found T_OBJ_END at character 5"},
	{"return cjson.decode('{\"a\":}')", "ERR:user_script:1: Expected value but found T_OBJ_END at character 6"},
	{"return cjson.decode('{')", "ERR:user_script:1: Expected object key string but found T_END at character 2"},
	{"return cjson.decode('{\"a\":1')", "ERR:user_script:1: Expected comma or object end but found T_END at character 7"},
	{"return cjson.decode('{\"a\":1]')", "ERR:user_script:1: Expected comma or object end but found T_ARR_END at character 7"},
	{"return cjson.decode('[1}')", "ERR:user_script:1: Expected comma or array end but found T_OBJ_END at character 3"},
	{"return cjson.decode('{\"a\":\"\\\\q\"}')", "ERR:user_script:1: Expected value but found invalid escape code at character 7"},
	{"return cjson.decode('[1,2,\"abc')", "ERR:user_script:1: Expected value but found unexpected end of string at character 10"},
	{"return cjson.decode('{,}')", "ERR:user_script:1: Expected object key string but found T_COMMA at character 2"},
	{"return cjson.encode(cjson.decode('{\"k\":[true,false,null,\"s\",-1.5e2]}'))", "OK:{\"k\":[true,false,null,\"s\",-150]}"},
	{"return cjson.encode(cjson.decode('\"\\\\u002f\\\\/\"'))", "OK:\"\\/\\/\""},
	{"return cjson.encode(cjson.decode('-1e-400'))..cjson.encode(cjson.decode('[-4.9406564584124654e-327, -0x1p-1080]'))", "OK:-0[-0,-0]"},
	{"return cjson.encode(cjson.decode('\"abcdefgh\\\\tij\\\\u0041\"'))", "OK:\"abcdefgh\\tijA\""},
	{"return cjson.encode(cjson.decode('[0.1e1, 2.5E-3, 1.7976931348623157e308, 2.2250738585072014e-308, 0x1.fffffffffffffp1023]'))", "OK:[1,0.0025,1.7976931348623e+308,2.2250738585072e-308,1.7976931348623e+308]"},
	{"cjson.encode_number_precision(14) cjson.encode_invalid_numbers(true) return cjson.encode(cjson.decode('[0x1p1024, -0x1p1024, 1e309]'))", "OK:[inf,-inf,inf]"},
}

func TestCJSON(t *testing.T) {
	L := newLibState(t, map[string]func(*lua.LState) *lua.LTable{"cjson": openCJSON})
	for _, c := range cjsonCases {
		got, err := runLua(L, fmt.Sprintf(cjsonWrap, c.body))
		if err != "" {
			t.Errorf("%s\n\tchunk error: %s", c.body, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("%s\n\tgot  %q\n\twant %q", c.body, got.String(), c.want)
		}
	}
}

// TestCJSONSettingsPersist checks that settings belong to a module table and
// outlive the call that made them, as Redis's do across scripts.
func TestCJSONSettingsPersist(t *testing.T) {
	L := newLibState(t, map[string]func(*lua.LState) *lua.LTable{"cjson": openCJSON})
	for _, c := range []struct{ src, want string }{
		{"cjson.encode_number_precision(2) return cjson.encode(1/3)", "0.33"},
		{"return cjson.encode(1/3)", "0.33"},
		{"return cjson.new().encode(1/3)", "0.33333333333333"},
		{"cjson.encode_number_precision(14) return cjson.encode(1/3)", "0.33333333333333"},
		{"cjson.encode_keep_buffer(false) return cjson.encode({1})..cjson.encode('x')", "[1]\"x\""},
		{"cjson.encode_keep_buffer(true) return cjson.encode({a='b'})..cjson.encode(2)", "{\"a\":\"b\"}2"},
	} {
		got, err := runLua(L, c.src)
		if err != "" || got.String() != c.want {
			t.Errorf("%s: got %q, %q; want %q", c.src, got, err, c.want)
		}
	}
}

// TestCJSONEncodeBomb checks that shared subtables cannot make encode build
// an unbounded string.
func TestCJSONEncodeBomb(t *testing.T) {
	L := newLibState(t, nil)
	cfg := newCJSONConfig(L.NewUserData())
	cfg.maxOutput = 1 << 20
	L.SetGlobal("cjson", cfg.module(L))
	_, err := runLua(L, "local t = {string.rep('x', 1000)} for i = 1, 40 do t = {t, t} end return cjson.encode(t)")
	if err != "user_script:1: not enough memory" {
		t.Fatalf("got error %q", err)
	}
}

// TestCJSONFormatNumber compares the "%.14g" formatting with values whose
// C rendering is known, including round-half-even ties.
func TestCJSONFormatNumber(t *testing.T) {
	for _, c := range []struct {
		f    float64
		prec int
		want string
	}{
		{0.5, 1, "0.5"}, {2.5, 1, "2"}, {3.5, 1, "4"}, {1e14, 14, "1e+14"},
		{99999999999999, 14, "99999999999999"}, {999999999999995, 14, "1e+15"},
		{1e-5, 14, "1e-05"}, {123456, 3, "1.23e+05"}, {-1.5, 14, "-1.5"},
		{1e100, 14, "1e+100"}, {0.000123, 2, "0.00012"},
	} {
		if got := string(cjsonFormatNumber(nil, c.f, c.prec)); got != c.want {
			t.Errorf("%v %%.%dg: got %q, want %q", c.f, c.prec, got, c.want)
		}
	}
}

// FuzzCJSONDecode feeds arbitrary text to cjson.decode: it must fail only
// with a Lua error, and what it decodes must survive an encode round trip.
func FuzzCJSONDecode(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2,{"b":null}],"c":"d\u00e9\ud83d\ude00"}`, `[1e5,-0,0x1F,Infinity,nan,+1]`,
		`"\ud800"`, `[[[[[]]]]]`, `{"a":1,}`, "\x00\x00", `"a\"b\\c\/"`, `-.5e-3`,
		`nan(abc)`, `0x1.8p3`, `[true,false,null]`, `{"k":{"k":{"k":[]}}}`, `"abc`,
		strings.Repeat("[", 1200), strings.Repeat(`{"a":`, 600),
	} {
		f.Add(s)
	}
	L := newLibState(f, map[string]func(*lua.LState) *lua.LTable{"cjson": openCJSON})
	mod := L.GetGlobal("cjson").(*lua.LTable)
	call := func(name string, arg lua.LValue) (lua.LValue, error) {
		err := L.CallByParam(lua.P{Fn: mod.RawGetString(name), NRet: 1, Protect: true}, arg)
		if err != nil {
			return nil, err
		}
		v := L.Get(-1)
		L.Pop(1)
		return v, nil
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := call("decode", lua.LString(s))
		if err != nil {
			if e, ok := err.(*lua.ApiError); !ok || e.Type != lua.ApiErrorRun {
				t.Fatalf("decode(%q): %v", s, err)
			}
			return
		}
		enc, err := call("encode", v)
		if err != nil {
			// Inf and NaN decode but do not encode by default.
			if !strings.Contains(err.Error(), "must not be NaN or Inf") {
				t.Fatalf("encode(decode(%q)): %v", s, err)
			}
			return
		}
		v2, err := call("decode", enc)
		if err != nil {
			t.Fatalf("decode(%q) (from %q): %v", enc, s, err)
		}
		enc2, err := call("encode", v2)
		if err != nil || enc2.String() != enc.String() {
			t.Fatalf("round trip of %q: %q then %q, %v", s, enc, enc2, err)
		}
	})
}

func BenchmarkCJSONEncode(b *testing.B) {
	L := newLibState(b, map[string]func(*lua.LState) *lua.LTable{"cjson": openCJSON})
	fn, _ := runLua(L, `local t = {id=12345, name="rate:limit/user", tokens=9.5, tags={"a","b","c"}, ok=true}
		return function() return cjson.encode(t) end`)
	b.ReportAllocs()
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 1)
		L.Pop(1)
	}
}

func BenchmarkCJSONDecode(b *testing.B) {
	L := newLibState(b, map[string]func(*lua.LState) *lua.LTable{"cjson": openCJSON})
	fn, _ := runLua(L, `local s = '{"id":12345,"name":"rate:limit\\/user","tokens":9.5,"tags":["a","b","c"],"ok":true}'
		return function() return cjson.decode(s) end`)
	b.ReportAllocs()
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 1)
		L.Pop(1)
	}
}
