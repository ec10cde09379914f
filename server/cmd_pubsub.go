package server

import "fmt"

// The pub/sub family: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
// SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB. The hub is in
// pubsub.go, the subscribers' output queues in pushq.go.

func pubsubCommands() []*Command {
	const (
		ps  = flagPubsub | flagLoading | flagStale
		sub = ps | flagNoScript | flagSubscribeOK
		// Shard channels are reported as keys (COMMAND GETKEYS), but they
		// are not keys: nothing is locked for them.
		shard = flagNoLock
	)
	subCmd := func(name string, arity int, flags Flags, h Handler) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, Handler: h}
	}
	return []*Command{
		{Name: "subscribe", Arity: -2, Flags: sub, Handler: cmdSubscribe},
		{Name: "unsubscribe", Arity: -1, Flags: sub, Handler: cmdUnsubscribe},
		{Name: "psubscribe", Arity: -2, Flags: sub, Handler: cmdPSubscribe},
		{Name: "punsubscribe", Arity: -1, Flags: sub, Handler: cmdPUnsubscribe},
		{Name: "ssubscribe", Arity: -2, Flags: sub | shard, First: 1, Last: -1, Step: 1, Handler: cmdSSubscribe},
		{Name: "sunsubscribe", Arity: -1, Flags: sub | shard, First: 1, Last: -1, Step: 1, Handler: cmdSUnsubscribe},
		{Name: "publish", Arity: 3, Flags: ps | flagFast, Handler: cmdPublish},
		{Name: "spublish", Arity: 3, Flags: ps | flagFast | shard, First: 1, Last: 1, Step: 1, Handler: cmdSPublish},
		{Name: "pubsub", Arity: -2, ACL: "@slow", Subs: []*Command{
			subCmd("help", 2, flagLoading|flagStale, cmdPubsubHelp),
			subCmd("channels", -2, ps, cmdPubsubChannels),
			subCmd("numsub", -2, ps, cmdPubsubNumsub),
			subCmd("numpat", 2, ps, cmdPubsubNumpat),
			subCmd("shardchannels", -2, ps, cmdPubsubShardChannels),
			subCmd("shardnumsub", -2, ps, cmdPubsubShardNumsub),
		}},
	}
}

func cmdSubscribe(c *Client)    { c.subscribe(subChannel, c.args[1:]) }
func cmdPSubscribe(c *Client)   { c.subscribe(subPattern, c.args[1:]) }
func cmdSSubscribe(c *Client)   { c.subscribe(subShard, c.args[1:]) }
func cmdUnsubscribe(c *Client)  { c.unsubscribe(subChannel, c.args[1:], false) }
func cmdPUnsubscribe(c *Client) { c.unsubscribe(subPattern, c.args[1:], false) }
func cmdSUnsubscribe(c *Client) { c.unsubscribe(subShard, c.args[1:], false) }

func cmdPublish(c *Client) {
	c.writeInt(int64(c.srv.publish(c, false, c.args[1], c.args[2])))
}

func cmdSPublish(c *Client) {
	c.writeInt(int64(c.srv.publish(c, true, c.args[1], c.args[2])))
}

func cmdPubsubHelp(c *Client) {
	c.helpReply("pubsub", []string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
}

func cmdPubsubChannels(c *Client)      { pubsubChannels(c, subChannel) }
func cmdPubsubShardChannels(c *Client) { pubsubChannels(c, subShard) }

// pubsubChannels is PUBSUB CHANNELS / SHARDCHANNELS [pattern].
func pubsubChannels(c *Client, kind int) {
	if len(c.args) > 3 {
		c.writeError(fmt.Sprintf(errSubSyntax, sanitizeArg(string(c.args[1])), "PUBSUB"))
		return
	}
	var pattern []byte
	if len(c.args) == 3 {
		pattern = c.args[2]
	}
	names := c.srv.channelsMatching(kind, pattern)
	c.writeArray(len(names))
	for _, n := range names {
		c.writeBulkString(n)
	}
}

func cmdPubsubNumsub(c *Client)      { pubsubNumsub(c, subChannel) }
func cmdPubsubShardNumsub(c *Client) { pubsubNumsub(c, subShard) }

// pubsubNumsub is PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: pairs of
// channel and subscriber count, flat (also in RESP3, as Redis 7.0 does).
func pubsubNumsub(c *Client, kind int) {
	names := c.args[2:]
	c.writeArray(2 * len(names))
	for _, n := range names {
		c.writeBulk(n)
		c.writeInt(int64(c.srv.numSubscribers(kind, n)))
	}
}

func cmdPubsubNumpat(c *Client) { c.writeInt(int64(c.srv.numPatterns())) }
