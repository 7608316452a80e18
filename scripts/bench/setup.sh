# scripts/bench/setup.sh - sourced by the benchmark scripts (from the repository root):
# installs the harness tools, starts the test registries unless they already run, sources their
# env file and builds arbor in release. Sets ARBOR (the binary) and BENCH_STARTED (1 when this
# script started the registries: call bench_stop on exit then) and `measure`.
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

# measure cmd... -> "<seconds> <peak RSS KiB> <CPU seconds, user + sys>" of one run (output discarded; a failure, or no end
# within BENCH_LIMIT_S seconds (default 1800), is fatal).
measure() {
  python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
t = time.monotonic()
limit = float(os.environ.get("BENCH_LIMIT_S", "1800"))
try:
    rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=limit)
except subprocess.TimeoutExpired:
    sys.exit(f"{sys.argv[1:]} did not end within {limit:.0f} s")
e = time.monotonic() - t
if rc != 0:
    sys.exit(f"{sys.argv[1:]} failed ({rc})")
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{e:.3f} {u.ru_maxrss} {u.ru_utime + u.ru_stime:.2f}")
PY
}
