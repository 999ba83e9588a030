#!/usr/bin/env python3
"""Soak: a kubelet-like write load against `ake serve` with its default settings, sampling the
data dir's size, the database's live bytes and the server's RSS over time.

    tools/soak.py [--ake .build/release/ake] [--minutes 3] [--rate 10] [--pods 30]
                  [--sample-seconds 5] [--out soak] [-- extra serve flags...]

The load is one node's kubelet at `--rate` times the real rate (real: Lease renewal every
10 s, node status every 5 min, each pod's status about once a minute): so at 10x a Lease
update every second, a node status patch every 30 s and a pod status patch every 6 s per pod.
Core Events are not sent (see docs/operations.md: AKE keeps them until deleted).
Writes go through one keep-alive connection per writer, as client-go's do.

Writes `<out>.csv` (seconds, data.mdb bytes, live bytes, quota, RSS bytes and its anonymous
and file-backed parts, writes so far, writes refused) and `<out>.svg` (both curves over time), and prints a summary. Everything
listens on 127.0.0.1, is bounded by --minutes, and is cleaned up.
"""
import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Procs  # noqa: E402


def parse_args():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    release = os.path.join(ROOT, ".build", "release", "ake")
    p.add_argument("--ake", default=release if os.path.exists(release) else os.path.join(ROOT, ".build", "debug", "ake"))
    p.add_argument("--minutes", type=float, default=3)
    p.add_argument("--rate", type=float, default=10, help="multiple of a real kubelet's write rate")
    p.add_argument("--pods", type=int, default=30)
    p.add_argument("--sample-seconds", type=float, default=5)
    p.add_argument("--out", default="soak")
    args = p.parse_args(argv)
    args.extra = extra
    return args


class Writer:
    """One keep-alive connection; counts writes and refusals (507)."""

    def __init__(self, url):
        host, port = url.split("//")[1].split(":")
        self.host, self.port = host, int(port)
        self.conn = None
        self.ok = 0
        self.refused = 0
        self.failed = 0

    def send(self, method, path, body, content_type="application/json"):
        data = json.dumps(body).encode()
        for _ in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request(method, path, data, {"Content-Type": content_type})
                r = self.conn.getresponse()
                r.read()
                if r.status < 300:
                    self.ok += 1
                elif r.status == 507:
                    self.refused += 1
                else:
                    self.failed += 1
                return r.status
            except (http.client.HTTPException, OSError):
                self.conn = None
        self.failed += 1
        return None


def now_rfc3339_micro():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def setup(url, pods):
    w = Writer(url)
    w.send("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "soak-node"}})
    w.send("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
           {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "soak-node"},
            "spec": {"holderIdentity": "soak-node", "leaseDurationSeconds": 40}})
    for i in range(pods):
        w.send("POST", "/api/v1/namespaces/default/pods",
               {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p%d" % i, "labels": {"app": "soak"}},
                "spec": {"nodeName": "soak-node", "containers": [{"name": "c", "image": "registry.k8s.io/pause:3.9"}]}})


def loop(stop, period, body):
    nxt = time.monotonic()
    while not stop.is_set():
        body()
        nxt += period
        delay = nxt - time.monotonic()
        if delay > 0:
            stop.wait(delay)
        else:
            nxt = time.monotonic()


def load(url, args, stop, writers):
    lease_w, node_w, pod_w = Writer(url), Writer(url), Writer(url)
    writers += [lease_w, node_w, pod_w]
    merge = "application/merge-patch+json"
    lease_path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/soak-node"

    def lease():
        lease_w.send("PATCH", lease_path, {"spec": {"renewTime": now_rfc3339_micro()}}, merge)

    def node():
        node_w.send("PATCH", "/api/v1/nodes/soak-node/status",
                    {"status": {"conditions": [{"type": "Ready", "status": "True",
                                                "lastHeartbeatTime": now_rfc3339_micro()[:19] + "Z",
                                                "reason": "KubeletReady", "message": "kubelet is posting ready status"}]}},
                    merge)

    pod_index = [0]

    def pod():
        i = pod_index[0] % args.pods
        pod_index[0] += 1
        pod_w.send("PATCH", "/api/v1/namespaces/default/pods/p%d/status" % i,
                   {"status": {"phase": "Running", "conditions": [
                       {"type": "Ready", "status": "True", "lastProbeTime": now_rfc3339_micro()[:19] + "Z"}]}},
                   merge)

    threads = [
        threading.Thread(target=loop, args=(stop, 10.0 / args.rate, lease), daemon=True),
        threading.Thread(target=loop, args=(stop, 300.0 / args.rate, node), daemon=True),
        threading.Thread(target=loop, args=(stop, 60.0 / args.rate / args.pods, pod), daemon=True),
    ]
    for t in threads:
        t.start()
    return threads


def rss(pid):
    """(RSS, anonymous RSS, file-backed RSS) in bytes. LMDB maps data.mdb, so the pages of the
    file the server touched count in RSS as file-backed (reclaimable) memory; the anonymous
    part is the server's own heap and stacks."""
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile"):
                values[key] = int(line.split()[1]) * 1024
    return values.get("VmRSS", 0), values.get("RssAnon", 0), values.get("RssFile", 0)


def svg(samples, path, title):
    """A dependency-free line chart: data.mdb size, live bytes and RSS (MiB) over minutes."""
    w, h, left, bottom, top, right = 720, 360, 60, 40, 30, 150
    xs = [s["t"] / 60 for s in samples]
    series = [("data.mdb", "file", "#1f77b4"), ("live bytes", "used", "#2ca02c"), ("RSS", "rss", "#d62728"),
              ("RSS anon", "anon", "#ff7f0e"), ("RSS file", "rssfile", "#9467bd")]
    ymax = max([s[k] for s in samples for _, k, _ in series] + [1]) / 2**20 * 1.1
    xmax = max(xs + [1e-9])

    def px(x, y):
        return left + (w - left - right) * x / xmax, h - bottom - (h - top - bottom) * y / ymax

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'
           % (w, h), '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="14">%s</text>' % (left, title)]
    x0, y0 = px(0, 0)
    x1, y1 = px(xmax, ymax)
    out.append('<line x1="%f" y1="%f" x2="%f" y2="%f" stroke="black"/>' % (x0, y0, x1, y0))
    out.append('<line x1="%f" y1="%f" x2="%f" y2="%f" stroke="black"/>' % (x0, y0, x0, y1))
    for i in range(6):
        yv = ymax * i / 5
        _, yy = px(0, yv)
        out.append('<text x="%f" y="%f" text-anchor="end">%.0f MiB</text>' % (x0 - 4, yy + 4, yv))
        xv = xmax * i / 5
        xx, _ = px(xv, 0)
        out.append('<text x="%f" y="%f" text-anchor="middle">%.1f min</text>' % (xx, y0 + 16, xv))
    for n, (name, key, color) in enumerate(series):
        points = " ".join("%f,%f" % px(x, s[key] / 2**20) for x, s in zip(xs, samples))
        out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, points))
        out.append('<text x="%d" y="%d" fill="%s">%s</text>' % (w - right + 10, top + 20 + 18 * n, color, name))
    quota = samples[-1]["quota"] if samples else 0
    if quota and quota / 2**20 < ymax:
        _, qy = px(0, quota / 2**20)
        out.append('<line x1="%f" y1="%f" x2="%f" y2="%f" stroke="gray" stroke-dasharray="4"/>' % (x0, qy, x1, qy))
        out.append('<text x="%d" y="%f" fill="gray">quota</text>' % (w - right + 10, qy + 4))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    args = parse_args()
    P = Procs("soak", args.ake)
    tmp = tempfile.mkdtemp(prefix="ake-soak-")
    stop = threading.Event()
    try:
        data = os.path.join(tmp, "data")
        proc, url = P.start_ake(data, *args.extra)
        setup(url, args.pods)
        writers = []
        load(url, args, stop, writers)
        samples = []
        start = time.monotonic()
        end = start + args.minutes * 60
        while True:
            c = http.client.HTTPConnection(*url.split("//")[1].split(":"), timeout=10)
            c.request("GET", "/ake/status")
            status = json.loads(c.getresponse().read())
            c.close()
            db = status["database"]
            total, anon, file_backed = rss(proc.pid)
            samples.append({
                "t": time.monotonic() - start, "file": os.path.getsize(os.path.join(data, "data.mdb")),
                "used": db["usedBytes"], "quota": db["quotaBytes"] or 0, "rss": total, "anon": anon,
                "rssfile": file_backed,
                "writes": sum(w.ok for w in writers), "refused": sum(w.refused for w in writers),
            })
            if time.monotonic() >= end:
                break
            time.sleep(min(args.sample_seconds, max(0, end - time.monotonic())))
        stop.set()
        failed = sum(w.failed for w in writers)
        with open(args.out + ".csv", "w") as f:
            f.write("seconds,file_bytes,live_bytes,quota_bytes,rss_bytes,rss_anon_bytes,rss_file_bytes,writes,refused\n")
            for s in samples:
                f.write("%.1f,%d,%d,%d,%d,%d,%d,%d,%d\n" % (s["t"], s["file"], s["used"], s["quota"], s["rss"],
                                                            s["anon"], s["rssfile"], s["writes"], s["refused"]))
        flags = " ".join(args.extra) or "default settings"
        svg(samples, args.out + ".svg", "ake serve (%s), kubelet load x%g, %d pods" % (flags, args.rate, args.pods))
        first, last = samples[0], samples[-1]
        half = samples[len(samples) // 2]
        print("soak: %.1f min, %d writes (%.1f/s), %d refused (507), %d failed" % (
            last["t"] / 60, last["writes"], last["writes"] / max(1, last["t"]), last["refused"], failed))
        print("  data.mdb %.1f MiB (max %.1f), live %.1f MiB, quota %s" % (
            last["file"] / 2**20, max(s["file"] for s in samples) / 2**20, last["used"] / 2**20,
            "%.0f MiB" % (last["quota"] / 2**20) if last["quota"] else "none"))
        for label, key in (("RSS", "rss"), ("  anonymous", "anon"), ("  file-backed (data.mdb pages)", "rssfile")):
            print("  %s %.1f MiB at start, %.1f MiB at half time, %.1f MiB at the end (max %.1f)" % (
                label, first[key] / 2**20, half[key] / 2**20, last[key] / 2**20, max(s[key] for s in samples) / 2**20))
        print("  wrote %s.csv and %s.svg" % (args.out, args.out))
        P.stop(proc, "ake serve")
        if failed:
            raise SystemExit("soak: %d writes failed (other than 507)" % failed)
    finally:
        stop.set()
        P.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
