package tests

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// eqN sends a command to both servers and compares the next n replies
// (subscriptions confirm each channel separately).
func (p *pair) eqN(n int, args ...string) {
	p.t.Helper()
	p.shoal.send(args...)
	p.redis.send(args...)
	for i := 0; i < n; i++ {
		got, want := p.shoal.reply(), p.redis.reply()
		if got != want {
			p.t.Errorf("%s reply %d\n shoal: %q\n redis: %q", quoteArgs(args), i, got, want)
		}
	}
}

// eqNUnordered is eqN for replies whose order is unspecified (deliveries
// to several matching patterns follow Redis's dict order).
func (p *pair) eqNUnordered(n int, args ...string) {
	p.t.Helper()
	p.shoal.send(args...)
	p.redis.send(args...)
	var got, want []string
	for i := 0; i < n; i++ {
		got = append(got, p.shoal.reply())
		want = append(want, p.redis.reply())
	}
	sort.Strings(got)
	sort.Strings(want)
	if g, w := strings.Join(got, ""), strings.Join(want, ""); g != w {
		p.t.Errorf("%s (%d replies, unordered)\n shoal: %.300q\n redis: %.300q", quoteArgs(args), n, g, w)
	}
}

// pubPair is a subscriber pair and a publisher pair on the same servers.
func pubPair(t *testing.T) (sub, pub *pair) {
	sub = newPair(t)
	pub = pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	return sub, pub
}

// Subscribe and unsubscribe sequences, confirmation by confirmation, and
// the RESP2 subscribed context's rules.
func TestPubSubSubscribeSequences(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			p := newPair(t)
			p.both("HELLO", proto)
			p.eqN(1, "UNSUBSCRIBE")
			p.eqN(1, "PUNSUBSCRIBE")
			p.eqN(1, "SUNSUBSCRIBE")
			p.eqN(2, "UNSUBSCRIBE", "x", "y")
			p.eqN(3, "SUBSCRIBE", "a", "b", "a")
			p.eqN(2, "PSUBSCRIBE", "n*", "h?llo")
			p.eqN(2, "SSUBSCRIBE", "s1", "s2")
			p.eq("PING")
			p.eq("PING", "hi")
			p.eq("GET", "k")
			p.eq("SET", "k", "v")
			p.eqN(1, "UNSUBSCRIBE", "a")
			p.eqN(2, "PUNSUBSCRIBE", "h?llo", "zz")
			p.eqN(1, "SUNSUBSCRIBE", "s2")
			p.eqN(1, "SUNSUBSCRIBE")
			p.eqN(1, "PUNSUBSCRIBE")
			p.eqN(1, "UNSUBSCRIBE")
			p.eq("PING")
			p.eqN(1, "SUBSCRIBE", "a")
			p.eq("RESET")
			p.eq("PING")
			p.eq("SUBSCRIBE")
			p.eq("PSUBSCRIBE")
			p.eq("SSUBSCRIBE")
		})
	}
}

// PUBLISH returns the exact number of receivers and each subscriber gets
// the same bytes from both servers: channel and pattern subscriptions,
// several patterns matching, shard channels apart.
func TestPubSubPublish(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("resp"+proto, func(t *testing.T) {
			sub, pub := pubPair(t)
			sub.both("HELLO", proto)
			sub.eqN(2, "SUBSCRIBE", "news.tech", "chat")
			sub.eqN(3, "PSUBSCRIBE", "news.*", "n*", "[a-c]hat")
			sub.eqN(1, "SSUBSCRIBE", "shard1")
			pub.eq("PUBLISH", "news.tech", "hello")
			sub.eqNUnordered(4, "PING") // three messages, then PONG
			pub.eq("PUBLISH", "chat", "")
			sub.eqNUnordered(3, "PING")
			pub.eq("PUBLISH", "nobody", "x")
			pub.eq("PUBLISH", "shard1", "not shard")
			pub.eq("SPUBLISH", "shard1", "sharded")
			pub.eq("SPUBLISH", "chat", "x")
			sub.eqNUnordered(3, "PING")
			pub.eq("PUBLISH", "news.tech", strings.Repeat("x", 20000))
			sub.eqNUnordered(4, "PING")
			sub.eq("RESET")
			pub.eq("PUBLISH", "news.tech", "after reset")
			sub.eq("PING")
		})
	}
}

func TestPubSubIntrospection(t *testing.T) {
	sub, pub := pubPair(t)
	other := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	sub.eqN(2, "SUBSCRIBE", "c1", "c2")
	sub.eqN(2, "PSUBSCRIBE", "p*", "q*")
	sub.eqN(1, "SSUBSCRIBE", "s1")
	other.eqN(1, "SUBSCRIBE", "c1")
	other.eqN(1, "PSUBSCRIBE", "p*")
	pub.eqUnordered("PUBSUB", "CHANNELS")
	pub.eq("PUBSUB", "CHANNELS", "c2")
	pub.eq("PUBSUB", "CHANNELS", "x*")
	pub.eq("PUBSUB", "NUMSUB", "c1", "c2", "c3")
	pub.eq("PUBSUB", "NUMSUB")
	pub.eq("PUBSUB", "NUMPAT")
	pub.eq("PUBSUB", "SHARDCHANNELS")
	pub.eq("PUBSUB", "SHARDCHANNELS", "s*")
	pub.eq("PUBSUB", "SHARDNUMSUB", "s1", "s2")
	pub.eq("PUBSUB", "HELP")
	pub.eq("PUBSUB", "NOPE")
	pub.eq("PUBSUB", "NUMPAT", "x")
	pub.eq("PUBSUB", "CHANNELS", "a", "b")
	pub.eq("PUBLISH", "c1")
	pub.both("HELLO", "3")
	pub.eq("PUBSUB", "NUMSUB", "c1", "c2")
}

// A subscriber that stops reading is disconnected at its output limit;
// the publisher and a healthy subscriber never wait for it, and the
// healthy one gets every message in order.
func TestPubSubSlowSubscriber(t *testing.T) {
	srv := ownShoal(t, "client-output-buffer-limit pubsub 256kb 128kb 60")
	addr := srv.Addr().String()
	stalled := dial(t, addr)
	stalled.do("SUBSCRIBE", "feed")
	healthy := dial(t, addr)
	healthy.do("SUBSCRIBE", "feed")
	pub := dial(t, addr)
	// Enough to fill the kernel's socket buffers many times over. The
	// healthy subscriber reads each message before the next is published.
	const n = 5000
	msg := strings.Repeat("m", 4000)
	receivers := 0
	for i := 0; i < n; i++ {
		r := pub.do("PUBLISH", "feed", strconv.Itoa(i)+msg)
		if i == 0 && r != ":2\r\n" {
			t.Fatalf("first PUBLISH: %q", r)
		}
		receivers, _ = strconv.Atoi(strings.TrimSpace(r[1:]))
		if m := healthy.reply(); !strings.HasSuffix(m, "\r\n"+strconv.Itoa(i)+msg+"\r\n") {
			t.Fatalf("message %d: %.60q", i, m)
		}
	}
	if receivers != 1 {
		t.Fatalf("the stalled subscriber still receives at the end (%d receivers)", receivers)
	}
	if _, closed := stalled.readUntilClose(5 * time.Second); !closed {
		t.Fatal("the stalled subscriber was not disconnected")
	}
}

// A chat: many publishers and subscribers; every subscriber gets every
// message exactly once, each publisher's messages in its order.
func TestPubSubChat(t *testing.T) {
	srv := ownShoal(t)
	addr := srv.Addr().String()
	const subs, pubs, each = 8, 4, 200
	var ready, done sync.WaitGroup
	errs := make(chan error, subs)
	for s := 0; s < subs; s++ {
		c := dial(t, addr)
		c.do("SUBSCRIBE", "room")
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			next := make([]int, pubs)
			for i := 0; i < pubs*each; i++ {
				r := c.reply()
				parts := strings.Split(r, "\r\n")
				var p, seq int
				if len(parts) < 7 {
					errs <- fmt.Errorf("bad message %q", r)
					return
				}
				fmt.Sscanf(parts[6], "%d:%d", &p, &seq)
				if p < 0 || p >= pubs || seq != next[p] {
					errs <- fmt.Errorf("publisher %d: got %d, want %d", p, seq, next[p])
					return
				}
				next[p]++
			}
		}()
	}
	ready.Wait()
	var pw sync.WaitGroup
	for p := 0; p < pubs; p++ {
		c := dial(t, addr)
		pw.Add(1)
		go func(p int) {
			defer pw.Done()
			for i := 0; i < each; i++ {
				if r := c.do("PUBLISH", "room", fmt.Sprintf("%d:%d", p, i)); r != ":"+strconv.Itoa(subs)+"\r\n" {
					errs <- fmt.Errorf("PUBLISH: %q", r)
					return
				}
			}
		}(p)
	}
	pw.Wait()
	done.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// go-redis's PubSub API over RESP2 and RESP3.
func TestGoRedisPubSub(t *testing.T) {
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := goRedis(t, proto)
		chName, pat := fmt.Sprint("gr:chan", proto), fmt.Sprint("gr:", proto, "p*")
		ps := c.Subscribe(ctx, chName)
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		if err := ps.PSubscribe(ctx, pat); err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Receive(ctx); err != nil { // the confirmation
			t.Fatal(err)
		}
		ch := ps.Channel()
		if n, err := c.Publish(ctx, chName, "one").Result(); err != nil || n != 1 {
			t.Fatalf("PUBLISH: %d %v", n, err)
		}
		if n, err := c.Publish(ctx, fmt.Sprint("gr:", proto, "pat"), "two").Result(); err != nil || n != 1 {
			t.Fatalf("PUBLISH: %d %v", n, err)
		}
		for _, want := range []string{chName + " one", fmt.Sprint("gr:", proto, "pat two")} {
			select {
			case m := <-ch:
				if got := m.Channel + " " + m.Payload; got != want {
					t.Fatalf("resp%d: got %q, want %q", proto, got, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("resp%d: no message %q", proto, want)
			}
		}
		ps.Close()
	}
}
