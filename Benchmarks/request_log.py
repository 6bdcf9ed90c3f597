#!/usr/bin/env python3
"""Where a run's time goes: the fake GitHub's request log of one run, read against the run's start.

    request_log.py LOG.json START [--slots 8] [--bucket 0.1]

LOG.json is what the fake's `/_log?after=N` answered for the run (each request's target, arrival in
seconds since 1970, the delay the fake added); START is when the process was started (the same
clock). Prints, per kind of request (repository, pull listings, branches, commit list, commit
details, workflow runs), how many, when the first began and the last ended; the slots in use per
time bucket; and the slot time left idle while the run was still going.
"""
import argparse
import json
import re

KINDS = [
    ("commit detail", re.compile(r"/commits/[0-9a-f]{7,}")),
    ("commit list", re.compile(r"/commits\b")),
    ("runs (default branch)", re.compile(r"/actions/runs\?.*branch=")),
    ("runs", re.compile(r"/actions/runs")),
    ("pulls open", re.compile(r"/pulls\?.*state=open")),
    ("pulls closed", re.compile(r"/pulls\?.*state=closed")),
    ("branches", re.compile(r"/branches")),
    ("repository", re.compile(r"^/repos/[^/]+/[^/?]+(\?|$)")),
]


def kind(target):
    for name, pattern in KINDS:
        if pattern.search(target):
            return name
    return "other"


def analyse(log, start, slots=8, bucket=0.1, wall=None):
    if not log:
        return "no requests"
    spans = [(r["arrived"] - start, r["arrived"] - start + r["delay"], kind(r["target"])) for r in log]
    end = wall if wall is not None else max(e for _, e, _ in spans)
    lines = []
    lines.append(f"{len(spans)} requests; first began at {min(s for s, _, _ in spans):.3f} s, "
                 f"last ended at {max(e for _, e, _ in spans):.3f} s, process ended at {end:.3f} s")
    by_kind = {}
    for s, e, k in spans:
        by_kind.setdefault(k, []).append((s, e))
    lines.append(f"  {'kind':<22} {'count':>5} {'first start':>12} {'last end':>9}")
    for k, group in sorted(by_kind.items(), key=lambda item: min(s for s, _ in item[1])):
        lines.append(f"  {k:<22} {len(group):>5} {min(s for s, _ in group):>11.3f}s {max(e for _, e in group):>8.3f}s")
    # Slots in use, averaged over each bucket.
    buckets = int(end / bucket) + 1
    use = [0.0] * buckets
    for s, e, _ in spans:
        for b in range(int(s / bucket), min(buckets, int(e / bucket) + 1)):
            lo, hi = max(s, b * bucket), min(e, (b + 1) * bucket)
            if hi > lo:
                use[b] += (hi - lo) / bucket
    lines.append(f"  slots in use per {int(bucket * 1000)} ms (of {slots}): "
                 + " ".join(f"{u:.1f}" for u in use))
    first = min(s for s, _, _ in spans)
    busy = sum(e - s for s, e, _ in spans)
    lines.append(f"  slot time: {busy:.2f} s busy of {slots * (end - first):.2f} s from the first request to the end "
                 f"({100 * busy / (slots * (end - first)):.0f} %); before the first request {first:.3f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("start", type=float)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--bucket", type=float, default=0.1)
    a = parser.parse_args()
    print(analyse(json.load(open(a.log)), a.start, a.slots, a.bucket))
