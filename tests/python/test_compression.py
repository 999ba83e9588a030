"""Response compression as kube-apiserver applies it (k8s.io/apiserver
endpoints/handlers/responsewriters/writers.go): with `Accept-Encoding: gzip`, a response
larger than 128 KiB is gzipped (`Content-Encoding: gzip`, `Vary: Accept-Encoding`); a
smaller one, and any response to a client that did not ask, is sent as it is."""

import gzip
import json
import urllib.request

from kubernetes import client


def raw(api_client, path, encoding=None):
    headers = {"Accept": "application/json"}
    if encoding:
        headers["Accept-Encoding"] = encoding
    req = urllib.request.Request(api_client.configuration.host + path, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.headers, resp.read()


def test_large_lists_are_gzipped_only_when_asked(api_client, namespace):
    core = client.CoreV1Api(api_client)
    for i in range(160):
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="big-%03d" % i), data={"v": "x" * 1024}))
    path = "/api/v1/namespaces/%s/configmaps?resourceVersion=0" % namespace

    plain_headers, plain = raw(api_client, path)
    assert plain_headers.get("Content-Encoding") is None
    assert len(plain) > 128 * 1024

    headers, body = raw(api_client, path, "gzip, deflate")
    assert headers.get("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in headers.get_all("Vary")
    inflated = gzip.decompress(body)
    assert len(body) * 5 < len(inflated)  # repetitive JSON: gzip level 1 still shrinks it a lot
    assert json.loads(inflated)["items"] == json.loads(plain)["items"]

    # Small responses are not compressed, even when asked.
    small_headers, small = raw(api_client, "/api/v1/namespaces/%s/configmaps/big-000" % namespace, "gzip")
    assert small_headers.get("Content-Encoding") is None
    assert json.loads(small)["metadata"]["name"] == "big-000"
