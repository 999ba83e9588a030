#!/usr/bin/env python3
"""Watch fan-out benchmark of `ake serve`: raw-socket watchers, side by side for several binaries.

  python3 tools/bench-watch.py BINARY [BINARY ...] [--pods 10000] [--watchers 1000] [--events 60]
                               [--runs 3] [--seconds 8]

Loads `--pods` pods (~5 KB JSON, tools/bench-http.py's `pod`) into `default` once, copies that
data directory for every server start, and for each run and each binary (alternating) measures:

  rss       VmRSS with the pods loaded (warm) and after `--watchers` idle watches are open on
            namespace `default` (every response head received, 1 s to settle): per-watch cost.
  fan-out   `--events` single updates (merge PATCH of one pod's label, one at a time over a
            keep-alive connection). Every watcher receives each one. The delay to each watcher
            is taken from the kernel's receive timestamp of the socket read that completes the
            event's line (SO_TIMESTAMPNS), so the Python reader's own speed does not count;
            measured from the PATCH's start and from its response (the "ack").
  cpu       server CPU time (utime+stime) over the fan-out phase per event, and the same
            phase with no watchers open (the write itself).
  throughput  PATCHes/s from 16 keep-alive clients for `--seconds`, with no watchers and then
            with the watchers open and drained by one reader thread (recv and discard).

Prints medians over runs per binary. Everything started is stopped, temp dirs removed.
"""
import argparse
import http.client
import importlib.util
import json
import os
import select
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("bench_http", os.path.join(HERE, "bench-http.py"))
bh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bh)

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS = SO_TIMESTAMPNS


def cpu_seconds(pid):
    """CPU time of every thread of `pid` (schedstat: nanoseconds, unlike /proc/PID/stat's ticks)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1e9


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


class Watchers:
    """`n` raw-socket watches of namespace `default` from `rv`, read with epoll."""

    def __init__(self, port, n, rv, path="/api/v1/namespaces/default/pods"):
        self.socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            s.sendall(f"GET {path}?watch=true&resourceVersion={rv} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            self.socks.append(s)
        for s in self.socks:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("watch closed")
                head += chunk
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"watch refused: {head[:200]!r}")
            s.setblocking(False)
        self.ep = select.epoll()
        self.by_fd = {}
        for i, s in enumerate(self.socks):
            self.ep.register(s.fileno(), select.EPOLLIN)
            self.by_fd[s.fileno()] = i
        self.lines = [0] * n
        self.tail = [b""] * n
        self.stamp = [0.0] * n  # kernel receive time of the read that completed the last line

    def collect(self, target, timeout=30.0):
        """Reads until every watcher has `target` complete lines; returns False on timeout."""
        missing = sum(1 for c in self.lines if c < target)
        deadline = time.monotonic() + timeout
        while missing:
            if time.monotonic() > deadline:
                return False
            for fd, _ in self.ep.poll(1.0):
                i = self.by_fd[fd]
                s = self.socks[i]
                while True:
                    try:
                        data, anc, _, _ = s.recvmsg(262144, socket.CMSG_SPACE(16))
                    except BlockingIOError:
                        break
                    if not data:
                        raise RuntimeError("watch ended")
                    buf = self.tail[i] + data
                    ends = buf.count(b"}\n")
                    self.tail[i] = buf[-1:]
                    if ends:
                        before = self.lines[i]
                        self.lines[i] += ends
                        for level, kind, payload in anc:
                            if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS:
                                sec, nsec = struct.unpack("qq", payload[:16])
                                self.stamp[i] = sec + nsec / 1e9
                        if before < target <= self.lines[i]:
                            missing -= 1
        return True

    def drain_forever(self, stop):
        """Reads and discards until `stop` is set (the throughput phase)."""
        buf = bytearray(1 << 20)
        while not stop.is_set():
            for fd, _ in self.ep.poll(0.2):
                s = self.socks[self.by_fd[fd]]
                try:
                    while s.recv_into(buf):
                        pass
                except BlockingIOError:
                    pass

    def close(self):
        self.ep.close()
        for s in self.socks:
            s.close()


def patch(conn, name, value):
    body = json.dumps({"metadata": {"labels": {"bench": str(value)}}})
    conn.request("PATCH", f"/api/v1/namespaces/default/pods/{name}", body,
                 {"Content-Type": "application/merge-patch+json"})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        raise RuntimeError(f"PATCH {name}: {r.status}")


def fan_out(srv, watchers, events, counter):
    """One update at a time; returns (delays from start [ms], delays from ack [ms], server CPU ms/event)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    from_start, from_ack = [], []
    base = watchers.lines[0] if watchers else 0
    cpu0 = cpu_seconds(srv.proc.pid)
    for k in range(events):
        counter[0] += 1
        t0 = time.time()
        patch(conn, "pod-00000", counter[0])
        t1 = time.time()
        if watchers:
            if not watchers.collect(base + k + 1):
                raise RuntimeError("an event did not reach every watcher within 30 s")
            from_start += [(t - t0) * 1e3 for t in watchers.stamp]
            from_ack += [(t - t1) * 1e3 for t in watchers.stamp]
    cpu = (cpu_seconds(srv.proc.pid) - cpu0) / events * 1e3  # ms per event
    conn.close()
    return from_start, from_ack, cpu


def throughput(port, seconds, pods, clients=16):
    stop = time.monotonic() + seconds
    done = [0] * clients

    def run(c):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        i = 0
        while time.monotonic() < stop:
            patch(conn, f"pod-{(c * 97 + i) % min(pods, 1000):05d}", f"t{c}-{i}")
            i += 1
            done[c] += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - t0)


def connection_cost(binary, seed_dir, tmp, n):
    """KB of RSS per idle keep-alive connection that has answered one GET (NIO channel + HTTP server)."""
    data = os.path.join(tmp, "conns")
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(seed_dir, data)
    srv = bh.Server(binary, data)
    conns = []
    try:
        bh.timed_get(srv.port, "/api/v1/namespaces/default/pods?limit=1", 1)
        time.sleep(1)
        rss0 = srv.rss_kb()
        for _ in range(n):
            c = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
            c.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
            conns.append(c)
        for c in conns:
            got = b""
            while not (b"\r\n\r\n" in got and got.rstrip().endswith(b"}")):
                chunk = c.recv(65536)
                if not chunk:
                    raise RuntimeError("connection closed")
                got += chunk
        time.sleep(1)
        return (srv.rss_kb() - rss0) / n
    finally:
        for c in conns:
            c.close()
        srv.stop()


def one_run(binary, seed_dir, tmp, args):
    out = {"kb_per_connection": connection_cost(binary, seed_dir, tmp, args.watchers)}
    data = os.path.join(tmp, "run")
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(seed_dir, data)
    srv = bh.Server(binary, data)
    watchers = None
    counter = [0]
    try:
        bh.timed_get(srv.port, "/api/v1/namespaces/default/pods?limit=1", 1)
        fan_out(srv, None, 5, counter)  # warm the write path
        _, _, out["cpu_write"] = fan_out(srv, None, args.events, counter)
        out["tput_0"] = throughput(srv.port, args.seconds, args.pods)
        time.sleep(1)
        rss0 = srv.rss_kb()
        rv = bh.head_rv(srv.port)
        watchers = Watchers(srv.port, args.watchers, rv)
        time.sleep(1)
        rss1 = srv.rss_kb()
        out["rss_pods_mb"] = rss0 / 1024
        out["rss_watches_mb"] = rss1 / 1024
        out["kb_per_watch"] = (rss1 - rss0) / args.watchers
        fan_out(srv, watchers, 3, counter)  # first deliveries warm the per-watch paths
        s, a, out["cpu_fanout"] = fan_out(srv, watchers, args.events, counter)
        out["start_p50"], out["start_p99"] = pct(s, 50), pct(s, 99)
        out["ack_p50"], out["ack_p99"] = pct(a, 50), pct(a, 99)
        out["rss_after_events_mb"] = srv.rss_kb() / 1024
        stop = threading.Event()
        reader = threading.Thread(target=watchers.drain_forever, args=(stop,))
        reader.start()
        try:
            out["tput_w"] = throughput(srv.port, args.seconds, args.pods)
        finally:
            stop.set()
            reader.join()
    finally:
        if watchers:
            watchers.close()
        srv.stop()
    return out


ROWS = [
    ("rss_pods_mb", "RSS with the pods (MB)", "{:.1f}"),
    ("rss_watches_mb", "RSS + idle watches (MB)", "{:.1f}"),
    ("kb_per_watch", "KB per idle watch", "{:.1f}"),
    ("kb_per_connection", "KB per idle keep-alive connection (no watch)", "{:.1f}"),
    ("rss_after_events_mb", "RSS after the fan-out events (MB)", "{:.1f}"),
    ("start_p50", "fan-out p50 from the write's start (ms)", "{:.2f}"),
    ("start_p99", "fan-out p99 from the write's start (ms)", "{:.2f}"),
    ("ack_p50", "fan-out p50 after the write's ack (ms)", "{:.2f}"),
    ("ack_p99", "fan-out p99 after the write's ack (ms)", "{:.2f}"),
    ("cpu_write", "server CPU per write, no watchers (ms)", "{:.1f}"),
    ("cpu_fanout", "server CPU per write + fan-out to every watcher (ms)", "{:.1f}"),
    ("tput_0", "PATCH/s, 16 clients, no watchers", "{:.0f}"),
    ("tput_w", "PATCH/s, 16 clients, watchers draining", "{:.0f}"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--watchers", type=int, default=1000)
    ap.add_argument("--events", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ake-bench-watch-")
    try:
        seed = os.path.join(tmp, "seed")
        srv = bh.Server(args.binaries[0], seed)
        try:
            secs = bh.load(srv.port, args.pods, bh.pod, "/api/v1/namespaces/default/pods")
        finally:
            srv.stop()
        print(f"loaded {args.pods:,} pods in {secs:.1f} s; load average {os.getloadavg()}", flush=True)
        results = {b: [] for b in args.binaries}
        for r in range(args.runs):
            for b in args.binaries:
                res = one_run(b, seed, tmp, args)
                results[b].append(res)
                print(f"run {r + 1} {b}: " + ", ".join(f"{k}={v:.2f}" for k, v in res.items()), flush=True)
        print(f"\nmedians of {args.runs} runs ({args.watchers} watchers, {args.events} events); "
              f"load average after: {os.getloadavg()}")
        names = [os.path.relpath(b) for b in args.binaries]
        print("| figure | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        for key, label, fmt in ROWS:
            cells = [fmt.format(statistics.median(x[key] for x in results[b])) for b in args.binaries]
            print(f"| {label} | " + " | ".join(cells) + " |")
        for b in args.binaries:
            rs = results[b]
            ratio = statistics.median(x["tput_w"] / x["tput_0"] for x in rs)
            print(f"{os.path.relpath(b)}: throughput with watchers / without = {ratio:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
