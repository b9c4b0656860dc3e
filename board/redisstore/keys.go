package redisstore

import (
	"strconv"
	"strings"
)

// Keys.
const (
	boardPrefix = "pk:b:{"
	global      = "pk:{g}:"
	kMeta       = global + "meta"
	kMunis      = global + "municipalities"
	kStrategies = global + "strategies"
	// kStrategyKeys maps a municipality and a strategy's Key to its id, so
	// that a second strategy with the same title and revision is refused.
	kStrategyKeys = global + "strategy-keys"
	kJoinCodes    = global + "joincodes"
	kBoardSeq     = global + "board-counter"
	kBoards       = global + "boards"
	kExports      = global + "exports"
)

func bkey(id, name string) string { return boardPrefix + id + "}:" + name }

func channelOf(id string) string { return bkey(id, "changes") }

func boardOfChannel(ch string) (string, bool) {
	rest, ok := strings.CutPrefix(ch, boardPrefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "}:changes")
}

func muniStrategies(code string) string { return global + "municipality-strategies:" + code }
func muniBoards(code string) string     { return global + "municipality-boards:" + code }
func strategyExports(id string) string  { return global + "strategy-exports:" + id }
func exportPDF(id string) string        { return global + "export-pdf:" + id }

// boardKeys are the keys the snapshot and create scripts take, in order.
func boardKeys(id string) []string {
	return []string{bkey(id, "info"), bkey(id, "joincode"), bkey(id, "seq"), bkey(id, "settings"),
		bkey(id, "objects"), bkey(id, "participants"), bkey(id, "tokens"), bkey(id, "votes"), summaryKey(id)}
}

// summaryKey holds a board's board.Summary as JSON.
func summaryKey(id string) string { return bkey(id, "summary") }

// seqOfID is the seq of a log stream entry's ID, "<seq>-1".
func seqOfID(id string) (uint64, bool) {
	s, ok := strings.CutSuffix(id, "-1")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}
