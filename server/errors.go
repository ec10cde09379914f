package server

import "bytes"

// Every error text Shoal replies with, byte for byte as Redis 7.0 sends it
// (without the leading '-' and trailing CRLF). Texts that take arguments are
// built by the functions at the end. Keep them here so a change to Redis's
// wording is one edit.
const (
	// Generic.
	errSyntax    = "ERR syntax error"
	errWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"

	// Blocking commands.
	errTimeoutNotFloat = "ERR timeout is not a float or out of range"
	errUnblocked       = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
	errNotInt          = "ERR value is not an integer or out of range"
	errNotFloat        = "ERR value is not a valid float"
	errOverflow        = "ERR increment or decrement would overflow"
	errNoSuchKey       = "ERR no such key"
	errDBIndex         = "ERR DB index is out of range"
	errOOM             = "OOM command not allowed when used memory > 'maxmemory'."
	errNoAuth          = "NOAUTH Authentication required."
	errWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	errAuthNoPass      = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errMaxClients      = "ERR max number of clients reached"
	errOnlyInSubscribe = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	errPositive        = "ERR value is out of range, must be positive"

	// Protected mode: the text Redis sends to a non-loopback peer.
	errDenied = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

	// Transactions.
	errMultiNested      = "ERR MULTI calls can not be nested"
	errExecNoMulti      = "ERR EXEC without MULTI"
	errDiscardNoMult    = "ERR DISCARD without MULTI"
	errWatchInMulti     = "ERR WATCH inside MULTI is not allowed"
	errExecAbort        = "EXECABORT Transaction discarded because of previous errors."
	errExecAbortBecause = "EXECABORT Transaction discarded because of: "
	errNoMulti          = "ERR Command not allowed inside a transaction"

	// Strings family.
	errDecrOverflow  = "ERR decrement would overflow"
	errIncrNaN       = "ERR increment would produce NaN or Infinity"
	errStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	errOffsetRange   = "ERR offset is out of range"
	errLCSNotString  = "ERR The specified keys must contain string values"
	errLCSLenAndIdx  = "ERR If you want both the length and indexes, please just use IDX."
	errLCSTooLong    = "ERR String too long for LCS"
	errLCSNoMemory   = "ERR Insufficient memory, failed allocating transient memory for LCS"

	// Keys family.
	errSameObject      = "ERR source and destination objects are the same"
	errIntRange        = "ERR value is out of range, value must between -2147483648 and 2147483647"
	errInvalidCursor   = "ERR invalid cursor"
	errExpireNXCombo   = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errExpireGTLT      = "ERR GT and LT options at the same time are not compatible"
	errUnsupportedOpt  = "ERR Unsupported option " // + the option as given
	errNoLFU           = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUNoIdle       = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errCopyUnsupported = "ERR COPY is not supported for this value type" // Shoal's own: a value type without Copy()

	// Connection and CLIENT family.
	errClientName        = "ERR Client names cannot contain spaces, newlines or special characters."
	errInvalidClientID   = "ERR Invalid client ID"
	errNoSuchClient      = "ERR No such client"
	errClientIDPositive  = "ERR client-id should be greater than 0"
	errUnblockReason     = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
	errPauseMode         = "ERR CLIENT PAUSE mode must be WRITE or ALL"
	errTimeoutNotInt     = "ERR timeout is not an integer or out of range"
	errTimeoutNegative   = "ERR timeout is negative"
	errCachingNoTracking = "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
	errCachingYes        = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
	errCachingNo         = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."
	// Client-side caching (CLIENT TRACKING).
	errTrackingOneRedirect    = "ERR A client can only redirect to a single other client"
	errTrackingNoRedirect     = "ERR The client ID you want redirect to does not exist"
	errTrackingPrefixNoBcast  = "ERR PREFIX option requires BCAST mode to be enabled"
	errTrackingSwitchBcast    = "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."
	errTrackingBcastOpt       = "ERR OPTIN and OPTOUT are not compatible with BCAST"
	errTrackingOptinOptout    = "ERR You can't specify both OPTIN mode and OPTOUT mode"
	errTrackingSwitchOpt      = "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."
	errTrackingPrefixExisting = "ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must not overlap."
	errTrackingPrefixOther    = "ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client must not overlap."
	errHelloProtover          = "ERR Protocol version is not an integer or out of range"
	errNoProto                = "NOPROTO unsupported protocol version"
	errHelloNoAuth            = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	errHelloOption            = "ERR Syntax error in HELLO option '%s'"
	errClientSubSyntax        = "ERR unknown subcommand or wrong number of arguments for '%s'. Try CLIENT HELP."

	// COMMAND family.
	errGetKeysNoCommand = "ERR Invalid command specified"
	errGetKeysNoKeys    = "ERR The command has no key arguments"
	errGetKeysArity     = "ERR Invalid number of arguments specified for command"
	errGetKeysInvalid   = "ERR Invalid arguments specified for command"

	// Server family (CONFIG, INFO, DEBUG, SLOWLOG, ...).
	errInvalidFirstDB  = "ERR invalid first DB index"
	errInvalidSecondDB = "ERR invalid second DB index"
	errNoShutdown      = "ERR No shutdown in progress."
	errConfigUnknown   = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
	errConfigSetFailed = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
	errNoConfigFile    = "ERR The server is running without a config file"
	errSlowlogCount    = "ERR count should be greater than or equal to -1"
	errNoSamples       = "ERR No samples available for event '%s'"
	errDebugNotAllowed = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	errSubSyntax       = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
	errMonitorInMulti  = "ERR MONITOR isn't allowed for DENY BLOCKING client"

	// Hash family.
	errHashNotInt      = "ERR hash value is not an integer"
	errHashNotFloat    = "ERR hash value is not a float"
	errHashIncrNaN     = "ERR value is NaN or Infinity"
	errHRandRange      = "ERR value is out of range"
	errHRandCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"

	// Sort.
	errSortScores = "ERR One or more scores can't be converted into double"

	// List.
	errListIndexRange     = "ERR index out of range"
	errLPosRankZero       = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLPosCountNegative  = "ERR COUNT can't be negative"
	errLPosMaxlenNegative = "ERR MAXLEN can't be negative"
	errListNumkeys        = "ERR numkeys should be greater than 0"
	errListCount          = "ERR count should be greater than 0"

	// Sorted-set ranges and set operations.
	errZScoreRange     = "ERR min or max is not a float"
	errZLexRange       = "ERR min or max not valid string range item"
	errZRangeLimit     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZRangeLexScores = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeightNotFloat = "ERR weight value is not a float"
	errZLimitNegative  = "ERR LIMIT can't be negative"
	errZSetOpNoKeys    = "ERR at least 1 input key is needed for '%s' command"

	// Set.
	errSetNumkeysArgs = "ERR Number of keys can't be greater than number of args"

	// Sorted sets.
	errZAddXXNX    = "ERR XX and NX options at the same time are not compatible"
	errZAddGTLTNX  = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZAddIncr    = "ERR INCR option supports a single increment-element pair"
	errZScoreNaN   = "ERR resulting score is not a number (NaN)"
	errZRandRange  = "ERR value is out of range"
	errZRandCount  = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errZPopNumkeys = "ERR numkeys should be greater than 0"
	errZPopCount   = "ERR count should be greater than 0"

	// Bitmaps.
	errBitOffset        = "ERR bit offset is not an integer or out of range"
	errBitValue         = "ERR bit is not an integer or out of range"
	errBitPosBit        = "ERR The bit argument must be 1 or 0."
	errBitOpNot         = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType     = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitfieldOverflow = "ERR Invalid OVERFLOW type specified"
	errBitfieldRO       = "ERR BITFIELD_RO only supports the GET subcommand"

	// Geo.
	errGeoUnit        = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoLonLat      = "ERR invalid longitude,latitude pair " // + "%f,%f"
	errGeoMember      = "ERR could not decode requested zset member"
	errGeoRadius      = "ERR need numeric radius"
	errGeoRadiusNeg   = "ERR radius cannot be negative"
	errGeoWidth       = "ERR need numeric width"
	errGeoHeight      = "ERR need numeric height"
	errGeoBoxNeg      = "ERR height or width cannot be negative"
	errGeoCount       = "ERR COUNT must be > 0"
	errGeoAny         = "ERR the ANY argument requires COUNT argument"
	errGeoStoreWith   = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	errGeoSStoreWith  = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	errGeoSearchFrom  = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " // + command name
	errGeoSearchShape = "ERR exactly one of BYRADIUS and BYBOX can be specified for "       // + command name

	// HyperLogLog.
	errHLLWrongType  = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errHLLCorrupt    = "INVALIDOBJ Corrupted HLL object detected"
	errHLLNoKey      = "ERR The specified key does not exist"
	errHLLNotSparse  = "ERR HLL encoding is not sparse"
	errHLLUnknownSub = "ERR Unknown PFDEBUG subcommand '" // + the subcommand + "'"
	errHLLTestFailed = "ERR TESTFAILED "                  // + what failed

	// Scripting.
	errBusyScript    = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction  = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errNoScript      = "NOSCRIPT No matching script. Please use EVAL."
	errNotBusy       = "NOTBUSY No scripts in execution right now."
	errUnkillable    = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	errNumKeysNeg    = "ERR Number of keys can't be negative"
	errNumKeysTooBig = "ERR Number of keys can't be greater than number of args"
	errScriptWriteRO = "ERR Can not execute a script with write flag using *_ro command."
	// Refusals of a command a script calls (redis.call).
	errScriptUnknownCmd = "ERR Unknown Redis command called from script"
	errScriptArity      = "ERR Wrong number of args calling Redis command from script"
	errScriptNotAllowed = "ERR This Redis command is not allowed from script"
	errScriptReadOnly   = "ERR Write commands are not allowed from read-only scripts."
	errScriptKilled     = "ERR Script killed by user with SCRIPT KILL..."
	// Functions.
	errFunctionNotFound  = "ERR Function not found"
	errFnBadNumKeys      = "ERR Bad number of keys provided"
	errLibraryNotFound   = "ERR Library not found"
	errDumpPayload       = "ERR DUMP payload version or checksum are wrong"
	errFunctionFlushMode = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	errRestorePolicy     = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
	errFnListNoName      = "ERR library name argument was not given"
	errFnRestoreNotFn    = "ERR given type is not a function"
	errFnRestorePayload  = "ERR Failed loading library payload"
	// Persistence.
	errBgsaveInProgress = "ERR Background save already in progress"
	errBgsaveOtherChild = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
	errMisconf          = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	errLoading          = "LOADING Redis is loading the dataset in memory"
	errShutdownFailed   = "ERR Errors trying to SHUTDOWN. Check logs."
	errDebugReloadOpts  = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
	errDebugReloadLoad  = "ERR Error trying to load the RDB dump, check server logs."
)

// errUnknownCommand is Redis's reply for a command name it does not know: the
// first arguments are quoted after it, each followed by a space.
func errUnknownCommand(name []byte, args [][]byte) string {
	b := make([]byte, 0, 64)
	b = append(b, "ERR unknown command '"...)
	b = appendSanitized(b, name, 128)
	b = append(b, "', with args beginning with: "...)
	// Like Redis: arguments are added while their text is under 128 bytes,
	// each cut to what is left of those 128.
	start := len(b)
	for _, a := range args {
		used := len(b) - start
		if used >= 128 {
			break
		}
		b = append(b, '\'')
		b = appendSanitized(b, a, 128-used)
		b = append(b, "' "...)
	}
	return string(b)
}

// errUnknownSubcommand is the reply for "CONFIG FOO" and the like.
func errUnknownSubcommand(sub []byte, cmd string) string {
	b := appendSanitized([]byte("ERR unknown subcommand '"), sub, 128)
	return string(b) + "'. Try " + upper(cmd) + " HELP."
}

// errArity is the wrong-number-of-arguments reply; name is the full command
// name as Redis prints it ("get", "config|get").
func errArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// appendSanitized appends at most max bytes of s, with newlines replaced by
// spaces, as Redis does before quoting user input in an error. Redis formats
// it with %s, so a NUL byte ends it.
func appendSanitized(b, s []byte, max int) []byte {
	if max < 0 {
		max = 0
	}
	if len(s) > max {
		s = s[:max]
	}
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	for _, c := range s {
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
