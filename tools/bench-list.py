#!/usr/bin/env python3
"""A 10,000-pod list side by side: a new ake, a baseline ake and nginx serving the same bytes.

  python3 tools/bench-list.py NEW_AKE BASELINE_AKE [--runs N] [--pods N]

Loads the pods of tools/bench-http.py once (with the baseline binary) into a data directory,
then serves a copy of it from each binary, checks that both answer the same list bytes,
and alternates curl lists of the two and of nginx (which serves the new one's bytes from a
file). Prints medians and every run of: the wall time of a curl list, of a gzipped one
(`curl --compressed`, as kubectl and client-go ask), the server's CPU per list
(utime+stime from /proc), and resident memory idle, after the first list and at its peak
(VmHWM after all lists), so a list's memory is seen as well as its time. Everything it
starts is stopped and its temporary directory removed, also on failure.
"""
import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import tempfile

spec = importlib.util.spec_from_file_location(
    "bench_http", os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-http.py"))
bh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bh)

PATH = "/api/v1/namespaces/default/pods"


def status_mb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


def curl(url, extra=()):
    out = subprocess.run(["curl", "-s", *extra, "-o", "/dev/null", "-w", "%{http_code} %{time_total}", url],
                         capture_output=True, text=True, check=True).stdout.split()
    if out[0] != "200":
        raise RuntimeError(f"{url}: HTTP {out[0]}")
    return float(out[1]) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("new")
    ap.add_argument("baseline")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--pods", type=int, default=10_000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ake-bench-list-")
    os.chmod(tmp, 0o755)  # nginx workers read the list file from it
    res = {}
    servers = {}
    ngx = None

    def add(k, key, value):
        res.setdefault(k, {}).setdefault(key, []).append(value)

    try:
        seed = os.path.join(tmp, "seed")
        srv = bh.Server(args.baseline, seed)
        try:
            bh.load(srv.port, args.pods, bh.pod, PATH)
        finally:
            srv.stop()
        print(f"load average before: {os.getloadavg()}")
        for k, b in (("baseline", args.baseline), ("new", args.new)):
            d = os.path.join(tmp, k)
            shutil.copytree(seed, d)
            servers[k] = bh.Server(b, d)
            bh.timed_get(servers[k].port, "/api/v1/namespaces", 1)
            add(k, "RSS idle, before any list (MB)", status_mb(servers[k].proc.pid, "VmRSS"))
        _, body = bh.timed_get(servers["new"].port, PATH, 1)
        _, other = bh.timed_get(servers["baseline"].port, PATH, 1)
        if body != other:
            raise RuntimeError("the two binaries answer different list bytes")
        for k, s in servers.items():
            add(k, "RSS after the first list (MB)", status_mb(s.proc.pid, "VmRSS"))
        www = os.path.join(tmp, "www")
        os.makedirs(www)
        with open(os.path.join(www, "list.json"), "wb") as f:
            f.write(body)
        ngx = bh.Nginx(www, tmp)
        for _ in range(args.runs):
            for k, s in servers.items():
                add(k, "list, curl (ms)", curl(f"http://127.0.0.1:{s.port}{PATH}"))
            add("nginx", "list, curl (ms)", curl(f"http://127.0.0.1:{ngx.port}/list.json"))
        for _ in range(max(1, args.runs // 2)):
            for k, s in servers.items():
                add(k, "list gzipped, curl --compressed (ms)", curl(f"http://127.0.0.1:{s.port}{PATH}", ["--compressed"]))
        for k, s in servers.items():
            c0 = bh.cpu_seconds(s.proc.pid)
            for _ in range(args.runs):
                curl(f"http://127.0.0.1:{s.port}{PATH}")
            add(k, "server CPU per list (ms)", (bh.cpu_seconds(s.proc.pid) - c0) / args.runs * 1000)
            add(k, "peak RSS, VmHWM after all lists (MB)", status_mb(s.proc.pid, "VmHWM"))
            add(k, "RSS after all lists (MB)", status_mb(s.proc.pid, "VmRSS"))
    finally:
        if ngx:
            ngx.stop()
        for s in servers.values():
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"list body {len(body) / 1e6:.1f} MB; load average after: {os.getloadavg()}")
    print("| figure (median) | baseline | new | new/baseline | nginx | new/nginx |")
    print("|---|---:|---:|---:|---:|---:|")
    for key in res["new"]:
        b = statistics.median(res["baseline"][key])
        n = statistics.median(res["new"][key])
        g = res.get("nginx", {}).get(key)
        gm = statistics.median(g) if g else None
        print(f"| {key} | {b:.1f} | {n:.1f} | {n / b:.2f} | {'' if gm is None else f'{gm:.1f}'} | "
              f"{'' if gm is None else f'{n / gm:.2f}'} |")
    for key in res["new"]:
        runs = f"  {key}: baseline {[round(x, 1) for x in res['baseline'][key]]}, new {[round(x, 1) for x in res['new'][key]]}"
        if key in res.get("nginx", {}):
            runs += f", nginx {[round(x, 1) for x in res['nginx'][key]]}"
        print(runs)


if __name__ == "__main__":
    main()
