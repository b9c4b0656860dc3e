package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
)

// Erasure on Redis. Deleting keys frees memory, but the append-only file
// still holds every command that ever wrote the data. So after a deletion
// or an erasure the store asks Redis to rewrite the file (BGREWRITEAOF):
// the new file holds only live data and Redis removes the old ones. With
// RDB snapshots configured instead ("save"), it asks for a new snapshot
// (BGSAVE). docs/operations.md says what this means for replicas and for
// backups, which the store cannot reach.

// DefaultPurgeDelay is how long the store waits after a deletion or an
// erasure before it asks Redis to rewrite its files, so that a burst of
// them costs one rewrite.
const DefaultPurgeDelay = 2 * time.Second

// WithPurgeDelay sets how long after a deletion or an erasure the
// rewrite is asked for (default 2s; it must stay well below
// board.PurgeWithin).
func WithPurgeDelay(d time.Duration) Option {
	return func(c *config) { c.purgeDelay = d }
}

// deletedPayload, published on a board's change channel, tells every
// node that the board was deleted.
const deletedPayload = "deleted"

// lastChange returns the time of the change in tail (the log's last
// entry, if any), or created.
func lastChange(tail []redis.XMessage, created time.Time) time.Time {
	if len(tail) == 0 {
		return created
	}
	raw, _ := tail[0].Values["c"].(string)
	var c struct {
		At int64 `json:"at"`
	}
	if json.Unmarshal([]byte(raw), &c) != nil {
		return created
	}
	return board.LastChangeOr(c.At, created)
}

// appendScrubs adds to a commit's arguments the logged changes that name
// an erased participant, scrubbed (see board.Change.Scrub), as "x"
// triples: the commit script rebuilds the log with them. The commit
// script's seq check makes sure no change was logged since they were
// read.
func (s *Store) appendScrubs(ctx context.Context, args []any, boardID string, erased []string) ([]any, error) {
	msgs, err := s.rdb.XRange(ctx, bkey(boardID, "log"), "-", "+").Result()
	if err != nil {
		return nil, wrap(err)
	}
	gone := make(map[string]bool, len(erased))
	for _, id := range erased {
		gone[id] = true
	}
	for _, m := range msgs {
		raw, _ := m.Values["c"].(string)
		hit := false
		for id := range gone {
			if strings.Contains(raw, `"`+id+`"`) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		c, err := decodeChange(raw)
		if err != nil {
			return nil, err
		}
		if c.Scrub(gone) {
			b, err := json.Marshal(c)
			if err != nil {
				return nil, wrap(err)
			}
			args = append(args, "x", m.ID, b)
		}
	}
	return args, nil
}

// DeleteBoard deletes a board with its change log, participants, tokens,
// join code and exports, tells every node, and schedules the rewrite that
// takes the bytes off the disk.
func (s *Store) DeleteBoard(ctx context.Context, boardID string) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	vals, err := s.rdb.MGet(ctx, bkey(boardID, "info"), bkey(boardID, "joincode")).Result()
	if err != nil {
		return wrap(err)
	}
	raw, ok := vals[0].(string)
	if !ok {
		return board.Errorf(board.ENotFound, "no board %s", boardID)
	}
	info := &board.Info{}
	if err := json.Unmarshal([]byte(raw), info); err != nil {
		return wrap(err)
	}
	code, _ := vals[1].(string)
	// The global entries go first: if this stops halfway, the board is
	// still there and deleting it again finishes the work.
	if _, err := s.deleteExports(ctx, boardID, nil); err != nil {
		return err
	}
	err = unindexBoardScript.Run(ctx, s.rdb, []string{kJoinCodes, kBoards, muniBoards(info.Municipality)}, code, boardID).Err()
	if err != nil {
		return wrap(err)
	}
	keys := append(boardKeys(boardID), bkey(boardID, "log"))
	if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
		return wrap(err)
	}
	// Every node drops its cache of the board; the periodic seq check
	// does it too should this message be lost.
	s.rdb.Publish(ctx, channelOf(boardID), deletedPayload)
	if b := s.live.Lookup(boardID); b != nil {
		b.Unload()
	}
	s.schedulePurge()
	return nil
}

// DeleteExports deletes the board's exports that match (all with a nil
// match) and schedules a rewrite if it deleted any.
func (s *Store) DeleteExports(ctx context.Context, boardID string, match func(*board.Export) bool) (int, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return 0, err
	}
	defer cancel()
	return s.deleteExports(ctx, boardID, match)
}

func (s *Store) deleteExports(ctx context.Context, boardID string, match func(*board.Export) bool) (int, error) {
	all, err := s.rdb.HGetAll(ctx, kExports).Result()
	if err != nil {
		return 0, wrap(err)
	}
	// The board id is in every export's JSON; most are skipped unread.
	needle := []byte(`"board":"` + boardID + `"`)
	keys := []string{kExports}
	var ids []any
	for id, raw := range all {
		if !bytes.Contains([]byte(raw), needle) {
			continue
		}
		e := &board.Export{}
		if err := json.Unmarshal([]byte(raw), e); err != nil {
			return 0, wrap(err)
		}
		if e.Board != boardID || (match != nil && !match(e)) {
			continue
		}
		keys = append(keys, exportPDF(id), strategyExports(e.Strategy))
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := deleteExportsScript.Run(ctx, s.rdb, keys, ids...).Err(); err != nil {
		return 0, wrap(err)
	}
	s.schedulePurge()
	return len(ids), nil
}

// Lease takes the lease name for ttl unless another holds it: SET NX PX,
// so of several nodes asking while it runs, one gets true.
func (s *Store) Lease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return false, err
	}
	defer cancel()
	ok, err := s.rdb.SetNX(ctx, global+"lease:"+name, uuid.NewString(), ttl).Result()
	return ok, wrap(err)
}

// schedulePurge asks for a rewrite of Redis' files after the purge delay.
func (s *Store) schedulePurge() {
	select {
	case s.purgeReq <- struct{}{}:
	default: // one is asked for already
	}
}

// purger rewrites Redis' files when asked to, once per purge delay at
// most. One that is due when the store closes runs before it closes.
func (s *Store) purger() {
	defer s.wg.Done()
	run := func(within time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), within)
		defer cancel()
		if err := s.Purge(ctx); err != nil {
			s.purgeErrors.Add(1)
		} else {
			s.purges.Add(1)
		}
	}
	for {
		select {
		case <-s.bg.Done():
			return
		case <-s.purgeReq:
		}
		t := time.NewTimer(s.cfg.purgeDelay)
		select {
		case <-s.bg.Done():
			t.Stop()
			// Closing: a Redis that does not answer must not hold up
			// the close for long.
			run(2 * s.cfg.timeout)
			return
		case <-t.C:
		}
		run(board.PurgeWithin - s.cfg.purgeDelay)
	}
}

// Purges returns how many of the purges that follow deletions and
// erasures have completed, and how many failed, since the store opened.
func (s *Store) Purges() (done, failed int64) { return s.purges.Load(), s.purgeErrors.Load() }

// Purge makes Redis rewrite its persistence files from the live data and
// waits until it has: BGREWRITEAOF when the append-only file is on, and
// BGSAVE when RDB snapshots are configured. It runs by itself after
// deletions and erasures.
func (s *Store) Purge(ctx context.Context) error {
	inf, err := s.persistence(ctx)
	if err != nil {
		return err
	}
	if inf["aof_enabled"] == "1" {
		if err := s.rewriteAOF(ctx); err != nil {
			return err
		}
	}
	// CONFIG may be renamed away on a managed Redis; then its operator
	// keeps the snapshots (docs/operations.md).
	if save, err := s.rdb.ConfigGet(ctx, "save").Result(); err == nil && strings.TrimSpace(save["save"]) != "" {
		return s.saveRDB(ctx)
	}
	return nil
}

// persistence returns the fields of INFO persistence.
func (s *Store) persistence(ctx context.Context) (map[string]string, error) {
	txt, err := s.rdb.Info(ctx, "persistence").Result()
	if err != nil {
		return nil, wrap(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(txt, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// rewriteAOF starts a rewrite that begins after now (waiting out one that
// runs already, since it may have started before the deletion) and waits
// until it has finished.
func (s *Store) rewriteAOF(ctx context.Context) error {
	for {
		inf, err := s.persistence(ctx)
		if err != nil {
			return err
		}
		done, _ := strconv.Atoi(inf["aof_rewrites"])
		err = s.rdb.BgRewriteAOF(ctx).Err()
		if err != nil && strings.Contains(err.Error(), "in progress") {
			if err := s.waitPersistence(ctx, func(m map[string]string) bool { return m["aof_rewrite_in_progress"] == "0" }); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return wrap(err)
		}
		var status string
		err = s.waitPersistence(ctx, func(m map[string]string) bool {
			n, _ := strconv.Atoi(m["aof_rewrites"])
			status = m["aof_last_bgrewrite_status"]
			return n > done && m["aof_rewrite_in_progress"] == "0" && m["aof_rewrite_scheduled"] == "0"
		})
		if err != nil {
			return err
		}
		if status != "ok" {
			return board.Errorf(board.EUnavailable, "redis could not rewrite its append-only file (%s)", status)
		}
		return nil
	}
}

// saveRDB takes a new RDB snapshot and waits for it.
func (s *Store) saveRDB(ctx context.Context) error {
	inf, err := s.persistence(ctx)
	if err != nil {
		return err
	}
	before := inf["rdb_last_save_time"]
	if err := s.rdb.Do(ctx, "BGSAVE", "SCHEDULE").Err(); err != nil && !strings.Contains(err.Error(), "in progress") {
		return wrap(err)
	}
	return s.waitPersistence(ctx, func(m map[string]string) bool {
		return m["rdb_bgsave_in_progress"] == "0" && m["rdb_last_save_time"] != before
	})
}

// waitPersistence polls INFO persistence until ok holds.
func (s *Store) waitPersistence(ctx context.Context, ok func(map[string]string) bool) error {
	for {
		m, err := s.persistence(ctx)
		if err != nil {
			return err
		}
		if ok(m) {
			return nil
		}
		select {
		case <-ctx.Done():
			return board.Errorf(board.EUnavailable, "redis did not finish rewriting its files in time")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// unindexBoardScript removes a board from the lists and its join code
// from the index (if it still points to the board).
// KEYS: join codes, all boards, the municipality's boards. ARGV: code, id.
var unindexBoardScript = redis.NewScript(`
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`)

// deleteExportsScript deletes exports. KEYS: the exports hash, then per
// export its PDF key and its strategy's list. ARGV: the export ids.
var deleteExportsScript = redis.NewScript(`
for i, id in ipairs(ARGV) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('DEL', KEYS[2 * i])
  redis.call('LREM', KEYS[2 * i + 1], 0, id)
end
return #ARGV
`)
