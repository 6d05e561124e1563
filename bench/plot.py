#!/usr/bin/python3
"""Plots records/s per workload and engine from bench/run results JSON files.

    bench/plot.py RESULTS.json [MORE.json ...] [-o docs/benchmarks-throughput.png]
                  [--title TEXT]

One group of bars per workload (W0 ... W4b, WC), one bar per engine (median
records/s, with the min-max of the runs as an error bar); the ratio of kstreams
to Kafka Streams is written above each kstreams bar. When several files hold
the same engine x workload, the first one wins. Needs matplotlib (Debian
package python3-matplotlib).
"""

import argparse
import json
import sys

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("bench/plot.py: needs matplotlib (Debian package python3-matplotlib)")

ENGINES = ["ceiling", "kstreams", "kafka-streams"]
COLORS = {"ceiling": "#9e9e9e", "kstreams": "#1565c0", "kafka-streams": "#ef6c00"}
ORDER = ["W0", "W1", "W2", "W3", "WC", "W4a", "W4b", "W5", "W6"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", help="bench/run results JSON files")
    ap.add_argument("-o", "--output", default="benchmarks-throughput.png", help="PNG to write")
    ap.add_argument("--title", help="plot title (default: records, runs and machine from the first file)")
    args = ap.parse_args()

    rows = {}
    first = None
    for path in args.results:
        with open(path) as f:
            doc = json.load(f)
        first = first or doc
        for s in doc.get("results", []):
            if s.get("status") == "ok" and s.get("records_per_s"):
                rows.setdefault((s["workload"], s["engine"]), s)
    if not rows:
        sys.exit("bench/plot.py: no successful results in the given files")

    workloads = sorted({w for w, _ in rows}, key=lambda w: (ORDER.index(w) if w in ORDER else 99, w))
    engines = [e for e in ENGINES if any((w, e) in rows for w in workloads)]
    width = 0.8 / len(engines)
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(workloads) + 2), 4.8), dpi=110)
    for j, e in enumerate(engines):
        xs, ys, lo, hi = [], [], [], []
        for i, w in enumerate(workloads):
            s = rows.get((w, e))
            if not s:
                continue
            x = i + (j - (len(engines) - 1) / 2) * width
            y = s["records_per_s"] / 1e3
            xs.append(x)
            ys.append(y)
            lo.append(y - (s.get("records_per_s_min") or s["records_per_s"]) / 1e3)
            hi.append((s.get("records_per_s_max") or s["records_per_s"]) / 1e3 - y)
            if e == "kstreams" and s.get("ratio_to_kafka_streams"):
                ax.annotate(f"{s['ratio_to_kafka_streams']:.1f}x", (x, y + hi[-1]), ha="center",
                            va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, color=COLORS.get(e), label=e,
               error_kw={"elinewidth": 0.8})
    ax.set_xticks(range(len(workloads)))
    ax.set_xticklabels(workloads)
    ax.set_ylabel("thousand input records/s (median; bars: min-max)")
    ax.set_xlabel("workload (kstreams / Kafka Streams ratio above the kstreams bars)")
    if args.title:
        title = args.title
    else:
        m = first.get("machine", {})
        title = (f"{first.get('records', 0):,} records x {first.get('runs', '?')} runs, "
                 f"{m.get('cpus', '?')} CPUs, Kafka {m.get('kafka', '?')}"
                 + (", pinned" if first.get("pinned") else ""))
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.output)
    print(f"bench/plot.py: wrote {args.output}")


if __name__ == "__main__":
    main()
