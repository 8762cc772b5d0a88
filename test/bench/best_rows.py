#!/usr/bin/python3
"""Merge bench_pipeline CSVs, keeping per configuration the fastest row.

On a VM that flips between a fast and a slow mode within seconds, no whole
bench_pipeline set runs in one mode; running each configuration several
times, interleaved, and keeping the fastest (lowest timed_ns, the worker's
directly timed ns/packet; gross_ns for CSVs without it) gives the machine's
fast-mode figure. A configuration is (scenario, conns, capacity, sched,
memory). Rows without a figure (mem) are kept as first seen.

    python3 test/bench/best_rows.py OUT.csv IN.csv [IN.csv ...]
"""
import csv
import sys


def speed_key(row):
    for col in ("timed_ns", "gross_ns"):
        if row.get(col):
            return float(row[col])
    return None


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: best_rows.py OUT.csv IN.csv [IN.csv ...]\n")
        return 2
    best, order, fields, seen = {}, [], None, {}
    for path in argv[2:]:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            if fields is None or len(reader.fieldnames) > len(fields):
                fields = reader.fieldnames
            for row in reader:
                cfg = (row["scenario"], row["conns"], row["capacity"], row["sched"], row["memory"])
                if cfg not in best:
                    order.append(cfg)
                    best[cfg], seen[cfg] = row, 1
                    continue
                seen[cfg] += 1
                k, b = speed_key(row), speed_key(best[cfg])
                if k is not None and (b is None or k < b):
                    best[cfg] = row
    if fields is None:
        sys.stderr.write("best_rows.py: no rows\n")
        return 1
    with open(argv[1], "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore", restval="")
        w.writeheader()
        for cfg in order:
            w.writerow(best[cfg])
    for cfg in order:
        sys.stderr.write("%s %s: fastest of %d\n" % (cfg[0], cfg[1], seen[cfg]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
