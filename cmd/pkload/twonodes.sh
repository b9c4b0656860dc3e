#!/usr/bin/env bash
# The peer benchmark's load generator (../shared/bench/loadgen, built by
# its run.sh into $WORK/bin/loadgen) against one or two Processkarta nodes
# on one Redis, measured the way run.sh measures one: 999 clients, 50
# editors × 2 edits a second, servers and Redis on core 1 (GOMAXPROCS=1
# each), the generator on core 0. The generator speaks to one URL, so the
# kernel spreads its connections over the nodes round-robin (an nftables
# DNAT rule on loopback, port 18080 → 18081 and 18082); it needs root and
# nft (apt-get install nftables) and removes its rule when done.
#   bash cmd/pkload/twonodes.sh 2        two nodes
#   bash cmd/pkload/twonodes.sh 1 10     one node, cursors at 10 Hz
set -euo pipefail
cd "$(dirname "$0")/../.."
nodes=${1:-2} hz=${2:-0}
WORK=${WORK:-${TMPDIR:-/tmp}/processkarta-bench}
loadgen=$WORK/bin/loadgen
[ -x "$loadgen" ] || { echo "no $loadgen: run ../shared/bench/run.sh once (it builds it)" >&2; exit 1; }
command -v nft >/dev/null || { echo "nft is missing: apt-get install nftables" >&2; exit 1; }
work=$(mktemp -d)
pids=()
key=bench-organizer-key-$RANDOM$RANDOM
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	nft delete table ip pk_twonodes 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/processkarta" ./cmd/processkarta

nft add table ip pk_twonodes
nft 'add chain ip pk_twonodes out { type nat hook output priority -100; }'
if [ "$nodes" = 2 ]; then
	nft 'add rule ip pk_twonodes out ip daddr 127.0.0.1 tcp dport 18080 dnat ip to numgen inc mod 2 map { 0 : 127.0.0.1 . 18081, 1 : 127.0.0.1 . 18082 }'
else
	nft 'add rule ip pk_twonodes out ip daddr 127.0.0.1 tcp dport 18080 dnat ip to 127.0.0.1:18081'
fi

mkdir -p "$work/redis"
taskset -c 1 redis-server --bind 127.0.0.1 --port 17379 --save '' --appendonly yes --appendfsync everysec \
	--dir "$work/redis" >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p 17379 ping >/dev/null 2>&1 && break; sleep 0.1; done
server_pids=$!
for i in $(seq 1 "$nodes"); do
	PROCESSKARTA_ORGANIZER_KEY=$key PROCESSKARTA_JOINS_PER_ADDRESS=5000 PROCESSKARTA_JOINS_PER_BOARD=5000 \
		PROCESSKARTA_CONNS_PER_ADDRESS=5000 GOMAXPROCS=1 taskset -c 1 "$work/processkarta" \
		-addr "127.0.0.1:$((18080 + i))" -data "$work/data$i" -redis redis://127.0.0.1:17379/0 -log-level warn \
		>"$work/node$i.log" 2>&1 &
	pids+=($!)
	server_pids=$server_pids,$!
done
for i in $(seq 1 "$nodes"); do
	for _ in $(seq 100); do curl -fs "http://127.0.0.1:$((18080 + i))/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
done
name=pk-redis-${nodes}node
extra=()
if [ "$hz" != 0 ]; then name=$name-cursors extra=(-presence-hz "$hz"); fi
mkdir -p "$WORK/results"
out=$WORK/results/twonodes-$(date -u +%Y%m%dT%H%M%SZ).jsonl
GOMAXPROCS=1 timeout 120 taskset -c 0 "$loadgen" -system "$name" -adapter pk -url ws://127.0.0.1:18080/ \
	-n 999 -e 50 -r 2 -warmup 5s -duration 20s -drain 5s -server-pid "$server_pids" -out "$out" \
	-base-url http://127.0.0.1:18080 -organizer-key "$key" >/dev/null
"$loadgen" -table "$out"
echo "connect: $(grep -o '"connect_s":[0-9.]*' "$out" | cut -d: -f2) s; results in $out"
