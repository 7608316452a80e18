# scripts/bench/setup.sh - sourced by the benchmark scripts (from the repository root):
# installs the harness tools, starts the test registries unless they already run, sources their
# env file and builds arbor in release. Sets ARBOR (the binary) and BENCH_STARTED (1 when this
# script started the registries: call bench_stop on exit then).
DIR=${ARBOR_HARNESS_DIR:-$PWD/target/harness}; export ARBOR_HARNESS_DIR=$DIR
bash tests/harness/install.sh >/dev/null
BENCH_STARTED=0
if ! bash tests/harness/registries.sh status >/dev/null 2>&1 || [ ! -f "$DIR/env" ]; then
  bash tests/harness/registries.sh start >/dev/null; BENCH_STARTED=1
fi
bench_stop() { if [ "$BENCH_STARTED" = 1 ]; then bash tests/harness/registries.sh stop >/dev/null; fi; }
# shellcheck disable=SC1091
. "$DIR/env"
cargo build --release --quiet
ARBOR=${CARGO_TARGET_DIR:-$PWD/target}/release/arbor
