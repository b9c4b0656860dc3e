package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server/client"
)

// getRaw fetches url with the bearer and returns the body.
func getRaw(t *testing.T, ctx context.Context, url, bearer string) []byte {
	t.Helper()
	// A node that has just started may answer 503 (unavailable, retry)
	// while it subscribes to Redis; a client retries, and so does this.
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case resp.StatusCode == 200:
			return body
		case resp.StatusCode == http.StatusServiceUnavailable && time.Now().Before(deadline):
			time.Sleep(100 * time.Millisecond)
		default:
			t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
		}
	}
}

// backupBoardSeqs reads each board's seq from a backup file.
func backupBoardSeqs(t *testing.T, backup []byte) map[string]uint64 {
	t.Helper()
	seqs := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(backup))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r board.BackupRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Board != nil {
			seqs[r.Board.State.Info.ID] = r.Board.State.Seq
		}
	}
	return seqs
}

func restoreCmd(t *testing.T, file string, storeArgs ...string) {
	t.Helper()
	var out bytes.Buffer
	args := append([]string{"restore", "-in", file}, storeArgs...)
	if err := run(context.Background(), args, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "Restored") {
		t.Fatalf("restore printed %q", out.String())
	}
}

// TestBackupWhileEditingRestoresEverywhere takes an online backup while 20
// participants edit, restores it into a fresh data directory and checks
// that every edit acknowledged at or below the backup's seq is there and
// the participants' tokens still work; then it moves the final instance
// to Redis and back to the embedded store, and the board's document,
// its export and its join code come through unchanged.
func TestBackupWhileEditingRestoresEverywhere(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	const key = "backup-test-organizer-key"
	addr := freeAddr(t)
	c := startChild(t, "-data "+t.TempDir()+" -addr "+addr+" -organizer-key "+key)
	base := "http://" + addr
	api := &client.API{Base: base, Key: key}
	if err := api.EnsureMunicipality(ctx, "0780"); err != nil {
		t.Fatal(err)
	}
	var st struct{ ID string }
	if err := api.Do(ctx, "POST", "/api/municipalities/0780/strategies", key, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &st); err != nil {
		t.Fatal(err)
	}
	var b struct{ ID, JoinCode, FacilitatorToken string }
	if err := api.Do(ctx, "POST", "/api/boards", key, map[string]string{"title": "Växjö nuläge", "municipality": "0780", "strategy": st.ID, "template": "process-map"}, &b); err != nil {
		t.Fatal(err)
	}
	var exp struct{ ID string }
	if err := api.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", key, map[string]any{}, &exp); err != nil {
		t.Fatal(err)
	}

	// 20 participants edit until told to stop; each remembers the seq of
	// every note the server acknowledged.
	type acked struct {
		id  string
		seq uint64
	}
	var (
		mu     sync.Mutex
		all    []acked
		tokens []string
		wg     sync.WaitGroup
	)
	stop := make(chan struct{})
	started := make(chan struct{}, 20)
	for i := range 20 {
		j, err := api.Join(ctx, b.JoinCode, fmt.Sprintf("Deltagare %d", i), "Tekniska förvaltningen", "official")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, j.Token)
		ws, err := client.Dial(ctx, base, b.ID, j.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ws.Drop()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := uuid.NewString()
				seq, err := ws.Ops(ctx, board.Op{Op: "create", ID: id, Kind: "note", Props: map[string]any{"text": fmt.Sprintf("Hinder %d", n), "x": float64(n), "y": 1.0}})
				if err != nil {
					continue // rate-limited or shutting down: not acknowledged
				}
				mu.Lock()
				all = append(all, acked{id, seq})
				mu.Unlock()
				if n == 2 {
					started <- struct{}{}
				}
			}
		}()
	}
	for range 20 {
		<-started
	}
	backup := getRaw(t, ctx, base+"/api/admin/backup", key)
	close(stop)
	wg.Wait()
	seq := backupBoardSeqs(t, backup)[b.ID]
	if seq == 0 {
		t.Fatal("the backup holds no seq for the board")
	}
	file := filepath.Join(t.TempDir(), "backup.jsonl")
	if err := os.WriteFile(file, backup, 0o600); err != nil {
		t.Fatal(err)
	}

	// Restore into a fresh directory and serve it.
	dir := t.TempDir()
	restoreCmd(t, file, "-data", dir)
	addr2 := freeAddr(t)
	startChild(t, "-data "+dir+" -addr "+addr2)
	base2 := "http://" + addr2
	var snap struct {
		Seq     uint64
		Objects []*board.Object
	}
	// A participant's token works on the restored instance.
	if err := (&client.API{Base: base2}).Do(ctx, "GET", "/api/boards/"+b.ID, tokens[7], nil, &snap); err != nil {
		t.Fatal(err)
	}
	if snap.Seq != seq {
		t.Fatalf("restored board at seq %d, backup says %d", snap.Seq, seq)
	}
	have := map[string]bool{}
	for _, o := range snap.Objects {
		have[o.ID] = true
	}
	before, after := 0, 0
	for _, a := range all {
		switch {
		case a.seq <= seq:
			before++
			if !have[a.id] {
				t.Fatalf("note %s acknowledged at seq %d ≤ %d is missing after restore", a.id, a.seq, seq)
			}
		default:
			after++
			if have[a.id] {
				t.Fatalf("note %s acknowledged at seq %d > %d is in the backup", a.id, a.seq, seq)
			}
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("the backup did not fall in the middle of the editing: %d before, %d after", before, after)
	}
	t.Logf("backup at seq %d: %d acknowledged edits before it, %d after", seq, before, after)

	// The final instance to Redis and back: the same document, export and join code.
	doc := getRaw(t, ctx, base+"/api/boards/"+b.ID+"/document", key)
	pdf := getRaw(t, ctx, base+"/api/exports/"+exp.ID+"/pdf", key)
	final := filepath.Join(t.TempDir(), "final.jsonl")
	if err := os.WriteFile(final, getRaw(t, ctx, base+"/api/admin/backup", key), 0o600); err != nil {
		t.Fatal(err)
	}
	c.cmd.Process.Kill()

	rs := redistest.Start(t)
	restoreCmd(t, final, "-redis", rs.URL())
	addr3 := freeAddr(t)
	startChild(t, "-redis "+rs.URL()+" -addr "+addr3+" -organizer-key "+key)
	base3 := "http://" + addr3
	if d := docDiff(getRaw(t, ctx, base3+"/api/boards/"+b.ID+"/document", key), doc); d != "" {
		t.Fatalf("document differs after restore into Redis: %s", d)
	}
	if got := getRaw(t, ctx, base3+"/api/exports/"+exp.ID+"/pdf", key); !bytes.Equal(got, pdf) {
		t.Fatal("export differs after restore into Redis")
	}
	if _, err := (&client.API{Base: base3}).Join(ctx, b.JoinCode, "Ny", "Kommunledningskontoret", "manager"); err != nil {
		t.Fatalf("join code after restore into Redis: %v", err)
	}
	back := filepath.Join(t.TempDir(), "back.jsonl")
	if err := os.WriteFile(back, getRaw(t, ctx, base3+"/api/admin/backup", key), 0o600); err != nil {
		t.Fatal(err)
	}
	dir4 := t.TempDir()
	restoreCmd(t, back, "-data", dir4)
	addr4 := freeAddr(t)
	startChild(t, "-data "+dir4+" -addr "+addr4+" -organizer-key "+key)
	// The join above is the one change since: the objects are the same.
	var d1, d4 struct {
		Seq          uint64
		Objects      json.RawMessage
		Participants []any
	}
	json.Unmarshal(doc, &d1)
	json.Unmarshal(getRaw(t, ctx, "http://"+addr4+"/api/boards/"+b.ID+"/document", key), &d4)
	if d4.Seq != d1.Seq+1 || len(d4.Participants) != len(d1.Participants)+1 || !bytes.Equal(d4.Objects, d1.Objects) {
		t.Fatalf("after Redis and back: seq %d (was %d), %d participants (was %d), objects equal: %v",
			d4.Seq, d1.Seq, len(d4.Participants), len(d1.Participants), bytes.Equal(d4.Objects, d1.Objects))
	}
}

// docDiff compares two board documents but for when they were made, and
// describes the first difference briefly.
func docDiff(a, b []byte) string {
	norm := func(doc []byte) string {
		var m map[string]any
		if err := json.Unmarshal(doc, &m); err != nil {
			return "not JSON: " + err.Error()
		}
		delete(m, "exportedAt")
		out, _ := json.Marshal(m)
		return string(out)
	}
	x, y := norm(a), norm(b)
	if x == y {
		return ""
	}
	i := 0
	for i < len(x) && i < len(y) && x[i] == y[i] {
		i++
	}
	lo := max(0, i-80)
	return fmt.Sprintf("at byte %d: …%s… vs …%s…", i, x[lo:min(len(x), i+80)], y[lo:min(len(y), i+80)])
}

// TestRestoreRefusesBadInput: a missing file, a directory in use, a file
// that is not a backup.
func TestRestoreRefusesBadInput(t *testing.T) {
	none := func(string) string { return "" }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"restore", "-data", t.TempDir()}, none, &out); err == nil || !strings.Contains(err.Error(), "-in FILE") {
		t.Fatalf("restore without -in: %v", err)
	}
	used := t.TempDir()
	os.WriteFile(filepath.Join(used, "processkarta.db"), []byte("x"), 0o600)
	if err := run(context.Background(), []string{"restore", "-in", "x", "-data", used}, none, &out); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a used directory: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("hello\n"), 0o600)
	if err := run(context.Background(), []string{"restore", "-in", junk, "-data", t.TempDir()}, none, &out); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("restore of junk: %v", err)
	}
}
