#!/usr/bin/env bash
# Benchmark: `arbor manifests --all` vs the closest peer script, `oras repo tags` plus
# `oras discover` per tag (16 at a time, as arbor's 16 requests in flight), on real registries:
#   an ACR-stand-in repository of 5,000 manifests (1,000 tagged images, each signed through the
#   referrers API, and 3,000 untagged images), listed through ACR's /acr/v1/{repo}/_manifests;
#   a distribution 2.8.3 repository of 1,000 tags (each image signed through the tag schema).
#   scripts/bench/manifests.sh        # installs/starts the test registries if needed
#   RUNS (3), ACR_TAGS, ACR_UNTAGGED, DIST_TAGS, DELAY_MS (20; 0: no latency rows), LIMIT_S (1800)
# Wall time: median of RUNS straight to the registry (loopback), and median of RUNS through the
# harness's faultproxy adding DELAY_MS before each request (a registry DELAY_MS away: loopback
# answers in ~1-3 ms and hides what requests in flight buy). Requests and "seen" (manifests each
# side reports; oras sees only what tags lead to) come from one more run through the same proxy
# without delay: it counts /v2/<repo>/… and ACR's /acr/v1/<repo>/… the same way for both tools.
# Every run has a deadline (LIMIT_S): the script never hangs.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}; ACR_TAGS=${ACR_TAGS:-1000}; ACR_UNTAGGED=${ACR_UNTAGGED:-3000}; DIST_TAGS=${DIST_TAGS:-1000}; # KINDS="acr dist" (either alone)
DELAY_MS=${DELAY_MS:-20}; LIMIT_S=${LIMIT_S:-1800}
# shellcheck source=scripts/bench/setup.sh
. scripts/bench/setup.sh
export HOME=$ARBOR_TEST_HOME DOCKER_CONFIG=$ARBOR_TEST_HOME/.docker XDG_CONFIG_HOME=$ARBOR_TEST_HOME/.config
ORAS=$ARBOR_TEST_ORAS

# A counting proxy in front of the ACR stand-in (the harness runs one for distribution already).
WORK=$(mktemp -d); PROXY_PID=
cleanup() { [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null; rm -rf "$WORK"; bench_stop; }
trap cleanup EXIT
"$ARBOR_TEST_BIN_DIR/faultproxy" -upstream "http://$ARBOR_TEST_ACR" -quiet -addr-file "$WORK/acr-proxy" \
  -collector-addr-file "$WORK/acr-collector" & PROXY_PID=$!
for _ in $(seq 100); do [ -s "$WORK/acr-proxy" ] && break; sleep 0.05; done
ACR_PROXY=$(cat "$WORK/acr-proxy")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# bounded cmd... -> runs the command under the deadline; a timeout or failure is fatal
bounded() {
  local rc=0
  timeout "$LIMIT_S" "$@" || rc=$?
  if [ "$rc" = 124 ]; then echo "timed out after ${LIMIT_S}s: $*" >&2; exit 1; fi
  if [ "$rc" != 0 ]; then echo "failed ($rc): $*" >&2; exit 1; fi
}
timeit() { # cmd... -> median seconds over RUNS
  for _ in $(seq "$RUNS"); do
    local s e; s=$(date +%s.%N); bounded "$@" >/dev/null; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | median
}
rule() { curl -sf -X PUT "http://$1/__fault/$2" -d "$3" >/dev/null; }
# counted proxy repo out cmd... -> requests the proxy saw for the repository; stdout into out
counted() {
  local proxy=$1 repo=$2 out=$3; shift 3
  rule "$proxy" "$repo" '{}'
  bounded "$@" > "$out"
  curl -sf "http://$proxy/__stats/$repo" | jq .requests
}
# The peer script: every tag, then `oras discover` on each, 16 at a time.
peer() { # host repo -> one JSON document per tag on stdout
  "$ORAS" repo tags --plain-http "$1/$2" | grep -v '^sha256-' |
    xargs -P 16 -I{} "$ORAS" discover --plain-http --format json "$1/$2:{}"
}
export -f peer; export ORAS

printf '%-46s %9s %9s %8s %10s %10s %10s %9s %9s\n' "repository" "arbor s" "peer s" "speedup" \
  "arbor req" "peer req" "max inflt" "arbor saw" "peer saw"
for kind in ${KINDS:-acr dist}; do
  repo=bench-manifests-$kind-$$
  s=$(date +%s.%N)
  if [ $kind = acr ]; then
    REG=$ARBOR_TEST_ACR; PROXY=$ACR_PROXY
    # Seeded into the stand-in's distribution directly: the stand-in serves the same storage, and
    # its per-tag lock check (all tags read on every tag PUT) made seeding quadratic.
    n=$(python3 scripts/bench/seed.py "$ARBOR_TEST_ACR_UPSTREAM" "$repo" repo "$ACR_TAGS" "$ACR_UNTAGGED")
    NAME="ACR stand-in, $n manifests"
  else
    REG=$ARBOR_TEST_DIST; PROXY=$ARBOR_TEST_FAULT_DIST
    n=$(python3 scripts/bench/seed.py "$REG" "$repo" repo "$DIST_TAGS" 0 --fallback)
    NAME="distribution 2.8.3, $DIST_TAGS tags ($n manifests)"
  fi
  printf '(seeded %s in %.1f s)\n' "$repo" "$(echo "$(date +%s.%N) - $s" | bc -l)" >&2
  ra=$(counted "$PROXY" "$repo" "$WORK/arbor.json" "$ARBOR" manifests --all --format json "$PROXY/$repo")
  fa=$(curl -sf "http://$PROXY/__stats/$repo" | jq .max_in_flight)
  ro=$(counted "$PROXY" "$repo" "$WORK/peer.json" bash -c 'peer "$0" "$1"' "$PROXY" "$repo")
  fo=$(curl -sf "http://$PROXY/__stats/$repo" | jq .max_in_flight)
  seen_a=$(jq '.manifests | length' "$WORK/arbor.json")
  seen_o=$(jq -r '.. | objects | select(has("digest")) | .digest' "$WORK/peer.json" | sort -u | wc -l)
  ta=$(timeit "$ARBOR" manifests --all "$REG/$repo")
  to=$(timeit bash -c 'peer "$0" "$1"' "$REG" "$repo")
  printf '%-46s %9.2f %9.2f %7.1fx %10s %10s %10s %9s %9s\n' "$NAME" "$ta" "$to" "$(echo "$to / $ta" | bc -l)" \
    "$ra" "$ro" "$fa / $fo" "$seen_a" "$seen_o"
  if [ "$DELAY_MS" -gt 0 ]; then
    rule "$PROXY" "$repo" "{\"delay_ms\": $DELAY_MS}"
    ta=$(timeit "$ARBOR" manifests --all "$PROXY/$repo")
    to=$(timeit bash -c 'peer "$0" "$1"' "$PROXY" "$repo")
    printf '%-46s %9.2f %9.2f %7.1fx\n' "  the same, ${DELAY_MS} ms before each request" "$ta" "$to" \
      "$(echo "$to / $ta" | bc -l)"
    rule "$PROXY" "$repo" '{}'
  fi
done
echo "(times are medians of $RUNS runs; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
echo " peer = oras repo tags + oras discover per tag, 16 at a time; max inflt = most requests in the proxy at once)"
