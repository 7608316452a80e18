#!/usr/bin/env bash
# Benchmark: `arbor manifests --all` vs the closest peer script, `oras repo tags` plus
# `oras discover` per tag (16 at a time, as arbor's 16 requests in flight), on real registries:
#   an ACR-stand-in repository of 5,000 manifests (1,000 tagged images, each signed through the
#   referrers API, and 3,000 untagged images), listed through ACR's /acr/v1/{repo}/_manifests;
#   a distribution 2.8.3 repository of 1,000 tags (each image signed through the tag schema).
#   scripts/bench/manifests.sh        # installs/starts the test registries if needed
# Requests: counted by the harness's faultproxy in front of each registry (the same counter for
# both tools; it counts /v2/<repo>/… and ACR's /acr/v1/<repo>/…). Wall time: median of RUNS (3).
# "seen": manifests each side reports (oras sees only what tags lead to).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}; ACR_TAGS=${ACR_TAGS:-1000}; ACR_UNTAGGED=${ACR_UNTAGGED:-3000}; DIST_TAGS=${DIST_TAGS:-1000}
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
timeit() { # cmd... -> median seconds over RUNS
  for _ in $(seq "$RUNS"); do
    local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | median
}
requests() { # proxy repo cmd... -> requests the proxy saw for the repository
  local proxy=$1 repo=$2; shift 2
  curl -sf -X PUT "http://$proxy/__fault/$repo" -d '{}' >/dev/null
  "$@" >/dev/null
  curl -sf "http://$proxy/__stats/$repo" | jq .requests
}
# The peer script: every tag, then `oras discover` on each, 16 at a time.
peer() { # host repo -> one JSON document per tag on stdout
  "$ORAS" repo tags --plain-http "$1/$2" | grep -v '^sha256-' |
    xargs -P 16 -I{} "$ORAS" discover --plain-http --format json "$1/$2:{}"
}
peer_seen() { # host repo -> distinct manifests the peer script reports
  peer "$1" "$2" | jq -r '.. | objects | select(has("digest")) | .digest' | sort -u | wc -l
}

printf '%-46s %9s %9s %8s %10s %10s %9s %9s\n' "repository" "arbor s" "peer s" "speedup" "arbor req" "peer req" \
  "arbor saw" "peer saw"
for kind in acr dist; do
  repo=bench-manifests-$kind-$$
  if [ $kind = acr ]; then
    REG=$ARBOR_TEST_ACR; PROXY=$ACR_PROXY
    n=$(python3 scripts/bench/seed.py "$REG" "$repo" repo "$ACR_TAGS" "$ACR_UNTAGGED")
    NAME="ACR stand-in, $n manifests"
  else
    REG=$ARBOR_TEST_DIST; PROXY=$ARBOR_TEST_FAULT_DIST
    n=$(python3 scripts/bench/seed.py "$REG" "$repo" repo "$DIST_TAGS" 0 --fallback)
    NAME="distribution 2.8.3, $DIST_TAGS tags ($n manifests)"
  fi
  seen_a=$("$ARBOR" manifests --all --format json "$REG/$repo" | jq '.manifests | length')
  seen_o=$(peer_seen "$REG" "$repo")
  ta=$(timeit "$ARBOR" manifests --all "$REG/$repo")
  to=$(timeit peer "$REG" "$repo")
  ra=$(requests "$PROXY" "$repo" "$ARBOR" manifests --all "$PROXY/$repo")
  ro=$(requests "$PROXY" "$repo" peer "$PROXY" "$repo")
  printf '%-46s %9.2f %9.2f %7.1fx %10s %10s %9s %9s\n' "$NAME" "$ta" "$to" "$(echo "$to / $ta" | bc -l)" \
    "$ra" "$ro" "$seen_a" "$seen_o"
done
echo "(times are medians of $RUNS runs; $(nproc) cores; peer = oras repo tags + oras discover per tag, 16 at a time)"
