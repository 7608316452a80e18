#!/usr/bin/env bash
# tests/harness/install.sh - install the integration-test tools into a project-local dir.
#
#   ARBOR_HARNESS_DIR (default: <repo>/target/harness)
#     apt/    private apt config, lists and cache (the system's apt is not touched)
#     debs/   downloaded .deb files          root/  their contents (dpkg -x)
#     gopath/ the harness Go programs (GOPATH mode)   gocache/  Go build cache
#     bin/    docker-registry oras crane cosign notation go refreg faultproxy tokensrv vendorreg
#
# Debian packages: tools from TOOLS_SUITE (sid), Go toolchain GO_PKG (golang-1.24-go) from GO_SUITE (trixie).
# Idempotent: apt lists are refreshed at most once a day; downloads, extractions and builds are skipped
# when already done (a Go program is rebuilt when one of its .go files changed).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
DIR=${ARBOR_HARNESS_DIR:-$REPO_ROOT/target/harness}
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
TOOLS_SUITE=${TOOLS_SUITE:-sid}
GO_PKG=${GO_PKG:-golang-1.24-go}; GO_SUITE=${GO_SUITE:-trixie}
GO_VER=${GO_PKG#golang-}; GO_VER=${GO_VER%-go}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { printf '== %s\n' "$*" >&2; }

mkdir -p "$DIR"/apt/lists/partial "$DIR"/apt/cache/archives/partial "$DIR"/apt/etc/preferences.d \
         "$DIR"/debs "$DIR"/root "$DIR"/bin "$DIR"/gopath/src "$DIR"/gocache
[ -r "$KEYRING" ] || { echo "missing $KEYRING (apt-get install debian-archive-keyring)" >&2; exit 1; }
cat > "$DIR/apt/sources.list.new" <<SRC
deb [signed-by=$KEYRING] $MIRROR $TOOLS_SUITE main
deb [signed-by=$KEYRING] $MIRROR $GO_SUITE main
SRC
if ! cmp -s "$DIR/apt/sources.list.new" "$DIR/apt/sources.list"; then
  mv "$DIR/apt/sources.list.new" "$DIR/apt/sources.list"; rm -f "$DIR/apt/lists/.stamp"
else rm -f "$DIR/apt/sources.list.new"; fi
APT=(-o Dir::Etc::sourcelist="$DIR/apt/sources.list" -o Dir::Etc::sourceparts=-
     -o Dir::Etc::preferencesparts="$DIR/apt/etc/preferences.d" -o Dir::Etc::preferences=/dev/null
     -o Dir::State::Lists="$DIR/apt/lists" -o Dir::State::status=/dev/null -o Dir::Cache="$DIR/apt/cache"
     -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o Acquire::Retries=3)

# Packages: name/suite. The Go libraries are sources (GOPATH layout under /usr/share/gocode).
PKGS=(docker-registry/$TOOLS_SUITE oras/$TOOLS_SUITE crane/$TOOLS_SUITE cosign/$TOOLS_SUITE notation/$TOOLS_SUITE
      golang-github-google-go-containerregistry-dev/$TOOLS_SUITE golang-golang-x-crypto-dev/$TOOLS_SUITE
      "$GO_PKG/$GO_SUITE" "golang-$GO_VER-src/$GO_SUITE")

missing=()
for p in "${PKGS[@]}"; do compgen -G "$DIR/debs/${p%/*}_*.deb" >/dev/null || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ -z "$(find "$DIR/apt/lists" -maxdepth 1 -name .stamp -mmin -1440 2>/dev/null)" ]; then
    log "apt-get update (private lists in $DIR/apt)"
    apt-get "${APT[@]}" -qq update
    touch "$DIR/apt/lists/.stamp"
  fi
  log "download: ${missing[*]}"
  (cd "$DIR/debs" && apt-get "${APT[@]}" -qq download "${missing[@]}")
fi
for d in "$DIR"/debs/*.deb; do
  stamp="$DIR/root/.extracted.$(basename "$d")"
  [ -e "$stamp" ] || { log "unpack $(basename "$d")"; dpkg -x "$d" "$DIR/root"; touch "$stamp"; }
done

for b in docker-registry oras crane cosign notation; do ln -sfn "$DIR/root/usr/bin/$b" "$DIR/bin/$b"; done
GOROOT_DIR="$DIR/root/usr/lib/go-$GO_VER"
ln -sfn "$GOROOT_DIR/bin/go" "$DIR/bin/go"

# Build the harness Go programs (tests/harness/go/<name>/*.go, package main) in GOPATH mode against Debian's Go sources.
export GOROOT="$GOROOT_DIR" GO111MODULE=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=
export GOPATH="$DIR/gopath:$DIR/root/usr/share/gocode" GOCACHE="$DIR/gocache" GOENV=off GOTELEMETRY=off
for srcdir in "$HERE"/go/*/; do
  prog=$(basename "$srcdir")
  dst="$DIR/gopath/src/arbor-harness/$prog"
  mkdir -p "$dst"
  changed=0
  for f in "$srcdir"*.go; do
    cmp -s "$f" "$dst/$(basename "$f")" || { cp "$f" "$dst/"; changed=1; }
  done
  for f in "$dst"/*.go; do  # a file removed from the source goes from the build too
    [ -e "$srcdir$(basename "$f")" ] || { rm -f "$f"; changed=1; }
    [ "$f" -nt "$DIR/bin/$prog" ] && changed=1  # also after a build that failed
  done
  if [ ! -x "$DIR/bin/$prog" ] || [ $changed = 1 ]; then
    log "go build $prog"
    (cd "$dst" && "$GOROOT/bin/go" build -trimpath -o "$DIR/bin/$prog.tmp" . && mv "$DIR/bin/$prog.tmp" "$DIR/bin/$prog")
  fi
done

echo "harness tools in $DIR/bin (Debian packages):"
for d in "$DIR"/debs/*.deb; do b=$(basename "$d" .deb); echo "  ${b%_*}" | sed 's/_/ /; s/%3a/:/'; done
echo "  $("$DIR/bin/docker-registry" --version 2>&1 | head -1 | sed "s|^$DIR/bin/||")"
echo "  oras $("$DIR/bin/oras" version 2>&1 | awk '/^Version/{print $2}'), notation $("$DIR/bin/notation" version 2>&1 | awk '/^Version/{print $2}'), $("$DIR/bin/go" version | cut -d' ' -f3)"
