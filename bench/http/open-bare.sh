#!/usr/bin/env bash
# The bare endpoint under an open-loop load: the machine's own latency floor for issue 5's "p99 at 50% load" step.
# Starts `jwl bench bare-server` (a constant response of a decision's size; no engine, no audit) and drives it with
# the same client and shape as issue5.sh's open50 step (64 connections, 10 s warm-up, SECS seconds measured).
#
#   bench/http/open-bare.sh ART RATE OUT.json      # ART: --artifacts-path of a Release build of src/Jiangwanli.Cli
#   env: SECS (default 60), PORT (default 18282), WARM (seconds of unrecorded load at RATE first, default 0),
#        PIN_SERVER / PIN_CLIENT (CPU lists for taskset: issue5.sh's open50-pinned-bare step), LABEL (the report's label)
set -euo pipefail
ART=$1; RATE=$2; OUT=$3; PORT=${PORT:-18282}
JWL=(dotnet "$ART/bin/Jiangwanli.Cli/release/jwl.dll")
CLIENT=(${PIN_CLIENT:+taskset -c "$PIN_CLIENT"} "${JWL[@]}" bench --url "http://127.0.0.1:$PORT" --rate "$RATE" -c 64)
${PIN_SERVER:+taskset -c "$PIN_SERVER"} "${JWL[@]}" bench bare-server --port "$PORT" >/dev/null 2>&1 &
SPID=$!
trap 'kill -TERM $SPID 2>/dev/null || true; wait $SPID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
if [ "${WARM:-0}" -gt 0 ]; then "${CLIENT[@]}" --duration "${WARM}s" --warmup 0s --json >/dev/null; fi
"${CLIENT[@]}" --duration "${SECS:-60}s" --warmup 10s ${LABEL:+--label "$LABEL"} --json >"$OUT"
jq -c '{throughput, latency_us}' "$OUT"
