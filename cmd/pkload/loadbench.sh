#!/usr/bin/env bash
# Runs the load scenarios of docs/performance.md against fresh servers on
# this machine: the embedded store on one node, then Redis with two nodes.
# Everything listens on 127.0.0.1 and stops when the script ends.
#   make load            (or: bash cmd/pkload/loadbench.sh [seconds])
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/processkarta" ./cmd/processkarta
go build -o "$work/pkload" ./cmd/pkload
key=load-$RANDOM$RANDOM

serve() { # port, extra args...
	local port=$1; shift
	"$work/processkarta" -addr "127.0.0.1:$port" -organizer-key "$key" "$@" >"$work/out$port" 2>"$work/err$port" &
	pids+=($!)
	for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return; sleep 0.1; done
	echo "server on $port did not start" >&2; cat "$work/err$port" >&2; exit 1
}
load() { echo "+ pkload $*"; "$work/pkload" -key "$key" -duration "${secs}s" "$@"; echo; }

echo "== embedded store, one node"
serve 18401 -data "$work/data"
u=http://127.0.0.1:18401
load -url $u -clients 100 -editors 20 -rate 5 -cursor 10
load -url $u -clients 500 -editors 20 -rate 5 -cursor 0
load -url $u -clients 500 -editors 20 -rate 5 -cursor 10
load -url $u -clients 5000 -boards 500 -idle

echo "== Redis store (appendfsync always), two nodes"
redis-server --port 18499 --bind 127.0.0.1 --appendonly yes --appendfsync always --save "" \
	--dir "$work" --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
sleep 0.5
serve 18402 -redis redis://127.0.0.1:18499/0
serve 18403 -redis redis://127.0.0.1:18499/0
u=http://127.0.0.1:18402,http://127.0.0.1:18403
load -url $u -clients 100 -editors 20 -rate 5 -cursor 10
load -url $u -clients 500 -editors 20 -rate 5 -cursor 0
load -url $u -clients 5000 -boards 500 -idle
