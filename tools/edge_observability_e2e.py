#!/usr/bin/env python3
"""Edge observability and mirrored discovery end to end, with real processes: a cloud
(`ake serve`), the link proxy (tools/linkproxy.py) and an edge (`ake serve --upstream
<proxy>`), driven with kubectl and plain HTTP.

    tools/edge_observability_e2e.py [path/to/ake]

Checks: /readyz?verbose shows the `upstream-link` line online (and the `upstream-traffic`
line with the link's bytes/s), then offline while the
edge stays ready; /metrics counts per-scope traffic and phases; a custom resource
defined in the cloud is listed and `kubectl explain`ed at the edge with the link cut
(discovery, aggregated discovery and OpenAPI v3 from the mirror, with an empty kubectl
cache; kubectl 1.27, when installed, explains from the mirrored OpenAPI v2 as protobuf), again after the edge is restarted on its data dir while the link is still cut;
at shutdown the edge stops sync before the store closes (no "cannot persist" errors).
Everything listens on 127.0.0.1 with free ports, is bounded in time, and is cleaned up.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Procs  # noqa: E402

AKE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "ake")
KUBE_CACHE = tempfile.mkdtemp(prefix="ake-edge-obs-kubecache-")

WIDGET_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.ake.dev}
spec:
  group: example.ake.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, description: how big the widget is}
"""


P = Procs("edge observability e2e", AKE)
fail, start_ake = P.fail, P.start_ake


def kubectl(server, *args, check=True, stdin=None):
    return P.kubectl(server, *args, check=check, stdin=stdin, flags=("--cache-dir", KUBE_CACHE))


def get(server, path):
    try:
        with urllib.request.urlopen(server + path, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

until = P.until


def reads(edge, step, offline=True):
    """The edge answers the cloud's CRD from its log and its discovery mirror. Online, the
    same reads fill the (lazy) mirror: nothing is fetched before a client asks."""
    shutil.rmtree(KUBE_CACHE, ignore_errors=True)  # kubectl must ask the edge's discovery again
    out = kubectl(edge, "get", "widgets", "-n", "default").stdout
    if "w1" not in out:
        fail(step + ": kubectl get widgets", out)
    explained = kubectl(edge, "explain", "widgets.spec.size").stdout
    if "how big the widget is" not in explained:
        fail(step + ": kubectl explain widgets.spec.size", explained)
    # kubectl 1.27 reads /openapi/v2 as protobuf: the mirrored v2 document, encoded.
    old = os.path.join(os.path.dirname(os.path.realpath(shutil.which("kubectl") or "")), "kubectl.1.27")
    if os.path.exists(old):
        shutil.rmtree(KUBE_CACHE, ignore_errors=True)
        r = subprocess.run([old, "--server", edge, "--cache-dir", KUBE_CACHE, "explain", "widgets.spec.size"],
                           capture_output=True, text=True, timeout=60)
        if "how big the widget is" not in r.stdout:
            fail(step + ": kubectl 1.27 explain widgets.spec.size", r.stdout + r.stderr)
    if not offline:
        return
    code, ready = get(edge, "/readyz?verbose")
    if code != 200 or "[+]upstream-link ok (" not in ready or "serving from the local log)" not in ready:
        fail(step + ": /readyz?verbose", "%s %s" % (code, ready))
    # A document no client asked for while online: 503 with Retry-After, not a made-up answer.
    code, body = get(edge, "/apis/example.ake.dev")
    if code != 503 or "not fetched from the upstream" not in body:
        fail(step + ": never-fetched discovery document offline", "%s %s" % (code, body))


def stop(p):
    p.terminate()
    p.wait(30)


def main():
    tmp = tempfile.mkdtemp(prefix="ake-edge-obs-e2e-")
    try:
        _, cloud = start_ake(os.path.join(tmp, "cloud"), "--log-level", "warning")
        proxy = P.proxy(cloud, max_seconds=600)
        proxy_url, ctl = proxy.url, proxy.ctl

        for i in range(3):
            kubectl(cloud, "create", "configmap", "c%d" % i, "-n", "default", "--from-literal=k=v")
        kubectl(cloud, "apply", "-f", "-", stdin=WIDGET_CRD)
        kubectl(cloud, "apply", "-f", "-",
                stdin="apiVersion: example.ake.dev/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\n"
                      "spec: {size: 3}\n")
        edge_data = os.path.join(tmp, "edge")
        edge_args = ("--upstream", proxy_url, "--sync", "configmaps/default", "--probe-interval", "1s", "--quiet-probe-interval", "1s",
                     "--log-level", "info")
        edge_log = open(os.path.join(tmp, "edge.err"), "w+")
        edge_proc, edge = start_ake(edge_data, *edge_args, stderr=edge_log)
        until("3 configmaps at the edge",
              lambda: kubectl(edge, "get", "configmaps", "-n", "default", "-o", "name").stdout.count("configmap/") == 3)

        # Online: the link line, per-scope metrics.
        code, ready = get(edge, "/readyz?verbose")
        if code != 200 or "[+]upstream-link ok (online since" not in ready or not ready.endswith("readyz check passed\n"):
            fail("/readyz?verbose online", "%s %s" % (code, ready))
        if "[+]upstream-traffic ok (" not in ready or " received, " not in ready:
            fail("/readyz?verbose upstream-traffic line", ready)
        code, single = get(edge, "/readyz/upstream-link")
        if code != 200 or not single.startswith("ok (online since"):
            fail("/readyz/upstream-link", "%s %s" % (code, single))
        _, metrics = get(edge, "/metrics")
        for needle in ('ake_upstream_received_bytes_total{scope="1",resource="configmaps",purpose="list"}',
                       'ake_upstream_requests_total{scope="1",resource="configmaps",purpose="watch"}',
                       'ake_sync_relists_total{scope="1",resource="configmaps"} 0',
                       'ake_sync_scope_phase{scope="1",resource="configmaps",phase="synced"} 1',
                       'ake_upstream_requests_total{scope="",resource="",purpose="probe"}',
                       "ake_upstream_link_online 1"):
            if needle not in metrics:
                fail("/metrics", "no " + needle)

        # The cloud's CRD through the edge while online (creates a scope; mirror filled).
        until("the CRD's group version mirrored at the edge",
              lambda: kubectl(edge, "get", "--raw", "/apis/example.ake.dev/v1", check=False).returncode == 0)
        until("widgets at the edge",
              lambda: "w1" in kubectl(edge, "get", "widgets", "-n", "default", check=False).stdout)

        reads(edge, "online (fills the mirror)", offline=False)

        # Cut: still ready, the line says offline; discovery and OpenAPI from the mirror.
        print(ctl("cut"))
        until("the edge reports the link offline",
              lambda: "[+]upstream-link ok (offline since" in get(edge, "/readyz?verbose")[1])
        if get(edge, "/readyz")[0] != 200:
            fail("/readyz while offline", "not 200")
        if "ake_upstream_link_online 0" not in get(edge, "/metrics")[1]:
            fail("/metrics while offline", "link gauge not 0")
        reads(edge, "link cut")

        # Restart on the same data dir with the link still cut.
        stop(edge_proc)
        edge_proc, edge = start_ake(edge_data, *edge_args, stderr=edge_log)
        reads(edge, "restarted while cut")
        stop(edge_proc)

        edge_log.seek(0)
        log = edge_log.read()
        for needle in ("upstream link online", "upstream link offline; serving from the local log"):
            if needle not in log:
                fail("edge log", "no " + repr(needle))
        if "cannot persist" in log:
            fail("shutdown order", [l for l in log.splitlines() if "cannot persist" in l])
        print("edge observability e2e: OK")
    finally:
        P.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(KUBE_CACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
