#!/usr/bin/env python3
"""GET throughput of `ake serve` over TLS vs plain HTTP, side by side.

    tools/bench-tls.py [--ake .build/release/ake] [--runs 3] [--seconds 10]

Starts the same binary twice on a fresh data dir each: plain HTTP, then TLS
(`--tls-cert-file`/`--tls-private-key-file` from `ake certs`; anonymous requests,
AlwaysAllow, so the difference is the TLS layer alone). Creates one ConfigMap and
runs `wrk -t2 -c16` against GET of it; prints the median requests/s of each and the
ratio TLS/plain. Loopback only; everything is stopped and removed at the end.
"""
import argparse
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Procs  # noqa: E402


def wrk(url, seconds):
    out = subprocess.run(["wrk", "-t2", "-c16", "-d%ds" % seconds, url], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise SystemExit("wrk printed no rate: " + out)


def measure(P, tmp, name, extra, context, runs, seconds):
    _, url = P.start_ake(os.path.join(tmp, name), *extra)
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": "v" * 100}})
    req = urllib.request.Request(url + "/api/v1/namespaces/default/configmaps", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=30, context=context).read()
    target = url + "/api/v1/namespaces/default/configmaps/x"
    wrk(target, 2)  # warm-up
    return [wrk(target, seconds) for _ in range(runs)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ake", default=os.path.join(ROOT, ".build", "release", "ake"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    P = Procs("bench-tls", a.ake)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            certs = os.path.join(tmp, "certs")
            subprocess.run([a.ake, "certs", "--dir", certs], check=True, capture_output=True)
            insecure = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))
            plain = measure(P, tmp, "plain", (), None, a.runs, a.seconds)
            tls = measure(P, tmp, "tls", ("--tls-cert-file", os.path.join(certs, "server.crt"),
                                          "--tls-private-key-file", os.path.join(certs, "server.key")),
                          insecure, a.runs, a.seconds)
    finally:
        P.cleanup()
    p, t = statistics.median(plain), statistics.median(tls)
    print("GET one ConfigMap, wrk -t2 -c16 -d%ds, median of %d: plain %.0f req/s %s, TLS %.0f req/s %s, TLS/plain %.2f"
          % (a.seconds, a.runs, p, [round(x) for x in plain], t, [round(x) for x in tls], t / p))


if __name__ == "__main__":
    main()
