#!/usr/bin/env bash
# tests/harness/test.sh - the one command that runs arbor's whole test suite against real registries:
# installs the tools (tests/harness/install.sh, idempotent), starts the registries
# (tests/harness/registries.sh), runs `cargo test --workspace --lib --bins --tests` (benchmarks are scripts, run apart) with ARBOR_HARNESS_ENV
# pointing at their env file, and always stops them. Exits with cargo's status.
# Extra arguments go to cargo test (e.g. tests/harness/test.sh -- --nocapture).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$HERE/../.." && pwd)
export ARBOR_HARNESS_DIR=${ARBOR_HARNESS_DIR:-$REPO_ROOT/target/harness}
mkdir -p "$ARBOR_HARNESS_DIR"; ARBOR_HARNESS_DIR=$(cd "$ARBOR_HARNESS_DIR" && pwd)

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
cargo test --workspace --lib --bins --tests "${locked[@]}" "$@"
rc=$?
set -e
exit $rc
