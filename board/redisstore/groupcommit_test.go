package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/processkarta/processkarta/board/redisstore"
)

// Issue 15: many writers on one node commit together (one pipeline per
// turn), while another node writes to the same board: every change is
// acknowledged once, under its own seq, with no gap, and a fresh node
// reads all of them.
func TestGroupCommit(t *testing.T) {
	srv := server(t)
	a, b := openURL(t, srv.URL()), openURL(t, srv.URL())
	id, fac := makeBoard(t, a)
	const writersA, writersB, each = 20, 3, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	seqs := map[uint64]string{}
	write := func(n *redisstore.Store, name string) {
		for i := range each {
			text := fmt.Sprint(name, "-", i)
			c, err := note(context.Background(), n, id, fac, text)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if prev, dup := seqs[c.Seq]; dup {
				t.Errorf("seq %d acknowledged for %q and %q", c.Seq, prev, text)
			}
			seqs[c.Seq] = text
			mu.Unlock()
		}
	}
	for w := range writersA {
		wg.Go(func() { write(a, fmt.Sprint("a", w)) })
	}
	for w := range writersB {
		wg.Go(func() { write(b, fmt.Sprint("b", w)) })
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	total := (writersA + writersB) * each
	if len(seqs) != total {
		t.Fatalf("%d changes acknowledged, want %d", len(seqs), total)
	}
	fresh := openURL(t, srv.URL())
	st, err := fresh.Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, o := range st.Objects {
		if s, ok := o.Props["text"].(string); ok {
			texts[s] = true
		}
	}
	for seq, text := range seqs {
		if seq > st.Seq {
			t.Fatalf("seq %d acknowledged beyond the board's %d", seq, st.Seq)
		}
		if !texts[text] {
			t.Fatalf("acknowledged note %q (seq %d) is not on the board", text, seq)
		}
	}
	if a.GroupedForTest() == 0 {
		t.Fatal("20 writers on one node never committed together")
	}
	t.Logf("%d of %d changes of node a went in a group", a.GroupedForTest(), writersA*each)
}
