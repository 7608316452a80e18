#!/usr/bin/env bash
# Benchmark: `arbor discover` vs `oras discover` (full depth, JSON) on real registries, same run.
#   scripts/bench/discover.sh            # installs/starts the test registries if needed
# Graphs: a subject with 1000 referrers, and a 50-deep chain, on
#   distribution 2.8.3 (no referrers API: sha256-<hex> tag schema, indexes written as oras writes them)
#   go-containerregistry with a spec-complete referrers API (pages of 50)
# Wall time: median of RUNS (default 5) runs each. Requests: counted by the harness's faultproxy in front
# of each registry (the same counter for both tools).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}; WIDE=${WIDE:-1000}; DEEP=${DEEP:-50}
# shellcheck source=scripts/bench/setup.sh
. scripts/bench/setup.sh
trap bench_stop EXIT
export HOME=$ARBOR_TEST_HOME DOCKER_CONFIG=$ARBOR_TEST_HOME/.docker XDG_CONFIG_HOME=$ARBOR_TEST_HOME/.config

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # cmd... -> median seconds over RUNS
  for _ in $(seq "$RUNS"); do
    local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | median
}
requests() { # proxy repo cmd... -> requests the proxy saw
  local proxy=$1 repo=$2; shift 2
  curl -sf -X PUT "http://$proxy/__fault/$repo" -d '{}' >/dev/null
  "$@" >/dev/null
  curl -sf "http://$proxy/__stats/$repo" | jq .requests
}

printf '%-34s %10s %10s %8s %10s %10s\n' "graph @ registry" "arbor s" "oras s" "speedup" "arbor req" "oras req"
for kind in fallback api; do
  if [ $kind = fallback ]; then REG=$ARBOR_TEST_DIST; PROXY=$ARBOR_TEST_FAULT_DIST; FB=--fallback; NAME="distribution 2.8.3 (tag schema)"
  else REG=$ARBOR_TEST_REFS_SPEC; PROXY=$ARBOR_TEST_FAULT_REFS; FB=; NAME="ggcr + referrers API"; fi
  for shape in wide chain; do
    N=$WIDE; [ $shape = chain ] && N=$DEEP
    repo=bench-$kind-$shape-$$
    python3 scripts/bench/seed.py "$REG" "$repo" "$shape" "$N" $FB >/dev/null
    A=("$ARBOR" discover --format json "$REG/$repo:$shape")
    O=(oras discover --plain-http --format json "$REG/$repo:$shape")
    # Same graph from both before timing anything.
    na=$("${A[@]}" | jq '[..|objects|select(has("digest"))]|length'); no=$("$ARBOR_TEST_ORAS" "${O[@]:1}" | jq '[..|objects|select(has("digest"))]|length')
    [ "$na" = "$no" ] || { echo "graphs differ: arbor $na nodes, oras $no" >&2; exit 1; }
    ta=$(timeit "${A[@]}"); to=$(timeit "$ARBOR_TEST_ORAS" "${O[@]:1}")
    ra=$(requests "$PROXY" "$repo" "$ARBOR" discover --format json "$PROXY/$repo:$shape")
    ro=$(requests "$PROXY" "$repo" "$ARBOR_TEST_ORAS" discover --plain-http --format json "$PROXY/$repo:$shape")
    printf '%-34s %10.3f %10.3f %7.1fx %10s %10s\n' "$shape($N) @ $NAME" "$ta" "$to" "$(echo "$to / $ta" | bc -l)" "$ra" "$ro"
  done
done
echo "(nodes per graph checked equal between arbor and oras; times are medians of $RUNS runs; $(nproc) cores)"
