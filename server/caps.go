package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Caps bound what one address, one token and one board may take, so that
// no participant, and no web page a participant visits, can break a
// workshop for the others. docs/security.md lists them with the reasons.
type Caps struct {
	// SocketsPerToken is the most websockets one token holds open on a
	// node; the next one closes with 4429.
	SocketsPerToken int
	// ConnsPerAddress is the most requests and websockets open at once
	// from one address (an IPv6 /64); more get 429.
	ConnsPerAddress int
	// JoinsPerAddress and JoinsPerBoard are the joins a minute, successful
	// or not, from one address and onto one board. Both come as a burst
	// that refills evenly over the minute, so a room of 60 people who all
	// join within the same minute behind one address pass.
	JoinsPerAddress float64
	JoinsPerBoard   float64
	// EditBytesPerSecond bounds the bytes of edits (ops, settings, votes)
	// one websocket sends, sustained; EditBytesBurst at once.
	EditBytesPerSecond float64
	EditBytesBurst     float64
	// ExportsPerMinute is how many PDFs one board may have made a minute.
	ExportsPerMinute float64
	// ExportsKept is how many of a board's PDFs are kept: storing a new
	// one deletes the oldest beyond it, so that exports in a loop cannot
	// fill the disk.
	ExportsKept int
}

func (c Caps) withDefaults() Caps {
	orDefault(&c.SocketsPerToken, 4)
	orDefault(&c.ConnsPerAddress, 256)
	orDefault(&c.JoinsPerAddress, 60)
	orDefault(&c.JoinsPerBoard, 120)
	orDefault(&c.EditBytesPerSecond, 64<<10)
	orDefault(&c.EditBytesBurst, 1<<20)
	orDefault(&c.ExportsPerMinute, 20)
	orDefault(&c.ExportsKept, 50)
	return c
}

// bucketMap keeps one token bucket per key, refilled at rate a second up
// to burst; buckets that are full again are forgotten now and then.
type bucketMap struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	m     map[string]*rate.Limiter
	swept time.Time
}

func newBucketMap(perSecond, burst float64) *bucketMap {
	return &bucketMap{rate: rate.Limit(perSecond), burst: int(burst), m: map[string]*rate.Limiter{}, swept: time.Now()}
}

// take spends n from key's bucket and reports whether it had them.
func (b *bucketMap) take(key string, n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := time.Now()
	if t.Sub(b.swept) > time.Minute {
		for k, tb := range b.m {
			if tb.TokensAt(t) >= float64(b.burst) {
				delete(b.m, k)
			}
		}
		b.swept = t
	}
	tb := b.m[key]
	if tb == nil {
		tb = rate.NewLimiter(b.rate, b.burst)
		b.m[key] = tb
	}
	return tb.AllowN(t, n)
}

// joinLimits holds the join budgets by address and by board.
type joinLimits struct {
	byAddr, byBoard *bucketMap
}

func newJoinLimits(c Caps) *joinLimits {
	return &joinLimits{
		byAddr:  newBucketMap(c.JoinsPerAddress/60, c.JoinsPerAddress),
		byBoard: newBucketMap(c.JoinsPerBoard/60, c.JoinsPerBoard),
	}
}
