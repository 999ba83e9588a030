#!/usr/bin/env python3
"""The fleet benchmark: N edge nodes against one cloud, in three arrangements side by side.

    tools/bench-fleet.py [--ake PATH] [--agent PATH] [--edges 20] [--seconds 60] [--json]
                         [--plots docs/bench] [--sweep 5,10] [--cloud http://127.0.0.1:PORT]

Each node runs ake-node-agent (Benchmarks/NodeAgent): a kubelet-like and a kube-proxy-like
KubeClient client, each with its own connections, informers (the node's pods, Services,
EndpointSlices, its Node) and writes (a Lease renewal every --lease-interval, pod status
patches, Events). The arrangements, each with its own cloud (`ake serve`, standalone) so its
CPU and memory can be told apart, and the same seeded objects and churn:

  direct   every agent talks to the cloud, as Kubernetes clients do today;
  ake      every node's agents talk to the node's own edge `ake serve --upstream <cloud>`;
  chained  the edges sync from one site `ake serve --upstream <cloud>`, the site from the cloud.

Every cloud-bound connection goes through tools/linkproxy.py (one per arrangement), which
counts bytes and requests (by class: "watch pods", "put leases", ...). Phases, --seconds each
unless said: warm-up (agents start, first sync); steady (churn in the cloud: --pod-churn % of
pods per minute, an EndpointSlice every --slice-interval s, a Service every 6 slices);
cut (the cloud links refuse for half, then go silent for half; agents keep writing);
heal (time until every agent's view equals the cloud); long-cut (2 x --seconds, and the cloud
writes --retention-max-events + 10 % filler events to a ConfigMap nobody watches, so its
compactor passes every resume point: a client resuming gets 410 Gone); heal2; reboot (agents
and edge servers restart with their data, as after a node reboot; the site server stays).

Figures per arrangement and phase: requests, bytes down/up through the cloud proxy, cloud CPU
seconds and RSS, agent relists, agent write errors, heal-to-consistent time. With --plots, PNGs:
fleet-bytes.png (cloud bytes/s over time), fleet-heal-requests.png (requests at heal vs N,
from --sweep runs plus this one), fleet-relists.png. Everything runs on 127.0.0.1 and is
cleaned up; bounded in time.
"""
import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from akeprocs import Procs  # noqa: E402

ARRANGEMENTS = ["direct", "ake", "chained"]
NS = "fleet"
PHASES = ["warm-up", "steady", "cut", "heal", "long-cut", "heal2", "reboot"]


CTL = threading.Lock()


def ctl(proxy, cmd):
    """A proxy command; the sampler thread and the phases share each proxy's stdin/stdout."""
    with CTL:
        return proxy.ctl(cmd)


def fnv1a(lines):
    h = 0xCBF29CE484222325
    for b in "\n".join(lines).encode():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%x" % h


class Api:
    """A tiny keep-alive JSON client for one server (the driver's own writes and reads go
    straight to a cloud, not through the counting proxy)."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.conn = None
        self.lock = threading.Lock()

    def call(self, method, path, body=None, ctype="application/json"):
        with self.lock:
            for attempt in range(3):
                try:
                    if self.conn is None:
                        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                    data = json.dumps(body).encode() if body is not None else None
                    self.conn.request(method, path, data, {"Content-Type": ctype} if data else {})
                    r = self.conn.getresponse()
                    raw = r.read()
                    return r.status, (json.loads(raw) if raw else None)
                except (OSError, http.client.HTTPException):
                    self.conn = None
                    if attempt == 2:
                        raise
                    time.sleep(0.2)

    def must(self, method, path, body=None, ctype="application/json", ok=(200, 201)):
        code, obj = self.call(method, path, body, ctype)
        if code not in ok:
            raise SystemExit("fleet: %s %s answered %d: %s" % (method, path, code, json.dumps(obj)[:300]))
        return obj


def node_name(i):
    return "node-%03d" % i


class Cloud:
    """One arrangement's cloud: seeding, churn, and the expected view per node."""

    def __init__(self, url, proc):
        self.url, self.proc, self.api = url, proc, Api(url)
        self.rev = 0

    def seed(self, nodes, pods_per_node, services):
        for ns in (NS, "kube-node-lease"):
            self.api.must("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                          "metadata": {"name": ns}}, ok=(201, 409))
        for i in range(nodes):
            n = node_name(i)
            self.api.must("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {
                "name": n, "labels": {"kubernetes.io/hostname": n}}}, ok=(201, 409))
            for j in range(pods_per_node):
                self.api.must("POST", "/api/v1/namespaces/%s/pods" % NS, {
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "%s-pod-%02d" % (n, j), "labels": {"app": "svc-%02d" % (j % services)},
                                 "annotations": {"fleet/rev": "0"}},
                    "spec": {"nodeName": n, "containers": [{"name": "app", "image": "registry.local/app:1.0",
                                                            "resources": {"requests": {"cpu": "10m"}}}]}},
                    ok=(201, 409))
        for s in range(services):
            name = "svc-%02d" % s
            self.api.must("POST", "/api/v1/namespaces/%s/services" % NS, {
                "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "annotations": {"fleet/rev": "0"}},
                "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}, ok=(201, 409))
            self.api.must("POST", "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % NS,
                          self.slice(name, nodes, pods_per_node, services, 0), ok=(201, 409))

    @staticmethod
    def slice(name, nodes, pods_per_node, services, rev):
        s = int(name.split("-")[1])
        eps = []
        for i in range(nodes):
            for j in range(pods_per_node):
                if j % services == s and (i + rev) % 7 != 0:  # churn: a node's endpoint drops in and out
                    eps.append({"addresses": ["10.%d.%d.%d" % (1 + i // 250, i % 250, j)],
                                "conditions": {"ready": True}, "nodeName": node_name(i),
                                "targetRef": {"kind": "Pod", "namespace": NS, "name": "%s-pod-%02d" % (node_name(i), j)}})
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": name + "-abcde", "labels": {"kubernetes.io/service-name": name},
                             "annotations": {"fleet/rev": str(rev)}},
                "addressType": "IPv4", "endpoints": eps, "ports": [{"name": "", "port": 8080, "protocol": "TCP"}]}

    def churn_pod(self, name):
        self.rev += 1
        self.api.must("PATCH", "/api/v1/namespaces/%s/pods/%s" % (NS, name),
                      {"metadata": {"annotations": {"fleet/rev": str(self.rev)}}}, "application/merge-patch+json")

    def churn_slice(self, name, nodes, pods_per_node, services):
        self.rev += 1
        body = self.slice(name, nodes, pods_per_node, services, self.rev)
        self.api.must("PUT", "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices/%s-abcde" % (NS, name), body)

    def churn_service(self, name):
        self.rev += 1
        self.api.must("PATCH", "/api/v1/namespaces/%s/services/%s" % (NS, name),
                      {"metadata": {"annotations": {"fleet/rev": str(self.rev)}}}, "application/merge-patch+json")

    def filler(self, count):
        """`count` updates of a ConfigMap no agent watches: they only move the log's head, so
        the compactor's max-events horizon passes every watcher's resume point."""
        self.api.must("POST", "/api/v1/namespaces/%s/configmaps" % NS, {
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "filler"}, "data": {"n": "0"}},
            ok=(201, 409))
        for k in range(count):
            self.api.must("PATCH", "/api/v1/namespaces/%s/configmaps/filler" % NS, {"data": {"n": str(k)}},
                          "application/merge-patch+json")

    def digest(self, path, field=None):
        q = "?fieldSelector=" + urllib.parse.quote(field) if field else ""
        items = self.api.must("GET", path + q)["items"]
        lines = []
        for o in items:
            m = o["metadata"]
            key = (m["namespace"] + "/" if m.get("namespace") else "") + m["name"]
            lines.append("%s=%s" % (key, (m.get("annotations") or {}).get("fleet/rev", "")))
        return fnv1a(sorted(lines))

    def expected(self, nodes):
        """{(node, informer): digest} of what each agent should hold (four lists per call, so
        polling adds little to the cloud's CPU figures)."""
        services = self.digest("/api/v1/services")
        slices = self.digest("/apis/discovery.k8s.io/v1/endpointslices")
        by_node = {}
        for o in self.api.must("GET", "/api/v1/pods")["items"]:
            m = o["metadata"]
            by_node.setdefault(o["spec"].get("nodeName"), []).append(
                "%s/%s=%s" % (m["namespace"], m["name"], (m.get("annotations") or {}).get("fleet/rev", "")))
        node_lines = {}
        for o in self.api.must("GET", "/api/v1/nodes")["items"]:
            m = o["metadata"]
            node_lines[m["name"]] = "%s=%s" % (m["name"], (m.get("annotations") or {}).get("fleet/rev", ""))
        out = {}
        for i in range(nodes):
            n = node_name(i)
            out[(n, "pods")] = fnv1a(sorted(by_node.get(n, [])))
            out[(n, "nodes")] = fnv1a([node_lines[n]] if n in node_lines else [])
            out[(n, "services")] = services
            out[(n, "endpointslices")] = slices
        return out

    def cpu_seconds(self):
        if self.proc is None:
            return None
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self):
        if self.proc is None:
            return None
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return None


class Arrangement:
    """One arrangement's processes: cloud, cloud proxy, (site,) edges, agent process."""

    def __init__(self, name, P, a, tmp, cloud):
        self.name, self.P, self.a, self.tmp, self.cloud = name, P, a, tmp, cloud
        self.errlog = open(os.path.join(tmp, "servers.log"), "a")  # warnings of the edge and site servers
        P.files.append(self.errlog)
        self.proxy = P.proxy(cloud.url, max_seconds=7200)
        self.site = self.site_proxy = None
        self.edges = []  # [(process, url, data dir)]
        self.agent = None
        self.base = {"relists": 0, "lists": 0, "writes_ok": 0, "writes_failed": 0}  # carried over agent restarts
        self.stats_path = os.path.join(tmp, "agents.json")
        upstream = self.proxy.url
        if name == "chained":
            _, site = P.start_ake(os.path.join(tmp, "site"), "--upstream", self.proxy.url, "--probe-interval", "1s",
                                  stderr=self.errlog)
            self.site = site
            self.site_proxy = P.proxy(site, max_seconds=7200)  # the site LAN: counted, never cut
            upstream = self.site_proxy.url
        self.upstream = upstream

    def start_edges(self):
        if self.name == "direct":
            return
        started = []
        for i in range(self.a.edges):
            data = os.path.join(self.tmp, "edge-%03d" % i)
            p, url = self.P.start_ake(data, "--upstream", self.upstream, "--probe-interval", "1s", stderr=self.errlog)
            started.append((p, url, data))
        self.edges = started

    def restart_edges(self):
        """Stops every edge server (SIGTERM, as a shutdown before a reboot) and starts it again
        on its data directory."""
        for p, _, _ in self.edges:
            p.terminate()
        for p, _, _ in self.edges:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        restarted = []
        for _, _, data in self.edges:
            p, url = self.P.start_ake(data, "--upstream", self.upstream, "--probe-interval", "1s", stderr=self.errlog)
            restarted.append((p, url, data))
        self.edges = restarted

    def start_agents(self):
        args = [self.a.agent, "--stats", self.stats_path, "--lease-interval", str(self.a.lease_interval),
                "--status-interval", str(self.a.status_interval), "--event-interval", str(self.a.event_interval)]
        for i in range(self.a.edges):
            url = self.proxy.url if self.name == "direct" else self.edges[i][1]
            args += ["--agent", "%s=%s" % (node_name(i), url)]
        if os.path.exists(self.stats_path):
            os.unlink(self.stats_path)
        self.agent = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.tmp, "agent.log"), "a"))
        self.P.procs.append(self.agent)

    def stop_agents(self):
        s = self.agent_stats()
        if s:
            for k, v in agent_counts(s).items():
                self.base[k] += v
        saved = dict(self.base)
        self.agent.kill()
        self.agent.wait(10)
        return saved

    def agent_stats(self):
        try:
            with open(self.stats_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def totals(self):
        """Cumulative agent relists and writes (over restarts)."""
        s = self.agent_stats()
        out = dict(self.base)
        if s:
            for k, v in agent_counts(s).items():
                out[k] += v
        return out

    def consistent(self, expected):
        s = self.agent_stats()
        if not s or len(s["agents"]) != 2 * self.a.edges:
            return False
        for ag in s["agents"]:
            for inf, v in ag["informers"].items():
                if not v["synced"] or expected.get((ag["node"], inf)) != v["digest"]:
                    return False
        return True

    def sample(self):
        f = dict(kv.split("=") for kv in ctl(self.proxy, "stats").split()[1:])
        return {"down": int(f["bytes_down"]), "up": int(f["bytes_up"]), "requests": int(f["requests"]),
                "cpu": self.cloud.cpu_seconds(), "rss": self.cloud.rss_mb(), **self.totals()}


def start_cloud(P, a, data, *extra, stderr=None):
    """`ake serve` with --cloud-ake when given (the edges and the site use --ake)."""
    saved = P.ake
    P.ake = a.cloud_ake or a.ake
    try:
        return P.start_ake(data, *extra, stderr=stderr)
    finally:
        P.ake = saved


def agent_counts(stats):
    """Relists, informer lists (the first included), writes of one agent process's stats."""
    out = {"relists": 0, "lists": 0, "writes_ok": 0, "writes_failed": 0}
    for x in stats["agents"]:
        for k in ("relists", "writes_ok", "writes_failed"):
            out[k] += x[k]
        out["lists"] += sum(v["lists"] for v in x["informers"].values())
    return out


def class_delta(before, after):
    """Per-class [requests, bytes up, bytes down] between two snapshots of a proxy's counts."""
    out = {}
    for k, v in after.items():
        w = before.get(k, [0, 0, 0])
        d = [v[i] - w[i] for i in range(3)]
        if any(d):
            out[k] = d
    return out


def cloud_lists(classes):
    """List requests (any resource) in a proxy's per-class counts."""
    return sum(v[0] for k, v in classes.items() if k.startswith("list "))


def run_fleet(a, edges):
    """One full run at `edges` nodes; returns the result dictionary."""
    a = argparse.Namespace(**{**vars(a), "edges": edges})
    P = Procs("bench-fleet", a.ake)
    tmp = tempfile.mkdtemp(prefix="ake-fleet-")
    result = {"edges": edges, "seconds": a.seconds, "phases": {}, "series": {}, "heal_seconds": {},
              "classes": {}, "lan": {}}
    try:
        arr = {}
        for name in a.arrangements:
            d = os.path.join(tmp, name)
            os.makedirs(d)
            if a.cloud:
                proc, url = None, a.cloud
            else:
                cloud_log = open(os.path.join(d, "cloud.log"), "a")
                P.files.append(cloud_log)
                proc, url = start_cloud(P, a, os.path.join(d, "cloud"), "--retention-max-events",
                                        str(a.retention_max_events), "--compaction-interval", "1s", stderr=cloud_log)
            cloud = Cloud(url, proc)
            cloud.seed(edges, a.pods_per_node, a.services)
            arr[name] = Arrangement(name, P, a, d, cloud)
            if a.cloud:
                break  # one shared cloud: one arrangement at a time is not supported here
        for x in arr.values():
            x.start_edges()

        t0 = time.time()
        marks = []  # (phase, start time)
        series = {n: [] for n in arr}
        stop = threading.Event()

        def sampler():
            while not stop.is_set():
                now = time.time() - t0
                for n, x in arr.items():
                    try:
                        series[n].append((now, x.sample()))
                    except Exception:  # a proxy busy with a command: skip this tick
                        pass
                stop.wait(1.0)

        pods = ["%s-pod-%02d" % (node_name(i), j) for i in range(edges) for j in range(a.pods_per_node)]
        churn_state = {"pod_acc": 0.0, "pod_i": 0, "slice_i": 0, "next_slice": time.time()}

        def churn():
            while not stop.is_set():
                churn_state["pod_acc"] += len(pods) * a.pod_churn / 100.0 / 60.0
                while churn_state["pod_acc"] >= 1:
                    churn_state["pod_acc"] -= 1
                    name = pods[churn_state["pod_i"] % len(pods)]
                    churn_state["pod_i"] += 1
                    for x in arr.values():
                        x.cloud.churn_pod(name)
                if time.time() >= churn_state["next_slice"]:
                    churn_state["next_slice"] += a.slice_interval
                    k = churn_state["slice_i"]
                    churn_state["slice_i"] += 1
                    svc = "svc-%02d" % (k % a.services)
                    for x in arr.values():
                        x.cloud.churn_slice(svc, edges, a.pods_per_node, a.services)
                        if k % 6 == 5:
                            x.cloud.churn_service(svc)
                stop.wait(1.0)

        snapshots = {}  # phase -> {arrangement: the proxy's per-class counts so far}

        def phase(name):
            snapshots[name] = {n: json.loads(ctl(x.proxy, "requests")[3:]) for n, x in arr.items()}
            marks.append((name, time.time() - t0))
            log("phase %s (t=%.0f s)" % (name, time.time() - t0))

        def converge(label, limit, starts=None):
            """Seconds from `starts[arrangement]` (default: now) until every agent of the
            arrangement holds the cloud's view (None: not within `limit`)."""
            start = time.time()
            starts = starts or {n: start for n in arr}
            pending = set(arr)
            took = {}
            while pending and time.time() - start < limit:
                for n in list(pending):
                    if arr[n].consistent(arr[n].cloud.expected(edges)):
                        took[n] = round(time.time() - starts[n], 2)
                        pending.discard(n)
                time.sleep(0.5)
            for n in pending:
                took[n] = None
            result["heal_seconds"][label] = took
            log("%s: consistent after %s" % (label, took))

        threads = [threading.Thread(target=sampler, daemon=True), threading.Thread(target=churn, daemon=True)]
        for t in threads:
            t.start()
        S = a.seconds
        phase("warm-up")
        for x in arr.values():
            x.start_agents()
        converge("warm-up", max(S, 180))
        wait_until(t0, marks[-1][1] + S)
        phase("steady")
        time.sleep(S)
        phase("cut")
        for x in arr.values():
            ctl(x.proxy, "refuse")
        time.sleep(S / 2)
        for x in arr.values():
            ctl(x.proxy, "stall")
        time.sleep(S / 2)
        phase("heal")
        for x in arr.values():
            ctl(x.proxy, "heal")
        converge("heal", max(S, 180))
        wait_until(t0, marks[-1][1] + S)
        phase("long-cut")
        for x in arr.values():
            ctl(x.proxy, "refuse")
        fill = [threading.Thread(target=x.cloud.filler, args=(int(a.retention_max_events * 1.1),))
                for x in arr.values()]
        for t in fill:
            t.start()
        for t in fill:
            t.join()
        wait_until(t0, marks[-1][1] + 2 * S)
        phase("heal2")
        for x in arr.values():
            ctl(x.proxy, "heal")
        converge("heal2", max(S, 180))
        wait_until(t0, marks[-1][1] + S)
        phase("reboot")
        rebooted = {}
        for n, x in arr.items():
            rebooted[n] = time.time()
            x.stop_agents()
            x.restart_edges()
            x.start_agents()
        converge("reboot", max(S, 180), rebooted)
        wait_until(t0, marks[-1][1] + S)
        phase("end")
        stop.set()
        for t in threads:
            t.join(30)

        for n, x in arr.items():
            result["series"][n] = [(round(t, 2), s["down"], s["up"]) for t, s in series[n]]
            result["classes"][n] = json.loads(ctl(x.proxy, "requests")[3:])
            if x.site_proxy:
                f = dict(kv.split("=") for kv in ctl(x.site_proxy, "stats").split()[1:])
                result["lan"][n] = {"bytes_down": int(f["bytes_down"]), "bytes_up": int(f["bytes_up"]),
                                    "requests": int(f["requests"])}
            per = {}
            for (ph, start), (nxt, end) in zip(marks, marks[1:]):
                s0 = at(series[n], start)
                s1 = at(series[n], end)
                rss = [s["rss"] for t, s in series[n] if start <= t <= end and s["rss"] is not None]
                per[ph] = {
                    "seconds": round(end - start, 1),
                    "requests": s1["requests"] - s0["requests"],
                    "bytes_down": s1["down"] - s0["down"],
                    "bytes_up": s1["up"] - s0["up"],
                    "cloud_cpu_s": None if s1["cpu"] is None else round(s1["cpu"] - s0["cpu"], 2),
                    "cloud_rss_mb": round(max(rss), 1) if rss else None,
                    "relists": s1["relists"] - s0["relists"],
                    "agent_lists": s1["lists"] - s0["lists"],
                    "cloud_lists": cloud_lists(snapshots[nxt][n]) - cloud_lists(snapshots[ph][n]),
                    "write_errors": s1["writes_failed"] - s0["writes_failed"],
                    "writes_ok": s1["writes_ok"] - s0["writes_ok"],
                }
            result["phases"][n] = per
            # Issue 21's scenario (long-cut, heal2, reboot) per request class.
            result.setdefault("scenario_classes", {})[n] = class_delta(snapshots["long-cut"][n], snapshots["end"][n])
        result["marks"] = marks
        return result
    finally:
        P.cleanup()
        subprocess.run(["rm", "-rf", tmp])


def at(series, t):
    """The last sample at or before t (the first one if none)."""
    best = series[0][1]
    for st, s in series:
        if st <= t:
            best = s
        else:
            break
    return best


def wait_until(t0, t):
    d = t0 + t - time.time()
    if d > 0:
        time.sleep(d)


def log(msg):
    print("[fleet %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


FIGURES = [("requests", "requests"), ("bytes_down", "bytes down"), ("bytes_up", "bytes up"),
           ("cloud_cpu_s", "cloud CPU s"), ("cloud_rss_mb", "cloud RSS MB"), ("relists", "agent relists"),
           ("agent_lists", "agent informer lists"), ("cloud_lists", "list requests at the cloud"),
           ("write_errors", "agent write errors")]


def table(r):
    names = list(r["phases"])
    lines = ["fleet: %d edges, %s s phases (2 agents per node)" % (r["edges"], r.get("seconds", "?")), ""]
    head = "| phase | figure | " + " | ".join(names) + " |"
    lines += [head, "|" + "---|" * (2 + len(names))]
    for ph in [p for p in PHASES if p in r["phases"][names[0]]]:
        for key, label in FIGURES:
            vals = [r["phases"][n][ph][key] for n in names]
            lines.append("| %s | %s | %s |" % (ph, label, " | ".join("-" if v is None else str(v) for v in vals)))
        if ph in r["heal_seconds"]:
            vals = [r["heal_seconds"][ph].get(n) for n in names]
            lines.append("| %s | s to consistent | %s |" % (ph, " | ".join("not within limit" if v is None else str(v)
                                                                            for v in vals)))
    tot = {n: sum(r["phases"][n][p]["bytes_down"] + r["phases"][n][p]["bytes_up"] for p in r["phases"][n])
           for n in names}
    lines += ["", "cloud bytes, whole run (down + up): " + ", ".join("%s %d" % (n, tot[n]) for n in names)]
    if "direct" in tot:
        for n in names:
            if n != "direct" and tot[n]:
                lines.append("  direct / %s = %.2f" % (n, tot["direct"] / tot[n]))
    scen = {n: sum(r["phases"][n][p]["bytes_down"] + r["phases"][n][p]["bytes_up"]
                   for p in ("long-cut", "heal2", "reboot")) for n in names}
    lines.append("cut past retention + heal + reboot (long-cut, heal2, reboot) cloud bytes: "
                 + ", ".join("%s %d" % (n, scen[n]) for n in names))
    if "direct" in scen:
        for n in names:
            if n != "direct" and scen[n]:
                lines.append("  direct / %s = %.2f" % (n, scen["direct"] / scen[n]))
    lines += ["", "per node: steady B/s (down+up) | heal2 requests, bytes | reboot requests, bytes"]
    for n in names:
        ph = r["phases"][n]
        lines.append("  %s: %.1f | %.1f, %.0f | %.1f, %.0f" % (
            n, (ph["steady"]["bytes_down"] + ph["steady"]["bytes_up"]) / ph["steady"]["seconds"] / r["edges"],
            ph["heal2"]["requests"] / r["edges"], (ph["heal2"]["bytes_down"] + ph["heal2"]["bytes_up"]) / r["edges"],
            ph["reboot"]["requests"] / r["edges"],
            (ph["reboot"]["bytes_down"] + ph["reboot"]["bytes_up"]) / r["edges"]))
    for n, v in r.get("lan", {}).items():
        lines.append("%s: site LAN (edges <-> site, not cloud-bound): %d bytes down, %d up, %d requests" % (
            n, v["bytes_down"], v["bytes_up"], v["requests"]))
    if r.get("classes"):
        lines += ["", "where the cloud's bytes go (requests / bytes down / bytes up, top classes by bytes):"]
    for n in names if r.get("classes") else []:
        top = sorted(r["classes"][n].items(), key=lambda kv: -(kv[1][1] + kv[1][2]))[:10]
        lines.append("  %s: " % n + "; ".join("%s %d/%d/%d" % (k, v[0], v[2], v[1]) for k, v in top))
    if r.get("scenario_classes"):
        lines += ["", "the same for the cut past retention + heal + reboot (long-cut, heal2, reboot) only:"]
        for n in names:
            top = sorted(r["scenario_classes"][n].items(), key=lambda kv: -(kv[1][1] + kv[1][2]))[:12]
            lines.append("  %s: " % n + "; ".join("%s %d/%d/%d" % (k, v[0], v[2], v[1]) for k, v in top))
    return "\n".join(lines)


def plots(r, sweep, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    colors = {"direct": "#d62728", "ake": "#1f77b4", "chained": "#2ca02c"}
    os.makedirs(out, exist_ok=True)
    # 1. cloud bytes/s over time, phases shaded.
    fig, ax = plt.subplots(figsize=(11, 4.5))
    for n, s in r["series"].items():
        ts, rates = [], []
        for (t0, d0, u0), (t1, d1, u1) in zip(s, s[3:]):  # 3-second windows
            if t1 > t0:
                ts.append(t1)
                rates.append((d1 - d0 + u1 - u0) / (t1 - t0) / 1024.0)
        ax.plot(ts, rates, label=n, color=colors.get(n), linewidth=1.4)
    shade = {"cut": "#bbbbbb", "long-cut": "#888888"}
    for (ph, start), (_, end) in zip(r["marks"], r["marks"][1:]):
        if ph in shade:
            ax.axvspan(start, end, color=shade[ph], alpha=0.35, linewidth=0)
        ax.axvline(start, color="#444444", linewidth=0.6, linestyle=":")
        ax.text(start + 1, 1.0, ph, transform=ax.get_xaxis_transform(), va="top", fontsize=8, color="#333333")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("seconds")
    ax.set_ylabel("cloud link KiB/s (down + up)")
    ax.set_title("Cloud traffic, %d nodes x 2 agents (shaded: links cut; long-cut is past the cloud's retention)"
                 % r["edges"], fontsize=10)
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fleet-bytes.png"), dpi=110)
    plt.close(fig)
    # 2. requests to the cloud at heal vs N.
    runs = sorted(sweep + [r], key=lambda x: x["edges"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, ph, title in [(axes[0], "heal", "heal after a short cut (resume possible)"),
                          (axes[1], "heal2", "heal after a cut past retention (410)")]:
        for n in r["phases"]:
            xs = [x["edges"] for x in runs if n in x["phases"]]
            ys = [x["phases"][n][ph]["requests"] for x in runs if n in x["phases"]]
            ax.plot(xs, ys, marker="o", label=n, color=colors.get(n))
        ax.set_xlabel("nodes (N)")
        ax.set_ylabel("requests to the cloud in the phase")
        ax.set_title(title, fontsize=10)
        ax.set_xticks(sorted({x["edges"] for x in runs}))
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fleet-heal-requests.png"), dpi=110)
    plt.close(fig)
    # 3. relists per agent and list requests reaching the cloud per node, by phase.
    phases = [p for p in PHASES if p != "warm-up"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    width = 0.8 / max(1, len(r["phases"]))
    for ax, key, per, title in [
            (axes[0], "relists", 2.0 * r["edges"], "informer relists per agent (410 Gone: the cache is rebuilt)"),
            (axes[1], "cloud_lists", 1.0 * r["edges"], "list requests reaching the cloud, per node")]:
        for k, n in enumerate(r["phases"]):
            ys = [r["phases"][n][p][key] / per for p in phases]
            ax.bar([i + k * width for i in range(len(phases))], ys, width, label=n, color=colors.get(n))
        ax.set_xticks([i + width * (len(r["phases"]) - 1) / 2 for i in range(len(phases))])
        ax.set_xticklabels(phases)
        ax.set_title(title, fontsize=10)
        ax.legend()
    fig.suptitle("%d nodes x 2 agents (kubelet-like: pods, services, node; kube-proxy-like: services, "
                 "endpointslices, node)" % r["edges"], fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "fleet-relists.png"), dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ake", default=os.path.join(ROOT, ".build", "release", "ake"))
    ap.add_argument("--cloud-ake", help="the `ake` binary for the clouds (default: --ake)")
    ap.add_argument("--agent", default=os.path.join(ROOT, ".build", "release", "ake-node-agent"))
    ap.add_argument("--cloud", help="an http:// URL of a loopback API server to use as the cloud for the one "
                                    "arrangement given by --arrangements (default: a fresh AKE per arrangement)")
    ap.add_argument("--arrangements", default=",".join(ARRANGEMENTS))
    ap.add_argument("--edges", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--lease-interval", type=float, default=10)
    ap.add_argument("--status-interval", type=float, default=10)
    ap.add_argument("--event-interval", type=float, default=20)
    ap.add_argument("--pods-per-node", type=int, default=10)
    ap.add_argument("--services", type=int, default=10)
    ap.add_argument("--pod-churn", type=float, default=1.0, help="%% of pods changed per minute")
    ap.add_argument("--slice-interval", type=float, default=5.0)
    ap.add_argument("--retention-max-events", type=int, default=3000)
    ap.add_argument("--sweep", default="", help="also run at these N (comma-separated) for the heal plot")
    ap.add_argument("--plots", help="directory for the PNGs (e.g. docs/bench)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--from-json", help="print the table (and with --plots, draw) from an earlier --json output")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            r = json.load(f)
        r["marks"] = [tuple(m) for m in r["marks"]]
        if a.plots:
            plots(r, r["sweep"], a.plots)
        report(r)
        return
    a.arrangements = [x for x in a.arrangements.split(",") if x]
    if a.cloud:
        if not a.cloud.startswith("http://127.0.0.1:"):
            raise SystemExit("fleet: --cloud must be http://127.0.0.1:PORT (tools/linkproxy.py proxies loopback only)")
        if len(a.arrangements) != 1:
            raise SystemExit("fleet: with --cloud, name one arrangement (--arrangements direct|ake|chained)")
    for path in (a.ake, a.agent):
        if not os.path.exists(path):
            debug = path.replace("/release/", "/debug/")
            if os.path.exists(debug):
                log("no %s, using %s (debug build: not for figures)" % (path, debug))
                if path == a.ake:
                    a.ake = debug
                else:
                    a.agent = debug
            else:
                raise SystemExit("fleet: no binary at %s" % path)
    sweep = []
    for n in [int(x) for x in a.sweep.split(",") if x]:
        if n != a.edges:
            log("sweep run at N=%d" % n)
            sweep.append(run_fleet(a, n))
    log("main run at N=%d" % a.edges)
    r = run_fleet(a, a.edges)
    r["load"] = os.getloadavg()
    r["sweep"] = [{k: v for k, v in s.items() if k != "series"} for s in sweep]
    if a.plots:
        plots(r, sweep, a.plots)
    if a.json:
        print(json.dumps(r))
    else:
        report(r)


def report(r):
    print(table(r))
    for s in r["sweep"]:
        print()
        print(table(s))
    print("\nload average at the end: %.2f %.2f %.2f" % tuple(r["load"]))


if __name__ == "__main__":
    main()
