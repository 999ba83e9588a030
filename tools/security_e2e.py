#!/usr/bin/env python3
"""End-to-end check of AKE's secured port with real processes (docs/security.md):
`ake certs` → `ake serve` with TLS, --client-ca-file, --token-auth-file,
--service-account-key-file and --authorization-mode=Node,RBAC, then stock kubectl and
Python's TLS client:

- the admin (client certificate in system:masters): `get`, `auth can-i`, `auth whoami`;
- a certificate user without bindings: 403 with kube-apiserver's exact message, then
  allowed after a RoleBinding; `auth can-i` says no, then yes;
- a token user: whoami; a wrong token: 401 with the exact body; anonymous: /version
  allowed, /api/v1/pods forbidden with the exact body;
- a kubelet identity (system:node:node1): reads its pod's Secret, not another one;
  NodeRestriction refuses its forbidden label and taint changes on its own Node;
- the safe default: listening on 0.0.0.0 without the flags is refused at start;
- an edge (`ake serve --upstream`, security settings from a config file) verifies a
  ServiceAccount token the cloud's key signed, with the cloud's issuer keys
  (`/openid/v1/jwks`) it mirrored: online, with the link cut, after a restart while the
  link is cut; a forged token is 401; once the cloud deletes the token's pod and the
  edge syncs that, the token is 401; a kubelet's token at the edge sets a kubelet label
  on its Node (forwarded to the cloud) and is refused a node-restriction.kubernetes.io
  label and another Node.

Usage: python3 tools/security_e2e.py [path/to/ake]   (default .build/debug/ake)
"""
import base64
import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from akeprocs import Procs, ROOT  # noqa: E402

AKE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "ake")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    procs = Procs("security e2e", AKE)
    tmp = tempfile.mkdtemp(prefix="ake-security-")
    try:
        run(procs, tmp)
        edge_service_accounts(procs, tmp)
    finally:
        procs.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
    print("security e2e: ok")


def check(procs, step, cond, detail):
    if not cond:
        procs.fail(step, detail)


def run(procs, tmp):
    certs = os.path.join(tmp, "certs")
    port = free_port()
    listen = "127.0.0.1:%d" % port

    def ake(*args, check_rc=True):
        r = subprocess.run([AKE, *args], capture_output=True, text=True, timeout=120)
        if check_rc and r.returncode != 0:
            procs.fail("ake " + " ".join(args), r.stderr.strip())
        return r

    ake("certs", "--dir", certs, "--listen", listen)
    ake("certs", "--dir", certs, "--listen", listen, "--client", "bob")
    ake("certs", "--dir", certs, "--listen", listen, "--client", "node1", "--user", "system:node:node1",
        "--group", "system:nodes")
    tokens = os.path.join(tmp, "tokens.csv")
    with open(tokens, "w") as f:
        f.write('t-carol,carol,1001,"dev,qa"\n')

    # The safe default: beyond loopback without the flags, the server refuses to start.
    refused = ake("serve", "--listen", "0.0.0.0:0", "--data-dir", os.path.join(tmp, "refused"), check_rc=False)
    check(procs, "refusing 0.0.0.0", refused.returncode != 0 and "--tls-cert-file" in refused.stderr
          and "--insecure-serve-remote" in refused.stderr, refused.stderr)

    _, url = procs.start_ake(
        os.path.join(tmp, "data"), "--tls-cert-file", os.path.join(certs, "server.crt"),
        "--tls-private-key-file", os.path.join(certs, "server.key"),
        "--client-ca-file", os.path.join(certs, "ca.crt"), "--token-auth-file", tokens,
        "--authorization-mode", "Node,RBAC", "--listen", listen)
    check(procs, "https listener", url == "https://" + listen, url)

    def kubectl(user, *args, ok=True):
        r = subprocess.run(["kubectl", "--kubeconfig", os.path.join(certs, user + ".kubeconfig"),
                            "--request-timeout", "30s", *args], capture_output=True, text=True, timeout=90)
        if ok and r.returncode != 0:
            procs.fail("kubectl as %s %s" % (user, " ".join(args)), r.stderr.strip())
        return r

    # The admin: a client certificate in system:masters.
    ns = kubectl("admin", "get", "namespaces", "-o", "name").stdout
    check(procs, "admin get namespaces", "namespace/default" in ns, ns)
    check(procs, "admin can-i", kubectl("admin", "auth", "can-i", "delete", "secrets", "-A").stdout.strip() == "yes",
          "expected yes")
    who = json.loads(kubectl("admin", "auth", "whoami", "-o", "json").stdout)
    check(procs, "admin whoami", who["status"]["userInfo"]["username"] == "ake-admin"
          and "system:masters" in who["status"]["userInfo"]["groups"], who)
    roles = kubectl("admin", "get", "clusterroles", "-o", "name").stdout
    check(procs, "bootstrap roles", "clusterrole.rbac.authorization.k8s.io/cluster-admin" in roles
          and "clusterrole.rbac.authorization.k8s.io/system:basic-user" in roles, roles)

    # bob: a certificate user without bindings.
    denied = kubectl("bob", "get", "configmaps", "-n", "default", ok=False)
    want = ('configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" '
            'in the namespace "default"')
    check(procs, "bob forbidden", denied.returncode != 0 and want in denied.stderr, denied.stderr)
    no = kubectl("bob", "auth", "can-i", "list", "configmaps", "-n", "default", ok=False)
    check(procs, "bob can-i no", no.returncode == 1 and no.stdout.strip() == "no", no.stdout + no.stderr)
    kubectl("admin", "create", "role", "cm-reader", "-n", "default", "--verb=get,list", "--resource=configmaps")
    kubectl("admin", "create", "rolebinding", "bob-reads", "-n", "default", "--role=cm-reader", "--user=bob")
    kubectl("bob", "get", "configmaps", "-n", "default")
    check(procs, "bob can-i yes",
          kubectl("bob", "auth", "can-i", "list", "configmaps", "-n", "default").stdout.strip() == "yes", "expected yes")
    listed = kubectl("bob", "auth", "can-i", "--list", "-n", "default").stdout
    check(procs, "bob can-i --list", any(l.split()[:1] == ["configmaps"] and "[get list]" in l
                                         for l in listed.splitlines()), listed)
    check(procs, "bob elsewhere", kubectl("bob", "get", "configmaps", "-n", "kube-system", ok=False).returncode != 0,
          "bob reads kube-system")

    # Raw HTTPS: the token user, a wrong token, anonymous.
    ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.crt"))

    def get(path, token=None):
        req = urllib.request.Request(url + path)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def post(path, body, token):
        req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, json.loads(r.read())

    code, body = post("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                      {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}, "t-carol")
    check(procs, "token whoami", code == 201 and body["status"]["userInfo"] == {
        "username": "carol", "uid": "1001", "groups": ["dev", "qa", "system:authenticated"]}, body)
    python_client(procs, url, certs)
    code, body = get("/api/v1/namespaces", "wrong")
    check(procs, "wrong token 401", code == 401 and body ==
          '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized",'
          '"reason":"Unauthorized","code":401}', "%s %s" % (code, body))
    code, body = get("/version")
    check(procs, "anonymous /version", code == 200, "%s %s" % (code, body))
    code, body = get("/api/v1/pods")
    check(procs, "anonymous pods 403", code == 403 and body ==
          '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: '
          'User \\"system:anonymous\\" cannot list resource \\"pods\\" in API group \\"\\" at the cluster scope",'
          '"reason":"Forbidden","details":{"kind":"pods"},"code":403}', "%s %s" % (code, body))

    # A renewed serving certificate is served to new connections without a restart.
    def serial():
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            with ctx.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
                return tls.getpeercert()["serialNumber"]
    before = serial()
    os.remove(os.path.join(certs, "server.crt"))
    os.remove(os.path.join(certs, "server.key"))
    ake("certs", "--dir", certs, "--listen", listen, "--client", "renew-check")
    procs.until("the renewed serving certificate", lambda: serial() != before, seconds=15, interval=0.5)
    kubectl("admin", "get", "namespaces")

    # A kubelet identity reads only the Secrets of the pods bound to it.
    kubectl("admin", "create", "secret", "generic", "mine", "-n", "default", "--from-literal=k=v")
    kubectl("admin", "create", "secret", "generic", "theirs", "-n", "default", "--from-literal=k=v")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"nodeName": "node1", "containers": [{"name": "c", "image": "nginx"}],
                    "volumes": [{"name": "s", "secret": {"secretName": "mine"}}]}}
    subprocess.run(["kubectl", "--kubeconfig", os.path.join(certs, "admin.kubeconfig"), "create", "-f", "-"],
                   input=json.dumps(pod), capture_output=True, text=True, check=True, timeout=60)
    kubectl("node1", "get", "secret", "mine", "-n", "default")
    theirs = kubectl("node1", "get", "secret", "theirs", "-n", "default", ok=False)
    check(procs, "node reads another secret", theirs.returncode != 0 and
          "no relationship found between node 'node1' and this object" in theirs.stderr, theirs.stderr)
    all_pods = kubectl("node1", "get", "pods", "-A", ok=False)
    check(procs, "node lists all pods", all_pods.returncode != 0, all_pods.stdout)
    kubectl("node1", "get", "pods", "-A", "--field-selector", "spec.nodeName=node1")
    pod["metadata"]["name"] = "not-mirror"
    created = subprocess.run(["kubectl", "--kubeconfig", os.path.join(certs, "node1.kubeconfig"), "create", "-f", "-"],
                             input=json.dumps(pod), capture_output=True, text=True, timeout=60)
    check(procs, "node creates a non-mirror pod", created.returncode != 0 and
          'node "node1" can only create mirror pods' in created.stderr, created.stderr)

    # NodeRestriction on the kubelet's own Node: kubelet labels yes; node-restriction.kubernetes.io
    # labels, other kubernetes.io labels and taints no.
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1", "labels": {"kubernetes.io/os": "linux"}}}
    subprocess.run(["kubectl", "--kubeconfig", os.path.join(certs, "node1.kubeconfig"), "create", "-f", "-"],
                   input=json.dumps(node), capture_output=True, text=True, check=True, timeout=60)
    kubectl("node1", "label", "node", "node1", "node.kubernetes.io/instance-type=edge-small")
    labeled = kubectl("node1", "label", "node", "node1", "node-restriction.kubernetes.io/trusted=yes", ok=False)
    check(procs, "node sets a node-restriction label", labeled.returncode != 0 and
          'nodes "node1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/trusted'
          in labeled.stderr, labeled.stderr)
    role = kubectl("node1", "label", "node", "node1", "node-role.kubernetes.io/control-plane=", ok=False)
    check(procs, "node sets a role label", role.returncode != 0 and
          "is not allowed to modify labels: node-role.kubernetes.io/control-plane" in role.stderr, role.stderr)
    tainted = kubectl("node1", "taint", "node", "node1", "dedicated=edge:NoSchedule", ok=False)
    check(procs, "node taints itself", tainted.returncode != 0 and
          'node "node1" is not allowed to modify taints' in tainted.stderr, tainted.stderr)
    kubectl("admin", "label", "node", "node1", "node-restriction.kubernetes.io/trusted=yes")
    labels = json.loads(kubectl("admin", "get", "node", "node1", "-o", "json").stdout)["metadata"]["labels"]
    check(procs, "node labels", labels.get("node.kubernetes.io/instance-type") == "edge-small"
          and labels.get("node-restriction.kubernetes.io/trusted") == "yes"
          and "node-role.kubernetes.io/control-plane" not in labels, labels)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def edge_service_accounts(procs, tmp):
    """A cloud with a ServiceAccount signing key, a link proxy and an edge that verifies
    the cloud's tokens with the issuer keys it mirrored."""
    keys = os.path.join(tmp, "sa")
    os.makedirs(keys)
    key, pub = os.path.join(keys, "sa.key"), os.path.join(keys, "sa.pub")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True, timeout=60)
    der = subprocess.run(["openssl", "rsa", "-pubin", "-in", pub, "-outform", "DER"], check=True,
                         capture_output=True, timeout=60).stdout
    kid = b64url(hashlib.sha256(der).digest())
    issuer = "https://cloud.example"

    _, cloud = procs.start_ake(os.path.join(tmp, "cloud"), "--service-account-key-file", pub,
                               "--service-account-issuer", issuer)

    def http(method, url, body=None, token=None, content_type="application/json"):
        req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": content_type})
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    # The cloud serves issuer discovery as kube-apiserver does.
    code, config = http("GET", cloud + "/.well-known/openid-configuration")
    check(procs, "cloud openid-configuration", code == 200 and config["issuer"] == issuer
          and config["jwks_uri"] == issuer + "/openid/v1/jwks", config)
    code, jwks = http("GET", cloud + "/openid/v1/jwks")
    check(procs, "cloud jwks", code == 200 and [k["kid"] for k in jwks["keys"]] == [kid]
          and jwks["keys"][0]["alg"] == "RS256", jwks)

    _, sa = http("POST", cloud + "/api/v1/namespaces/default/serviceaccounts",
                 {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}})
    _, node = http("POST", cloud + "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node1"}})
    _, pod = http("POST", cloud + "/api/v1/namespaces/default/pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "job"},
        "spec": {"nodeName": "node1", "serviceAccountName": "builder", "containers": [{"name": "c", "image": "busybox"}]}})

    def token(signing_key):
        """A bound token as the cloud's TokenRequest issues it (kube-apiserver's claims and kid)."""
        now = int(__import__("time").time())
        header = {"alg": "RS256", "kid": kid}
        claims = {"aud": [issuer], "exp": now + 3600, "iat": now, "nbf": now, "iss": issuer,
                  "jti": "e2e-1", "sub": "system:serviceaccount:default:builder",
                  "kubernetes.io": {"namespace": "default",
                                    "node": {"name": "node1", "uid": node["metadata"]["uid"]},
                                    "pod": {"name": "job", "uid": pod["metadata"]["uid"]},
                                    "serviceaccount": {"name": "builder", "uid": sa["metadata"]["uid"]}}}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", signing_key], input=signing_input.encode(),
                                   check=True, capture_output=True, timeout=60).stdout
        return signing_input + "." + b64url(signature)

    good = token(key)
    forger = os.path.join(keys, "forger.key")
    subprocess.run(["openssl", "genrsa", "-out", forger, "2048"], check=True, capture_output=True, timeout=60)
    forged = token(forger)

    # The edge: its security settings from a config file; the pods of node1 and the
    # ServiceAccounts of default synced (so deleted ones are detected).
    # A kubelet's token too, with the Node authorizer (and NodeRestriction) before AlwaysAllow.
    edge_tokens = os.path.join(tmp, "edge-tokens.csv")
    with open(edge_tokens, "w") as f:
        f.write('t-node1,system:node:node1,n1,"system:nodes"\n')
    config_file = os.path.join(tmp, "edge.yaml")
    with open(config_file, "w") as f:
        f.write("anonymous-auth: false\nauthorization-mode: Node,AlwaysAllow\ntoken-auth-file: %s\n"
                "sync:\n  - pods:spec.nodeName=node1\n  - serviceaccounts/default\n" % edge_tokens)
    proxy = procs.proxy(cloud)
    edge_data = os.path.join(tmp, "edge")
    edge_args = ("--config", config_file, "--upstream", proxy.url, "--probe-interval", "1s",
                 "--quiet-probe-interval", "1s")
    edge_proc, edge = procs.start_ake(edge_data, *edge_args)

    def whoami(server, bearer):
        return http("POST", server + "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                    {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}, bearer)

    def verified(step, server):
        code, body = whoami(server, good)
        info = body["status"]["userInfo"] if code == 201 else body
        check(procs, step, code == 201 and info["username"] == "system:serviceaccount:default:builder"
              and info["extra"]["authentication.kubernetes.io/pod-name"] == ["job"]
              and info["extra"]["authentication.kubernetes.io/node-name"] == ["node1"], "%s %s" % (code, body))

    procs.until("the edge verifies the cloud's token", lambda: whoami(edge, good)[0] == 201, seconds=30)
    verified("edge online", edge)
    code, _ = whoami(edge, forged)
    check(procs, "forged token at the edge", code == 401, code)
    code, _ = whoami(edge, None)
    check(procs, "no credentials at the edge", code == 401, code)

    # NodeRestriction at the edge: the Node is read through the edge (synced on demand);
    # a kubelet label goes through to the cloud, a node-restriction.kubernetes.io one is refused.
    node_url = edge + "/api/v1/nodes/node1"
    merge = "application/merge-patch+json"
    code, body = http("PATCH", node_url, {"metadata": {"labels": {"kubernetes.io/os": "linux"}}}, "t-node1", merge)
    check(procs, "edge: kubelet label", code == 200, "%s %s" % (code, body))
    code, body = http("PATCH", node_url, {"metadata": {"labels": {"node-restriction.kubernetes.io/pool": "a"}}},
                      "t-node1", merge)
    check(procs, "edge: forbidden label", code == 403 and json.loads(body)["message"] ==
          'nodes "node1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool', body)
    code, body = http("PATCH", edge + "/api/v1/nodes/node2", {"metadata": {"labels": {"a": "b"}}}, "t-node1", merge)
    check(procs, "edge: another node", code == 403 and 'not allowed to modify node \\"node2\\"' in body, body)
    _, cloud_node = http("GET", cloud + "/api/v1/nodes/node1")
    check(procs, "edge: the cloud's node labels", cloud_node["metadata"].get("labels") == {"kubernetes.io/os": "linux"},
          cloud_node["metadata"])

    print(proxy.ctl("cut"))
    verified("edge with the link cut", edge)
    procs.stop(edge_proc, "the edge")
    _, edge = procs.start_ake(edge_data, *edge_args)
    verified("edge restarted while the link is cut", edge)
    code, _ = whoami(edge, forged)
    check(procs, "forged token offline", code == 401, code)
    code, jwks_edge = http("GET", edge + "/openid/v1/jwks", token=good)
    check(procs, "edge serves the mirrored jwks", code == 200 and jwks_edge == jwks, jwks_edge)

    print(proxy.ctl("heal"))
    code, _ = http("DELETE", cloud + "/api/v1/namespaces/default/pods/job")
    check(procs, "delete the token's pod", code == 200, code)
    procs.until("the edge refuses the token of a deleted pod", lambda: whoami(edge, good)[0] == 401, seconds=30)


def python_client(procs, url, certs):
    """The official Python client with a bearer token (skipped when it is not installed):
    carol is authenticated but may not list namespaces."""
    try:
        import kubernetes
    except ImportError:
        print("security e2e: kubernetes Python client not installed, skipping its check")
        return
    conf = kubernetes.client.Configuration()
    conf.host = url
    conf.ssl_ca_cert = os.path.join(certs, "ca.crt")
    conf.api_key = {"authorization": "t-carol"}
    conf.api_key_prefix = {"authorization": "Bearer"}
    api = kubernetes.client.CoreV1Api(kubernetes.client.ApiClient(conf))
    try:
        api.list_namespace()
        procs.fail("python client", "carol listed namespaces")
    except kubernetes.client.exceptions.ApiException as e:
        want = ('namespaces is forbidden: User "carol" cannot list resource "namespaces" in API group "" '
                'at the cluster scope')
        check(procs, "python client 403", e.status == 403 and json.loads(e.body)["message"] == want, e.body)
    version = kubernetes.client.VersionApi(kubernetes.client.ApiClient(conf)).get_code()
    check(procs, "python client /version", bool(version.git_version), str(version))


if __name__ == "__main__":
    main()
