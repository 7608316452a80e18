#!/usr/bin/env bash
# tests/harness/registries.sh start|stop|status|restart - run arbor's test registries on free loopback ports.
#
# Needs install.sh first. State lives in $ARBOR_HARNESS_DIR/run (default <repo>/target/harness/run):
#   run/<name>/{pid,addr,log,config.yml,data/}   run/secrets/ (0700: passwords, htpasswd, token signing key)
# and $ARBOR_HARNESS_DIR/env, a sourceable file of `export ARBOR_TEST_...=` lines (no secrets in it:
# passwords are in 0600 files it names). `start` begins from empty registries every time (it stops
# leftovers and wipes run/); if everything is already up it leaves it alone (use restart to reset).
# Knobs: ARBOR_TEST_TOKEN_TTL (token lifetime of `token`, default 300s), ARBOR_TEST_TOKEN_SHORT_TTL (1s),
# ARBOR_TEST_REFS_PAGE_SIZE (referrers page size of refs_spec, default 50).
# acr and harbor are vendorreg stand-ins (ACR / Harbor listing APIs), each in front of its own
# docker-registry (acr_dist, harbor_dist) and reading that instance's storage directory.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
DIR=${ARBOR_HARNESS_DIR:-$REPO_ROOT/target/harness}
BIN="$DIR/bin"; RUN="$DIR/run"; ENVF="$DIR/env"
NAMES=(dist nodelete refs refs_spec basic tokensrv token tokensrv_short token_short fault_dist fault_refs tls
       acr_dist acr harbor_dist harbor)
TOKEN_TTL=${ARBOR_TEST_TOKEN_TTL:-300s}; TOKEN_SHORT_TTL=${ARBOR_TEST_TOKEN_SHORT_TTL:-1s}
PAGE_SIZE=${ARBOR_TEST_REFS_PAGE_SIZE:-50}
ISSUER=arbor-test-issuer

die() { echo "registries.sh: $*" >&2; exit 1; }
pid_of() { cat "$RUN/$1/pid" 2>/dev/null || true; }
alive() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
addr_of() { cat "$RUN/$1/addr"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# a fresh random password in a 0600 file (never on a command line, never in the env file)
new_secret() { (umask 077; openssl rand -hex 16 | tr -d '\n' > "$1"); }

# spawn NAME CMD... : run detached in its own session/process group; pid = process group id
spawn() {
  local n=$1; shift
  mkdir -p "$RUN/$n"
  setsid "$@" > "$RUN/$n/log" 2>&1 < /dev/null &
  echo $! > "$RUN/$n/pid"
}
fail_log() { echo "---- tail of $RUN/$1/log" >&2; tail -n 20 "$RUN/$1/log" >&2 || true; die "$1 did not come up"; }
# wait_up NAME : wait for $RUN/NAME/addr (Go programs write it) and for GET /v2/ to answer 200 or 401
wait_up() {
  local n=$1 code=000 i
  for i in $(seq 1 150); do
    alive "$n" || fail_log "$n"
    if [ -s "$RUN/$n/addr" ]; then
      code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$(addr_of "$n")/v2/" || true)
      case $code in 200|401) echo "  $n: http://$(addr_of "$n") (pid $(pid_of "$n"))"; return 0;; esac
    fi
    sleep 0.1
  done
  echo "registries.sh: $n: no answer on /v2/ (last HTTP code $code)" >&2; fail_log "$n"
}

distconf() { # NAME PORT DELETE(true|false) [AUTH-YAML]
  cat > "$RUN/$1/config.yml" <<YML
version: 0.1
log:
  level: info
  formatter: text
  accesslog: {disabled: true}
storage:
  filesystem: {rootdirectory: $RUN/$1/data}
  delete: {enabled: $3}
  maintenance: {uploadpurging: {enabled: false}}
http:
  addr: 127.0.0.1:$2
  headers: {X-Content-Type-Options: [nosniff]}
${4:-}
YML
}
# start_dist NAME DELETE [AUTH-YAML] : docker-registry on a free port (retried if the port was taken meanwhile)
start_dist() {
  local n=$1 try port
  for try in 1 2 3; do
    mkdir -p "$RUN/$n/data"; port=$(free_port)
    distconf "$n" "$port" "$2" "${3:-}"
    echo "127.0.0.1:$port" > "$RUN/$n/addr"
    spawn "$n" "$BIN/docker-registry" serve "$RUN/$n/config.yml"
    for _ in $(seq 1 20); do
      alive "$n" || break
      [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)" != 000 ] && break
      sleep 0.1
    done
    if ! alive "$n" && grep -q 'address already in use' "$RUN/$n/log"; then continue; fi
    wait_up "$n"; return 0
  done
  fail_log "$n"
}
start_go() { # NAME PROG ARGS... : a harness Go program bound to port 0, it writes the address to $RUN/NAME/addr
  local n=$1 prog=$2; shift 2
  mkdir -p "$RUN/$n"; rm -f "$RUN/$n/addr"
  spawn "$n" "$BIN/$prog" "$@" -addr 127.0.0.1:0 -addr-file "$RUN/$n/addr"
  wait_up "$n"
}
start_token_pair() { # REGISTRY-NAME TOKENSRV-NAME SERVICE TTL HEADER LEEWAY
  local reg=$1 ts=$2 svc=$3 ttl=$4 hdr=$5 leeway=$6
  start_go "$ts" tokensrv serve -dir "$RUN/secrets/token-signer" -issuer "$ISSUER" -service "$svc" \
    -users-file "$RUN/secrets/token.users" -header "$hdr" -ttl "$ttl" -registry-leeway "$leeway"
  start_dist "$reg" true "auth:
  token:
    realm: http://$(addr_of "$ts")/token
    service: $svc
    issuer: $ISSUER
    rootcertbundle: $RUN/secrets/token-signer/token.crt"
}

# start_tls : docker-registry over HTTPS with a CA made here (for TLS verification tests)
start_tls() {
  local n=tls d="$RUN/tls" port
  mkdir -p "$d/data"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=arbor test CA" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$d/ext.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/ext.cnf" -out "$d/server.crt" 2>/dev/null
  port=$(free_port)
  cat > "$d/config.yml" <<YML
version: 0.1
log: {level: info, formatter: text, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $d/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
  tls: {certificate: $d/server.crt, key: $d/server.key}
YML
  echo "127.0.0.1:$port" > "$d/addr"
  spawn "$n" "$BIN/docker-registry" serve "$d/config.yml"
  for _ in $(seq 1 100); do
    alive "$n" || fail_log "$n"
    [ "$(curl -s -o /dev/null -m 2 --cacert "$d/ca.crt" -w '%{http_code}' "https://127.0.0.1:$port/v2/" || true)" = 200 ] && {
      echo "  $n: https://127.0.0.1:$port (pid $(pid_of "$n"))"; return 0; }
    sleep 0.1
  done
  fail_log "$n"
}

do_stop() {
  local n p any=0
  [ -d "$RUN" ] || return 0
  for n in "${NAMES[@]}"; do
    p=$(pid_of "$n"); [ -n "$p" ] || continue
    if kill -0 "$p" 2>/dev/null; then kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; any=1; fi
  done
  if [ $any = 1 ]; then
    for _ in $(seq 1 50); do
      any=0; for n in "${NAMES[@]}"; do alive "$n" && any=1; done
      [ $any = 0 ] && break; sleep 0.1
    done
    for n in "${NAMES[@]}"; do
      alive "$n" && { p=$(pid_of "$n"); kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; }
    done
  fi
  for n in "${NAMES[@]}"; do rm -f "$RUN/$n/pid"; done
  rm -f "$ENVF"
  echo "registries stopped"
}

all_up() { local n; for n in "${NAMES[@]}"; do alive "$n" || return 1; done; [ -f "$ENVF" ]; }

do_start() {
  [ -x "$BIN/docker-registry" ] && [ -x "$BIN/refreg" ] || die "tools missing in $BIN: run tests/harness/install.sh first"
  if all_up; then echo "registries already running (env: $ENVF)"; return 0; fi
  do_stop >/dev/null
  rm -rf "$RUN"; mkdir -p "$RUN"; (umask 077; mkdir -p "$RUN/secrets")
  echo "starting registries (state in $RUN)"
  start_dist dist true
  start_dist nodelete false
  start_go refs refreg -mode raw -blobs "$RUN/refs/data" -quiet
  start_go refs_spec refreg -mode spec -page-size "$PAGE_SIZE" -blobs "$RUN/refs_spec/data" -quiet

  new_secret "$RUN/secrets/basic.password"
  "$BIN/tokensrv" htpasswd arbor < "$RUN/secrets/basic.password" > "$RUN/secrets/basic.htpasswd"
  start_dist basic true "auth:
  htpasswd:
    realm: arbor-basic
    path: $RUN/secrets/basic.htpasswd"

  new_secret "$RUN/secrets/token.password"; new_secret "$RUN/secrets/readonly.password"
  (umask 077; { echo "arbor:$(cat "$RUN/secrets/token.password")"; echo "readonly:$(cat "$RUN/secrets/readonly.password")"; } \
    > "$RUN/secrets/token.users")
  "$BIN/tokensrv" gencert "$RUN/secrets/token-signer"
  # token: x5c JWT header; token_short: kid header, and exp pulled back by distribution's 60s leeway so
  # the registry really refuses its tokens once expires_in (1s, rounded up to a whole second) has passed
  start_token_pair token tokensrv arbor-token "$TOKEN_TTL" x5c 0s
  start_token_pair token_short tokensrv_short arbor-token-short "$TOKEN_SHORT_TTL" kid 60s

  start_tls
  # each faultproxy has a second listener, the collector: another origin for cross-origin scenarios
  start_go fault_dist faultproxy -upstream "http://$(addr_of dist)" -quiet -collector-addr-file "$RUN/fault_dist/collector"
  start_go fault_refs faultproxy -upstream "http://$(addr_of refs_spec)" -quiet -collector-addr-file "$RUN/fault_refs/collector"
  # vendor API stand-ins, each in front of its own distribution 2.8.3 and reading its storage
  for v in acr harbor; do
    start_dist "${v}_dist" true
    start_go "$v" vendorreg -flavor "$v" -upstream "http://$(addr_of "${v}_dist")" -root "$RUN/${v}_dist/data" \
      -locks "$RUN/$v/locks.json" -quiet
  done

  mkdir -p "$DIR/home"
  cat > "$ENVF.tmp" <<ENV
# arbor integration-test registries (tests/harness/registries.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ)); plain HTTP on loopback
export ARBOR_TEST_DIST=$(addr_of dist)
export ARBOR_TEST_NODELETE=$(addr_of nodelete)
export ARBOR_TEST_REFS=$(addr_of refs)
export ARBOR_TEST_REFS_SPEC=$(addr_of refs_spec)
export ARBOR_TEST_REFS_SPEC_PAGE_SIZE=$PAGE_SIZE
export ARBOR_TEST_BASIC=$(addr_of basic)
export ARBOR_TEST_BASIC_USER=arbor
export ARBOR_TEST_BASIC_PASSWORD_FILE=$RUN/secrets/basic.password
export ARBOR_TEST_TOKEN=$(addr_of token)
export ARBOR_TEST_TOKEN_SHORT=$(addr_of token_short)
export ARBOR_TEST_TOKEN_USER=arbor
export ARBOR_TEST_TOKEN_PASSWORD_FILE=$RUN/secrets/token.password
export ARBOR_TEST_READONLY_USER=readonly
export ARBOR_TEST_READONLY_PASSWORD_FILE=$RUN/secrets/readonly.password
export ARBOR_TEST_TOKEN_REALM=http://$(addr_of tokensrv)/token
export ARBOR_TEST_TOKEN_SERVICE=arbor-token
export ARBOR_TEST_TOKEN_SHORT_REALM=http://$(addr_of tokensrv_short)/token
export ARBOR_TEST_TOKEN_SHORT_SERVICE=arbor-token-short
export ARBOR_TEST_TOKEN_TTL=$TOKEN_TTL
export ARBOR_TEST_TOKEN_SHORT_TTL=$TOKEN_SHORT_TTL
export ARBOR_TEST_FAULT_DIST=$(addr_of fault_dist)
export ARBOR_TEST_FAULT_REFS=$(addr_of fault_refs)
export ARBOR_TEST_FAULT_DIST_COLLECTOR=$(cat "$RUN/fault_dist/collector")
export ARBOR_TEST_FAULT_REFS_COLLECTOR=$(cat "$RUN/fault_refs/collector")
export ARBOR_TEST_TLS=$(addr_of tls)
export ARBOR_TEST_TLS_CA=$RUN/tls/ca.crt
export ARBOR_TEST_ACR=$(addr_of acr)
export ARBOR_TEST_ACR_UPSTREAM=$(addr_of acr_dist)
export ARBOR_TEST_HARBOR=$(addr_of harbor)
export ARBOR_TEST_HARBOR_UPSTREAM=$(addr_of harbor_dist)
export ARBOR_TEST_ORAS=$BIN/oras
export ARBOR_TEST_CRANE=$BIN/crane
export ARBOR_TEST_COSIGN=$BIN/cosign
export ARBOR_TEST_NOTATION=$BIN/notation
export ARBOR_TEST_BIN_DIR=$BIN
export ARBOR_TEST_HOME=$DIR/home
ENV
  mv "$ENVF.tmp" "$ENVF"
  echo "env: $ENVF"
}

do_status() {
  local n rc=0
  for n in "${NAMES[@]}"; do
    if alive "$n"; then echo "$n: running at http://$(addr_of "$n") (pid $(pid_of "$n"))"
    else echo "$n: stopped"; rc=3; fi
  done
  return $rc
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop; do_start ;;
  status) do_status ;;
  *) echo "usage: $0 start|stop|status|restart" >&2; exit 2 ;;
esac
