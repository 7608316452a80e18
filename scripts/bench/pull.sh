#!/usr/bin/env bash
# Benchmark: `arbor pull` vs `oras pull` of one big single-layer artifact from distribution 2.8.3,
# with the practical limit beside them: `curl -o /dev/null` of the blob and `openssl dgst -sha256`
# of the same bytes (a pull must both receive and hash; the limit is the slower of the two).
#   scripts/bench/pull.sh                # SIZE_MB (default 1024) of /dev/urandom, RUNS (default 3)
# Wall time: median of RUNS. Peak RSS: the largest ru_maxrss seen (python resource.getrusage).
# Targets: arbor >= 1.5x faster than oras, within 1.5x of the limit, peak RSS < 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}; SIZE_MB=${SIZE_MB:-1024}
# shellcheck source=scripts/bench/setup.sh
. scripts/bench/setup.sh
WORK=$PWD/target/bench-pull
cleanup() {
  rm -rf "$WORK"
  bench_stop
}
trap cleanup EXIT
export HOME=$ARBOR_TEST_HOME DOCKER_CONFIG=$ARBOR_TEST_HOME/.docker XDG_CONFIG_HOME=$ARBOR_TEST_HOME/.config

rm -rf "$WORK"; mkdir -p "$WORK/src"
dd if=/dev/urandom of="$WORK/src/big.bin" bs=1M count="$SIZE_MB" status=none
REG=$ARBOR_TEST_DIST; REPO=bench-pull-$$; REF=$REG/$REPO:v1
(cd "$WORK/src" && "$ARBOR_TEST_ORAS" push --plain-http "$REF" big.bin >/dev/null)
DIGEST=sha256:$(openssl dgst -sha256 -r "$WORK/src/big.bin" | cut -d' ' -f1)
BLOB_URL=http://$REG/v2/$REPO/blobs/$DIGEST

# bench NAME OUTDIR cmd... -> prints "median_seconds max_rss_kib"; checks the pulled file when OUTDIR is set.
bench() {
  local out=$1; shift
  local times=() rss=0
  for _ in $(seq "$RUNS"); do
    [ -n "$out" ] && rm -rf "$out"
    read -r s r _ < <(measure "$@")
    if [ -n "$out" ]; then
      got=sha256:$(openssl dgst -sha256 -r "$out/big.bin" | cut -d' ' -f1)
      [ "$got" = "$DIGEST" ] || { echo "$* wrote $got, expected $DIGEST" >&2; exit 1; }
      rm -rf "$out"
    fi
    times+=("$s"); [ "$r" -gt "$rss" ] && rss=$r
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v rss="$rss" '{a[NR]=$1} END {print a[int((NR+1)/2)], rss}'
}

read -r ta ra < <(bench "$WORK/arbor" "$ARBOR" pull -o "$WORK/arbor" "$REF")
read -r to ro < <(bench "$WORK/oras" "$ARBOR_TEST_ORAS" pull --plain-http -o "$WORK/oras" "$REF")
read -r tc rc < <(bench "" curl -sf -o /dev/null "$BLOB_URL")
read -r th rh < <(bench "" openssl dgst -sha256 "$WORK/src/big.bin")
limit=$(echo "if ($tc > $th) $tc else $th" | bc -l)

printf '%-34s %9s %12s\n' "$SIZE_MB MiB single layer @ distribution" "wall s" "peak RSS MiB"
row() { printf '%-34s %9.3f %12.1f\n' "$1" "$2" "$(echo "$3 / 1024" | bc -l)"; }
row "arbor pull" "$ta" "$ra"
row "oras pull" "$to" "$ro"
row "curl -o /dev/null (blob)" "$tc" "$rc"
row "openssl dgst -sha256 (file)" "$th" "$rh"
printf 'arbor vs oras: %.2fx faster (target >= 1.5x)\n' "$(echo "$to / $ta" | bc -l)"
printf 'arbor vs limit (max of curl, openssl = %.3f s): %.2fx (target <= 1.5x)\n' "$limit" "$(echo "$ta / $limit" | bc -l)"
printf 'arbor peak RSS: %.1f MiB (target < 64 MiB)\n' "$(echo "$ra / 1024" | bc -l)"
echo "(medians of $RUNS runs; $(nproc) cores; files verified against $DIGEST)"
