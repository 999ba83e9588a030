"""Objects written through the official Python client come back defaulted as kube-apiserver defaults them.

Run: python3 -m pytest tests/python/test_defaults.py (after `swift build`).
"""

from kubernetes import client


def test_service_create_read_delete_returns_the_defaulted_service(api_client, namespace):
    core = client.CoreV1Api(api_client)
    svc = client.V1Service(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(name="http", port=80)]),
    )
    created = core.create_namespaced_service(namespace, svc)
    for got in (created, core.read_namespaced_service("web", namespace)):
        assert got.spec.type == "ClusterIP"
        assert got.spec.session_affinity == "None"
        assert got.spec.internal_traffic_policy == "Cluster"
        assert got.spec.external_traffic_policy is None
        [port] = got.spec.ports
        assert (port.protocol, port.port, port.target_port) == ("TCP", 80, 80)
        # The status of a new Service is an empty load balancer status, not missing.
        assert got.status is not None and got.status.load_balancer is not None
        assert got.status.load_balancer.ingress is None
    core.delete_namespaced_service("web", namespace)


def test_node_port_service_gets_the_external_traffic_policy(api_client, namespace):
    core = client.CoreV1Api(api_client)
    svc = client.V1Service(
        metadata=client.V1ObjectMeta(name="np"),
        spec=client.V1ServiceSpec(type="NodePort", ports=[client.V1ServicePort(port=8080, target_port="http")]),
    )
    got = core.create_namespaced_service(namespace, svc)
    assert got.spec.external_traffic_policy == "Cluster"
    assert got.spec.ports[0].target_port == "http" and got.spec.ports[0].protocol == "TCP"
    core.delete_namespaced_service("np", namespace)


def test_pod_create_returns_the_defaulted_pod(api_client, namespace):
    core = client.CoreV1Api(api_client)
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1PodSpec(
            containers=[
                client.V1Container(name="latest", image="nginx"),
                client.V1Container(
                    name="pinned",
                    image="nginx:1.27",
                    ports=[client.V1ContainerPort(container_port=80)],
                    liveness_probe=client.V1Probe(http_get=client.V1HTTPGetAction(port=80)),
                    resources=client.V1ResourceRequirements(limits={"cpu": "100m", "memory": "64Mi"}),
                ),
            ]
        ),
    )
    created = core.create_namespaced_pod(namespace, pod)
    for got in (created, core.read_namespaced_pod("web", namespace)):
        spec = got.spec
        assert spec.restart_policy == "Always"
        assert spec.dns_policy == "ClusterFirst"
        assert spec.scheduler_name == "default-scheduler"
        assert spec.termination_grace_period_seconds == 30
        assert spec.enable_service_links is True
        assert spec.security_context is not None
        latest, pinned = spec.containers
        assert latest.image_pull_policy == "Always"
        assert pinned.image_pull_policy == "IfNotPresent"
        assert latest.termination_message_path == "/dev/termination-log"
        assert latest.termination_message_policy == "File"
        assert pinned.ports[0].protocol == "TCP"
        probe = pinned.liveness_probe
        assert (probe.timeout_seconds, probe.period_seconds, probe.success_threshold, probe.failure_threshold) == (
            1,
            10,
            1,
            3,
        )
        assert (probe.http_get.path, probe.http_get.scheme) == ("/", "HTTP")
        # Requests default to limits; the first container has none, so the pod is Burstable.
        assert pinned.resources.requests == {"cpu": "100m", "memory": "64Mi"}
        assert got.status.phase == "Pending"
        assert got.status.qos_class == "Burstable"
    core.delete_namespaced_pod("web", namespace)


def test_secret_without_type_is_opaque(api_client, namespace):
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_secret(
        namespace, client.V1Secret(metadata=client.V1ObjectMeta(name="s"), data={"k": "dg=="})
    )
    assert created.type == "Opaque"
    core.delete_namespaced_secret("s", namespace)


def test_secret_string_data_is_stored_as_data(api_client, namespace):
    """`stringData` is write-only: the apiserver merges it into `data` (base64) when it
    converts the v1 object, and never stores or returns it."""
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_secret(namespace, client.V1Secret(
        metadata=client.V1ObjectMeta(name="creds"), data={"kept": "a2VwdA==", "both": "b2xk"},
        string_data={"both": "new", "password": "p4ss"}))
    for secret in (created, core.read_namespaced_secret("creds", namespace)):
        assert secret.string_data is None
        assert secret.data == {"kept": "a2VwdA==", "both": "bmV3", "password": "cDRzcw=="}
        assert secret.type == "Opaque"
