#!/usr/bin/env python3
"""Edge sync benchmark: what an edge pulls over its link for a full relist versus a
catch-up after a cut, with real processes (a cloud `ake serve`, tools/linkproxy.py
counting the bytes, an edge `ake serve --upstream <proxy> --sync configmaps/bench`).

    tools/bench-edge.py [--ake .build/release/ake] [--objects 10000] [--changes 100] [--runs 5]

Per run, with a fresh edge data dir:
  1 initial sync: edge start → its first list answer (the preloaded scope is synced);
    bytes_down through the proxy (the relist, plus discovery and probes);
  2 catch-up with history: cut, change `--changes` objects in the cloud, heal; bytes
    from heal until the edge has the last change, and the time it took;
  3 forced relist: cut, change `--changes` objects, write more than the cloud's
    retention elsewhere (so the cloud compacts past the edge's resume point: a watch
    from the pre-cut RV gets 410), heal; same figures.
The proxy counts all traffic (probes, discovery refreshes): each run also measures the
idle rate of the healed link (bytes_down per second over --idle-seconds), and "net"
figures subtract rate × duration. The edge's log (level info) is read to check that
(2) resumed without a relist and (3) relisted.

Prints each run, then medians (min–max) and the ratio catch-up / relist bytes.
Everything listens on 127.0.0.1, is bounded in time and cleaned up.
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Client as KeepAliveClient, Procs  # noqa: E402

NS = "bench"
CHURN_NS = "churn"


P = Procs("bench-edge", None)
die = P.fail


def start_ake(ake, data, *extra, log=None):
    P.ake = ake
    return P.start_ake(data, *extra, log=log, stderr=subprocess.DEVNULL)


def stop(p):
    P.stop(p, "ake", strict=False)


def Proxy(target_url):
    return P.proxy(target_url, max_seconds=7200)


def Client(url):
    """A keep-alive client that reports a failed request as this benchmark's failure."""
    return KeepAliveClient(url, die)


def configmap(name, payload, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"payload": payload}}


def payload(tag):
    # ~1 KB of data per object.
    return (tag + ":" + "x" * 1000)[:1000]


def parallel(url, jobs, threads=16):
    """Runs (method, path, body) jobs over `threads` keep-alive clients."""
    it = iter(jobs)
    lock = threading.Lock()
    errors = []

    def worker():
        c = Client(url)
        while True:
            with lock:
                job = next(it, None)
            if job is None or errors:
                return
            try:
                c.request(*job)
            except SystemExit as e:
                errors.append(str(e))
                return

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise SystemExit(errors[0])



def until(what, cond, seconds, interval=0.02):
    return P.until(what, cond, seconds, interval)


def count_listed(log):
    with open(log) as f:
        return sum(1 for line in f if "sync scope listed" in line)


def expired(cloud, rv):
    """Whether the cloud refuses a watch from `rv` with 410 (compacted past it): as
    the HTTP status or as an ERROR event inside the stream."""
    u = urllib.parse.urlparse(cloud)
    q = urllib.parse.urlencode({"watch": "1", "resourceVersion": rv, "timeoutSeconds": "1"})
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("GET", "/api/v1/namespaces/%s/configmaps?%s" % (NS, q))
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    return r.status == 410 or b'"code":410' in body.replace(b" ", b"")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ake", default=os.path.join(ROOT, ".build", "release", "ake"))
    ap.add_argument("--objects", type=int, default=10000)
    ap.add_argument("--changes", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--retention", type=int, default=1000,
                    help="the cloud's --retention-max-events (must exceed --changes)")
    ap.add_argument("--idle-seconds", type=float, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    a = ap.parse_args()
    if a.retention <= a.changes * 2:
        die("arguments", "--retention must exceed twice --changes so the history survives the catch-up case")
    print("load before: " + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print("ake: %s; %d objects of ~1 KB, %d changes, %d runs, cloud --retention-max-events %d" % (
        a.ake, a.objects, a.changes, a.runs, a.retention))
    tmp = tempfile.mkdtemp(prefix="ake-bench-edge-")
    results = []
    try:
        _, cloud = start_ake(a.ake, os.path.join(tmp, "cloud"), "--retention-max-events", str(a.retention),
                             "--compaction-interval", "1s")
        c = Client(cloud)
        for ns in (NS, CHURN_NS):
            c.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        t = time.time()
        parallel(cloud, [("POST", "/api/v1/namespaces/%s/configmaps" % NS, configmap("cm%05d" % i, payload("v0")))
                         for i in range(a.objects)])
        print("created %d configmaps in %.1f s" % (a.objects, time.time() - t))
        churn = 20
        for i in range(churn):
            c.request("POST", "/api/v1/namespaces/%s/configmaps" % CHURN_NS, configmap("churn%d" % i, "0"))
        # What a list of the scope costs by itself: the edge's pages (limit=500), direct.
        list_bytes, token = 0, ""
        while True:
            q = urllib.parse.urlencode({"limit": "500", **({"continue": token} if token else {})})
            _, body, n = c.exchange("GET", "/api/v1/namespaces/%s/configmaps?%s" % (NS, q))
            list_bytes += n
            token = body["metadata"].get("continue", "")
            if not token:
                break
        print("list of the scope (pages of 500, bodies only): %d bytes" % list_bytes)
        proxy = Proxy(cloud)
        version = 0
        for run in range(1, a.runs + 1):
            r = {}
            edge_log = os.path.join(tmp, "edge%d.log" % run)
            d0 = proxy.down()
            t0 = time.time()
            edge_proc, edge = start_ake(a.ake, os.path.join(tmp, "edge%d" % run), "--upstream", proxy.url, "--sync",
                                        "configmaps/" + NS, "--probe-interval", "1s", "--first-sync-timeout", "300s",
                                        log=edge_log)
            e = Client(edge)
            # (1) the first list answer waits for the preloaded scope's first sync.
            _, body, _ = e.exchange("GET", "/api/v1/namespaces/%s/configmaps?limit=1" % NS, timeout=300)
            total = len(body["items"]) + (body["metadata"].get("remainingItemCount") or 0)
            if total != a.objects:
                die("run %d initial sync" % run, "edge lists %d objects, expected %d" % (total, a.objects))
            r["relist_bytes"] = proxy.down() - d0
            r["relist_s"] = time.time() - t0
            # Idle rate of the healed link (probes; discovery was fetched at start).
            time.sleep(1)
            d, t = proxy.down(), time.time()
            time.sleep(a.idle_seconds)
            r["idle_rate"] = (proxy.down() - d) / (time.time() - t)

            def change(step):
                nonlocal version
                version += 1
                tag = "v%d" % version
                names = ["cm%05d" % ((version * 7919 + i * 97) % a.objects) for i in range(a.changes)]
                names = list(dict.fromkeys(names))
                if len(names) != a.changes:
                    die(step, "change set collides")
                # Sequential: the last PUT is the newest RV; once the edge has it, it has all.
                for n in names:
                    c.request("PUT", "/api/v1/namespaces/%s/configmaps/%s" % (NS, n), configmap(n, payload(tag)))
                return names, tag

            def current(names, tag):
                def ok():
                    _, obj, _ = e.exchange("GET", "/api/v1/namespaces/%s/configmaps/%s" % (NS, names[-1]))
                    return obj["data"]["payload"].startswith(tag + ":")
                return ok

            def verify(step, names, tag):
                _, body, _ = e.exchange("GET", "/api/v1/namespaces/%s/configmaps" % NS)
                changed = {i["metadata"]["name"] for i in body["items"] if i["data"]["payload"].startswith(tag + ":")}
                if changed != set(names) or len(body["items"]) != a.objects:
                    die(step, "edge has %d objects and %d of the %d changes" % (
                        len(body["items"]), len(changed & set(names)), len(names)))

            # (2) catch-up while the cloud still has the history.
            listed_before = count_listed(edge_log)
            proxy.ctl("cut")
            names, tag = change("run %d catch-up changes" % run)
            time.sleep(1)
            d, t = proxy.down(), time.time()
            proxy.ctl("heal")
            until("run %d catch-up" % run, current(names, tag), 120)
            r["catchup_s"] = time.time() - t
            r["catchup_bytes"] = proxy.down() - d
            r["catchup_net"] = r["catchup_bytes"] - r["idle_rate"] * r["catchup_s"]
            verify("run %d catch-up result" % run, names, tag)
            r["catchup_relisted"] = count_listed(edge_log) - listed_before
            # (3) forced relist: the cloud compacts past the edge's resume point.
            time.sleep(1)
            _, body, _ = c.exchange("GET", "/api/v1/namespaces/%s/configmaps?limit=1" % NS)
            cut_rv = body["metadata"]["resourceVersion"]
            listed_before = count_listed(edge_log)
            proxy.ctl("cut")
            names, tag = change("run %d relist changes" % run)
            parallel(cloud, [("PUT", "/api/v1/namespaces/%s/configmaps/churn%d" % (CHURN_NS, i % churn),
                              configmap("churn%d" % (i % churn), "%d-%d" % (version, i)))
                             for i in range(a.retention + a.changes)], threads=churn)
            until("run %d: cloud compacts past RV %s" % (run, cut_rv), lambda: expired(cloud, cut_rv), 60, 0.5)
            d, t = proxy.down(), time.time()
            proxy.ctl("heal")
            until("run %d forced relist" % run, current(names, tag), 300)
            r["forced_s"] = time.time() - t
            r["forced_bytes"] = proxy.down() - d
            r["forced_net"] = r["forced_bytes"] - r["idle_rate"] * r["forced_s"]
            verify("run %d forced relist result" % run, names, tag)
            r["forced_relisted"] = count_listed(edge_log) - listed_before
            stop(edge_proc)
            shutil.rmtree(os.path.join(tmp, "edge%d" % run), ignore_errors=True)
            results.append(r)
            print("run %d: initial sync %d B in %.2f s | idle %.0f B/s | catch-up %d B (net %.0f) in %.2f s, relists %d"
                  " | forced relist %d B (net %.0f) in %.2f s, relists %d" % (
                      run, r["relist_bytes"], r["relist_s"], r["idle_rate"], r["catchup_bytes"], r["catchup_net"],
                      r["catchup_s"], r["catchup_relisted"], r["forced_bytes"], r["forced_net"], r["forced_s"],
                      r["forced_relisted"]), flush=True)
        summarize(results, list_bytes)
        print("load after: " + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    finally:
        P.cleanup()
        if a.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def summarize(results, list_bytes):
    def fig(key, fmt="%.0f"):
        v = [r[key] for r in results]
        return (fmt + " (" + fmt + "–" + fmt + ")") % (statistics.median(v), min(v), max(v))

    med = lambda key: statistics.median(r[key] for r in results)
    print()
    print("medians (min–max) of %d runs:" % len(results))
    print("  list of the scope alone (direct)    %d B" % list_bytes)
    print("  (1) initial sync bytes_down         %s B in %s s" % (fig("relist_bytes"), fig("relist_s", "%.2f")))
    print("      idle link rate                  %s B/s" % fig("idle_rate"))
    print("  (2) catch-up bytes_down             %s B, net %s B, heal→current %s s, relists %s" % (
        fig("catchup_bytes"), fig("catchup_net"), fig("catchup_s", "%.2f"), fig("catchup_relisted", "%d")))
    print("  (3) forced relist bytes_down        %s B, net %s B, heal→current %s s, relists %s" % (
        fig("forced_bytes"), fig("forced_net"), fig("forced_s", "%.2f"), fig("forced_relisted", "%d")))
    print("  ratio catch-up / initial sync       %.2f%% (net %.2f%%; goal < 5%%)" % (
        100 * med("catchup_bytes") / med("relist_bytes"), 100 * med("catchup_net") / med("relist_bytes")))
    print("  ratio catch-up / forced relist      %.2f%%" % (100 * med("catchup_bytes") / med("forced_bytes")))
    print("  ratio forced relist / initial sync  %.2f" % (med("forced_bytes") / med("relist_bytes")))


if __name__ == "__main__":
    main()
