#!/usr/bin/python3
"""Plot "Mpps against concurrent connections" from bench_pipeline's CSV.

Writes an SVG with the standard library only (no matplotlib, no gnuplot):
one line per series (memory mode x scheduler) of the est scenario, the
worker's Mpps solid (timed directly on pre-built bursts; gross minus feed
for CSVs from before that column) and the gross Mpps (feed included)
dashed, connections on a log axis, and the 12 Mpps target. The values
themselves are in the CSV and docs/performance.md, not on the plot.

    python3 test/bench/plot_mpps.py results.csv docs/mpps_vs_conns.svg
"""
import csv
import math
import sys

W, H = 720, 440
LEFT, RIGHT, TOP, BOTTOM = 70, 200, 40, 60
TARGET_MPPS = 12.0
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def conns_label(n):
    """Axis ticks are powers of ten: 1K, 10K, ... 10M."""
    for div, suffix in ((10 ** 9, "G"), (10 ** 6, "M"), (10 ** 3, "K")):
        if n >= div and n % div == 0:
            return "%d%s" % (n // div, suffix)
    return str(n)


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def load(path):
    series = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["scenario"] != "est" or not row["worker_mpps"]:
                continue
            key = "%s, %s" % (row["memory"], row["sched"])
            worker = row.get("timed_mpps") or row["worker_mpps"]
            series.setdefault(key, []).append(
                (int(row["conns"]), float(worker), float(row["gross_mpps"])))
    for pts in series.values():
        pts.sort()
    return series


def plot(series, title):
    xs = [p[0] for pts in series.values() for p in pts]
    ys = [max(p[1], p[2]) for pts in series.values() for p in pts] + [TARGET_MPPS]
    x0 = math.floor(math.log10(min(xs)))
    x1 = math.ceil(math.log10(max(xs)))
    if x1 == x0:
        x1 += 1
    ymax = max(5.0, math.ceil(max(ys) * 1.15 / 5.0) * 5.0)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(n):
        return LEFT + (math.log10(n) - x0) / (x1 - x0) * pw

    def py(v):
        return TOP + ph - v / ymax * ph

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (W, H),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="22" font-size="15" text-anchor="middle">%s</text>'
           % (LEFT + pw / 2, esc(title))]
    step = 5.0 if ymax <= 40 else 10.0
    v = 0.0
    while v <= ymax + 1e-9:
        y = py(v)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                   % (LEFT, y, LEFT + pw, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%g</text>' % (LEFT - 6, y + 4, v))
        v += step
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                   % (x, TOP, x, TOP + ph))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                   % (x, TOP + ph + 18, conns_label(10 ** e)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="black"/>'
               % (LEFT, TOP, pw, ph))
    out.append('<text x="%d" y="%d" text-anchor="middle">concurrent connections '
               '(log scale)</text>' % (LEFT + pw / 2, H - 15))
    out.append('<text transform="translate(18,%d) rotate(-90)" text-anchor="middle">'
               'Mpps, one worker core, 64-byte packets</text>' % (TOP + ph / 2))
    ty = py(TARGET_MPPS)
    out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="black" '
               'stroke-dasharray="2,3"/>' % (LEFT, ty, LEFT + pw, ty))
    out.append('<text x="%d" y="%.1f">target %g Mpps</text>'
               % (LEFT + 6, ty - 5, TARGET_MPPS))
    ly = TOP + 10
    for i, (name, pts) in enumerate(sorted(series.items())):
        c = COLOURS[i % len(COLOURS)]
        for idx, dash, label in ((1, "", "worker"), (2, ' stroke-dasharray="6,4"', "gross")):
            path = " ".join("%.1f,%.1f" % (px(p[0]), py(p[idx])) for p in pts)
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>'
                       % (path, c, dash))
            for p in pts:
                out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>'
                           % (px(p[0]), py(p[idx]), c))
            lx = LEFT + pw + 14
            out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                       % (lx, ly, lx + 24, ly, c, dash))
            out.append('<text x="%d" y="%d">%s</text>' % (lx + 30, ly + 4,
                                                         esc("%s (%s)" % (label, name))))
            ly += 18
    out.append('<text x="%d" y="%d" font-size="10">worker: timed, pre-built bursts</text>'
               % (LEFT + pw + 14, ly + 6))
    out.append('<text x="%d" y="%d" font-size="10">gross: + building them</text>'
               % (LEFT + pw + 14, ly + 20))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: plot_mpps.py RESULTS.csv OUT.svg\n")
        return 2
    series = load(argv[1])
    if not series:
        sys.stderr.write("%s: no est rows\n" % argv[1])
        return 1
    with open(argv[2], "w") as f:
        f.write(plot(series, "Sluice pipeline: established flows, one worker"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
