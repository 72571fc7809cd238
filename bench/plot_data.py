#!/usr/bin/python3
"""Turns the scale section of bench/run's results.json into columns for gnuplot:
PDUs, bridge CPU %, RSS MB, command latency median ms, p99 ms. Exits 1 without scale data."""
import json
import sys

results = json.load(open(sys.argv[1], encoding="utf-8"))
rows = results.get("scale")
if not isinstance(rows, list) or not rows:
    sys.exit(1)
with open(sys.argv[2], "w", encoding="ascii") as out:
    out.write("# pdus cpu_percent rss_mb cmd_median_ms cmd_p99_ms (default max_varbinds only)\n")
    for r in rows:
        if r.get("max_varbinds", 10) != 10:
            continue
        latency = r.get("command_latency", {})
        out.write("%d %.2f %.2f %.3f %.3f\n" % (
            r["pdus"], r["cpu_percent"], r["peak_rss_kb"] / 1024.0,
            latency.get("median_us", 0) / 1000.0, latency.get("p99_us", 0) / 1000.0))
