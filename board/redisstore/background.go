package redisstore

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board/internal/storekit"
)

// kick asks for a catch-up of b in the background; asks that come while
// one runs make it run once more.
func (s *Store) kick(b *storekit.Board[boardData]) {
	d := &b.Data
	d.dirty.Store(true)
	if !d.running.CompareAndSwap(false, true) {
		return
	}
	s.bgMu.Lock()
	if s.closed {
		s.bgMu.Unlock()
		d.running.Store(false)
		return
	}
	s.wg.Add(1)
	s.bgMu.Unlock()
	go func() {
		defer s.wg.Done()
		for {
			d.dirty.Store(false)
			ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
			d.syncMu.Lock()
			if b.Loaded() {
				// On failure the periodic check asks again.
				_ = s.catchUp(ctx, b)
			}
			d.syncMu.Unlock()
			cancel()
			d.running.Store(false)
			if !d.dirty.Load() || !d.running.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// listen reads the pub/sub connection: changes, and the confirmations of
// subscriptions, which also come after a reconnect.
func (s *Store) listen() {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		msg, err := s.ps.ReceiveTimeout(s.bg, s.cfg.check*2)
		if s.bg.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Quiet: make sure the connection is alive. A failed ping
				// makes the next receive reconnect.
				s.psMu.Lock()
				s.ps.Ping(s.bg)
				s.psMu.Unlock()
				continue
			}
			select {
			case <-s.bg.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			id, ok := boardOfChannel(m.Channel)
			if !ok {
				continue
			}
			if b := s.live.Lookup(id); b != nil {
				d := &b.Data
				d.confMu.Lock()
				if d.confirmed == nil {
					d.confirmed = make(chan struct{})
				}
				select {
				case <-d.confirmed:
				default:
					close(d.confirmed)
				}
				d.confMu.Unlock()
				// Changes may have been missed while unsubscribed.
				if b.Loaded() {
					s.kick(b)
				}
			}
		case *redis.Message:
			id, ok := boardOfChannel(m.Channel)
			if !ok {
				if id, ok := boardOfPresence(m.Channel); ok {
					s.presence.deliver(id, []byte(m.Payload))
				}
				continue
			}
			b := s.live.Lookup(id)
			if b == nil {
				continue
			}
			if m.Payload == deletedPayload {
				// Subscribers learn it by their closed channels and
				// find the board gone when they resubscribe.
				b.Unload()
				continue
			}
			c, err := decodeChange(m.Payload)
			if err != nil {
				continue
			}
			if b.Advance(c) == storekit.Gap {
				s.kick(b)
			}
		}
	}
}

// checker compares the cached seqs with Redis every interval: the safety
// net for anything pub/sub missed.
func (s *Store) checker() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.check)
	defer t.Stop()
	for {
		select {
		case <-s.bg.Done():
			return
		case <-t.C:
		}
		var boards []*storekit.Board[boardData]
		var seqs []uint64
		for _, b := range s.live.Boards() {
			if seq, ok := b.Seq(); ok {
				boards = append(boards, b)
				seqs = append(seqs, seq)
			}
		}
		if len(boards) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
		cmds := make([]*redis.StringCmd, len(boards))
		s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, b := range boards {
				cmds[i] = p.Get(ctx, bkey(b.ID, "seq"))
			}
			return nil
		})
		cancel()
		for i, c := range cmds {
			n, err := c.Uint64()
			switch {
			case err == nil && n != seqs[i]:
				s.kick(boards[i])
			case errors.Is(err, redis.Nil):
				boards[i].Unload() // deleted, and the message of it lost
			}
		}
	}
}

// janitor drops idle boards from the cache and unsubscribes their
// channels.
func (s *Store) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(max(s.cfg.cacheIdle/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.bg.Done():
			return
		case <-t.C:
		}
		// Under psMu: a board cached again after eviction subscribes only
		// after this unsubscribe.
		s.psMu.Lock()
		var chans []string
		for _, b := range s.live.Evict(s.cfg.cacheIdle) {
			b.Unload()
			d := &b.Data
			d.confMu.Lock()
			if d.subscribed {
				chans = append(chans, channelOf(b.ID))
			}
			d.confMu.Unlock()
		}
		if len(chans) > 0 {
			ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
			s.ps.Unsubscribe(ctx, chans...)
			cancel()
		}
		s.psMu.Unlock()
	}
}
