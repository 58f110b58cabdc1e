#!/usr/bin/env bash
# A/B two builds of the benchmark assembly on this noisy machine: run their `--decide-cpu` measurements alternately,
# N rounds, and print the minimum and median CPU ns per stage for each. Used for every engine change in
# docs/benchmarks.md ("Engine"): on 2 shared cores a single run drifts ±15 %, so only side-by-side, alternating,
# min-of-N comparisons are trusted.
#
#   bench/ab-decide-cpu.sh A_DIR B_DIR [ROUNDS=5] [SECONDS=2] [STAGE]
#   A_DIR/B_DIR: folders holding Jiangwanli.Benchmarks.dll (e.g. two --artifacts-path builds' bin/Jiangwanli.Benchmarks/release)
#   STAGE: read | features | decide | hot (default: all four)
set -euo pipefail
A=$1; B=$2; N=${3:-5}; SEC=${4:-2}; STAGE=${5:-}
stage_args=()
if [[ -n "$STAGE" ]]; then stage_args=(--stage "$STAGE"); fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in $(seq 1 "$N"); do
  dotnet "$A/Jiangwanli.Benchmarks.dll" --decide-cpu --seconds "$SEC" --rounds 1 "${stage_args[@]}" | grep "^| [rd]" >> "$out/A"
  dotnet "$B/Jiangwanli.Benchmarks.dll" --decide-cpu --seconds "$SEC" --rounds 1 "${stage_args[@]}" | grep "^| [rd]" >> "$out/B"
done
for f in A B; do
  echo "== $f (min / median CPU ns over $N runs)"
  awk -F'|' '{gsub(/^ +| +$/,"",$2); v[$2]=v[$2]" "$3} END {for (k in v) print k":"v[k]}' "$out/$f" | while IFS=: read -r k vals; do
    echo "$k: $(echo $vals | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print "min " a[1] "  median " a[int((NR+1)/2)]}')"
  done
done
