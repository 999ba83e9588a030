#!/usr/bin/env python3
"""Offline writes at an edge, end to end with real processes: a cloud (`ake serve`), the
link proxy (tools/linkproxy.py) and an edge (`ake serve --upstream <proxy>`), with a
kubelet-like client writing through the edge (issue 15).

    tools/edge_offline_e2e.py [path/to/ake] [--cut-seconds N]

Each cut lasts N seconds (default 10, to stay short in tools/test.sh; the issue's scenario
is --cut-seconds 30).

The client renews its node Lease every second, patches node status and pod status, and
creates Events (each with its own name), through a refused cut and then a silent cut
(packets dropped, connections left open). Checked:
  - no write is refused (409 only from a Lease GET/PUT racing the reconciler, retried as
    kubelet does) and none hangs: every answer comes within the write timeout plus a margin;
  - a lease watch at the edge stays open across both cuts with only ADDED/MODIFIED events;
  - after each heal the edge reconciles (`/readyz?verbose` says no writes pending) and the
    cloud has the final Lease renewTime, node and pod status, and each Event exactly once;
  - a custom resource's status written offline reaches the cloud;
  - a spec conflict (the Lease's holder changed at the edge and in the cloud) is recorded
    as conflicted: `ake pending list` and `ake log show` say why;
  - the edge killed (SIGKILL) while offline and restarted offline (every pending write is
    still there), then killed in the middle of the reconcile and restarted: nothing lost,
    nothing applied twice;
  - `ake log tail` shows the pending and reconciled events; /metrics has the pending gauges.

Everything listens on 127.0.0.1 with free ports, is bounded in time, and is cleaned up.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_args = sys.argv[1:]
CUT = 10
if "--cut-seconds" in _args:
    i = _args.index("--cut-seconds")
    CUT = max(5, int(_args[i + 1]))
    del _args[i:i + 2]
AKE = _args[0] if _args else os.path.join(ROOT, ".build", "debug", "ake")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from akeprocs import Procs  # noqa: E402

P = Procs("edge offline e2e", AKE)
fail, start_ake, stop, until = P.fail, P.start_ake, P.stop, P.until
Proxy = P.proxy

WRITE_TIMEOUT = 2  # --write-timeout of the edge, seconds
CLIENT_TIMEOUT = 10  # what client-go's kubelet lease client waits


def call(method, url, body=None, content_type="application/json", timeout=CLIENT_TIMEOUT):
    """One request; returns (code, JSON or None, seconds). Never raises for HTTP codes."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    started = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            code, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, raw = e.code, e.read()
    except Exception as e:  # a timeout: the client gave up
        return 0, {"error": repr(e)}, time.time() - started
    try:
        decoded = json.loads(raw) if raw else None
    except ValueError:
        decoded = {"raw": raw[:300].decode(errors="replace")}
    return code, decoded, time.time() - started


def must(step, method, url, body=None, expect=(200, 201), **kw):
    code, obj, _ = call(method, url, body, **kw)
    if code not in expect:
        fail(step, "%s %s answered %d: %s" % (method, url, code, json.dumps(obj)[:400]))
    return obj


LEASE = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/"
NODE = "/api/v1/nodes/node1"
POD = "/api/v1/namespaces/default/pods/web"
EVENTS = "/api/v1/namespaces/default/events"
WIDGET = "/apis/example.com/v1/namespaces/default/widgets/w1"
MERGE = "application/merge-patch+json"


def stamp(n):
    return "2026-12-03T10:%02d:%02d.%06dZ" % (n // 3600 % 60, n // 60 % 60, n % 60)


class Kubelet(threading.Thread):
    """Lease every second, node status every 3 s, pod status every 2 s, an Event every second."""

    def __init__(self, edge, prefix="web", first=0):
        super().__init__(daemon=True)
        self.edge = edge
        self.prefix = prefix
        self.stop_flag = threading.Event()
        self.answers = []  # (what, code, seconds)
        self.last = {}  # what -> last value accepted
        self.events = []  # names of Events accepted
        self.conflicts = 0
        self.n = first
        self.start()

    def record(self, what, code, seconds):
        self.answers.append((what, code, seconds))

    def renew(self):
        for _ in range(3):
            code, lease, secs = call("GET", self.edge + LEASE + "node1")
            self.record("lease get", code, secs)
            if code != 200:
                return
            self.n += 1
            lease["spec"]["renewTime"] = stamp(self.n)
            code, got, secs = call("PUT", self.edge + LEASE + "node1", lease)
            if code == 409:  # raced the reconciler's MODIFIED: read again, as kubelet does
                self.conflicts += 1
                continue
            self.record("lease put", code, secs)
            if code == 200:
                self.last["renewTime"] = stamp(self.n)
            return

    def run(self):
        tick = 0
        while not self.stop_flag.is_set():
            started = time.time()
            self.renew()
            if tick % 3 == 0:
                beat = stamp(10000 + tick)
                body = {"status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                                   "message": "ok", "lastHeartbeatTime": beat[:19] + "Z",
                                                   "lastTransitionTime": "2026-12-03T09:00:00Z"}]}}
                code, _, secs = call("PATCH", self.edge + NODE + "/status", body, MERGE)
                self.record("node status", code, secs)
                if code == 200:
                    self.last["heartbeat"] = beat[:19] + "Z"
            if tick % 2 == 0:
                msg = "tick %d" % tick
                code, _, secs = call("PATCH", self.edge + POD + "/status",
                                     {"status": {"phase": "Running", "message": msg}}, MERGE)
                self.record("pod status", code, secs)
                if code == 200:
                    self.last["podMessage"] = msg
            name = "%s.%06d" % (self.prefix, tick)
            ev = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"},
                  "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "apiVersion": "v1"},
                  "reason": "Tick", "message": "tick %d" % tick, "type": "Normal", "count": 1,
                  "source": {"component": "kubelet", "host": "node1"},
                  "firstTimestamp": "2026-12-03T10:00:00Z", "lastTimestamp": "2026-12-03T10:00:00Z"}
            code, _, secs = call("POST", self.edge + EVENTS, ev)
            self.record("event", code, secs)
            if code == 201:
                self.events.append(name)
            tick += 1
            self.stop_flag.wait(max(0.0, 1.0 - (time.time() - started)))

    def finish(self):
        self.stop_flag.set()
        self.join(30)
        bad = [a for a in self.answers if a[1] not in (200, 201)]
        if bad:
            fail("kubelet-like writes", "refused or failed: %s" % bad[:10])
        slow = [a for a in self.answers if a[2] > WRITE_TIMEOUT + 3]
        if slow:
            fail("kubelet-like writes", "answers slower than the write timeout + 3 s: %s" % slow[:10])
        worst = max(a[2] for a in self.answers)
        print("kubelet-like client: %d writes, all 2xx, slowest %.2f s, %d lease 409 retries" % (
            len(self.answers), worst, self.conflicts))


def readyz(edge):
    return call("GET", edge + "/readyz?verbose")[1] or {}


def readyz_text(edge):
    with urllib.request.urlopen(edge + "/readyz?verbose", timeout=10) as r:
        return r.read().decode()


def in_sync(edge):
    try:
        text = readyz_text(edge)
    except Exception:
        return False
    return "online since" in text and "no writes pending" in text


def check_cloud(step, cloud, kubelet):
    lease = must(step + ": cloud lease", "GET", cloud + LEASE + "node1")
    if lease["spec"]["renewTime"] != kubelet.last["renewTime"]:
        fail(step, "cloud lease renewTime %s, the client last wrote %s" % (
            lease["spec"]["renewTime"], kubelet.last["renewTime"]))
    node = must(step + ": cloud node", "GET", cloud + NODE)
    beats = [c.get("lastHeartbeatTime") for c in node["status"].get("conditions", []) if c["type"] == "Ready"]
    if beats != [kubelet.last["heartbeat"]]:
        fail(step, "cloud node heartbeat %s, the client last wrote %s" % (beats, kubelet.last["heartbeat"]))
    pod = must(step + ": cloud pod", "GET", cloud + POD)
    if pod["status"].get("message") != kubelet.last["podMessage"] or pod["status"].get("phase") != "Running":
        fail(step, "cloud pod status %s, the client last wrote %s" % (pod["status"], kubelet.last["podMessage"]))
    if pod["spec"]["containers"][0]["image"] != "nginx:2":
        fail(step, "the cloud's pod spec was overwritten: %s" % pod["spec"]["containers"][0])
    events = must(step + ": cloud events", "GET", cloud + EVENTS)["items"]
    names = [e["metadata"]["name"] for e in events if e["involvedObject"]["name"] == "web"]
    if sorted(names) != sorted(set(names)) or set(names) != set(kubelet.events):
        missing = set(kubelet.events) - set(names)
        extra = set(names) - set(kubelet.events)
        fail(step, "cloud Events differ: %d accepted, %d in the cloud, missing %s, extra %s" % (
            len(kubelet.events), len(names), sorted(missing)[:5], sorted(extra)[:5]))


def ake_tool(*args):
    r = subprocess.run([AKE, *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def main(tmp):
    timings = {}
    _, cloud = start_ake(os.path.join(tmp, "cloud"))
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                                  "schema": {"openAPIV3Schema": {"type": "object",
                                                                 "x-kubernetes-preserve-unknown-fields": True}}}]}}
    must("cloud CRD", "POST", cloud + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
    until("cloud serves widgets", lambda: call("GET", cloud + "/apis/example.com/v1/widgets")[0] == 200)
    must("cloud node", "POST", cloud + "/api/v1/nodes",
         {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1"}})
    must("cloud pod", "POST", cloud + "/api/v1/namespaces/default/pods",
         {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
          "spec": {"nodeName": "node1", "containers": [{"name": "c", "image": "nginx"}]}})
    for name in ("node1", "contested"):
        must("cloud lease " + name, "POST", cloud + LEASE[:-1],
             {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
              "metadata": {"name": name, "namespace": "kube-node-lease"},
              "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": stamp(0)}})
    must("cloud widget", "POST", cloud + "/apis/example.com/v1/namespaces/default/widgets",
         {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "default"},
          "spec": {"size": 1}})

    proxy = Proxy(cloud)
    edge_data = os.path.join(tmp, "edge")
    edge_args = ["--upstream", proxy.url, "--probe-interval", "1s", "--write-timeout", "%ds" % WRITE_TIMEOUT,
                 "--sync", "leases.coordination.k8s.io/kube-node-lease", "--sync", "nodes",
                 "--sync", "pods/default", "--sync", "events/default"]
    edge_proc, edge = start_ake(edge_data, *edge_args)
    until("edge in sync", lambda: in_sync(edge), 30)
    until("edge serves the widget (on-demand scope)", lambda: call("GET", edge + WIDGET)[0] == 200, 30)
    lease_list = must("edge lease list", "GET", edge + LEASE[:-1])
    watch_rv = lease_list["metadata"]["resourceVersion"]
    watcher = subprocess.Popen(
        ["curl", "-sN", "--max-time", "120",
         edge + LEASE[:-1] + "?watch=1&resourceVersion=%s&timeoutSeconds=110" % watch_rv],
        stdout=subprocess.PIPE, text=True)
    P.procs.append(watcher)
    kubelet = Kubelet(edge)
    time.sleep(3)

    # A refused cut: connections reset, the edge goes offline at once.
    print(proxy.ctl("refuse"))
    time.sleep(3)
    # Offline, beside the kubelet-like writes: a custom resource's status, a contested lease,
    # and a spec change in the cloud (the pod's image), which a status write must not undo.
    must("widget status offline", "PATCH", edge + WIDGET + "/status", {"status": {"temperature": 42}},
         content_type=MERGE)
    contested = must("contested lease at the edge", "GET", edge + LEASE + "contested")
    contested["spec"]["holderIdentity"] = "edge-holder"
    must("contested lease offline", "PUT", edge + LEASE + "contested", contested)
    cloud_contested = must("contested lease in the cloud", "GET", cloud + LEASE + "contested")
    cloud_contested["spec"]["holderIdentity"] = "cloud-holder"
    must("contested lease in the cloud", "PUT", cloud + LEASE + "contested", cloud_contested)
    cloud_pod = must("pod in the cloud", "GET", cloud + POD)
    cloud_pod["spec"]["containers"][0]["image"] = "nginx:2"
    must("pod spec change in the cloud", "PUT", cloud + POD, cloud_pod)
    time.sleep(max(1, CUT - 3))
    pending_text = readyz_text(edge)
    if "writes pending" not in pending_text:
        fail("readyz while offline", pending_text)
    print("while offline: " + [l for l in pending_text.splitlines() if "upstream-link" in l][0])
    healed = time.time()
    print(proxy.ctl("heal"))
    until("edge in sync after the refused cut", lambda: in_sync(edge), 60, 0.1)
    timings["refused cut: heal to in sync"] = time.time() - healed

    # A silent cut: connections stay open, nothing is forwarded any more.
    time.sleep(2)
    print(proxy.ctl("stall"))
    time.sleep(CUT)
    healed = time.time()
    print(proxy.ctl("heal"))
    until("edge in sync after the silent cut", lambda: in_sync(edge), 60, 0.1)
    timings["silent cut: heal to in sync"] = time.time() - healed
    kubelet.finish()
    until("edge in sync after the last writes", lambda: in_sync(edge), 30, 0.1)
    check_cloud("after both cuts", cloud, kubelet)

    widget = must("cloud widget", "GET", cloud + "/apis/example.com/v1/namespaces/default/widgets/w1")
    if widget.get("status", {}).get("temperature") != 42 or widget["spec"] != {"size": 1}:
        fail("widget status written offline", widget)
    lease_c = must("contested lease in the cloud", "GET", cloud + LEASE + "contested")
    lease_e = must("contested lease at the edge", "GET", edge + LEASE + "contested")
    if lease_c["spec"]["holderIdentity"] != "cloud-holder" or lease_e["spec"]["holderIdentity"] != "cloud-holder":
        fail("spec conflict: cloud wins", (lease_c["spec"], lease_e["spec"]))
    rc, out, err = ake_tool("pending", "list", "--data-dir", edge_data)
    if rc != 0 or "conflicted" not in out or "spec.holderIdentity" not in out or "leases" not in out:
        fail("ake pending list shows the conflict", out + err)
    print(out.rstrip())
    rc, out, err = ake_tool("log", "tail", "--data-dir", edge_data, "--name", "contested")
    m = re.search(r"^(\d+)\s.*reconciler \(conflicted\)", out, re.M)
    if rc != 0 or "(pending)" not in out or not m:
        fail("ake log tail shows pending and conflicted", out + err)
    rc, out, err = ake_tool("log", "show", m.group(1), "--data-dir", edge_data)
    if rc != 0 or "spec.holderIdentity" not in out:
        fail("ake log show explains the conflict", out + err)
    rc, out, err = ake_tool("log", "tail", "--data-dir", edge_data, "--name", "node1", "--resource", "leases")
    if "(reconciled)" not in out:
        fail("ake log tail shows reconciled lease events", out[-2000:])
    rc, out, err = ake_tool("log", "stats", "--data-dir", edge_data)
    if rc != 0 or not re.search(r"OFFLINE WRITES  \d+ pending, \d+ reconciled, 1 conflicted", out):
        fail("ake log stats counts offline writes", out + err)
    rc, out, err = ake_tool("replay", "history", "leases", "kube-node-lease/contested", "--data-dir", edge_data)
    if rc != 0 or "by local" not in out or "(pending)" not in out or "by reconciler (conflicted)" not in out:
        fail("ake replay history shows the offline write and its conflict", out + err)
    metrics = urllib.request.urlopen(edge + "/metrics", timeout=10).read().decode()
    for series in ("ake_pending_writes 0", 'ake_reconciled_total{result="reconciled"}',
                   'ake_reconciled_total{result="conflicted"} 1', "ake_pending_oldest_age_seconds 0"):
        if series not in metrics:
            fail("metrics", "no %s in %s" % (series, [l for l in metrics.splitlines() if "pending" in l or
                                                       "reconciled" in l]))
    # The lease watch stayed open with ordinary events only.
    watcher.send_signal(signal.SIGTERM)
    lines = [json.loads(l) for l in watcher.communicate(timeout=10)[0].splitlines() if l.strip()]
    kinds = {e["type"] for e in lines}
    if not lines or not kinds <= {"ADDED", "MODIFIED"}:
        fail("lease watch across the cuts", "event types %s (%d events)" % (kinds, len(lines)))
    print("lease watch across both cuts: %d events, types %s" % (len(lines), sorted(kinds)))
    rc, out, err = ake_tool("pending", "show", "leases/kube-node-lease/contested", "--data-dir", edge_data)
    if rc != 0 or "REASON" not in out or "spec.holderIdentity" not in out:
        fail("ake pending show", out + err)
    rc, out, err = ake_tool("pending", "discard", "--yes", "#1", "--data-dir", edge_data)
    if rc != 0 or "discarded" not in out:
        fail("ake pending discard", out + err)
    rc, out, err = ake_tool("pending", "list", "--data-dir", edge_data)
    if rc != 0 or "conflicted" in out:
        fail("ake pending list after discard", out + err)

    # The edge killed in the middle of a reconcile.
    print(proxy.ctl("refuse"))
    until("edge offline", lambda: "offline since" in readyz_text(edge), 15)
    kubelet2 = Kubelet(edge, "web2", kubelet.n)
    time.sleep(8)
    kubelet2.finish()
    kubelet.events += kubelet2.events
    kubelet.last.update(kubelet2.last)
    # Killed while offline, restarted while still offline: the pending writes are all there.
    before_kill = re.search(r"(\d+) objects? ha(?:s|ve) writes pending", readyz_text(edge))
    edge_proc.kill()
    edge_proc.wait(10)
    edge_proc, edge = start_ake(edge_data, *edge_args)
    after_restart = re.search(r"(\d+) objects? ha(?:s|ve) writes pending", readyz_text(edge))
    if not before_kill or not after_restart or before_kill.group(1) != after_restart.group(1):
        fail("kill -9 offline and restart", "pending before %s, after %s" % (
            before_kill and before_kill.group(0), after_restart and after_restart.group(0)))
    print("killed offline with %s objects pending; after the restart: %s" % (
        before_kill.group(1), after_restart.group(1)))
    print(proxy.ctl("delay 150"))  # slow uploads, so the kill lands mid-reconcile
    print(proxy.ctl("heal"))

    def some_landed():
        items = must("cloud events", "GET", cloud + EVENTS)["items"]
        return any(i["metadata"]["name"] in kubelet2.events for i in items)

    until("the first offline Event reached the cloud", some_landed, 30, 0.05)
    edge_proc.kill()
    edge_proc.wait(10)
    print(proxy.ctl("delay 0"))
    landed = len([n for n in must("cloud events", "GET", cloud + EVENTS)["items"]
                  if n["metadata"]["name"] in kubelet2.events])
    print("killed mid-reconcile: %d of %d offline Events had reached the cloud" % (landed, len(kubelet2.events)))
    edge_proc, edge = start_ake(edge_data, *edge_args)
    restarted = time.time()
    until("edge in sync after the restart", lambda: in_sync(edge), 60, 0.1)
    timings["kill -9 mid-reconcile: restart to in sync"] = time.time() - restarted
    check_cloud("after the kill mid-reconcile", cloud, kubelet)
    stop(edge_proc, "the edge")
    for k, v in timings.items():
        print("%s: %.2f s" % (k, v))


if __name__ == "__main__":
    if not os.path.exists(AKE):
        raise SystemExit("no ake binary at %s (swift build first)" % AKE)
    tmp = tempfile.mkdtemp(prefix="ake-edge-offline-")
    started = time.time()
    try:
        main(tmp)
        print("edge offline e2e passed in %.0f s" % (time.time() - started))
    finally:
        P.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
