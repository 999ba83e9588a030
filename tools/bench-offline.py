#!/usr/bin/env python3
"""Benchmark: one node offline for a simulated 10 minutes, then reconnected (issue 15).

    tools/bench-offline.py [path/to/ake] [--renewals 600] [--pod-status 50] [--events 200]

A cloud (`ake serve`), tools/linkproxy.py and an edge (`ake serve --upstream`), with the
link refused. While offline a kubelet-like client writes through the edge what a node
writes in 10 minutes: a Lease renewal per second (600, GET + PUT each), pod status changes
(50 merge patches to /status) and Events (200 creates, each its own name). Then the link
heals and the script measures:

  - upstream requests and bytes (sent, received) from heal to "in sync", in total and for
    the reconciler alone (`purpose="reconcile"` of the edge's ake_upstream_* metrics);
  - the time from heal to "in sync" (`/readyz?verbose` says online and no writes pending);
  - for comparison, the requests a replay of every offline write would need.

It also checks that the cloud ends with the last renewTime, the last pod status and every
Event once. Everything runs on 127.0.0.1 with free ports and is cleaned up. The writes go
as fast as the edge answers (the simulated clock is the renewTime stamps, not wall time).
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from akeprocs import Procs  # noqa: E402

args_parser = argparse.ArgumentParser()
args_parser.add_argument("ake", nargs="?", default=os.path.join(ROOT, ".build", "release", "ake"))
args_parser.add_argument("--renewals", type=int, default=600)
args_parser.add_argument("--pod-status", type=int, default=50)
args_parser.add_argument("--events", type=int, default=200)
ARGS = args_parser.parse_args()
if not os.path.exists(ARGS.ake):
    debug = os.path.join(ROOT, ".build", "debug", "ake")
    if ARGS.ake.endswith("release/ake") and os.path.exists(debug):
        print("note: no release build, using %s (swift build -c release for real figures)" % debug)
        ARGS.ake = debug
    else:
        raise SystemExit("no ake binary at %s" % ARGS.ake)
P = Procs("bench offline", ARGS.ake)

LEASE = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node1"
POD = "/api/v1/namespaces/default/pods/web"
EVENTS = "/api/v1/namespaces/default/events"


def call(method, url, body=None, content_type="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def must(what, method, url, body=None, content_type="application/json"):
    code, obj = call(method, url, body, content_type)
    if code not in (200, 201):
        P.fail(what, "%s %s answered %d: %s" % (method, url, code, json.dumps(obj)[:300]))
    return obj


def stamp(second):
    return "2026-12-03T10:%02d:%02d.000000Z" % (second // 60, second % 60)


METRIC = re.compile(r'^(ake_upstream_(?:requests|sent_bytes|received_bytes)_total)\{([^}]*)\} ([0-9.e+]+)$')


def upstream(edge):
    """{(metric, purpose): value} summed over scopes and resources."""
    text = urllib.request.urlopen(edge + "/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        m = METRIC.match(line)
        if not m:
            continue
        purpose = re.search(r'purpose="([^"]*)"', m.group(2)).group(1)
        key = (m.group(1), purpose)
        out[key] = out.get(key, 0) + float(m.group(3))
    return out


def in_sync(edge):
    try:
        text = urllib.request.urlopen(edge + "/readyz?verbose", timeout=10).read().decode()
    except Exception:
        return False
    return "online since" in text and "no writes pending" in text


def main(tmp):
    _, cloud = P.start_ake(os.path.join(tmp, "cloud"))
    must("cloud lease", "POST", cloud + LEASE.rsplit("/", 1)[0],
         {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
          "metadata": {"name": "node1", "namespace": "kube-node-lease"},
          "spec": {"holderIdentity": "node1", "leaseDurationSeconds": 40, "renewTime": stamp(0)}})
    must("cloud pod", "POST", cloud + "/api/v1/namespaces/default/pods",
         {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
          "spec": {"nodeName": "node1", "containers": [{"name": "c", "image": "nginx"}]}})
    proxy = P.proxy(cloud)
    _, edge = P.start_ake(os.path.join(tmp, "edge"), "--upstream", proxy.url, "--probe-interval", "1s",
                          "--sync", "leases.coordination.k8s.io/kube-node-lease", "--sync", "pods/default",
                          "--sync", "events/default")
    P.until("edge in sync", lambda: in_sync(edge), 30)
    proxy.ctl("refuse")
    P.until("edge offline", lambda: "offline since" in
            urllib.request.urlopen(edge + "/readyz?verbose", timeout=10).read().decode(), 15)

    started = time.time()
    total = ARGS.renewals + ARGS.pod_status + ARGS.events
    pod_every = max(1, ARGS.renewals // max(1, ARGS.pod_status))
    event_every = max(1, ARGS.renewals // max(1, ARGS.events))
    pods = events = 0
    last_pod = None
    for second in range(1, ARGS.renewals + 1):
        lease = must("lease get", "GET", edge + LEASE)
        lease["spec"]["renewTime"] = stamp(second)
        must("lease renew", "PUT", edge + LEASE, lease)
        if second % pod_every == 0 and pods < ARGS.pod_status:
            pods += 1
            last_pod = "change %d" % pods
            must("pod status", "PATCH", edge + POD + "/status", {"status": {"phase": "Running", "message": last_pod}},
                 "application/merge-patch+json")
        while events < ARGS.events and (second % event_every == 0 or second == ARGS.renewals):
            events += 1
            must("event", "POST", edge + EVENTS,
                 {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.%05d" % events},
                  "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "apiVersion": "v1"},
                  "reason": "Tick", "message": "event %d" % events, "type": "Normal", "count": 1,
                  "source": {"component": "kubelet", "host": "node1"},
                  "firstTimestamp": "2026-12-03T10:00:00Z", "lastTimestamp": "2026-12-03T10:00:00Z"})
            if second != ARGS.renewals:
                break
    offline_secs = time.time() - started
    print("offline: %d writes (%d renewals, %d pod status, %d events) accepted in %.1f s (%.0f writes/s)" % (
        total, ARGS.renewals, pods, events, offline_secs, total / offline_secs))

    before = upstream(edge)
    healed = time.time()
    proxy.ctl("heal")
    P.until("edge in sync after heal", lambda: in_sync(edge), 300, 0.05)
    took = time.time() - healed
    after = upstream(edge)

    # The cloud has the final values and every Event once.
    lease = must("cloud lease", "GET", cloud + LEASE)
    if lease["spec"]["renewTime"] != stamp(ARGS.renewals):
        P.fail("cloud lease", lease["spec"])
    pod = must("cloud pod", "GET", cloud + POD)
    if last_pod and pod["status"].get("message") != last_pod:
        P.fail("cloud pod status", pod["status"])
    names = [e["metadata"]["name"] for e in must("cloud events", "GET", cloud + EVENTS)["items"]]
    if len(names) != events or len(set(names)) != events:
        P.fail("cloud events", "%d in the cloud, %d written" % (len(names), events))

    def delta(metric, purpose=None):
        return sum(v - before.get(k, 0) for k, v in after.items()
                   if k[0] == metric and (purpose is None or k[1] == purpose))

    print()
    print("| heal to in sync | upstream requests (reconcile / all) | bytes sent (reconcile / all) | "
          "bytes received (reconcile / all) | replaying every write |")
    print("|---|---|---|---|---|")
    print("| %.2f s | %d / %d | %d / %d | %d / %d | %d requests |" % (
        took, delta("ake_upstream_requests_total", "reconcile"), delta("ake_upstream_requests_total"),
        delta("ake_upstream_sent_bytes_total", "reconcile"), delta("ake_upstream_sent_bytes_total"),
        delta("ake_upstream_received_bytes_total", "reconcile"), delta("ake_upstream_received_bytes_total"),
        total))
    by_purpose = {}
    for (metric, purpose), v in after.items():
        if metric == "ake_upstream_requests_total":
            by_purpose[purpose] = by_purpose.get(purpose, 0) + v - before.get((metric, purpose), 0)
    print("requests from heal to in sync, by purpose: %s" % {k: int(v) for k, v in sorted(by_purpose.items()) if v})


if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="ake-bench-offline-")
    try:
        main(tmp)
    finally:
        P.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
