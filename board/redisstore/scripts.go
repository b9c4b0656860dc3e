package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts. Each touches the keys of one hash slot only: a board's
// keys (hash tag {<board id>}) or the global keys (hash tag {g}), so they
// run on Redis Cluster too.

// commitScript stores one change if the board is still at the seq the node
// prepared it against.
//
// KEYS: seq, info, objects, participants, tokens, votes, settings, log,
// summary.
// ARGV: expected seq, change JSON, log bound, channel, then the writes as
// (kind, field, value) triples: kind o/p/t/v sets a field of
// objects/participants/tokens/votes, O/P/T/V deletes it (value ignored),
// s sets the settings and m the summary (field ignored), x replaces the
// logged change whose stream id is field by value (an erase change scrubs
// the log this way: the stream is rebuilt with the replacements, in the
// same atomic step). A first triple (a, "", sha1) makes the change follow
// only the logged change whose JSON has that SHA-1: a group commit's
// changes after the first (groupcommit.go), which must not land on top of
// another node's change that took their predecessor's seq.
//
// Returns {"OK", seq}, {"NOBOARD", 0}, or {"STALE", stored seq, entries}
// where entries are up to 64 of the changes after the expected seq, as
// XRANGE gives them, so the node can catch up without another round trip.
var commitScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if cur < 0 or redis.call('EXISTS', KEYS[2]) == 0 then
  return {'NOBOARD', 0}
end
if cur ~= tonumber(ARGV[1]) then
  return {'STALE', cur, redis.call('XRANGE', KEYS[8], (tonumber(ARGV[1]) + 1) .. '-0', '+', 'COUNT', 64)}
end
if ARGV[5] == 'a' then
  local last = redis.call('XREVRANGE', KEYS[8], '+', '-', 'COUNT', 1)
  if #last == 0 or redis.sha1hex(last[1][2][2]) ~= ARGV[7] then
    return {'STALE', cur, {}}
  end
end
local hashes = {o = KEYS[3], p = KEYS[4], t = KEYS[5], v = KEYS[6]}
local repl, scrub = {}, false
local i = 5
while i <= #ARGV do
  local kind, field, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if kind == 's' then
    redis.call('SET', KEYS[7], value)
  elseif kind == 'x' then
    repl[field], scrub = value, true
  elseif kind == 'a' then
    -- checked above
  elseif kind == 'm' then
    redis.call('SET', KEYS[9], value)
  elseif hashes[kind] then
    redis.call('HSET', hashes[kind], field, value)
  else
    redis.call('HDEL', hashes[string.lower(kind)], field)
  end
  i = i + 3
end
if scrub then
  local all = redis.call('XRANGE', KEYS[8], '-', '+')
  redis.call('DEL', KEYS[8])
  for _, e in ipairs(all) do
    redis.call('XADD', KEYS[8], e[1], 'c', repl[e[1]] or e[2][2])
  end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[8], 'MAXLEN', ARGV[3], seq .. '-1', 'c', ARGV[2])
redis.call('PUBLISH', ARGV[4], ARGV[2])
return {'OK', seq}
`)

// snapshotScript reads a whole board atomically.
//
// KEYS: info, joincode, seq, settings, objects, participants, tokens, votes.
// Returns nil if the board does not exist, else {info, joincode, seq,
// settings, objects, participants, tokens, votes}, the hashes as flat
// field/value lists.
var snapshotScript = redis.NewScript(`
local info = redis.call('GET', KEYS[1])
if not info then return false end
return {info, redis.call('GET', KEYS[2]) or '', redis.call('GET', KEYS[3]) or '0',
  redis.call('GET', KEYS[4]) or '',
  redis.call('HGETALL', KEYS[5]), redis.call('HGETALL', KEYS[6]),
  redis.call('HGETALL', KEYS[7]), redis.call('HGETALL', KEYS[8])}
`)

// createBoardScript stores a new board unless its info key exists.
//
// KEYS: info, joincode, seq, settings, objects, participants, tokens, votes,
// summary.
// ARGV: info, joincode, seq, settings, then counts no, np, nt, nv followed
// by that many field/value pairs for objects, participants, tokens, votes,
// and last the summary.
// Returns 1, or 0 if the board exists.
var createBoardScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], ARGV[4])
local counts = {tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])}
local i = 9
for h = 1, 4 do
  for _ = 1, counts[h] do
    redis.call('HSET', KEYS[4 + h], ARGV[i], ARGV[i + 1])
    i = i + 2
  end
end
redis.call('SET', KEYS[9], ARGV[i])
return 1
`)

// setJoinCodeScript replaces a board's join code and returns the old one,
// or false if the board does not exist. KEYS: info, joincode. ARGV: code.
var setJoinCodeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('SET', KEYS[2], ARGV[1], 'GET') or ''
`)

// releaseCodeScript deletes a join code's entry if it still points to the
// board. KEYS: join codes hash. ARGV: code, board id.
var releaseCodeScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
`)

// indexBoardScript lists a board once, in creation order.
// KEYS: counter, all boards, the municipality's boards. ARGV: board id.
var indexBoardScript = redis.NewScript(`
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local n = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], n, ARGV[1])
redis.call('ZADD', KEYS[3], n, ARGV[1])
return 1
`)

// initMetaScript sets a meta value unless one is there and returns the
// value in force. KEYS: meta hash. ARGV: key, value.
var initMetaScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then return ARGV[2] end
return redis.call('HGET', KEYS[1], ARGV[1])
`)

// createStrategyScript stores a strategy of an existing municipality.
// KEYS: municipalities, strategies, the municipality's strategy list, the
// strategy keys (municipality and Strategy.Key → id).
// ARGV: municipality code, strategy id, strategy JSON, the municipality
// and key as one field.
// Returns 1, 0 if the municipality does not exist, -1 if the id is taken,
// -2 if the municipality has a strategy with that key.
var createStrategyScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return -1 end
if redis.call('HSETNX', KEYS[4], ARGV[4], ARGV[2]) == 0 then return -2 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[2])
return 1
`)

// saveExportScript stores an export once. KEYS: exports, the PDF key, the
// strategy's export list. ARGV: id, metadata JSON, PDF, "1" if the export
// belongs to a strategy. Returns 1, or 0 if the id is taken.
var saveExportScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
if ARGV[4] == '1' then redis.call('RPUSH', KEYS[3], ARGV[1]) end
return 1
`)
