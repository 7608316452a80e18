#!/usr/bin/env bash
# tests/harness/test.sh - the one command that runs arbor's whole test suite against real registries:
# checks the tools it needs are there (and names any missing), installs the peer tools
# (tests/harness/install.sh, idempotent), starts the registries (tests/harness/registries.sh),
# compiles the benchmarks (`cargo test --benches --no-run`: they are run apart, by scripts/bench),
# runs `cargo test --workspace --lib --bins --tests --no-fail-fast` with ARBOR_HARNESS_ENV pointing
# at their env file, and always stops them. Exits with cargo's status.
# Extra arguments go to cargo test (e.g. tests/harness/test.sh -- --nocapture).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
export ARBOR_HARNESS_DIR=${ARBOR_HARNESS_DIR:-$REPO_ROOT/target/harness}
mkdir -p "$ARBOR_HARNESS_DIR"; ARBOR_HARNESS_DIR=$(cd "$ARBOR_HARNESS_DIR" && pwd)

# Everything the harness and the tests run that the harness does not install itself.
missing=()
for tool in cargo apt-get dpkg curl tar python3 openssl tmux; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=("debian-archive-keyring (/usr/share/keyrings/debian-archive-keyring.gpg)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "harness: cannot run the suite; missing: ${missing[*]}" >&2
  exit 2
fi

t0=$(date +%s)
bash "$HERE/install.sh"
t1=$(date +%s)
trap 'bash "$HERE/registries.sh" stop || true' EXIT
bash "$HERE/registries.sh" start
t2=$(date +%s)
echo "harness: install $((t1 - t0))s, registries up in $((t2 - t1))s"

export ARBOR_HARNESS_ENV="$ARBOR_HARNESS_DIR/env"
# shellcheck disable=SC1090
. "$ARBOR_HARNESS_ENV"
# Peer tools (oras, notation, cosign, crane) keep their state under the harness dir, not in the user's
# home. Toolchains found through HOME (rustup/cargo, pyenv) are pinned to where they are first.
[ -n "${CARGO_HOME:-}" ] || { [ -d "$HOME/.cargo" ] && export CARGO_HOME="$HOME/.cargo"; } || true
[ -n "${RUSTUP_HOME:-}" ] || { [ -d "$HOME/.rustup" ] && export RUSTUP_HOME="$HOME/.rustup"; } || true
[ -n "${PYENV_ROOT:-}" ] || { [ -d "$HOME/.pyenv" ] && export PYENV_ROOT="$HOME/.pyenv"; } || true
export ARBOR_TEST_HOME HOME="$ARBOR_TEST_HOME" DOCKER_CONFIG="$ARBOR_TEST_HOME/.docker" \
       XDG_CONFIG_HOME="$ARBOR_TEST_HOME/.config" XDG_CACHE_HOME="$ARBOR_TEST_HOME/.cache"
mkdir -p "$DOCKER_CONFIG" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"

cd "$REPO_ROOT"
locked=(); [ -f Cargo.lock ] && locked=(--locked)
set +e
# Benchmarks are built, not run: a change that breaks them fails here.
cargo test --workspace --benches --no-run "${locked[@]}"
rc=$?
if [ $rc -eq 0 ]; then
  cargo test --workspace --lib --bins --tests --no-fail-fast "${locked[@]}" "$@"
  rc=$?
fi
set -e
exit $rc
