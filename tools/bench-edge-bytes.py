#!/usr/bin/env python3
"""What an edge with no clients costs its cloud link: bytes at start and while idle.

    tools/bench-edge-bytes.py [--ake .build/release/ake] [--start-seconds 10] [--idle-seconds 600]
                              [--baseline OTHER_AKE] [--json]

Real processes: a cloud `ake serve` (standalone), tools/linkproxy.py counting bytes, and
an edge `ake serve --upstream <proxy> --probe-interval 1s` that no client talks to. Figures:
  start  bytes down/up through the proxy from the edge's start until --start-seconds later;
  idle   bytes down/up over the next --idle-seconds, and that as bytes/s.
With --baseline, the same with a second binary, side by side (ratios new/baseline).
Byte counts do not depend on machine load; the run is bounded in time and cleans up.
"""
import argparse
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Procs  # noqa: E402


def stats(proxy):
    fields = dict(kv.split("=") for kv in proxy.ctl("stats").split()[1:])
    return int(fields["bytes_down"]), int(fields["bytes_up"])


def measure(ake, start_seconds, idle_seconds):
    P = Procs("bench-edge-bytes", ake)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            _, cloud = P.start_ake(os.path.join(tmp, "cloud"))
            proxy = P.proxy(cloud, max_seconds=start_seconds + idle_seconds + 120)
            P.start_ake(os.path.join(tmp, "edge"), "--upstream", proxy.url, "--probe-interval", "1s")
            time.sleep(start_seconds)
            d0, u0 = stats(proxy)
            time.sleep(idle_seconds)
            d1, u1 = stats(proxy)
            return {"start_down": d0, "start_up": u0, "idle_down": d1 - d0, "idle_up": u1 - u0,
                    "idle_seconds": idle_seconds, "idle_down_per_s": round((d1 - d0) / idle_seconds, 1),
                    "idle_total_per_s": round((d1 - d0 + u1 - u0) / idle_seconds, 1)}
    finally:
        P.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ake", default=os.path.join(ROOT, ".build", "release", "ake"))
    ap.add_argument("--baseline")
    ap.add_argument("--start-seconds", type=int, default=10)
    ap.add_argument("--idle-seconds", type=int, default=600)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    runs = {"new": measure(a.ake, a.start_seconds, a.idle_seconds)}
    if a.baseline:
        runs["baseline"] = measure(a.baseline, a.start_seconds, a.idle_seconds)
    if a.json:
        print(json.dumps(runs, indent=2))
        return
    keys = ["start_down", "start_up", "idle_down", "idle_up", "idle_down_per_s", "idle_total_per_s"]
    print("%-18s" % "figure" + "".join("%16s" % k for k in runs) + ("%10s" % "ratio" if a.baseline else ""))
    for k in keys:
        row = "%-18s" % k + "".join("%16s" % runs[r][k] for r in runs)
        if a.baseline and runs["baseline"][k]:
            row += "%10.3f" % (runs["new"][k] / runs["baseline"][k])
        print(row)
    print("idle window: %d s after the first %d s" % (a.idle_seconds, a.start_seconds))


if __name__ == "__main__":
    main()
