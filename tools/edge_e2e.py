#!/usr/bin/env python3
"""Edge mode end to end with real processes: a cloud (`ake serve`), the link proxy
(tools/linkproxy.py) and an edge (`ake serve --upstream <proxy>`), driven with kubectl
and plain HTTP.

    tools/edge_e2e.py [path/to/ake]

Scenarios (issue 7):
  1  objects created in the cloud are listed/got at the edge (with a label selector);
  6  a write through the edge lands in the cloud and is readable at the edge at once;
  2  with the link cut, covered reads still answer and uncovered ones get 503;
  3  changes made in the cloud during the cut reach the edge after heal; an edge watch
     opened before the cut stays open across it, gets a BOOKMARK while the link is
     down, and delivers the cloud's changes after heal;
  7  a second edge chained on the first sees the cloud's objects;
  5  an edge restarted (SIGTERM) on its data dir while the link is cut answers covered
     reads at once, from disk, and 503 for uncovered ones;
  4  a cut longer than the cloud's retention: the edge's resume point is compacted away
     upstream, so it relists from a metadata-only list, GETs only the changed objects and
     diffs; edge watchers see exactly the changed objects (no ERROR/410, nothing for
     unchanged ones) and the edge ends equal to the cloud.

Everything listens on 127.0.0.1 with free ports, is bounded in time, and is cleaned up.
A failure names the step and what the server answered.
"""
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AKE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "ake")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from akeprocs import Procs  # noqa: E402

P = Procs("edge e2e", AKE)
fail, start_ake, stop, kubectl, until = P.fail, P.start_ake, P.stop, P.kubectl, P.until
Proxy = P.proxy


def names(server, ns, *extra):
    out = kubectl(server, "get", "configmaps", "-n", ns, "-o", "json", *extra).stdout
    return sorted(i["metadata"]["name"] for i in json.loads(out)["items"])


def request(step, method, url, body=None, expect=(200, 201), timeout=30, text=False):
    """One HTTP request; returns (code, decoded JSON, or the body as text with `text`). An
    unexpected code fails the step."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            code, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, raw = e.code, e.read()
    if code not in expect:
        fail(step, "%s %s answered %d: %s" % (method, url, code, raw[:500].decode(errors="replace")))
    if text:
        return code, raw.decode(errors="replace")
    return code, (json.loads(raw) if raw else None)


def configmaps(step, server, ns):
    """{name: data} of the configmaps of `ns`, and the list's resourceVersion."""
    _, body = request(step, "GET", "%s/api/v1/namespaces/%s/configmaps" % (server, ns))
    return {i["metadata"]["name"]: i.get("data", {}) for i in body["items"]}, body["metadata"]["resourceVersion"]


def configmap(name, data, labels=None):
    meta = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


class Watcher(threading.Thread):
    """A raw watch (`?watch=1&...`) read line by line in a thread; `events` grows as
    they arrive, `done` is set when the stream ends."""

    def __init__(self, url, timeout_seconds):
        super().__init__(daemon=True)
        self.url = url
        self.timeout_seconds = timeout_seconds
        self.events = []
        self.error = None
        self.done = threading.Event()
        self.opened = threading.Event()
        self.start()
        if not self.opened.wait(30):
            fail("opening watch " + url, "no response headers within 30 s")
        if self.error:
            fail("opening watch " + url, self.error)

    def run(self):
        try:
            with urllib.request.urlopen(self.url, timeout=self.timeout_seconds + 30) as r:
                self.opened.set()
                for line in r:
                    if line.strip():
                        self.events.append(json.loads(line))
        except urllib.error.HTTPError as e:
            self.error = "HTTP %d: %s" % (e.code, e.read()[:300].decode(errors="replace"))
        except Exception as e:  # a reset or timeout: recorded, checked by the caller
            self.error = repr(e)
        finally:
            self.opened.set()
            self.done.set()

    def summary(self):
        return [(e["type"], e["object"].get("metadata", {}).get("name"), e["object"].get("metadata", {}).get(
            "resourceVersion")) for e in self.events]

    def wait_for(self, what, cond, seconds=45):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if cond(self.events):
                return
            if self.done.is_set():
                fail(what, "the watch ended (%s) with events %s" % (self.error or "closed", self.summary()))
            time.sleep(0.1)
        fail(what, "timed out after %d s; events so far %s" % (seconds, self.summary()))


def watch_url(server, ns, rv, timeout_seconds, bookmarks=True):
    q = {"watch": "1", "resourceVersion": rv, "timeoutSeconds": str(timeout_seconds)}
    if bookmarks:
        q["allowWatchBookmarks"] = "true"
    return "%s/api/v1/namespaces/%s/configmaps?%s" % (server, ns, urllib.parse.urlencode(q))


def expect_503(step, url):
    # kubectl would honour Retry-After and keep retrying: ask over plain HTTP.
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            fail(step, "answered %d while the link is cut: %s" % (r.status, r.read()[:300]))
    except urllib.error.HTTPError as e:
        if e.code != 503 or not e.headers.get("Retry-After"):
            fail(step, "expected 503 with Retry-After, got %d %s: %s" % (e.code, dict(e.headers), e.read()[:300]))


def decidable_writes(server):
    """Writes whose answer an edge can decide from its log offline, sent to `server`:
    (code, Status body) by name."""
    base = server + "/api/v1/namespaces/default/configmaps"
    out = {}
    out["create existing"] = request("(8) create existing", "POST", base, configmap("c1", {"k": "v"}), expect=(409,))
    _, c2 = request("(8) get c2", "GET", base + "/c2")
    stale = dict(c2, metadata=dict(c2["metadata"], resourceVersion="1"))
    out["stale update"] = request("(8) stale update", "PUT", base + "/c2", stale, expect=(409,))
    out["invalid"] = request("(8) invalid", "POST", base, configmap("Bad_Name", {"k": "v"}), expect=(422,))
    out["no namespace"] = request("(8) missing namespace", "POST", server + "/api/v1/namespaces/nope/configmaps",
                                  configmap("x", {"k": "v"}), expect=(404,))
    return out


def api_changes(cloud, edge):
    """(7) The edge follows the cloud's API changes: a CRD created is served (list, get,
    watch, kubectl get and explain) within 5 s, a version added within 5 s, a CRD deleted
    is 404 within 5 s; 100 requests for unknown resources cost the cloud a handful of
    discovery requests."""
    group, plural = "fresh.example.com", "gadgets"
    schema = {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer", "description": "how big the gadget is"}}}}}}
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": plural + "." + group},
           "spec": {"group": group, "scope": "Namespaced",
                    "names": {"plural": plural, "singular": "gadget", "kind": "Gadget"},
                    "versions": [{"name": "v1", "served": True, "storage": True, "schema": schema}]}}
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    request("(7) create a CRD in the cloud", "POST", cloud + crds, crd, expect=(201,))
    started = time.monotonic()
    until("(7) kubectl get gadgets at the edge",
          lambda: kubectl(edge, "get", "gadgets", "-n", "default", check=False).returncode == 0, seconds=5)
    served = time.monotonic() - started
    kubectl(cloud, "create", "-f", "-", "-n", "default", stdin=json.dumps(
        {"apiVersion": group + "/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"size": 3}}))
    until("(7) the cloud's gadget at the edge (get)",
          lambda: kubectl(edge, "get", "gadget", "g1", "-n", "default", check=False).returncode == 0, seconds=5)
    explained = until("(7) kubectl explain at the edge", lambda: (lambda r: r.returncode == 0 and r.stdout)(
        kubectl(edge, "explain", "gadgets.spec.size", check=False)), seconds=5)
    if "how big the gadget is" not in explained:
        fail("(7) kubectl explain gadgets.spec.size at the edge", explained)
    _, listed = request("(7) list gadgets at the edge", "GET", edge + "/apis/%s/v1/namespaces/default/%s" % (group, plural))
    w = Watcher(edge + "/apis/%s/v1/namespaces/default/%s?watch=1&resourceVersion=%s&timeoutSeconds=3" % (
        group, plural, listed["metadata"]["resourceVersion"]), 3)
    kubectl(cloud, "delete", "gadget", "g1", "-n", "default")
    if not w.done.wait(30) or [e["type"] for e in w.events][:1] != ["DELETED"]:
        fail("(7) watch gadgets at the edge", w.summary())
    # A version added in the cloud.
    crd_now = request("(7) get the CRD", "GET", cloud + crds + "/" + plural + "." + group)[1]
    crd_now["spec"]["versions"][0]["storage"] = False
    crd_now["spec"]["versions"].append({"name": "v2", "served": True, "storage": True, "schema": schema})
    request("(7) add version v2", "PUT", cloud + crds + "/" + plural + "." + group, crd_now)
    started_v2 = time.monotonic()
    until("(7) v2 served at the edge", lambda: request(
        "(7) list v2", "GET", edge + "/apis/%s/v2/namespaces/default/%s" % (group, plural), expect=(200, 404))[0] == 200,
        seconds=5)
    version_added = time.monotonic() - started_v2
    # 100 unknown resources: a handful of discovery requests upstream.
    def discovery_requests():
        _, metrics = request("(7) metrics", "GET", edge + "/metrics", text=True)
        return sum(float(l.rsplit(" ", 1)[1]) for l in metrics.splitlines()
                   if l.startswith("ake_upstream_requests_total{") and 'purpose="discovery"' in l)
    before = discovery_requests()
    for i in range(100):
        request("(7) unknown resource", "GET", edge + "/apis/nonsense%d.example.com/v1/things" % i, expect=(404,))
    unknown_cost = discovery_requests() - before
    if unknown_cost > 10:
        fail("(7) 100 unknown resources", "%d discovery requests upstream" % unknown_cost)
    # Deleted: 404 within 5 s.
    kubectl(cloud, "delete", "crd", plural + "." + group)
    started_del = time.monotonic()
    until("(7) deleted CRD gone at the edge",
          lambda: request("(7) gadgets after the delete", "GET",
                          edge + "/apis/%s/v2/namespaces/default/%s" % (group, plural),
                          expect=(200, 404))[0] == 404, seconds=5)
    deleted = time.monotonic() - started_del
    print("(7) CRD served at the edge after %.2f s; version added after %.2f s; deletion after %.2f s; "
          "100 unknown resources cost %d upstream discovery requests" % (served, version_added, deleted, unknown_cost))


def main_scenarios(tmp):
    _, cloud = start_ake(os.path.join(tmp, "cloud"))
    proxy = Proxy(cloud)
    for i in range(5):
        kubectl(cloud, "create", "configmap", "c%d" % i, "-n", "default", "--from-literal=k=v")
    kubectl(cloud, "label", "configmap", "c1", "-n", "default", "app=web")
    edge_data = os.path.join(tmp, "edge")
    edge_proc, edge = start_ake(edge_data, "--upstream", proxy.url, "--sync", "configmaps/default",
                                "--sync", "namespaces", "--probe-interval", "1s", "--quiet-probe-interval", "1s")
    # (1) flow down: list, selector, get
    until("(1) 5 configmaps at the edge", lambda: names(edge, "default") == ["c%d" % i for i in range(5)])
    if names(edge, "default", "-l", "app=web") != ["c1"]:
        fail("(1) selector at the edge", names(edge, "default", "-l", "app=web"))
    kubectl(edge, "get", "configmap", "c3", "-n", "default")
    api_changes(cloud, edge)
    # (6) writes through the edge
    kubectl(edge, "create", "configmap", "from-edge", "-n", "default", "--from-literal=k=e")
    kubectl(edge, "get", "configmap", "from-edge", "-n", "default")
    kubectl(cloud, "get", "configmap", "from-edge", "-n", "default")
    # (6) kubectl scale through the edge: forwarded to the cloud's /scale; the edge stores
    # the changed Deployment before answering (read-your-writes) and answers the Scale
    # with the edge's resourceVersion of it.
    kubectl(edge, "create", "deployment", "web", "-n", "default", "--image=nginx")
    kubectl(edge, "scale", "deployment", "web", "-n", "default", "--replicas=3")
    for side, server in (("edge", edge), ("cloud", cloud)):
        got = kubectl(server, "get", "deployment", "web", "-n", "default", "-o", "jsonpath={.spec.replicas}").stdout
        if got != "3":
            fail("(6) replicas at the %s right after kubectl scale at the edge" % side, repr(got))
    scale_url = edge + "/apis/apps/v1/namespaces/default/deployments/web/scale"
    req = urllib.request.Request(scale_url, data=b'{"spec":{"replicas":4}}', method="PATCH",
                                 headers={"Content-Type": "application/merge-patch+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        scale = json.loads(r.read())
    _, dep = request("(6) deployment at the edge", "GET", edge + "/apis/apps/v1/namespaces/default/deployments/web")
    if dep.get("kind") != "Deployment" or "template" not in dep["spec"] or "selector" not in dep["spec"]:
        fail("(6) the edge's Deployment right after PATCH /scale", "not the whole Deployment: %s" % dep)
    if scale.get("kind") != "Scale" or scale["spec"].get("replicas") != 4 or dep["spec"]["replicas"] != 4:
        fail("(6) PATCH /scale at the edge", "Scale %s, deployment replicas %s" % (scale, dep["spec"]["replicas"]))
    if scale["metadata"]["resourceVersion"] != dep["metadata"]["resourceVersion"]:
        fail("(6) Scale RV at the edge", "Scale RV %s != edge deployment RV %s" % (
            scale["metadata"]["resourceVersion"], dep["metadata"]["resourceVersion"]))
    _, got = request("(6) GET /scale at the edge", "GET", scale_url)
    if got["spec"] != {"replicas": 4} or got["status"].get("selector") != "app=web" or \
            got["metadata"]["resourceVersion"] != dep["metadata"]["resourceVersion"]:
        fail("(6) GET /scale at the edge", got)
    # (3) watches opened before the cut: a short one that must end, with a BOOKMARK,
    # while the link is still down; a long one that must deliver the cut-time changes.
    _, rv0 = configmaps("(3) list before the cut", edge, "default")
    short = Watcher(watch_url(edge, "default", rv0, 6), 6)
    long = Watcher(watch_url(edge, "default", rv0, 120), 120)
    cloud_answers = decidable_writes(cloud)
    # (2) cut: covered reads answer, uncovered get 503
    print(proxy.ctl("cut"))
    time.sleep(4)  # the edge notices the dead link by its probe
    # (8) offline, the edge answers what it can decide from its log exactly as the cloud did
    edge_answers = decidable_writes(edge)
    for what in cloud_answers:
        if edge_answers[what] != cloud_answers[what]:
            fail("(8) offline local answer: " + what, "edge %s != cloud %s" % (edge_answers[what], cloud_answers[what]))
    print("(8) offline local answers equal the cloud's: %s" % ", ".join(
        "%s %d" % (w, cloud_answers[w][0]) for w in sorted(cloud_answers)))
    if "from-edge" not in names(edge, "default"):
        fail("(2) covered list while cut", names(edge, "default"))
    expect_503("(2) uncovered list while cut", edge + "/api/v1/namespaces/default/secrets")
    if not short.done.wait(30):
        fail("(3) short watch across the cut", "still open 30 s after its timeoutSeconds")
    kinds = [e["type"] for e in short.events]
    if short.error or not kinds or kinds[-1] != "BOOKMARK" or "ERROR" in kinds:
        fail("(3) short watch across the cut", "expected to end with a BOOKMARK and no ERROR; got %s (%s)" % (
            short.summary(), short.error))
    if int(short.events[-1]["object"]["metadata"]["resourceVersion"]) < int(rv0):
        fail("(3) bookmark while cut", "bookmark RV below the list RV %s: %s" % (rv0, short.summary()))
    print("(3) watch across the cut ended with %s" % short.summary()[-1:])
    # (3) changes during the cut arrive after heal
    kubectl(cloud, "delete", "configmap", "c0", "-n", "default")
    kubectl(cloud, "create", "configmap", "during-cut", "-n", "default", "--from-literal=k=x")
    print(proxy.ctl("heal"))
    until("(3) edge equals cloud after heal", lambda: names(edge, "default") == names(cloud, "default"))
    long.wait_for("(3) pre-cut watch delivers the cut-time changes",
                  lambda ev: {(e["type"], e["object"]["metadata"]["name"]) for e in ev} >= {
                      ("DELETED", "c0"), ("ADDED", "during-cut")})
    if any(e["type"] == "ERROR" for e in long.events):
        fail("(3) pre-cut watch", "got an ERROR event: %s" % long.summary())
    # (7) chaining; the node preloads its scope from a --sync-file, so it syncs before any request.
    sync_file = os.path.join(tmp, "node-scopes")
    with open(sync_file, "w") as f:
        f.write("# scopes this node keeps\n\nconfigmaps/default\n")
    node_proc, node = start_ake(os.path.join(tmp, "node"), "--upstream", edge, "--probe-interval", "1s", "--quiet-probe-interval", "1s",
                                "--sync-file", sync_file)
    until("(7) the node's preloaded scope synced (from --sync-file, before any request)",
          lambda: 'resource="configmaps",phase="synced"} 1' in request("(7) node metrics", "GET", node + "/metrics",
                                                                   text=True)[1])
    until("(7) node sees the cloud through the edge", lambda: names(node, "default") == names(cloud, "default"))
    stop(node_proc, "the chained node")
    # (5) restart while the cloud is unreachable: answers from disk at once
    want, _ = configmaps("(5) cloud list", cloud, "default")
    print(proxy.ctl("cut"))
    stop(edge_proc, "the edge")
    # A long --first-sync-timeout: were the first request to wait for the link, it
    # would outlast kubectl's 10 s request timeout and fail.
    _, edge = start_ake(edge_data, "--upstream", proxy.url, "--sync", "configmaps/default", "--probe-interval", "1s", "--quiet-probe-interval", "1s",
                        "--first-sync-timeout", "60s")
    r = kubectl(edge, "get", "configmaps", "-n", "default", "-o", "json", timeout="10s", check=False)
    if r.returncode != 0:
        fail("(5) first kubectl get after the offline restart", r.stderr.strip())
    got = {i["metadata"]["name"]: i.get("data", {}) for i in json.loads(r.stdout)["items"]}
    if got != want:
        fail("(5) restarted edge's objects", "edge %s != cloud %s" % (got, want))
    r = kubectl(edge, "get", "configmap", "during-cut", "-n", "default", "-o", "jsonpath={.data.k}", timeout="10s")
    if r.stdout != "x":
        fail("(5) get during-cut at the restarted edge", repr(r.stdout))
    # (secrets in default were asked for in (2), so the edge may keep a scope for them:
    # ask for a namespace nobody asked for.)
    expect_503("(5) uncovered list after the offline restart", edge + "/api/v1/namespaces/never-asked/secrets")
    print(proxy.ctl("heal"))
    print("(5) restarted offline edge answered %d configmaps from disk" % len(got))


def relist_scenario(tmp):
    """(4) A cut longer than the cloud's retention forces relist-and-diff."""
    ns = "relist"
    _, cloud = start_ake(os.path.join(tmp, "cloud4"), "--retention-max-events", "10", "--compaction-interval", "1s")
    proxy = Proxy(cloud)
    base = cloud + "/api/v1/namespaces/%s/configmaps" % ns
    for name in [ns, "churn"]:
        request("(4) create namespace " + name, "POST", cloud + "/api/v1/namespaces",
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    # Twenty objects of ~2 KB: enough that the edge relists from a metadata-only list and
    # GETs only what changed (a handful of small objects is relisted in full).
    pad = "x" * 2000
    for name in ["keep%d" % i for i in range(20)] + ["mod0", "del0"]:
        request("(4) create %s in the cloud" % name, "POST", base, configmap(name, {"k": name, "pad": pad}))
    log = os.path.join(tmp, "edge4.log")
    _, edge = start_ake(os.path.join(tmp, "edge4"), "--upstream", proxy.url, "--sync", "configmaps/" + ns,
                        "--probe-interval", "1s", "--quiet-probe-interval", "1s", log=log)
    until("(4) edge synced", lambda: configmaps("(4) edge list", edge, ns)[0] == configmaps("(4) cloud list", cloud,
                                                                                                 ns)[0])
    _, edge_rv = configmaps("(4) edge list before the cut", edge, ns)
    _, cloud_rv = configmaps("(4) cloud list before the cut", cloud, ns)
    watcher = Watcher(watch_url(edge, ns, edge_rv, 120), 120)
    print(proxy.ctl("cut"))
    request("(4) modify mod0", "PUT", base + "/mod0", configmap("mod0", {"k": "changed", "pad": pad}))
    request("(4) delete del0", "DELETE", base + "/del0")
    request("(4) add add0", "POST", base, configmap("add0", {"k": "new"}))
    churn = cloud + "/api/v1/namespaces/churn/configmaps"
    for i in range(30):
        request("(4) churn write %d" % i, "POST", churn, configmap("x%d" % i, {"i": str(i)}))

    # The cloud has compacted past the edge's resume point once a watch from the
    # cloud's pre-cut list RV (>= the edge's position) is refused with 410.
    def expired():
        try:
            with urllib.request.urlopen(watch_url(cloud, ns, cloud_rv, 1, bookmarks=False), timeout=30) as r:
                body = r.read()
        except urllib.error.HTTPError as e:
            return e.code == 410
        return b'"code":410' in body.replace(b" ", b"")

    until("(4) the cloud compacts past the edge's resume point (watch from RV %s gets 410)" % cloud_rv, expired)
    print(proxy.ctl("heal"))
    until("(4) edge equals cloud after heal (names and data)",
          lambda: configmaps("(4) edge list", edge, ns)[0] == configmaps("(4) cloud list", cloud, ns)[0], seconds=45)
    # A sentinel created after the edge is current: once the watcher has it, every
    # event of the relist is in front of it.
    request("(4) create sentinel", "POST", base, configmap("sentinel", {"k": "s"}))
    watcher.wait_for("(4) edge watcher reaches the sentinel",
                     lambda ev: any(e["object"].get("metadata", {}).get("name") == "sentinel" for e in ev))
    got = sorted((e["type"], e["object"]["metadata"]["name"]) for e in watcher.events if e["type"] != "BOOKMARK")
    want = sorted([("MODIFIED", "mod0"), ("DELETED", "del0"), ("ADDED", "add0"), ("ADDED", "sentinel")])
    if got != want:
        fail("(4) edge watcher after relist-and-diff", "expected exactly %s, got %s" % (want, watcher.summary()))
    mod = [e for e in watcher.events if e["object"]["metadata"].get("name") == "mod0"][0]
    if mod["object"].get("data") != {"k": "changed", "pad": pad}:
        fail("(4) MODIFIED mod0 carries the new data", mod["object"])
    with open(log) as f:
        lines = f.readlines()
    listed = [line.strip() for line in lines if "sync scope listed" in line]
    relisted = [line.strip() for line in lines if "sync scope relisted from metadata" in line]
    if len(listed) < 1 or len(relisted) != 1:
        fail("(4) the edge relisted from metadata", "expected an initial 'sync scope listed' and one 'sync scope "
             "relisted from metadata' in %s, got %s / %s" % (log, listed, relisted))
    if "fetched=2" not in relisted[0]:
        fail("(4) the relist fetched only mod0 and add0", relisted[0])
    print("(4) relist-and-diff: watcher got %s; edge log: %s" % (got, relisted[0]))


def main():
    tmp = tempfile.mkdtemp(prefix="ake-edge-e2e-")
    try:
        main_scenarios(tmp)
        relist_scenario(tmp)
        print("edge e2e: OK")
    finally:
        P.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
