package server

import (
	"sync"
	"time"
)

// rateLimiter allows n events per window per key. Joins count only failed
// attempts: a whole municipality may sit behind one address and join at
// once, while guessing codes fails almost every time.
type rateLimiter struct {
	n      int
	window time.Duration
	mu     sync.Mutex
	seen   map[string]*window
	last   time.Time
}

type window struct {
	start time.Time
	count int
}

func newRateLimiter(n int, w time.Duration) *rateLimiter {
	return &rateLimiter{n: n, window: w, seen: map[string]*window{}}
}

// blocked reports whether key has used up its window, without counting.
func (l *rateLimiter) blocked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.seen[key]
	return w != nil && time.Since(w.start) <= l.window && w.count >= l.n
}

// allow counts one event for key and reports whether it is within bounds.
func (l *rateLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := time.Now()
	if t.Sub(l.last) > l.window {
		// Forget old windows now and then so the map stays small.
		for k, w := range l.seen {
			if t.Sub(w.start) > l.window {
				delete(l.seen, k)
			}
		}
		l.last = t
	}
	w := l.seen[key]
	if w == nil || t.Sub(w.start) > l.window {
		w = &window{start: t}
		l.seen[key] = w
	}
	w.count++
	return w.count <= l.n
}
