#!/usr/bin/env bash
# One server under a fixed open-loop rate with the GC trace on: which collections fall inside the measured window.
# Starts `jwl serve` (default pack, batch durability, temp data folder) with JWL_GCTRACE=1 and any extra environment
# (e.g. DOTNET_gcServer=0 to compare GC modes), drives it with `jwl bench --rate RATE -c 64` for SECS seconds after a
# 10 s warm-up, then prints the trace's gen1/gen2 lines (or the last TAIL lines with TAIL=N) and the report's latency
# and server GC figures (gc_gen2 counts only collections inside the measured window).
#
#   bench/http/gc-window.sh ART RATE SECS [K=V ...]   # ART: --artifacts-path of a Release build of src/Jiangwanli.Cli
#   env: PORT (default 18480), MPORT (default 19491), TAIL, CLIENT_NICE (run the load tool under `nice -n N`, so that
#   on a shared machine the server's threads, the GC's among them, are not preempted by it)
set -euo pipefail
ART=$1; RATE=$2; SECS=$3; shift 3
PORT=${PORT:-18480}; MPORT=${MPORT:-19491}; TOKEN=gc-window-bench-token-0123456789
DATA=$(mktemp -d /tmp/jwl-gc.XXXXXX)
JWL=(dotnet "$ART/bin/Jiangwanli.Cli/release/jwl.dll")
env JWL_GCTRACE=1 JWL__ADMINTOKEN=$TOKEN "$@" "${JWL[@]}" serve --data "$DATA/data" \
  --urls "http://127.0.0.1:$PORT" --management-urls "http://127.0.0.1:$MPORT" --durability batch >"$DATA/server.log" 2>&1 &
SPID=$!
trap 'kill -TERM $SPID 2>/dev/null || true; wait $SPID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$MPORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
${CLIENT_NICE:+nice -n "$CLIENT_NICE"} "${JWL[@]}" bench --url "http://127.0.0.1:$PORT" --management-url "http://127.0.0.1:$MPORT" --admin-token "$TOKEN" \
  --server-pid "$SPID" -c 64 --rate "$RATE" --duration "${SECS}s" --warmup 10s --json >"$DATA/bench.json"
kill -TERM "$SPID"; wait "$SPID" 2>/dev/null || true
if [[ -n "${TAIL:-}" ]]; then grep -E "^gc " "$DATA/server.log" | tail -"$TAIL"; else grep -E "^gc .* gen[12] " "$DATA/server.log" || true; fi
jq -c '{p50: .latency_us.p50, p99: .latency_us.p99, server: .server}' "$DATA/bench.json"
