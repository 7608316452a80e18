#!/usr/bin/env bash
# Benchmark: `arbor cp -r` vs `oras cp -r` in the same run, registry to registry:
#   (a) a subject with N (default 1000) referrers, on each registry kind:
#       fallback: distribution 2.8.3 -> distribution 2.8.3 (sha256-<hex> fallback index),
#       API:      go-containerregistry (referrers API, pages of 50) -> go-containerregistry (raw);
#   (b) one SIZE_MB (default 1024) MiB single-layer image, distribution -> distribution.
#   scripts/bench/cp.sh        # RUNS (default 3), N, SIZE_MB; PARTS="a b" (default) picks the parts,
#                              # KINDS="fallback api" (default) the registry kinds of (a)
# Each copy goes through two faultproxy instances this script starts (one in front of the source
# registry, one in front of the destination) that count every request, so both tools are
# counted the same way. Wall time: median of RUNS; requests: of the last run; peak RSS: largest
# ru_maxrss. Every copy is checked before it counts (the referrers the destination lists and
# serves, counted with curl; or the blob's digest), every run and check under a deadline.
# Targets: arbor >= 2x faster than oras on (a), >= 1.3x on (b), arbor peak RSS < 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}; N=${N:-1000}; SIZE_MB=${SIZE_MB:-1024}; PARTS=${PARTS:-a b}; KINDS=${KINDS:-fallback api}
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

# Every check runs under a deadline (CHECK_S): a registry that does not answer fails the run.
CHECK_S=${CHECK_S:-300}
# api_referrers HOST REPO SUBJECT -> the referrer digests the OCI referrers API lists, every page
api_referrers() {
  local url="/v2/$2/referrers/$3" pages=0
  while [ -n "$url" ]; do
    pages=$((pages + 1)); [ "$pages" -le 1000 ] || { echo "referrers pages never end" >&2; exit 1; }
    curl -sf --max-time "$CHECK_S" -D "$WORK/referrers.hdr" "http://$1$url" | jq -r '.manifests[].digest'
    url=$(tr -d '\r' < "$WORK/referrers.hdr" | awk 'tolower($1) == "link:" {print $2}' | sed 's/^<//; s/>;*$//')
  done
}
# referrers KIND HOST REPO SUBJECT -> how many referrers of SUBJECT the registry lists (the
# referrers API, or the sha256-<hex> fallback index) whose manifests it also serves. The same
# check for both tools, with curl: `oras discover` also asks every referrer for its own referrers,
# one after another, and go-containerregistry answers each of those by reading every manifest of
# the repository, so on a destination oras wrote (which also holds oras's fallback indexes) it did
# not finish within 6 minutes.
referrers() {
  local kind=$1 host=$2 repo=$3 subject=$4
  {
    if [ "$kind" = api ]; then
      api_referrers "$host" "$repo" "$subject"
    else
      curl -sf --max-time "$CHECK_S" -H 'Accept: application/vnd.oci.image.index.v1+json' \
        "http://$host/v2/$repo/manifests/sha256-${subject#sha256:}" | jq -r '.manifests[].digest'
    fi
  } | sort -u > "$WORK/referrers.txt"
  sed "s|^|http://$host/v2/$repo/manifests/|" "$WORK/referrers.txt" |
    timeout "$CHECK_S" xargs -r curl -s -I -o /dev/null -w '%{http_code}\n' --max-time "$CHECK_S" \
      -H 'Accept: application/vnd.oci.image.manifest.v1+json' | grep -c '^200$' || true
}

# once TOOL SP SRC_REPO REF DP CHECK -> "seconds peak_rss_kib cpu_s requests" of one checked copy;
# TOOL is arbor, oras or pipe (the limit below); CHECK is "refs:KIND:SUBJECT:N", "digest:D" or "-"
once() {
  local tool=$1 sp=$2 repo=$3 ref=$4 dp=$5 check=$6 dst got reqs
  dst=bench-cp-$tool-$$-$RANDOM$RANDOM
  reset "$sp" "$repo"; reset "$dp" "$dst"
  case $tool in
    arbor) got=$(measure "$ARBOR" cp -r "$sp/$repo:$ref" "$dp/$dst:$ref") ;;
    oras) got=$(measure "$ARBOR_TEST_ORAS" cp -r --from-plain-http --to-plain-http "$sp/$repo:$ref" "$dp/$dst:$ref") ;;
    pipe) got=$(measure bash -c 'pipe "$0"' "$dst") ;;
  esac
  reqs=$(( $(count "$sp" "$repo") + $(count "$dp" "$dst") ))
  case $check in
    refs:*) IFS=: read -r _ kind subj_alg subj_hex want <<< "$check"
            got2=$(referrers "$kind" "$dp" "$dst" "$subj_alg:$subj_hex"); [ "$got2" = "$want" ] ||
              { echo "$tool copied $got2 referrers, expected $want" >&2; exit 1; } ;;
    digest:*) got2=$(timeout "$CHECK_S" "$ARBOR_TEST_CRANE" digest --insecure "$dp/$dst:$ref"); [ "$got2" = "${check#digest:}" ] ||
              { echo "$tool copied $got2, expected ${check#digest:}" >&2; exit 1; } ;;
  esac
  echo "$got $reqs"
}

# turns SP SRC_REPO REF DP CHECK TOOL... -> per TOOL "median_s max_rss_kib median_cpu_s requests":
# the tools take turns, run after run, so a change in the machine's load falls on each alike.
# Requests: of the last run.
turns() {
  local args=("${@:1:5}") tools=("${@:6}") t i out
  for i in $(seq "$RUNS"); do
    for t in "${tools[@]}"; do
      c=${args[4]}; [ "$t" = pipe ] && c=-
      out=$(once "$t" "${args[@]:0:4}" "$c")
      echo "$t $out"
    done
  done > "$WORK/turns"
  for t in "${tools[@]}"; do
    echo "$(awk -v t="$t" '$1 == t {print $2}' "$WORK/turns" | median)" \
      "$(awk -v t="$t" '$1 == t && $3 > r {r = $3} END {print r}' "$WORK/turns")" \
      "$(awk -v t="$t" '$1 == t {print $4}' "$WORK/turns" | median)" \
      "$(awk -v t="$t" '$1 == t {q = $5} END {print q}' "$WORK/turns")"
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs() { sed 's/^/  run: /' "$WORK/turns"; } # every run of the last turns: tool, s, RSS KiB, CPU s, requests

row() { printf '%-44s %9.3f %9.2f %9s %12.1f\n' "$1" "$2" "$4" "$5" "$(echo "$3 / 1024" | bc -l)"; }
head_row() { printf '%-44s %9s %9s %9s %12s  (load average %s)\n' "$1" "wall s" "CPU s" "requests" "peak RSS MiB" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
ratio() { echo "$2 / $1" | bc -l; }

# (a) N referrers on each registry kind.
for kind in $KINDS; do
  case " $PARTS " in *" a "*) ;; *) break ;; esac
  if [ $kind = fallback ]; then src=$ARBOR_TEST_DIST; dst=$ARBOR_TEST_NODELETE; flag=--fallback
  else src=$ARBOR_TEST_REFS_SPEC; dst=$ARBOR_TEST_REFS; flag=; fi
  SP=$(proxy "src-$kind" "$src"); DP=$(proxy "dst-$kind" "$dst")
  repo=bench-cp-$kind-$$
  subject=$(python3 scripts/bench/seed.py "$src" "$repo" wide "$N" $flag)
  r=$(turns "$SP" "$repo" wide "$DP" "refs:$kind:$subject:$N" arbor oras)
  { read -r ta ra ca qa; read -r to ro co qo; } <<< "$r"
  head_row "(a) $N referrers, $kind registries"
  row "arbor cp -r" "$ta" "$ra" "$ca" "$qa"
  row "oras cp -r" "$to" "$ro" "$co" "$qo"
  printf 'arbor vs oras: %.2fx faster (target >= 2x)\n' "$(ratio "$ta" "$to")"
  runs; echo
done

# (b) one big single-layer image.
case " $PARTS " in *" b "*) ;; *) exit 0 ;; esac
dd if=/dev/urandom of="$WORK/big.bin" bs=1M count="$SIZE_MB" status=none
repo=bench-cp-big-$$
(cd "$WORK" && "$ARBOR_TEST_ORAS" push --plain-http "$ARBOR_TEST_DIST/$repo:v1" big.bin >/dev/null)
rm -f "$WORK/big.bin"
digest=$("$ARBOR_TEST_CRANE" digest --insecure "$ARBOR_TEST_DIST/$repo:v1")
SP=$(proxy src-big "$ARBOR_TEST_DIST"); DP=$(proxy dst-big "$ARBOR_TEST_NODELETE")
# The limit: the layer piped from one registry's GET into the other's PUT by two curls (no
# verification, no manifests), through the same proxies.
layer=$("$ARBOR_TEST_CRANE" manifest --insecure "$ARBOR_TEST_DIST/$repo:v1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
pipe() { # DST_REPO
  local loc
  loc=$(curl -sf --max-time "$CHECK_S" -D - -o /dev/null -X POST "http://$DP/v2/$1/blobs/uploads/" |
    tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
  case $loc in http*) ;; *) loc=http://$DP$loc ;; esac
  curl -sf --max-time "$CHECK_S" "http://$SP/v2/$repo/blobs/$layer" |
    curl -sf --max-time "$CHECK_S" -o /dev/null -X PUT -T - -H 'Content-Type: application/octet-stream' "$loc&digest=$layer"
}
export -f pipe; export DP SP repo layer CHECK_S
r=$(turns "$SP" "$repo" v1 "$DP" "digest:$digest" arbor oras pipe)
{ read -r ta ra ca qa; read -r to ro co qo; read -r tl _ cl ql; } <<< "$r"
head_row "(b) $SIZE_MB MiB single layer, distribution"
row "arbor cp -r" "$ta" "$ra" "$ca" "$qa"
row "oras cp -r" "$to" "$ro" "$co" "$qo"
printf '%-44s %9.3f %9.2f %9s %12s\n' "limit: curl GET | curl PUT (the layer)" "$tl" "$cl" "$ql" "-"
printf 'arbor vs oras: %.2fx faster (target >= 1.3x); arbor vs limit: %.2fx; oras vs limit: %.2fx\n' \
  "$(ratio "$ta" "$to")" "$(echo "$ta / $tl" | bc -l)" "$(echo "$to / $tl" | bc -l)"
runs
echo "(medians of $RUNS runs, the tools taking turns; CPU: user+sys of the tool's processes;"
echo " requests counted by a proxy on each side, last run; $(nproc) cores; load average $(cut -d" " -f1-3 /proc/loadavg) at the end)"
