#!/usr/bin/env bash
# Screenshots from a real run: arbor (the demo layout) in tmux, capture-pane -e, ANSI → SVG.
# Usage: screenshots/make.sh [path/to/arbor]   (default target/debug/arbor)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/arbor}
s="arbor-shots-$$"
trap 'tmux kill-session -t "$s" 2>/dev/null || true' EXIT
tmux new-session -d -x 120 -y 36 -s "$s" "$bin"
shot() { sleep "${2:-0.6}"; tmux capture-pane -e -p -t "$s" | python3 screenshots/ansi2svg.py "arbor: $1" > "screenshots/$1.svg"; echo "screenshots/$1.svg"; }
keys() { tmux send-keys -t "$s" "$@"; }
shot tags 1.5
keys Enter; shot tree
keys '*'; shot tree-expanded
keys j y; shot inspect-json
keys Escape d; shot describe
keys Escape '?'; shot help
keys Escape Escape / v 2; shot filter
keys q
