#!/usr/bin/env python3
"""Bytes on the edge's cloud link for a kubelet-shaped set of scopes, per upstream encoding.

    tools/bench-edge-kubelet-bytes.py [--ake .build/release/ake] [--baseline OTHER_AKE]
                                      [--modes protobuf+gzip,protobuf,json+gzip,json] [--runs 1]

Real processes per mode and run: a fresh cloud `ake serve` (standalone, --retention-max-events
--retention, --compaction-interval 1s) seeded with the same objects (10 nodes, 300 pods of
which 30 on node-0 with realistic spec and status, 50 Services, 50 EndpointSlices, 30
ConfigMaps and 20 Secrets in `apps`), tools/linkproxy.py counting bytes, and an edge
`ake serve --upstream <proxy>` preloading what kubelet and kube-proxy on node-0 watch:

    pods:spec.nodeName=node-0   nodes:metadata.name=node-0   services
    endpointslices.discovery.k8s.io   configmaps/apps   secrets/apps

Phases (bytes down/up through the proxy):
  first-sync   edge start → every scope listed (includes discovery and OpenAPI mirroring,
               which are JSON in every mode; `discovery` shows them alone: an edge with no
               scopes against the same cloud);
  catch-up     cut, 20 pod status updates on node-0, 5 EndpointSlice and 5 ConfigMap
               updates, a node heartbeat, heal → the edge has the last change;
  relist       the same changes, then more writes elsewhere than the cloud retains (it
               compacts past the edge's resume point: 410), heal → the edge has them;
  relist-few   the same beyond-retention cut with few changes (2 pod statuses on node-0, an
               EndpointSlice, a ConfigMap, the node heartbeat): what a relist that fetches
               only the changed objects saves (`relist-few lists`/`gets`: the list and GET
               requests of that heal, from the proxy's per-class counts).
Modes: the edge's `--upstream-content-type` (protobuf|json) and whether the proxy lets the
edge ask for gzip (`+gzip`; without it linkproxy --strip-gzip rewrites Accept-Encoding).
`--baseline` adds the other binary, run in the modes of `--baseline-modes` (default: the same).
Byte counts do not depend on machine load. Everything listens on 127.0.0.1 and is cleaned up.
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Client as KeepAliveClient, Procs  # noqa: E402

P = Procs("bench-edge-kubelet-bytes", None)
NODES, PODS, SERVICES, CONFIGMAPS, SECRETS = 10, 300, 50, 30, 20
EDGE_NODE = "node-0"
SCOPES = ["pods:spec.nodeName=" + EDGE_NODE, "nodes:metadata.name=" + EDGE_NODE, "services",
          "endpointslices.discovery.k8s.io", "configmaps/apps", "secrets/apps"]
CREATED = "2026-01-01T00:00:00Z"


def Client(url):
    """A keep-alive client that reports a failed request as this benchmark's failure."""
    return KeepAliveClient(url, P.fail, timeout=300)


def node(i):
    name = "node-%d" % i
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {
        "kubernetes.io/arch": "arm64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/edge": ""}, "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
        "spec": {"podCIDR": "10.244.%d.0/24" % i, "podCIDRs": ["10.244.%d.0/24" % i]}}


def node_status(i, beat):
    return {"capacity": {"cpu": "4", "memory": "8049212Ki", "pods": "110", "ephemeral-storage": "30830568Ki"},
            "allocatable": {"cpu": "3800m", "memory": "7946812Ki", "pods": "110",
                            "ephemeral-storage": "28413137945"},
            "conditions": [{"type": t, "status": s, "lastHeartbeatTime": beat, "lastTransitionTime": CREATED,
                            "reason": r, "message": m} for t, s, r, m in [
                ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                ("Ready", "True", "KubeletReady", "kubelet is posting ready status")]],
            "addresses": [{"type": "InternalIP", "address": "192.168.1.%d" % (10 + i)},
                          {"type": "Hostname", "address": "node-%d" % i}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"machineID": "m%d" % i, "systemUUID": "u%d" % i, "bootID": "b%d" % i,
                         "kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12",
                         "containerRuntimeVersion": "containerd://1.7.13", "kubeletVersion": "v1.32.1",
                         "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "arm64"},
            "images": [{"names": ["registry.example.com/app-%d@sha256:%064d" % (k, k),
                                  "registry.example.com/app-%d:1.%d" % (k, k)], "sizeBytes": 70000000 + k}
                       for k in range(8)]}


def pod(i):
    name = "web-%04d" % i
    app = "app-%d" % (i % SERVICES)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": name, "namespace": "apps", "labels": {"app": app, "pod-template-hash": "7d4b9c"},
        "annotations": {"kubectl.kubernetes.io/restartedAt": CREATED},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": app + "-7d4b9c",
                             "uid": "00000000-0000-0000-0000-%012d" % (i % SERVICES), "controller": True,
                             "blockOwnerDeletion": True}]},
        "spec": {"nodeName": "node-%d" % (i % NODES), "serviceAccountName": "default",
                 "volumes": [{"name": "config", "configMap": {"name": "cm-%d" % (i % CONFIGMAPS)}},
                             {"name": "creds", "secret": {"secretName": "secret-%d" % (i % SECRETS)}}],
                 "containers": [{
                     "name": "web", "image": "registry.example.com/%s:1.%d" % (app, i % 8),
                     "args": ["--port=8080", "--log-level=info"],
                     "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                     "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                             {"name": "MODE", "value": "production"}],
                     "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                                   "requests": {"cpu": "100m", "memory": "128Mi"}},
                     "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True},
                                      {"name": "creds", "mountPath": "/etc/creds", "readOnly": True}],
                     "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
                     "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5}}],
                 "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 300}]}}


def pod_status(i, restarts):
    t = "2026-01-01T00:%02d:%02dZ" % (restarts % 60, i % 60)
    return {"phase": "Running", "conditions": [
        {"type": c, "status": "True", "lastProbeTime": None, "lastTransitionTime": t}
        for c in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")],
        "hostIP": "192.168.1.%d" % (10 + i % NODES), "hostIPs": [{"ip": "192.168.1.%d" % (10 + i % NODES)}],
        "podIP": "10.244.%d.%d" % (i % NODES, 2 + i // NODES), "podIPs": [{"ip": "10.244.%d.%d" % (i % NODES, 2 + i // NODES)}],
        "startTime": CREATED, "qosClass": "Burstable",
        "containerStatuses": [{"name": "web", "state": {"running": {"startedAt": t}}, "lastState": {},
                               "ready": True, "restartCount": restarts, "started": True,
                               "image": "registry.example.com/app-%d:1.%d" % (i % SERVICES, i % 8),
                               "imageID": "registry.example.com/app@sha256:%064d" % i,
                               "containerID": "containerd://%064d" % (i * 1000 + restarts)}]}


def service(i):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "app-%d" % i, "namespace": "apps",
                                                               "labels": {"app": "app-%d" % i}},
            "spec": {"selector": {"app": "app-%d" % i},
                     "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}


def endpointslice(i, generation):
    pods = [p for p in range(PODS) if p % SERVICES == i]
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {
        "name": "app-%d-abcde" % i, "namespace": "apps",
        "labels": {"kubernetes.io/service-name": "app-%d" % i,
                   "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.244.%d.%d" % (p % NODES, 2 + p // NODES)],
                       "conditions": {"ready": (p + generation) % 7 != 0, "serving": True, "terminating": False},
                       "nodeName": "node-%d" % (p % NODES),
                       "targetRef": {"kind": "Pod", "namespace": "apps", "name": "web-%04d" % p}} for p in pods],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}


def configmap(i, tag):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-%d" % i, "namespace": "apps"},
            "data": {"app.yaml": "tag: %s\n" % tag + "setting: value\n" * 40}}


def secret(i):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "secret-%d" % i, "namespace": "apps"},
            "type": "Opaque", "data": {"token": base64.b64encode(b"token-%d-" % i * 8).decode(),
                                       "ca.crt": base64.b64encode(b"-----CERT-----" * 40).decode()}}


def seed(c):
    for ns in ("apps", "churn"):
        c.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    for i in range(NODES):
        n = c.request("POST", "/api/v1/nodes", node(i))
        n["status"] = node_status(i, CREATED)
        c.request("PUT", "/api/v1/nodes/node-%d/status" % i, n)
    for i in range(CONFIGMAPS):
        c.request("POST", "/api/v1/namespaces/apps/configmaps", configmap(i, "v0"))
    for i in range(SECRETS):
        c.request("POST", "/api/v1/namespaces/apps/secrets", secret(i))
    for i in range(SERVICES):
        c.request("POST", "/api/v1/namespaces/apps/services", service(i))
        c.request("POST", "/apis/discovery.k8s.io/v1/namespaces/apps/endpointslices", endpointslice(i, 0))
    for i in range(PODS):
        p = c.request("POST", "/api/v1/namespaces/apps/pods", pod(i))
        p["status"] = pod_status(i, 0)
        c.request("PUT", "/api/v1/namespaces/apps/pods/web-%04d/status" % i, p)


def changes(c, step, pods=20, slices=5, configmaps=5):
    """The changes of a cut; returns a check that the edge has the last of them."""
    on_node = [i for i in range(PODS) if i % NODES == 0][:pods]
    for i in on_node:
        p = c.request("GET", "/api/v1/namespaces/apps/pods/web-%04d" % i)
        p["status"] = pod_status(i, step)
        c.request("PUT", "/api/v1/namespaces/apps/pods/web-%04d/status" % i, p)
    for i in range(slices):
        e = c.request("GET", "/apis/discovery.k8s.io/v1/namespaces/apps/endpointslices/app-%d-abcde" % i)
        e["endpoints"] = endpointslice(i, step)["endpoints"]
        c.request("PUT", "/apis/discovery.k8s.io/v1/namespaces/apps/endpointslices/app-%d-abcde" % i, e)
    n = c.request("GET", "/api/v1/nodes/" + EDGE_NODE)
    n["status"] = node_status(0, "2026-01-01T01:%02d:00Z" % (step % 60))
    c.request("PUT", "/api/v1/nodes/%s/status" % EDGE_NODE, n)
    for i in range(configmaps):
        cm = configmap(i, "v%d" % step)
        c.request("PUT", "/api/v1/namespaces/apps/configmaps/cm-%d" % i, cm)
    last_pod = "web-%04d" % on_node[-1]
    last_cm = "cm-%d" % (configmaps - 1)

    def arrived(e):
        # Read as kubelet reads them: through the synced scopes (a pod by name alone is not one).
        listed = e.request("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3D" + EDGE_NODE)["items"]
        p = next(i for i in listed if i["metadata"]["name"] == last_pod)
        cm = e.request("GET", "/api/v1/namespaces/apps/configmaps/" + last_cm)
        return (p["status"]["containerStatuses"][0]["restartCount"] == step
                and cm["data"]["app.yaml"].startswith("tag: v%d\n" % step))
    return arrived


def synced(e):
    """Whether the edge answers every scope with the cloud's object counts."""
    want = [("/api/v1/pods?fieldSelector=spec.nodeName%3D" + EDGE_NODE, PODS // NODES),
            ("/api/v1/nodes?fieldSelector=metadata.name%3D" + EDGE_NODE, 1),
            ("/api/v1/services", SERVICES + 1),  # + the default kubernetes Service
            ("/apis/discovery.k8s.io/v1/endpointslices", SERVICES),
            ("/api/v1/namespaces/apps/configmaps", CONFIGMAPS + 1),  # + kube-root-ca.crt, if published
            ("/api/v1/namespaces/apps/secrets", SECRETS)]
    for path, n in want:
        items = e.request("GET", path, expect=(200, 503, 504))
        if not items or "items" not in items:
            return False
        got = len(items["items"])
        if got < n - (1 if "configmaps" in path or "services" in path else 0):
            return False
    return True


SCOPE_PATHS = [("pods on node-0", "/api/v1/pods?fieldSelector=spec.nodeName%3D" + EDGE_NODE),
               ("node node-0", "/api/v1/nodes?fieldSelector=metadata.name%3D" + EDGE_NODE),
               ("services", "/api/v1/services"),
               ("endpointslices", "/apis/discovery.k8s.io/v1/endpointslices"),
               ("configmaps/apps", "/api/v1/namespaces/apps/configmaps"),
               ("secrets/apps", "/api/v1/namespaces/apps/secrets")]


def list_sizes(cloud):
    """Each scope's list (one page of up to 500) straight from the cloud: body bytes on the
    wire per encoding, with and without Accept-Encoding: gzip."""
    u = urllib.parse.urlparse(cloud)
    out = {}
    for name, path in SCOPE_PATHS:
        row = {}
        for enc, accept in (("json", "application/json"),
                            ("protobuf", "application/vnd.kubernetes.protobuf, application/json")):
            for gz in (False, True):
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
                headers = {"Accept": accept}
                if gz:
                    headers["Accept-Encoding"] = "gzip"
                conn.request("GET", path + ("&" if "?" in path else "?") + "limit=500", headers=headers)
                r = conn.getresponse()
                row[enc + ("+gzip" if gz else "")] = len(r.read())
                conn.close()
        out[name] = row
    return out


def expired(cloud, rv):
    u = urllib.parse.urlparse(cloud)
    q = urllib.parse.urlencode({"watch": "1", "resourceVersion": rv, "timeoutSeconds": "1"})
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("GET", "/api/v1/namespaces/apps/configmaps?%s" % q)
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    return r.status == 410 or b'"code":410' in body.replace(b" ", b"")


def run_mode(ake, mode, tmp, retention):
    P.ake = ake
    encoding = "json" if "json" in mode else "protobuf"
    gzip = mode.endswith("+gzip")
    base = os.path.join(tmp, mode.replace("+", "-"))
    r = {}
    _, cloud = P.start_ake(base + "-cloud", "--retention-max-events", str(retention), "--compaction-interval", "1s",
                           stderr=subprocess.DEVNULL)
    c = Client(cloud)
    seed(c)
    churn(c)
    if mode.startswith("protobuf") and ake != P.baseline:
        r["lists"] = list_sizes(cloud)
    extra = () if gzip else ("--strip-gzip",)
    edge_flags = ["--upstream-content-type", encoding]
    # Discovery and OpenAPI alone: an edge with no scopes.
    proxy = P.proxy(cloud, max_seconds=3600, extra=extra)
    d0 = proxy.down()
    p0, edge0 = P.start_ake(base + "-edge0", "--upstream", proxy.url, "--probe-interval", "1s", *edge_flags,
                            stderr=subprocess.DEVNULL)
    time.sleep(5)
    r["discovery"] = proxy.down() - d0
    P.stop(p0, "edge without scopes", strict=False)
    proxy = P.proxy(cloud, max_seconds=3600, extra=extra)
    sync = []
    for s in SCOPES:
        sync += ["--sync", s]
    d0, u0 = proxy.down(), up(proxy)
    t0 = time.time()
    _, edge = P.start_ake(base + "-edge", "--upstream", proxy.url, "--probe-interval", "1s",
                          "--first-sync-timeout", "120s", *edge_flags, *sync, stderr=subprocess.DEVNULL)
    e = Client(edge)
    P.until("%s first sync" % mode, lambda: synced(e), 300, 0.5)
    r["first-sync"] = proxy.down() - d0
    r["first-sync up"] = up(proxy) - u0
    r["first-sync s"] = round(time.time() - t0, 2)
    time.sleep(1)
    d, t = proxy.down(), time.time()
    time.sleep(3)
    idle = (proxy.down() - d) / (time.time() - t)
    # Catch-up after a short cut.
    proxy.ctl("cut")
    arrived = changes(c, 1)
    time.sleep(1)
    d, u, t = proxy.down(), up(proxy), time.time()
    proxy.ctl("heal")
    P.until("%s catch-up" % mode, lambda: arrived(e), 120, 0.1)
    r["catch-up"] = round(proxy.down() - d - idle * (time.time() - t))
    r["catch-up up"] = up(proxy) - u
    # Relists after cuts beyond the cloud's retention: the usual changes, then few.
    for phase, step, few in (("relist", 2, False), ("relist-few", 3, True)):
        time.sleep(1)
        rv = c.request("GET", "/api/v1/namespaces/apps/configmaps?limit=1")["metadata"]["resourceVersion"]
        proxy.ctl("cut")
        arrived = changes(c, step, *((2, 1, 1) if few else ()))
        for k in range(retention + 50):
            c.request("PUT", "/api/v1/namespaces/churn/configmaps/churn-%d" % (k % 20),
                      {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "churn-%d" % (k % 20)},
                       "data": {"k": "%d-%d" % (step, k)}})
        P.until("%s: the cloud compacts past %s" % (mode, rv), lambda: expired(cloud, rv), 120, 0.5)
        d, u, t, before = proxy.down(), up(proxy), time.time(), classes(proxy)
        proxy.ctl("heal")
        P.until("%s %s" % (mode, phase), lambda: arrived(e), 300, 0.1)
        time.sleep(2)  # the other scopes' relists finish too
        r[phase] = round(proxy.down() - d - idle * (time.time() - t))
        r[phase + " up"] = up(proxy) - u
        after = classes(proxy)
        count = {k: after[k][0] - before.get(k, [0])[0] for k in after}
        r[phase + " lists"] = sum(n for k, n in count.items() if k.startswith("list "))
        r[phase + " gets"] = sum(n for k, n in count.items() if k.startswith("get ") and not k.startswith("get /"))
        # Bytes down per list/GET class ("list pods", "get configmaps"), for the breakdown.
        r[phase + " by class"] = {k: after[k][2] - before.get(k, [0, 0, 0])[2] for k in sorted(after)
                                  if (k.startswith("list ") or k.startswith("get ")) and not k.startswith("get /")
                                  and after[k][2] != before.get(k, [0, 0, 0])[2]}
    r["idle B/s"] = round(idle)
    P.cleanup()
    P.procs = []
    return r


def classes(proxy):
    """The proxy's per-class [requests, bytes up, bytes down]."""
    return json.loads(proxy.ctl("requests")[3:])


def churn(c):
    """The ConfigMaps the beyond-retention cuts rewrite (created once, before any cut)."""
    for k in range(20):
        c.request("POST", "/api/v1/namespaces/churn/configmaps",
                  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "churn-%d" % k}, "data": {"k": "0"}})


def up(proxy):
    fields = dict(kv.split("=") for kv in proxy.ctl("stats").split()[1:])
    return int(fields["bytes_up"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ake", default=os.path.join(ROOT, ".build", "release", "ake"))
    ap.add_argument("--baseline")
    ap.add_argument("--modes", default="protobuf+gzip,protobuf,json+gzip,json")
    ap.add_argument("--baseline-modes", help="modes of --baseline (default: --modes)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--retention", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    P.baseline = a.baseline
    modes = [(a.ake, m, m) for m in a.modes.split(",")]
    if a.baseline:
        modes += [(a.baseline, m, "base " + m) for m in (a.baseline_modes or a.modes).split(",")]
    print("load before: " + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    results = {}
    tmp = tempfile.mkdtemp(prefix="ake-bench-kubelet-bytes-")
    try:
        for run in range(a.runs):
            for ake, mode, label in modes:
                r = run_mode(ake, mode, tmp, a.retention)
                results.setdefault(label, []).append(r)
                print("run %d %-18s %s" % (run + 1, label, json.dumps({k: v for k, v in r.items() if k != "lists"})),
                      flush=True)
                shutil.rmtree(tmp, ignore_errors=True)
                os.makedirs(tmp, exist_ok=True)
    finally:
        P.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    print("load after: " + subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    lists = next((r["lists"] for rs in results.values() for r in rs if "lists" in r), None)
    if lists:
        print("each scope's list straight from the cloud (bytes of the body on the wire)")
        cols = ["json", "json+gzip", "protobuf", "protobuf+gzip"]
        print("%-16s" % "scope" + "".join("%15s" % k for k in cols))
        for name, row in lists.items():
            print("%-16s" % name + "".join("%15d" % row[k] for k in cols))
        print("%-16s" % "total" + "".join("%15d" % sum(row[k] for row in lists.values()) for k in cols))
    keys = ["discovery", "first-sync", "catch-up", "relist", "relist-few", "first-sync up", "catch-up up",
            "relist up", "relist-few up", "relist lists", "relist gets", "relist-few lists", "relist-few gets"]
    med = {m: {k: statistics.median(r[k] for r in rs) for k in keys} for m, rs in results.items()}
    print("relist-few, bytes down per list/GET class (first run)")
    for m, rs in results.items():
        print("%-20s %s" % (m, json.dumps(rs[0]["relist-few by class"], sort_keys=True)))
    if a.json:
        print(json.dumps(med, indent=2))
        return
    ref = "json+gzip" if "json+gzip" in med else None
    print("bytes down (median of %d run(s); first-sync includes discovery)" % a.runs)
    print("%-20s" % "mode" + "".join("%17s" % k for k in keys))
    for m, v in med.items():
        print("%-20s" % m + "".join("%17d" % v[k] for k in keys))
    if ref:
        print("ratio to json+gzip (down)")
        for m, v in med.items():
            print("%-20s" % m + "".join("%17.3f" % (v[k] / med[ref][k] if med[ref][k] else 0) for k in keys[:5]))


if __name__ == "__main__":
    main()
