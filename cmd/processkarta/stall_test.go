package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server/client"
)

// Redis stalls: SIGSTOP for 5 s, then SIGCONT, while participants work on
// one node. Four edits sent at the start of the stall are all refused as
// unavailable with retry before the stall ends: each call to Redis is
// bounded by -redis-timeout (2 s), shorter than the stall (with a timeout
// longer than the stall the edits hang until SIGCONT, and this test fails:
// PROCESSKARTA_REDIS_TIMEOUT=10s shows it), and edits queued behind a call
// that timed out are refused with it rather than each waiting a timeout
// of its own. Meanwhile presence between
// two participants and the welcome of a newcomer to the open board go on,
// which they could not if anything waited on Redis while holding the
// room's lock. After SIGCONT edits go through again and nothing
// acknowledged is lost.
func TestRedisStallRefusesEditsInTimeKeepsPresence(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	rs := redistest.Start(t)
	n := serveRedisChild(t, rs.URL())
	bd := n.processBoard(t, ctx)
	ja, err := n.api.Join(ctx, bd.JoinCode, "Anna", "Miljöförvaltningen", "official")
	if err != nil {
		t.Fatal(err)
	}
	jb, err := n.api.Join(ctx, bd.JoinCode, "Bo", "Tekniska förvaltningen", "manager")
	if err != nil {
		t.Fatal(err)
	}
	// Anna sees Bo's cursor through presence.
	cursors := make(chan float64, 64)
	anna, err := client.Dial(ctx, n.base, bd.ID, ja.Token, &client.Options{OnMessage: func(m *client.Message) {
		for _, p := range m.Peers {
			if p.Participant == jb.Participant.ID && p.Cursor != nil {
				select {
				case cursors <- p.Cursor.X:
				default:
				}
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer anna.Drop()
	bo, err := client.Dial(ctx, n.base, bd.ID, jb.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bo.Drop()
	// Three more participants, so that edits queue behind each other at
	// the stall as they do in a workshop.
	others := make([]*client.Client, 3)
	for i := range others {
		j, err := n.api.Join(ctx, bd.JoinCode, fmt.Sprintf("Deltagare %d", i+1), "Kommunstyrelsen", "official")
		if err != nil {
			t.Fatal(err)
		}
		if others[i], err = client.Dial(ctx, n.base, bd.ID, j.Token, nil); err != nil {
			t.Fatal(err)
		}
		defer others[i].Drop()
	}
	var acked []string
	editAs := func(ctx context.Context, c *client.Client, text string) (string, error) {
		id := uuid.NewString()
		_, err := c.Ops(ctx, board.Op{Op: "create", ID: id, Kind: "note", Props: map[string]any{"text": text, "x": 10.0, "y": 10.0}})
		return id, err
	}
	edit := func(ctx context.Context, text string) (string, error) { return editAs(ctx, anna, text) }
	for range 10 {
		id, err := edit(ctx, "före")
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, id)
	}

	const stall = 5 * time.Second
	rs.Pause()
	stalled := time.Now()
	end := stalled.Add(stall)
	type answer struct {
		err error
		at  time.Time
	}
	editors := append([]*client.Client{anna}, others...)
	answered := make(chan answer, len(editors))
	for _, c := range editors {
		go func() {
			_, err := editAs(ctx, c, "under stoppet")
			answered <- answer{err, time.Now()}
		}()
	}

	// Presence moves while the edit waits on Redis.
	if err := bo.Presence(ctx, &[2]float64{42.5, 7}, []string{}, ""); err != nil {
		t.Fatal(err)
	}
	func() {
		wait := time.NewTimer(time.Until(end))
		defer wait.Stop()
		for {
			select {
			case x := <-cursors:
				if x == 42.5 {
					return
				}
			case <-wait.C:
				t.Fatal("Bo's cursor did not reach Anna during the stall")
			}
		}
	}()
	t.Logf("presence during the stall: after %v", time.Since(stalled).Round(time.Millisecond))

	// A newcomer to the open board is welcomed from the room's memory, or
	// told plainly to come back; never left waiting for Redis.
	nctx, ncancel := context.WithDeadline(ctx, end)
	newcomer, err := client.Dial(nctx, n.base, bd.ID, bd.FacilitatorToken, nil)
	ncancel()
	var ce *client.Error
	switch {
	case err == nil:
		if newcomer.Seq() < uint64(len(acked)) {
			t.Errorf("the newcomer's welcome is at seq %d, the board was at %d or more", newcomer.Seq(), len(acked))
		}
		newcomer.Drop()
		t.Logf("a newcomer was welcomed during the stall: after %v", time.Since(stalled).Round(time.Millisecond))
	case errors.As(err, &ce):
		t.Logf("a newcomer during the stall was told: %v", err)
	default:
		t.Fatalf("a newcomer during the stall got no welcome and no clear answer: %v", err)
	}
	hctx, hcancel := context.WithDeadline(ctx, end)
	req, _ := http.NewRequestWithContext(hctx, "GET", n.base+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	hcancel()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz during the stall: %v %v", resp, err)
	}
	resp.Body.Close()

	// Every edit was refused, as retryable, before the stall ended: also
	// those that queued behind another's call to Redis.
	for range editors {
		var a answer
		select {
		case a = <-answered:
		case <-time.After(time.Until(end)):
			t.Fatalf("edits sent at the start of a %v Redis stall had no answer when the stall ended", stall)
		}
		if !errors.As(a.err, &ce) || ce.Code != board.EUnavailable || !ce.Retry {
			t.Fatalf("an edit during the stall: %v, want a reject unavailable with retry", a.err)
		}
		if internals(ce.Message) {
			t.Errorf("the reject shows internals: %q", ce.Message)
		}
		t.Logf("an edit during the stall was refused after %v: %v", a.at.Sub(stalled).Round(time.Millisecond), a.err)
	}

	time.Sleep(time.Until(end)) // the stall's own length, not a stand-in for a condition
	rs.Resume()

	// Edits go through again, retried as the reject said.
	retry := time.NewTicker(200 * time.Millisecond)
	defer retry.Stop()
	for ok := 0; ok < 10; {
		ectx, ecancel := context.WithTimeout(ctx, editTimeout)
		id, err := edit(ectx, "efter")
		ecancel()
		switch {
		case err == nil:
			acked = append(acked, id)
			ok++
			continue
		case errors.As(err, &ce) && ce.Retry:
		case errors.Is(err, client.ErrClosed):
			if err := anna.Reconnect(ctx); err != nil {
				t.Logf("reconnect: %v", err)
			}
		default:
			t.Fatalf("an edit after the stall: %v", err)
		}
		select {
		case <-retry.C:
		case <-ctx.Done():
			t.Fatal("edits did not go through after the stall")
		}
	}
	checkAcked(t, ctx, n.base, bd.ID, bd.FacilitatorToken, []*editor{{name: "Anna", c: anna, acked: acked}})
}
