#!/usr/bin/env bash
# Benchmark: `arbor verify` on an image with 20 signatures (10 Notation, JWS and COSE alternating;
# 10 cosign Sigstore bundles) vs `notation verify` + `cosign verify` on the same image, on both
# registry kinds, same run.
#   scripts/bench/verify.sh            # installs/starts the test registries if needed
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
