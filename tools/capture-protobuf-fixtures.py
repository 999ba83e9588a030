#!/usr/bin/env python3
"""Captures the protobuf request bodies kubectl 1.33 sends for its typed `create`
subcommands, with the JSON of the same command under `--dry-run=client -o json`,
into Tests/APIFrontTests/Fixtures/protobuf/<name>.pb and <name>.json.

Usage: tools/capture-protobuf-fixtures.py [AKE_BINARY]   (default .build/debug/ake)

A fresh `ake serve` answers discovery and OpenAPI; a recording proxy in front of it
keeps each POST body and answers 409 AlreadyExists (AKE is never asked to
decode them, so fixtures do not depend on the decoder they test).
"""

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests/APIFrontTests/Fixtures/protobuf")

COMMANDS = {
    "deployment": ["create", "deployment", "web", "--image=nginx", "--replicas=0", "--port=80"],
    "job": ["create", "job", "pi", "--image=perl:5.34", "--", "perl", "-e", "print 1"],
    "cronjob": ["create", "cronjob", "tick", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"],
    "service-clusterip": ["create", "service", "clusterip", "web", "--tcp=80:8080", "--tcp=443:8443"],
    "service-nodeport": ["create", "service", "nodeport", "np", "--tcp=80:8080", "--node-port=30080"],
    "service-externalname": ["create", "service", "externalname", "ext", "--external-name=example.com"],
    "role": ["create", "role", "reader", "--verb=get,list,watch", "--resource=pods,deployments.apps"],
    "rolebinding": ["create", "rolebinding", "readers", "--role=reader", "--user=alice", "--serviceaccount=default:sa1"],
    "clusterrole": ["create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes",
                    "--non-resource-url=/healthz"],
    "clusterrolebinding": ["create", "clusterrolebinding", "node-readers", "--clusterrole=node-reader",
                           "--group=ops"],
    "quota": ["create", "quota", "q", "--hard=cpu=1,memory=1Gi,pods=10", "--scopes=NotBestEffort"],
    "priorityclass": ["create", "priorityclass", "high", "--value=1000", "--description=high priority",
                      "--preemption-policy=Never"],
    "poddisruptionbudget": ["create", "poddisruptionbudget", "web-pdb", "--selector=app=web",
                            "--min-available=50%"],
    "ingress": ["create", "ingress", "web", "--class=nginx", "--rule=foo.com/bar*=svc1:8080,tls=my-cert",
                "--annotation=a=b"],
    "configmap": ["create", "configmap", "cm", "--from-literal=a=b", "--from-literal=c=d"],
    "secret-generic": ["create", "secret", "generic", "s", "--from-literal=k=v", "--type=Opaque"],
    "secret-docker-registry": ["create", "secret", "docker-registry", "reg", "--docker-server=r.example",
                               "--docker-username=u", "--docker-password=p"],
    "namespace": ["create", "namespace", "ns1"],
    "serviceaccount": ["create", "serviceaccount", "sa1"],
}


class Recorder(http.server.BaseHTTPRequestHandler):
    upstream = ""
    bodies = []

    def log_message(self, *args):
        pass

    def proxy(self, method, body=None):
        req = urllib.request.Request(self.upstream + self.path, data=body, method=method)
        for h in ("Accept", "Content-Type"):
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            with urllib.request.urlopen(req) as resp:
                status, headers, data = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, e.headers, e.read()
        self.send_response(status)
        self.send_header("Content-Type", headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.proxy("GET")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Recorder.bodies.append((self.headers.get("Content-Type", ""), body))
        data = json.dumps({"apiVersion": "v1", "kind": "Status", "status": "Failure", "code": 409,
                           "reason": "AlreadyExists", "message": "recorded"}).encode()
        self.send_response(409)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    ake = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/ake")
    kdir = os.path.dirname(os.path.realpath(shutil.which("kubectl")))
    kubectl = os.path.join(kdir, "kubectl.1.33")
    tmp = tempfile.mkdtemp()
    proc = subprocess.Popen([ake, "serve", "--listen", "127.0.0.1:0", "--data-dir", tmp + "/data"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for line in proc.stdout:
            m = re.search(r"http://[0-9.:]+", line)
            if m:
                url = m.group(0)
                break
        Recorder.upstream = url
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        proxy = f"http://127.0.0.1:{server.server_address[1]}"
        env = dict(os.environ, HOME=tmp, KUBECONFIG=os.devnull)
        os.makedirs(OUT, exist_ok=True)
        for name, args in COMMANDS.items():
            Recorder.bodies.clear()
            subprocess.run([kubectl, "--server", proxy] + args, env=env, capture_output=True, timeout=60)
            pb = [b for ct, b in Recorder.bodies if ct.startswith("application/vnd.kubernetes.protobuf")]
            if len(pb) != 1:
                print(f"{name}: expected one protobuf POST, got {[(ct, len(b)) for ct, b in Recorder.bodies]}")
                continue
            dry = subprocess.run([kubectl, "--server", proxy] + args[:_split(args)] + ["--dry-run=client", "-o", "json"]
                                 + args[_split(args):], env=env, capture_output=True, timeout=60, check=True)
            with open(os.path.join(OUT, name + ".pb"), "wb") as f:
                f.write(pb[0])
            with open(os.path.join(OUT, name + ".json"), "wb") as f:
                f.write(dry.stdout)
            print(f"{name}: {len(pb[0])} bytes")
        server.shutdown()
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _split(args):
    """Flags must come before a `--` command separator."""
    return args.index("--") if "--" in args else len(args)


if __name__ == "__main__":
    main()
