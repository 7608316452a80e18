#!/usr/bin/env bash
# Benchmark: `arbor cp -r` vs `oras cp -r` in the same run, registry to registry:
#   (a) a subject with N (default 1000) referrers, on each registry kind:
#       fallback: distribution 2.8.3 -> distribution 2.8.3 (sha256-<hex> fallback index),
#       API:      go-containerregistry (referrers API, pages of 50) -> go-containerregistry (raw);
#   (b) one SIZE_MB (default 1024) MiB single-layer image, distribution -> distribution.
#   scripts/bench/cp.sh        # RUNS (default 3), N, SIZE_MB; PARTS="a b" (default) picks the parts
# Each copy goes through two faultproxy instances this script starts (one in front of the source
# registry, one in front of the destination) that count every request, so both tools are
# counted the same way. Wall time: median of RUNS; requests: of the last run; peak RSS: largest
# ru_maxrss. Every copy is checked (referrer count, or the blob's digest) before it counts.
# Targets: arbor >= 2x faster than oras on (a), >= 1.3x on (b), arbor peak RSS < 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}; N=${N:-1000}; SIZE_MB=${SIZE_MB:-1024}; PARTS=${PARTS:-a b}
# shellcheck source=scripts/bench/setup.sh
. scripts/bench/setup.sh
WORK=$PWD/target/bench-cp
cleanup() {
  # proxy() runs in a command substitution (a subshell): its pids are kept in a file.
  if [ -f "$WORK/pids" ]; then while read -r p; do kill "$p" 2>/dev/null || true; done < "$WORK/pids"; fi
  rm -rf "$WORK"
  bench_stop
}
trap cleanup EXIT
export HOME=$ARBOR_TEST_HOME DOCKER_CONFIG=$ARBOR_TEST_HOME/.docker XDG_CONFIG_HOME=$ARBOR_TEST_HOME/.config
rm -rf "$WORK"; mkdir -p "$WORK"

# proxy NAME UPSTREAM -> prints the proxy's host:port (a counting faultproxy, stopped on exit)
proxy() {
  "$ARBOR_TEST_BIN_DIR/faultproxy" -upstream "http://$2" -addr 127.0.0.1:0 -addr-file "$WORK/$1.addr" -quiet \
    >"$WORK/$1.log" 2>&1 &
  echo "$!" >> "$WORK/pids"
  for _ in $(seq 100); do [ -s "$WORK/$1.addr" ] && break; sleep 0.05; done
  tr -d '\n' < "$WORK/$1.addr"
}
reset() { curl -sf -X PUT -d '{}' "http://$1/__fault/$2" >/dev/null; }
count() { curl -sf "http://$1/__stats/$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }

# referrers SRC_PROXY_REPO_REF -> number of referrers oras finds below the subject (any depth)
referrers() {
  "$ARBOR_TEST_ORAS" discover --plain-http --format json "$1" |
    python3 -c 'import json,sys
def n(v): return sum(1 + n(r) for r in v.get("referrers", []))
print(n(json.load(sys.stdin)))'
}

# bench TOOL SP SRC_REPO REF DP CHECK -> "median_s max_rss_kib requests"; CHECK is "refs:N" or "digest:D"
bench() {
  local tool=$1 sp=$2 repo=$3 ref=$4 dp=$5 check=$6 times=() rss=0 reqs=0 dst
  for i in $(seq "$RUNS"); do
    dst=bench-cp-$tool-$$-$i-$RANDOM
    reset "$sp" "$repo"; reset "$dp" "$dst"
    if [ "$tool" = arbor ]; then
      read -r s r < <(measure "$ARBOR" cp -r "$sp/$repo:$ref" "$dp/$dst:$ref")
    else
      read -r s r < <(measure "$ARBOR_TEST_ORAS" cp -r --from-plain-http --to-plain-http "$sp/$repo:$ref" "$dp/$dst:$ref")
    fi
    reqs=$(( $(count "$sp" "$repo") + $(count "$dp" "$dst") ))
    case $check in
      refs:*) got=$(referrers "$dp/$dst:$ref"); [ "$got" = "${check#refs:}" ] ||
                { echo "$tool copied $got referrers, expected ${check#refs:}" >&2; exit 1; } ;;
      digest:*) got=$("$ARBOR_TEST_CRANE" digest --insecure "$dp/$dst:$ref"); [ "$got" = "${check#digest:}" ] ||
                { echo "$tool copied $got, expected ${check#digest:}" >&2; exit 1; } ;;
    esac
    times+=("$s"); [ "$r" -gt "$rss" ] && rss=$r
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v rss="$rss" -v q="$reqs" '{a[NR]=$1} END {print a[int((NR+1)/2)], rss, q}'
}

row() { printf '%-44s %9.3f %9s %12.1f\n' "$1" "$2" "$4" "$(echo "$3 / 1024" | bc -l)"; }
head_row() { printf '%-44s %9s %9s %12s\n' "$1" "wall s" "requests" "peak RSS MiB"; }
ratio() { echo "$2 / $1" | bc -l; }

# (a) N referrers on each registry kind.
for kind in fallback api; do
  case " $PARTS " in *" a "*) ;; *) break ;; esac
  if [ $kind = fallback ]; then src=$ARBOR_TEST_DIST; dst=$ARBOR_TEST_NODELETE; flag=--fallback
  else src=$ARBOR_TEST_REFS_SPEC; dst=$ARBOR_TEST_REFS; flag=; fi
  SP=$(proxy "src-$kind" "$src"); DP=$(proxy "dst-$kind" "$dst")
  repo=bench-cp-$kind-$$
  python3 scripts/bench/seed.py "$src" "$repo" wide "$N" $flag >/dev/null
  read -r ta ra qa < <(bench arbor "$SP" "$repo" wide "$DP" "refs:$N")
  read -r to ro qo < <(bench oras "$SP" "$repo" wide "$DP" "refs:$N")
  head_row "(a) $N referrers, $kind registries"
  row "arbor cp -r" "$ta" "$ra" "$qa"
  row "oras cp -r" "$to" "$ro" "$qo"
  printf 'arbor vs oras: %.2fx faster (target >= 2x)\n\n' "$(ratio "$ta" "$to")"
done

# (b) one big single-layer image.
case " $PARTS " in *" b "*) ;; *) exit 0 ;; esac
dd if=/dev/urandom of="$WORK/big.bin" bs=1M count="$SIZE_MB" status=none
repo=bench-cp-big-$$
(cd "$WORK" && "$ARBOR_TEST_ORAS" push --plain-http "$ARBOR_TEST_DIST/$repo:v1" big.bin >/dev/null)
rm -f "$WORK/big.bin"
digest=$("$ARBOR_TEST_CRANE" digest --insecure "$ARBOR_TEST_DIST/$repo:v1")
SP=$(proxy src-big "$ARBOR_TEST_DIST"); DP=$(proxy dst-big "$ARBOR_TEST_NODELETE")
read -r ta ra qa < <(bench arbor "$SP" "$repo" v1 "$DP" "digest:$digest")
read -r to ro qo < <(bench oras "$SP" "$repo" v1 "$DP" "digest:$digest")
# The limit: the layer piped from one registry's GET into the other's PUT by two curls (no
# verification, no manifests), through the same proxies.
layer=$("$ARBOR_TEST_CRANE" manifest --insecure "$ARBOR_TEST_DIST/$repo:v1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
pipe() {
  local loc
  loc=$(curl -sf -D - -o /dev/null -X POST "http://$DP/v2/bench-cp-pipe-$$-$RANDOM/blobs/uploads/" |
    tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
  case $loc in http*) ;; *) loc=http://$DP$loc ;; esac
  curl -sf "http://$SP/v2/$repo/blobs/$layer" |
    curl -sf -o /dev/null -X PUT -T - -H 'Content-Type: application/octet-stream' "$loc&digest=$layer"
}
export -f pipe; export DP SP repo layer
times=(); for _ in $(seq "$RUNS"); do read -r s _ < <(measure bash -c pipe); times+=("$s"); done
tl=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
head_row "(b) $SIZE_MB MiB single layer, distribution"
row "arbor cp -r" "$ta" "$ra" "$qa"
row "oras cp -r" "$to" "$ro" "$qo"
printf '%-44s %9.3f %9s %12s\n' "limit: curl GET | curl PUT (the layer)" "$tl" 3 "-"
printf 'arbor vs oras: %.2fx faster (target >= 1.3x); arbor vs limit: %.2fx\n' "$(ratio "$ta" "$to")" "$(echo "$ta / $tl" | bc -l)"
echo "(medians of $RUNS runs; requests counted by a proxy on each side, last run; $(nproc) cores)"
