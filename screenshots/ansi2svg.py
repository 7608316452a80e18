#!/usr/bin/env python3
"""Converts `tmux capture-pane -e -p` output (ANSI SGR) into an SVG terminal image."""
import html, re, sys

BASE = ["#1e1e1e", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5"]
BRIGHT = ["#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]
FG, BG = "#d4d4d4", "#1e1e1e"
# `ansi2svg.py TITLE light`: the terminal of a light theme (xterm's light palette on white).
if len(sys.argv) > 2 and sys.argv[2] == "light":
    BASE = ["#000000", "#cd0000", "#00a000", "#a0a000", "#0000ee", "#cd00cd", "#00a0a0", "#e5e5e5"]
    BRIGHT = ["#7f7f7f", "#ff0000", "#00d000", "#c0c000", "#5c5cff", "#ff00ff", "#00c0c0", "#ffffff"]
    FG, BG = "#1e1e1e", "#ffffff"

def c256(n):
    if n < 8: return BASE[n]
    if n < 16: return BRIGHT[n - 8]
    if n < 232:
        n -= 16; v = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (v[n // 36], v[(n // 6) % 6], v[n % 6])
    g = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (g, g, g)

def parse(text):
    rows = []
    st = {"fg": None, "bg": None, "bold": False, "italic": False, "rev": False, "dim": False}
    for line in text.split("\n"):
        cells = []
        for m in re.finditer(r"\x1b\[([0-9;]*)m|([^\x1b])", line):
            if m.group(2) is not None:
                cells.append((m.group(2), dict(st))); continue
            codes = [int(c) if c else 0 for c in m.group(1).split(";")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0: st.update(fg=None, bg=None, bold=False, italic=False, rev=False, dim=False)
                elif c == 1: st["bold"] = True
                elif c == 2: st["dim"] = True
                elif c == 3: st["italic"] = True
                elif c == 7: st["rev"] = True
                elif c == 22: st.update(bold=False, dim=False)
                elif c == 23: st["italic"] = False
                elif c == 27: st["rev"] = False
                elif 30 <= c <= 37: st["fg"] = BASE[c - 30]
                elif 90 <= c <= 97: st["fg"] = BRIGHT[c - 90]
                elif 40 <= c <= 47: st["bg"] = BASE[c - 40]
                elif 100 <= c <= 107: st["bg"] = BRIGHT[c - 100]
                elif c == 39: st["fg"] = None
                elif c == 49: st["bg"] = None
                elif c in (38, 48) and i + 1 < len(codes):
                    key = "fg" if c == 38 else "bg"
                    if codes[i + 1] == 5 and i + 2 < len(codes):
                        st[key] = c256(codes[i + 2]); i += 2
                    elif codes[i + 1] == 2 and i + 4 < len(codes):
                        st[key] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5]); i += 4
                i += 1
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return rows

def svg(rows, title):
    cw, ch = 8.4, 17
    width = max(120, max((len(r) for r in rows), default=0))
    W, H = int(width * cw + 20), int(len(rows) * ch + 20)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}">',
           f"<title>{html.escape(title)}</title>",
           f'<rect width="100%" height="100%" fill="{BG}"/>',
           '<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" xml:space="preserve">']
    for y, row in enumerate(rows):
        for x, (ch_, st) in enumerate(row):
            fg, bg = st["fg"] or FG, st["bg"]
            if st["rev"]: fg, bg = (bg or BG), fg
            if bg:
                out.append(f'<rect x="{10 + x * cw:.1f}" y="{10 + y * ch}" width="{cw + 0.3:.1f}" height="{ch}" fill="{bg}"/>')
        x = 0
        while x < len(row):
            st = row[x][1]; j = x; s = ""
            while j < len(row) and row[j][1] == st:
                s += row[j][0]; j += 1
            if s.strip():
                fg = (st["bg"] or BG) if st["rev"] else (st["fg"] or FG)
                attrs = (' font-weight="bold"' if st["bold"] else "") + (' font-style="italic"' if st["italic"] else "") + (' fill-opacity="0.6"' if st["dim"] else "")
                out.append(f'<text x="{10 + x * cw:.1f}" y="{10 + y * ch + 13}" fill="{fg}"{attrs} textLength="{len(s) * cw:.1f}">{html.escape(s)}</text>')
            x = j
    out.append("</g></svg>")
    return "\n".join(out)

if __name__ == "__main__":
    sys.stdout.write(svg(parse(sys.stdin.read()), sys.argv[1] if len(sys.argv) > 1 else "arbor"))
