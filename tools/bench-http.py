#!/usr/bin/env python3
"""HTTP benchmarks of `ake serve` against nginx serving the identical bytes.

Driven by tools/bench-http.sh (which builds the release binary). Prints medians
of several runs and the ratio to nginx. Everything it starts is stopped and every
temporary directory removed, also on failure.

  list      list of 10,000 pods over HTTP vs nginx serving the same response from a file,
            and GET one object (requests/s with wrk) vs nginx serving the same object
  memory    resident memory idle, and with 10,000 pods + 1,000 open watches
  startup   process start to first answered list with 100,000 objects in the database
  protobuf  bytes and server CPU (utime+stime of the ake process) of a 10,000-pod list and of
            watch events, in JSON and in protobuf (kubelet's Accept), alternating runs; with
            --baseline OTHER_AKE also that binary (which answers kubelet's Accept in JSON)
  compare   the branch against a baseline binary (--baseline), alternating runs: creates/s
            (16 clients, durable) and server CPU per create, list of 10,000 pods and GET one
            pod by curl with nginx serving the same bytes, GET req/s by wrk, RSS idle
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """`ake serve` on a free port with a data dir; stops on exit."""

    def __init__(self, binary, data_dir, extra=()):
        self.port = free_port()
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data-dir", data_dir, "--log-level", "warning",
             "--max-watches", "5000", "--max-inflight", "2000", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        line = b""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line or line.startswith(b"ake listening on"):
                break
        if not line.startswith(b"ake listening on"):
            self.stop()
            raise RuntimeError("ake did not start")

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Nginx:
    """nginx-light serving `root` on a free port, with a private config and pid file."""

    def __init__(self, root, workdir):
        self.port = free_port()
        conf = os.path.join(workdir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;
  default_type application/json;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  server {{ listen 127.0.0.1:{self.port}; root {root}; }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", workdir], stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def pod(i, ns="default"):
    """A pod of roughly the size kubelets see (~5 KB of JSON)."""
    env = [{"name": f"VAR_{k}", "value": f"value-{k}-{'x' * 40}"} for k in range(30)]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"pod-{i:05d}", "namespace": ns,
                     "labels": {"app": f"app-{i % 50}", "tier": ["web", "db", "cache"][i % 3]},
                     "annotations": {"bench/description": "y" * 300}},
        "spec": {"nodeName": f"node-{i % 10}", "restartPolicy": "Always",
                 "containers": [{"name": "main", "image": "registry.example/app:1.2.3",
                                 "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                 "env": env}]},
        "status": {"phase": "Running", "podIP": f"10.0.{i // 250}.{i % 250}"},
    }


def configmap(i):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i:06d}", "namespace": "default"}, "data": {"k": f"v{i}"}}


def load(port, count, make, path, workers=16):
    """Creates `count` objects with `workers` keep-alive connections; returns elapsed seconds."""
    lock = threading.Lock()
    nxt = [0]
    errors = []

    def run():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= count:
                break
            body = json.dumps(make(i))
            c.request("POST", path, body, {"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            if r.status != 201:
                errors.append(r.status)
                break
        c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"create failed: {errors[:5]}")
    return time.monotonic() - t0


def timed_get(port, path, runs):
    times = []
    body = b""
    for _ in range(runs):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        t0 = time.monotonic()
        c.request("GET", path, headers={"Accept": "application/json"})
        r = c.getresponse()
        body = r.read()
        times.append(time.monotonic() - t0)
        c.close()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status} {body[:200]!r}")
    return statistics.median(times), body


def curl_time(url, runs):
    """Median curl time_total (the closest to 'a client fetching it')."""
    times = []
    for _ in range(runs):
        out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", url],
                             capture_output=True, text=True, check=True).stdout.split()
        if out[0] != "200":
            raise RuntimeError(f"{url}: HTTP {out[0]}")
        times.append(float(out[1]))
    return statistics.median(times)


def wrk_rps(url, seconds, connections=16, threads=2):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", url],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(m.group(1)) if m else 0.0


def bench_list(binary, tmp, runs, pods=10_000):
    srv = Server(binary, os.path.join(tmp, "data"))
    ngx = None
    try:
        secs = load(srv.port, pods, pod, "/api/v1/namespaces/default/pods")
        print(f"loaded {pods:,} pods in {secs:.1f} s ({pods / secs:.0f} creates/s, 16 clients)")
        path = "/api/v1/namespaces/default/pods"
        _, body = timed_get(srv.port, path, 1)
        www = os.path.join(tmp, "www")
        os.makedirs(os.path.join(www, "api/v1/namespaces/default"), exist_ok=True)
        with open(os.path.join(www, "api/v1/namespaces/default/pods"), "wb") as f:
            f.write(body)
        ngx = Nginx(www, tmp)
        ake_t = curl_time(f"http://127.0.0.1:{srv.port}{path}", runs)
        ngx_t = curl_time(f"http://127.0.0.1:{ngx.port}{path}", runs)
        print(f"list {pods:,} pods ({len(body) / 1e6:.1f} MB): ake {ake_t * 1000:.1f} ms, nginx {ngx_t * 1000:.1f} ms, "
              f"ratio ake/nginx {ake_t / ngx_t:.2f}  (median of {runs})")
        sel_t = curl_time(f"http://127.0.0.1:{srv.port}{path}?labelSelector=app%3Dapp-7", runs)
        node_t = curl_time(f"http://127.0.0.1:{srv.port}{path}?fieldSelector=spec.nodeName%3Dnode-3", runs)
        print(f"list with labelSelector (1/50 of the pods): {sel_t * 1000:.1f} ms; "
              f"fieldSelector spec.nodeName (1/10 of the pods): {node_t * 1000:.1f} ms")

        # GET one object: the same bytes from nginx.
        one = "/api/v1/namespaces/default/pods/pod-00042"
        _, obj = timed_get(srv.port, one, 1)
        with open(os.path.join(www, "object.json"), "wb") as f:
            f.write(obj)
        secs = 10
        a = statistics.median([wrk_rps(f"http://127.0.0.1:{srv.port}{one}", secs) for _ in range(max(1, runs // 3))])
        n = statistics.median([wrk_rps(f"http://127.0.0.1:{ngx.port}/object.json", secs) for _ in range(max(1, runs // 3))])
        print(f"GET one pod ({len(obj)} B), wrk -t2 -c16 -d{secs}s: ake {a:.0f} req/s, nginx {n:.0f} req/s, "
              f"ratio ake/nginx {a / n:.2f}")
    finally:
        if ngx:
            ngx.stop()
        srv.stop()


def bench_memory(binary, tmp, watches=1000, pods=10_000):
    idle_dir = os.path.join(tmp, "idle")
    srv = Server(binary, idle_dir)
    try:
        time.sleep(1)  # let startup allocations settle before sampling
        idle = srv.rss_kb()
        # A request or two warms the server up; idle includes that steady state.
        timed_get(srv.port, "/api/v1/namespaces", 1)
        timed_get(srv.port, "/apis", 1)
        idle_warm = srv.rss_kb()
    finally:
        srv.stop()
    print(f"resident memory idle: {idle / 1024:.1f} MB at start, {idle_warm / 1024:.1f} MB after first requests")

    srv = Server(binary, os.path.join(tmp, "loaded"))
    socks = []
    try:
        load(srv.port, pods, pod, "/api/v1/namespaces/default/pods")
        after_load = srv.rss_kb()
        rv = head_rv(srv.port)
        for i in range(watches):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
            sel = f"spec.nodeName%3Dnode-{i % 10}"
            s.sendall(f"GET /api/v1/pods?watch=true&allowWatchBookmarks=true&fieldSelector={sel}"
                      f"&resourceVersion={rv} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            socks.append(s)
        # Every watch must be open (response head received) before sampling.
        for s in socks:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                if not chunk:
                    raise RuntimeError("watch closed")
                head += chunk
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"watch refused: {head[:100]!r}")
        loaded = srv.rss_kb()
        timed_get(srv.port, "/api/v1/namespaces/default/pods", 1)
        after_list = srv.rss_kb()
        print(f"resident memory with {pods:,} pods: {after_load / 1024:.1f} MB; + {watches} open watches: "
              f"{loaded / 1024:.1f} MB; after a full list: {after_list / 1024:.1f} MB")
    finally:
        for s in socks:
            s.close()
        srv.stop()


def head_rv(port):
    _, body = timed_get(port, "/api/v1/namespaces/default/pods?limit=1", 1)
    return json.loads(body)["metadata"]["resourceVersion"]


def bench_startup(binary, tmp, runs, count=100_000):
    data = os.path.join(tmp, "startup")
    srv = Server(binary, data)
    try:
        secs = load(srv.port, count, configmap, "/api/v1/namespaces/default/configmaps", workers=48)
        print(f"loaded {count:,} configmaps in {secs:.1f} s ({count / secs:.0f} creates/s)")
    finally:
        srv.stop()
    path = "/api/v1/namespaces/default/configmaps?limit=500"
    times = []
    for _ in range(runs):
        port = free_port()
        t0 = time.monotonic()
        p = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data,
                              "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = t0 + 60
            while time.monotonic() < deadline:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    c.request("GET", path)
                    r = c.getresponse()
                    r.read()
                    if r.status == 200:
                        times.append(time.monotonic() - t0)
                        break
                except OSError:
                    time.sleep(0.002)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    print(f"start to first answered list (limit=500) with {count:,} objects: "
          f"{statistics.median(times) * 1000:.0f} ms (median of {len(times)})")


PROTOBUF_ACCEPT = "application/vnd.kubernetes.protobuf, application/json"


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(port, path, accept):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    c.request("GET", path, headers={"Accept": accept})
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"GET {path}: {r.status} {body[:200]!r}")
    return r.getheader("Content-Type"), body


def watch_delivery(port, accept, watchers, updates):
    """`watchers` watches of one pod in one encoding, `updates` changes to it: returns the
    server CPU seconds from the first change until every watcher read every event, and the
    bytes of one event as its watchers receive it."""
    path = "/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dpod-00042&timeoutSeconds=300"
    rv = json.loads(fetch(port, "/api/v1/namespaces/default/pods/pod-00042", "application/json")[1])[
        "metadata"]["resourceVersion"]
    sizes = []
    conns = []
    ready = threading.Semaphore(0)

    def read(record):
        # Each watch is opened and read in its own thread; the changes start once all are open.
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        conns.append(c)
        c.request("GET", path + "&resourceVersion=" + rv, headers={"Accept": accept})
        ready.release()
        r = c.getresponse()
        if r.status != 200:
            raise RuntimeError(f"watch: {r.status}")
        protobuf = "protobuf" in (r.getheader("Content-Type") or "")
        buf = b""
        events = 0
        while events < updates:
            chunk = r.read1(65536)
            if not chunk:
                break
            buf += chunk
            while True:
                if protobuf:
                    if len(buf) < 4 or len(buf) < 4 + int.from_bytes(buf[:4], "big"):
                        break
                    n = 4 + int.from_bytes(buf[:4], "big")
                else:
                    i = buf.find(b"\n")
                    if i < 0:
                        break
                    n = i + 1
                if record:
                    sizes.append(n)
                buf = buf[n:]
                events += 1

    threads = [threading.Thread(target=read, args=(i == 0,)) for i in range(watchers)]
    for t in threads:
        t.start()
    for _ in threads:
        ready.acquire()
    time.sleep(1)
    cpu0 = cpu_seconds_of_port[port]()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for k in range(updates):
        c.request("GET", "/api/v1/namespaces/default/pods/pod-00042", headers={"Accept": "application/json"})
        obj = json.loads(c.getresponse().read())
        obj["metadata"].setdefault("labels", {})["step"] = str(k)
        c.request("PUT", "/api/v1/namespaces/default/pods/pod-00042", json.dumps(obj),
                  {"Content-Type": "application/json"})
        resp = c.getresponse()
        resp.read()
        if resp.status != 200:
            raise RuntimeError(f"update: {resp.status}")
    for t in threads:
        t.join(300)
    cpu = cpu_seconds_of_port[port]() - cpu0
    for conn in conns:
        conn.close()
    return cpu, statistics.median(sizes) if sizes else 0


cpu_seconds_of_port = {}


def bench_protobuf(binary, baseline, tmp, runs, pods, watchers=50, updates=100):
    data = os.path.join(tmp, "data")
    srv = Server(binary, data)
    try:
        secs = load(srv.port, pods, pod, "/api/v1/namespaces/default/pods")
        print(f"loaded {pods:,} pods in {secs:.1f} s")
    finally:
        srv.stop()
    path = "/api/v1/namespaces/default/pods"
    variants = [("branch", binary, "application/json"), ("branch", binary, PROTOBUF_ACCEPT)]
    if baseline:
        variants += [("baseline", baseline, "application/json"), ("baseline", baseline, PROTOBUF_ACCEPT)]
    results = {}
    for run in range(runs):
        for name, b, accept in variants:
            srv = Server(b, data)
            cpu_seconds_of_port[srv.port] = lambda pid=srv.proc.pid: cpu_seconds(pid)
            try:
                fetch(srv.port, path + "?limit=1", "application/json")  # warm: projections open
                cpu0, t0 = cpu_seconds(srv.proc.pid), time.monotonic()
                ctype, body = fetch(srv.port, path, accept)
                r = results.setdefault((name, accept), {"cpu": [], "wall": [], "bytes": 0, "type": ctype,
                                                        "wcpu": [], "event": 0})
                r["wall"].append(time.monotonic() - t0)
                r["cpu"].append(cpu_seconds(srv.proc.pid) - cpu0)
                r["bytes"] = len(body)
                wcpu, event = watch_delivery(srv.port, accept, watchers, updates)
                r["wcpu"].append(wcpu)
                r["event"] = event
            finally:
                srv.stop()
    print(f"list of {pods:,} pods and {watchers} watchers x {updates} events of one pod; medians of {runs} "
          "alternating runs")
    print(f"{'binary':9} {'Accept':52} {'answered as':36} {'list bytes':>11} {'list CPU ms':>11} "
          f"{'list ms':>8} {'event B':>8} {'CPU us/event':>13}")
    for (name, accept), r in results.items():
        print(f"{name:9} {accept:52} {r['type']:36} {r['bytes']:11d} {statistics.median(r['cpu']) * 1000:11.0f} "
              f"{statistics.median(r['wall']) * 1000:8.0f} {r['event']:8.0f} "
              f"{statistics.median(r['wcpu']) / (watchers * updates) * 1e6:13.1f}")


def bench_compare(new, baseline, tmp, runs, pods=10_000, creates=2_000):
    """Alternating runs of `baseline` and `new` (the median of each, and new/baseline ratios)."""
    bins = {"baseline": baseline, "new": new}
    out = {k: {} for k in bins}

    def add(k, key, value):
        out[k].setdefault(key, []).append(value)

    # Creates: fresh data dir per run, `creates` pods from 16 keep-alive clients.
    for r in range(3):
        for k, b in bins.items():
            d = os.path.join(tmp, f"c-{k}-{r}")
            srv = Server(b, d)
            try:
                load(srv.port, 50, lambda i: pod(100_000 + i), "/api/v1/namespaces/default/pods")  # warm-up
                c0 = cpu_seconds(srv.proc.pid)
                secs = load(srv.port, creates, pod, "/api/v1/namespaces/default/pods")
                c1 = cpu_seconds(srv.proc.pid)
                add(k, "creates/s", creates / secs)
                add(k, "server CPU per create (us)", (c1 - c0) / creates * 1e6)
            finally:
                srv.stop()
                shutil.rmtree(d, ignore_errors=True)
    # RSS idle.
    for r in range(3):
        for k, b in bins.items():
            d = os.path.join(tmp, f"m-{k}-{r}")
            srv = Server(b, d)
            try:
                time.sleep(1)
                timed_get(srv.port, "/api/v1/namespaces", 1)
                add(k, "RSS idle after first requests (MB)", srv.rss_kb() / 1024)
            finally:
                srv.stop()
                shutil.rmtree(d, ignore_errors=True)
    # Lists and gets: both servers loaded with the same pods, nginx with the new one's bytes.
    servers = {}
    ngx = None
    try:
        for k, b in bins.items():
            servers[k] = Server(b, os.path.join(tmp, f"l-{k}"))
            c0 = cpu_seconds(servers[k].proc.pid)
            secs = load(servers[k].port, pods, pod, "/api/v1/namespaces/default/pods")
            c1 = cpu_seconds(servers[k].proc.pid)
            add(k, f"loading {pods:,} pods: creates/s", pods / secs)
            add(k, f"loading {pods:,} pods: server CPU per create (us)", (c1 - c0) / pods * 1e6)
        path = "/api/v1/namespaces/default/pods"
        one = "/api/v1/namespaces/default/pods/pod-00042"
        _, body = timed_get(servers["new"].port, path, 1)
        _, obj = timed_get(servers["new"].port, one, 1)
        www = os.path.join(tmp, "www")
        os.makedirs(os.path.join(www, "api/v1/namespaces/default/pods"), exist_ok=True)
        with open(os.path.join(www, "list.json"), "wb") as f:
            f.write(body)
        with open(os.path.join(www, "object.json"), "wb") as f:
            f.write(obj)
        ngx = Nginx(www, tmp)
        out["nginx"] = {}
        for r in range(runs):
            for k, srv in servers.items():
                add(k, "list all pods, curl (ms)", curl_time(f"http://127.0.0.1:{srv.port}{path}", 1) * 1000)
            add("nginx", "list all pods, curl (ms)", curl_time(f"http://127.0.0.1:{ngx.port}/list.json", 1) * 1000)
            for k, srv in servers.items():
                add(k, "get one pod, curl (ms)", curl_time(f"http://127.0.0.1:{srv.port}{one}", 5) * 1000)
            add("nginx", "get one pod, curl (ms)", curl_time(f"http://127.0.0.1:{ngx.port}/object.json", 5) * 1000)
        for r in range(max(1, runs // 3)):
            for k, srv in servers.items():
                add(k, "get one pod, wrk -t2 -c16 -d5s (req/s)", wrk_rps(f"http://127.0.0.1:{srv.port}{one}", 5))
            add("nginx", "get one pod, wrk -t2 -c16 -d5s (req/s)", wrk_rps(f"http://127.0.0.1:{ngx.port}/object.json", 5))
        for k, srv in servers.items():
            c0 = cpu_seconds(srv.proc.pid)
            for _ in range(runs):
                timed_get(srv.port, path, 1)
            add(k, "list all pods: server CPU per list (ms)", (cpu_seconds(srv.proc.pid) - c0) / runs * 1000)
    finally:
        if ngx:
            ngx.stop()
        for srv in servers.values():
            srv.stop()
    print(f"list body {len(body) / 1e6:.1f} MB, one pod {len(obj)} B; medians; load average {os.getloadavg()}")
    keys = list(out["new"].keys())
    print(f"| figure | baseline | new | new/baseline | nginx | new/nginx |")
    print(f"|---|---:|---:|---:|---:|---:|")
    for key in keys:
        b = statistics.median(out["baseline"][key])
        n = statistics.median(out["new"][key])
        g = out["nginx"].get(key)
        gm = statistics.median(g) if g else None
        print(f"| {key} | {b:.2f} | {n:.2f} | {n / b:.2f} | {'' if gm is None else f'{gm:.2f}'} | "
              f"{'' if gm is None else f'{n / gm:.2f}'} |")
    for key in keys:
        print(f"  {key}: baseline runs {[round(x, 2) for x in out['baseline'][key]]}, "
              f"new runs {[round(x, 2) for x in out['new'][key]]}"
              + (f", nginx runs {[round(x, 2) for x in out['nginx'][key]]}" if key in out["nginx"] else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("what", nargs="*", default=["list", "memory", "startup"])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--pods", type=int, default=10_000, help="pods for list/memory (smaller for a smoke run)")
    ap.add_argument("--objects", type=int, default=100_000, help="objects for startup")
    ap.add_argument("--watches", type=int, default=1000)
    ap.add_argument("--baseline", help="another ake binary to compare with (protobuf, compare)")
    ap.add_argument("--creates", type=int, default=2_000, help="compare: pods created per create run")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ake-bench-")
    os.chmod(tmp, 0o755)  # nginx workers run as an unprivileged user and must read the files
    try:
        for w in args.what:
            {"list": lambda: bench_list(args.binary, tmp, args.runs, args.pods),
             "memory": lambda: bench_memory(args.binary, tmp, args.watches, args.pods),
             "startup": lambda: bench_startup(args.binary, tmp, args.runs, args.objects),
             "protobuf": lambda: bench_protobuf(args.binary, args.baseline, tmp, args.runs, args.pods),
             "compare": lambda: bench_compare(args.binary, args.baseline, tmp, args.runs, args.pods, args.creates)}[w]()
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
