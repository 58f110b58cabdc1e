#!/usr/bin/env bash
# Server CPU per decision over HTTP, two builds side by side: the steadier figure behind the throughput ratio.
# Throughput ratios on this shared 2-core box swing ±25% between runs (the bare endpoint's own rate moved 25-60k/s in one evening);
# the server's CPU time per request at a fixed open-loop rate moves far less. Each round starts one `jwl serve` per
# build (batch durability, default pack, temp data folder), warms it up, then drives RATE requests/s for SECONDS and
# reads the server's utime+stime from /proc before and after: CPU µs per answered request.
#
#   bench/http/ab-server-cpu.sh A_ART B_ART [ROUNDS=3] [RATE=10000] [SECONDS=20]
#   RATE=0: closed loop (64 connections as fast as answered) instead of a fixed rate; the summary's throughput is then
#   the server's maximum with the load tool beside it (eighth session: the figure the ratio to the bare endpoint needs)
#   A_ART/B_ART: --artifacts-path folders of two Release builds of src/Jiangwanli.Cli
#   env: BENCH_LOCK=/work/bench.lock (each round's measurement under flock), DURABILITY=batch|fsync|none, SERVER_ENV="K=V ..."
#   RATE=10000 SEC=20 [SERVER_ENV=...] bench/http/ab-server-cpu.sh --one ART   # one server, one line: cpu_us p50_us p99_us gcs answered/s machine_cpu_us
#   (--one is how a runtime knob was compared on one build: SERVER_ENV=DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0)
set -euo pipefail
if [ "${1:-}" != "--one" ]; then
  A=$1; B=$2; N=${3:-3}; export RATE=${4:-10000} SEC=${5:-20}
fi
PORT=${PORT:-18380}; MPORT=${MPORT:-19391}
DURABILITY=${DURABILITY:-batch}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HZ=$(getconf CLK_TCK)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; } # the whole machine: user nice system irq softirq

one() { # one ART -> prints "cpu_us_per_request p50_us p99_us gc_count throughput machine_cpu_us_per_request"
  local art=$1 data spid before after answered rate=()
  [ "$RATE" != 0 ] && rate=(--rate "$RATE")
  local jwl=(dotnet "$art/bin/Jiangwanli.Cli/release/jwl.dll")
  data=$(mktemp -d /tmp/jwl-abcpu.XXXXXX)
  # shellcheck disable=SC2086
  env ${SERVER_ENV:-} "${jwl[@]}" serve --pack "$ROOT/rules/default.yaml" --data "$data/data" --urls "http://127.0.0.1:$PORT" \
    --management-urls "http://127.0.0.1:$MPORT" --durability "$DURABILITY" >"$data/server.log" 2>&1 &
  spid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$MPORT/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  "${jwl[@]}" bench --url "http://127.0.0.1:$PORT" "${rate[@]}" -c 64 --duration 8s --warmup 2s --json >/dev/null # warm-up (JIT tiers, pools)
  before=$(cpu_ticks "$spid"); busy_before=$(busy_ticks)
  "${jwl[@]}" bench --url "http://127.0.0.1:$PORT" --management-url "http://127.0.0.1:$MPORT" --server-pid "$spid" "${rate[@]}" -c 64 \
    --duration "${SEC}s" --warmup 0s --json >"$data/run.json"
  after=$(cpu_ticks "$spid"); busy_after=$(busy_ticks)
  answered=$(jq '[.status[]] | add' "$data/run.json")
  kill -TERM "$spid"; wait "$spid" 2>/dev/null || true
  jq -r --argjson t "$((after - before))" --argjson hz "$HZ" --argjson n "$answered" \
    --argjson m "$((busy_after - busy_before))" \
    '"\($t / $hz * 1000000 / $n | . * 10 | round / 10) \(.latency_us.p50) \(.latency_us.p99) \(.server.gc_count) \(.throughput | round) \($m / $hz * 1000000 / $n | . * 10 | round / 10)"' "$data/run.json"
  rm -rf "$data"
}

if [ "${1:-}" = "--one" ]; then one "$2"; exit; fi

for i in $(seq 1 "$N"); do
  for x in A B; do
    art=$A; [ "$x" = B ] && art=$B
    if [ -n "${BENCH_LOCK:-}" ]; then r=$(flock "$BENCH_LOCK" "$0" --one "$art"); else r=$(one "$art"); fi
    echo "$x $r" >&2
    echo "$x $r"
  done
done | awk '{ cpu[$1] = cpu[$1] " " $2; p99[$1] = p99[$1] " " $4; gc[$1] = gc[$1] " " $5; tp[$1] = tp[$1] " " $6; all[$1] = all[$1] " " $7 }
  END { for (k in cpu) printf "%s  cpu_us/request:%s   p99_us:%s   gcs:%s   answered/s:%s   machine_cpu_us/request:%s\n", k, cpu[k], p99[k], gc[k], tp[k], all[k] }' | sort
