#!/usr/bin/env bash
# Screenshots from a real run: arbor (the demo layout) in tmux, capture-pane -e, ANSI → SVG.
# Usage: screenshots/make.sh [path/to/arbor]   (default target/debug/arbor)
# Dark theme at 160×40 (the detail pane shows), the light theme, and an 80×24 terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/arbor}
s="arbor-shots-$$"
trap 'tmux kill-session -t "$s" 2>/dev/null || true' EXIT
export ARBOR_CONFIG=/nonexistent/config.toml
tmux new-session -d -x 160 -y 40 -s "$s" "ARBOR_THEME=dark $bin"
shot() { sleep "${2:-0.6}"; tmux capture-pane -e -p -t "$s" | python3 screenshots/ansi2svg.py "arbor: $1" ${3:-} > "screenshots/$1.svg"; echo "screenshots/$1.svg"; }
keys() { tmux send-keys -t "$s" "$@"; }
shot tags 1.5
keys Enter; shot tree
keys '*'; shot tree-expanded
keys j y; shot inspect-json
keys Escape d; shot describe
keys Escape '?'; shot help
keys Escape Escape / v 2; shot filter
keys q
sleep 0.5; tmux kill-session -t "$s" 2>/dev/null || true

tmux new-session -d -x 160 -y 40 -s "$s" "ARBOR_THEME=light $bin"
shot tags-light 1.5 light
keys Enter; sleep 0.5; keys j; shot tree-light 1 light
keys q; sleep 0.5; tmux kill-session -t "$s" 2>/dev/null || true

tmux new-session -d -x 80 -y 24 -s "$s" "ARBOR_THEME=dark $bin"
shot tags-80x24 1.5
keys Enter; shot tree-80x24
keys q
