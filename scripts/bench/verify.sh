#!/usr/bin/env bash
# Benchmark: `arbor verify` on an image with 20 signatures (10 Notation, JWS and COSE alternating;
# 10 cosign Sigstore bundles) vs `notation verify` + `cosign verify` on the same image, on both
# registry kinds, same run. Then `arbor audit` on a repository of TAGS (default 500) tags, each
# signed by notation and by cosign, vs a shell loop running `notation verify` + `cosign verify` on
# every tag of the same repository.
#   scripts/bench/verify.sh            # installs/starts the test registries if needed
#   AUDIT=0 scripts/bench/verify.sh    # the 20-signature part only
#   TAGS=100 AUDIT_RUNS=3 PEER_RUNS=1 scripts/bench/verify.sh
# Wall time: median of RUNS (default 5). Requests: counted by the harness's faultproxy in front of
# each registry (the same counter for every tool). Results are checked: arbor verifies all 20,
# notation and cosign exit 0. notation stops at the first signature that verifies; cosign verifies
# every cosign signature; arbor verifies every signature of both kinds.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}; N=${N:-10}
# shellcheck source=scripts/bench/setup.sh
. scripts/bench/setup.sh
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; bench_stop' EXIT
export HOME=$WORK DOCKER_CONFIG=$WORK/.docker XDG_CONFIG_HOME=$WORK/.config COSIGN_PASSWORD= COSIGN_YES=true TUF_ROOT=$WORK/.sigstore
NOTATION=$ARBOR_TEST_NOTATION; COSIGN=$ARBOR_TEST_COSIGN; CRANE=$ARBOR_TEST_CRANE
(cd "$WORK" && "$COSIGN" generate-key-pair >/dev/null 2>&1)
"$NOTATION" cert generate-test --default bench.arbor >/dev/null
cat > "$XDG_CONFIG_HOME/notation/trustpolicy.json" <<'EOF'
{"version":"1.0","trustPolicies":[{"name":"bench","registryScopes":["*"],"signatureVerification":{"level":"strict"},
 "trustStores":["ca:bench.arbor"],"trustedIdentities":["*"]}]}
EOF

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # cmd... -> median seconds over RUNS
  for _ in $(seq "$RUNS"); do
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | median
}
reset() { curl -sf -X PUT "http://$1/__fault/$2" -d '{}' >/dev/null; }
count() { curl -sf "http://$1/__stats/$2" | jq .requests; }
peers() { # ref: notation verify, then cosign verify
  "$NOTATION" verify --insecure-registry "$1" && \
  "$COSIGN" verify --key "$WORK/cosign.pub" --insecure-ignore-tlog --allow-http-registry --allow-insecure-registry "$1"
}

printf '%-34s %9s %15s %8s %10s %10s\n' "20 signatures @ registry" "arbor s" "notation+cosign" "speedup" "arbor req" "peer req"
for kind in fallback api; do
  if [ $kind = fallback ]; then REG=$ARBOR_TEST_DIST; PROXY=$ARBOR_TEST_FAULT_DIST; NAME="distribution 2.8.3 (tag schema)"
  else REG=$ARBOR_TEST_REFS_SPEC; PROXY=$ARBOR_TEST_FAULT_REFS; NAME="ggcr + referrers API"; fi
  repo=benchverify-$kind-$$
  printf 'bench %s %s\n' "$kind" "$$" > "$WORK/layer.txt"
  tar -C "$WORK" -cf "$WORK/layer.tar" layer.txt
  img=$("$CRANE" append --insecure --oci-empty-base -f "$WORK/layer.tar" -t "$REG/$repo:v1" 2>/dev/null)
  digest=${img#*@}
  for i in $(seq "$N"); do
    fmt=jws; [ $((i % 2)) = 0 ] && fmt=cose
    "$NOTATION" sign --insecure-registry --signature-format $fmt "$REG/$repo@$digest" >/dev/null
    (cd "$WORK" && "$COSIGN" sign --key cosign.key --tlog-upload=false --use-signing-config=false \
       --allow-http-registry --allow-insecure-registry "$REG/$repo@$digest" >/dev/null 2>&1)
  done
  ref="$PROXY/$repo@$digest"
  A=("$ARBOR" verify --key "$WORK/cosign.pub" "$ref")
  # Same answer from everyone before timing anything.
  got=$("$ARBOR" verify --format json --key "$WORK/cosign.pub" "$ref" | jq '[.signatures[]|select(.verified)]|length')
  [ "$got" = $((2 * N)) ] || { echo "arbor verified $got of $((2 * N)) signatures" >&2; exit 1; }
  peers "$ref" >/dev/null 2>&1 || { echo "notation or cosign failed to verify $ref" >&2; exit 1; }
  ta=$(timeit "${A[@]}"); tp=$(timeit peers "$ref")
  reset "$PROXY" "$repo"; "${A[@]}" >/dev/null; ra=$(count "$PROXY" "$repo")
  reset "$PROXY" "$repo"; peers "$ref" >/dev/null 2>&1; rp=$(count "$PROXY" "$repo")
  printf '%-34s %9.3f %15.3f %7.1fx %10s %10s\n' "$NAME" "$ta" "$tp" "$(echo "$tp / $ta" | bc -l)" "$ra" "$rp"
done
echo "(arbor verifies all $((2 * N)) signatures; notation stops at the first valid one; times are medians of $RUNS runs; $(nproc) cores)"

[ "${AUDIT:-1}" = 1 ] || exit 0
TAGS=${TAGS:-500}; AUDIT_RUNS=${AUDIT_RUNS:-3}; PEER_RUNS=${PEER_RUNS:-1}; SEED_JOBS=${SEED_JOBS:-4}
export WORK NOTATION COSIGN CRANE
seed_tag() { # REG REPO I: an image of its own, signed by notation (JWS) and cosign (bundle)
  local d; d=$(mktemp -d -p "$WORK")
  printf 'audit bench %s %s %s\n' "$2" "$3" "$$" > "$d/layer.txt"
  tar -C "$d" -cf "$d/layer.tar" layer.txt
  local img; img=$("$CRANE" append --insecure --oci-empty-base -f "$d/layer.tar" -t "$1/$2:t$3" 2>/dev/null)
  "$NOTATION" sign --insecure-registry "$1/$2@${img#*@}" >/dev/null
  (cd "$WORK" && "$COSIGN" sign --key cosign.key --tlog-upload=false --use-signing-config=false \
     --allow-http-registry --allow-insecure-registry "$1/$2@${img#*@}" >/dev/null 2>&1)
  rm -rf "$d"
}
export -f seed_tag
peer_loop() { # PROXY REPO: every tag listed once, then notation verify + cosign verify on each; prints failures
  local t fails=0
  for t in $("$CRANE" ls --insecure "$1/$2" | grep -v '^sha256-'); do
    "$NOTATION" verify --insecure-registry "$1/$2:$t" >/dev/null 2>&1 || fails=$((fails + 1))
    "$COSIGN" verify --key "$WORK/cosign.pub" --insecure-ignore-tlog --allow-http-registry \
      --allow-insecure-registry "$1/$2:$t" >/dev/null 2>&1 || fails=$((fails + 1))
  done
  echo "$fails"
}
timeit_n() { # RUNS cmd... -> median seconds
  local n=$1; shift
  for _ in $(seq "$n"); do
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | median
}
echo
printf '%-34s %9s %15s %8s %10s %10s\n' "audit, $TAGS tags @ registry" "arbor s" "shell loop s" "speedup" "arbor req" "peer req"
for kind in fallback api; do
  if [ $kind = fallback ]; then REG=$ARBOR_TEST_DIST; PROXY=$ARBOR_TEST_FAULT_DIST; NAME="distribution 2.8.3 (tag schema)"
  else REG=$ARBOR_TEST_REFS_SPEC; PROXY=$ARBOR_TEST_FAULT_REFS; NAME="ggcr + referrers API"; fi
  repo=benchaudit-$kind-$$
  seq "$TAGS" | xargs -P "$SEED_JOBS" -I{} bash -c 'seed_tag "$0" "$1" "$2"' "$REG" "$repo" {}
  A=("$ARBOR" audit --key "$WORK/cosign.pub" "$PROXY/$repo")
  # Same answer from everyone before timing anything: every tag verified, twice.
  got=$("$ARBOR" audit --format json --key "$WORK/cosign.pub" "$PROXY/$repo" 2>/dev/null \
        | jq "[.tags[] | select([.signatures[] | select(.verified)] | length == 2)] | length")
  [ "$got" = "$TAGS" ] || { echo "arbor audit: $got of $TAGS tags with both signatures verified" >&2; exit 1; }
  fails=$(peer_loop "$PROXY" "$repo")
  [ "$fails" = 0 ] || { echo "the peers failed $fails verifications on $repo" >&2; exit 1; }
  ta=$(timeit_n "$AUDIT_RUNS" "${A[@]}"); tp=$(timeit_n "$PEER_RUNS" peer_loop "$PROXY" "$repo")
  reset "$PROXY" "$repo"; "${A[@]}" >/dev/null 2>&1; ra=$(count "$PROXY" "$repo")
  reset "$PROXY" "$repo"; peer_loop "$PROXY" "$repo" >/dev/null; rp=$(count "$PROXY" "$repo")
  printf '%-34s %9.2f %15.2f %7.1fx %10s %10s\n' "$NAME" "$ta" "$tp" "$(echo "$tp / $ta" | bc -l)" "$ra" "$rp"
done
echo "(each tag: 1 Notation JWS + 1 cosign bundle; arbor: median of $AUDIT_RUNS runs, 8 tags at a time; shell loop: median of $PEER_RUNS run(s), one tag after another)"
