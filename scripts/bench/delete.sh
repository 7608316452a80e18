#!/usr/bin/env bash
# Benchmark: `arbor delete --cascade` of a subject with 1000 referrers, on both registry kinds.
#   scripts/bench/delete.sh        # installs/starts the test registries if needed
# Prints wall time and the requests the registry saw (counted by the harness's faultproxy),
# and checks afterwards that every manifest of the graph is gone.
set -euo pipefail
cd "$(dirname "$0")/../.."
WIDE=${WIDE:-1000}
# shellcheck source=scripts/bench/setup.sh
. scripts/bench/setup.sh
trap bench_stop EXIT
printf '%-40s %9s %9s %9s %8s\n' "graph @ registry" "wall s" "requests" "DELETEs" "left"
for kind in fallback api; do
  if [ $kind = fallback ]; then REG=$ARBOR_TEST_DIST; PROXY=$ARBOR_TEST_FAULT_DIST; FB=--fallback; NAME="distribution 2.8.3 (tag schema)"
  else REG=$ARBOR_TEST_REFS_SPEC; PROXY=$ARBOR_TEST_FAULT_REFS; FB=; NAME="ggcr + referrers API"; fi
  repo=benchdel-$kind-$$
  python3 scripts/bench/seed.py "$REG" "$repo" wide "$WIDE" $FB >/dev/null
  digests=$("$ARBOR" discover --format json "$REG/$repo:wide" | jq -r '..|objects|select(has("digest"))|.digest')
  curl -sf -X PUT "http://$PROXY/__fault/$repo" -d '{}' >/dev/null
  s=$(date +%s.%N)
  "$ARBOR" delete --cascade -y "$PROXY/$repo:wide" >/dev/null
  e=$(date +%s.%N)
  stats=$(curl -sf "http://$PROXY/__stats/$repo")
  left=0
  for d in $digests; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/$repo/manifests/$d")
    [ "$code" = 200 ] && left=$((left + 1))
  done
  printf '%-40s %9.3f %9s %9s %8s\n' "wide($WIDE) @ $NAME" "$(echo "$e - $s" | bc -l)" "$(jq .requests <<<"$stats")" "$(jq '.by_method.DELETE // 0' <<<"$stats")" "$left"
done
echo "(left = manifests of the graph still present afterwards; must be 0)"
