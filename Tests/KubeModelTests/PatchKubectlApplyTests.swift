import Testing

@testable import KubeModel

/// One `kubectl apply` round: the live object the server had, the exact
/// `application/strategic-merge-patch+json` body kubectl sent for the new config, and the
/// object the apiserver stores (the new config plus the fields the server owns).
///
/// The bodies were captured from kubectl 1.27, 1.30 and 1.33 (identical bytes) pointed
/// at a loopback stub that served discovery and the live objects and recorded PATCH
/// requests. The configs changed: Deployment — image, env A changed / B removed / C
/// added, ports renamed and added, a volumeMount removed and one added, `resources` and
/// `nodeSelector` removed, a container inserted, the strategy switched to Recreate
/// (`$retainKeys`) and a volume switched from emptyDir to hostPath (`$retainKeys`);
/// Service — the http port replaced by https; ConfigMap — a finalizer swapped
/// (`$deleteFromPrimitiveList`), a data key removed, labels removed.
struct PatchKubectlApplyCase: Sendable, CustomTestStringConvertible {
    var kind: String
    var group: String
    var live: String
    var body: String
    var expected: String

    var testDescription: String { kind }
}

private let kubectlApplyCases: [PatchKubectlApplyCase] = [
    PatchKubectlApplyCase(
        kind: "Deployment", group: "apps",
        live:
            ##"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","uid":"u-1","resourceVersion":"5","generation":1,"creationTimestamp":"2026-11-28T20:00:00Z","annotations":{"deployment.kubernetes.io/revision":"1","kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"strategy\":{\"rollingUpdate\":{\"maxSurge\":1},\"type\":\"RollingUpdate\"},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"x\"}],\"image\":\"nginx:1\",\"name\":\"app\",\"ports\":[{\"containerPort\":80}],\"resources\":{\"limits\":{\"cpu\":\"1\"}},\"volumeMounts\":[{\"mountPath\":\"/data\",\"name\":\"data\"},{\"mountPath\":\"/etc/cfg\",\"name\":\"cfg\"}]},{\"image\":\"envoy:1\",\"name\":\"sidecar\"}],\"nodeSelector\":{\"disk\":\"ssd\"},\"volumes\":[{\"emptyDir\":{},\"name\":\"data\"},{\"configMap\":{\"name\":\"a\"},\"name\":\"cfg\"}]}}}}\n"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":"25%"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:1","env":[{"name":"A","value":"1"},{"name":"B","value":"x"}],"ports":[{"containerPort":80,"protocol":"TCP"}],"volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"cfg","mountPath":"/etc/cfg"}],"resources":{"limits":{"cpu":"1"}},"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"},{"name":"sidecar","image":"envoy:1","terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"}],"volumes":[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"a"}}],"nodeSelector":{"disk":"ssd"},"dnsPolicy":"ClusterFirst","restartPolicy":"Always"}},"revisionHistoryLimit":10},"status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}"##,
        body:
            ##"{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"strategy\":{\"type\":\"Recreate\"},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"2\"},{\"name\":\"C\",\"value\":\"3\"}],\"image\":\"nginx:2\",\"name\":\"app\",\"ports\":[{\"containerPort\":80,\"name\":\"http\"},{\"containerPort\":9090,\"name\":\"metrics\"}],\"volumeMounts\":[{\"mountPath\":\"/data\",\"name\":\"data\",\"readOnly\":true},{\"mountPath\":\"/cache\",\"name\":\"cache\"}]},{\"image\":\"busybox\",\"name\":\"debug\"},{\"image\":\"envoy:1\",\"name\":\"sidecar\"}],\"volumes\":[{\"hostPath\":{\"path\":\"/srv\"},\"name\":\"data\"},{\"configMap\":{\"name\":\"a\"},\"name\":\"cfg\"},{\"emptyDir\":{},\"name\":\"cache\"}]}}}}\n"}},"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"},"template":{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"debug"},{"name":"sidecar"}],"$setElementOrder/volumes":[{"name":"data"},{"name":"cfg"},{"name":"cache"}],"containers":[{"$setElementOrder/env":[{"name":"A"},{"name":"C"}],"$setElementOrder/ports":[{"containerPort":80},{"containerPort":9090}],"$setElementOrder/volumeMounts":[{"mountPath":"/data"},{"mountPath":"/cache"}],"env":[{"name":"A","value":"2"},{"name":"C","value":"3"},{"$patch":"delete","name":"B"}],"image":"nginx:2","name":"app","ports":[{"containerPort":80,"name":"http"},{"containerPort":9090,"name":"metrics"}],"resources":null,"volumeMounts":[{"mountPath":"/data","readOnly":true},{"mountPath":"/cache","name":"cache"},{"$patch":"delete","mountPath":"/etc/cfg"}]},{"image":"busybox","name":"debug"}],"nodeSelector":null,"volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/srv"},"name":"data"},{"emptyDir":{},"name":"cache"}]}}}}"##,
        expected:
            ##"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","uid":"u-1","resourceVersion":"5","generation":1,"creationTimestamp":"2026-11-28T20:00:00Z","annotations":{"deployment.kubernetes.io/revision":"1","kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"strategy\":{\"type\":\"Recreate\"},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"A\",\"value\":\"2\"},{\"name\":\"C\",\"value\":\"3\"}],\"image\":\"nginx:2\",\"name\":\"app\",\"ports\":[{\"containerPort\":80,\"name\":\"http\"},{\"containerPort\":9090,\"name\":\"metrics\"}],\"volumeMounts\":[{\"mountPath\":\"/data\",\"name\":\"data\",\"readOnly\":true},{\"mountPath\":\"/cache\",\"name\":\"cache\"}]},{\"image\":\"busybox\",\"name\":\"debug\"},{\"image\":\"envoy:1\",\"name\":\"sidecar\"}],\"volumes\":[{\"hostPath\":{\"path\":\"/srv\"},\"name\":\"data\"},{\"configMap\":{\"name\":\"a\"},\"name\":\"cfg\"},{\"emptyDir\":{},\"name\":\"cache\"}]}}}}\n"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"Recreate"},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:2","env":[{"name":"A","value":"2"},{"name":"C","value":"3"}],"ports":[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":9090,"name":"metrics"}],"volumeMounts":[{"name":"data","mountPath":"/data","readOnly":true},{"mountPath":"/cache","name":"cache"}],"terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"},{"image":"busybox","name":"debug"},{"name":"sidecar","image":"envoy:1","terminationMessagePath":"/dev/termination-log","imagePullPolicy":"IfNotPresent"}],"volumes":[{"name":"data","hostPath":{"path":"/srv"}},{"name":"cfg","configMap":{"name":"a"}},{"emptyDir":{},"name":"cache"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always"}},"revisionHistoryLimit":10},"status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}"##
    ),
    PatchKubectlApplyCase(
        kind: "Service", group: "",
        live:
            ##"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default","uid":"u-2","resourceVersion":"6","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\",\"namespace\":\"default\"},\"spec\":{\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}],\"selector\":{\"app\":\"web\"}}}\n"}},"spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}],"type":"ClusterIP","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"sessionAffinity":"None"}}"##,
        body:
            ##"{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},\"name\":\"s\",\"namespace\":\"default\"},\"spec\":{\"ports\":[{\"name\":\"https\",\"port\":443,\"targetPort\":8443}],\"selector\":{\"app\":\"web\"}}}\n"}},"spec":{"$setElementOrder/ports":[{"port":443}],"ports":[{"name":"https","port":443,"targetPort":8443},{"$patch":"delete","port":80}]}}"##,
        expected:
            ##"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default","uid":"u-2","resourceVersion":"6","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},\"name\":\"s\",\"namespace\":\"default\"},\"spec\":{\"ports\":[{\"name\":\"https\",\"port\":443,\"targetPort\":8443}],\"selector\":{\"app\":\"web\"}}}\n"}},"spec":{"selector":{"app":"web"},"ports":[{"name":"https","port":443,"targetPort":8443}],"type":"ClusterIP","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10"],"sessionAffinity":"None"}}"##
    ),
    PatchKubectlApplyCase(
        kind: "ConfigMap", group: "",
        live:
            ##"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default","finalizers":["example.com/a","example.com/b","example.com/server"],"labels":{"x":"1"},"uid":"u-3","resourceVersion":"7","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"data\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"kind\":\"ConfigMap\",\"metadata\":{\"finalizers\":[\"example.com/a\",\"example.com/b\"],\"labels\":{\"x\":\"1\"},\"name\":\"c\",\"namespace\":\"default\"}}\n"}},"data":{"k1":"v1","k2":"v2"}}"##,
        body:
            ##"{"data":{"k1":null,"k2":"v2b","k3":"v3"},"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/b"],"$setElementOrder/finalizers":["example.com/a","example.com/c"],"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"data\":{\"k2\":\"v2b\",\"k3\":\"v3\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"finalizers\":[\"example.com/a\",\"example.com/c\"],\"name\":\"c\",\"namespace\":\"default\"}}\n"},"finalizers":["example.com/c"],"labels":null}}"##,
        expected:
            ##"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default","finalizers":["example.com/a","example.com/c","example.com/server"],"uid":"u-3","resourceVersion":"7","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\",\"data\":{\"k2\":\"v2b\",\"k3\":\"v3\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"finalizers\":[\"example.com/a\",\"example.com/c\"],\"name\":\"c\",\"namespace\":\"default\"}}\n"}},"data":{"k2":"v2b","k3":"v3"}}"##
    ),
]

@Suite("Strategic merge patch with bodies captured from kubectl apply")
struct PatchKubectlApplyTests {
    @Test(
        "applying kubectl's body to the live object gives the new config plus server-owned fields",
        arguments: kubectlApplyCases)
    func kubectlApplyBody(_ c: PatchKubectlApplyCase) throws {
        let live = try patchJSON(c.live)
        let body = try patchJSON(c.body)
        let expected = try patchJSON(c.expected)
        let result = try StrategicMergePatch.apply(body, to: live, group: c.group, kind: c.kind)
        #expect(result == expected, "got \(result.jsonString)")
    }

    @Test("applying the same body twice changes nothing more", arguments: kubectlApplyCases)
    func kubectlApplyIsIdempotent(_ c: PatchKubectlApplyCase) throws {
        let body = try patchJSON(c.body)
        let once = try StrategicMergePatch.apply(body, to: try patchJSON(c.live), group: c.group, kind: c.kind)
        let twice = try StrategicMergePatch.apply(body, to: once, group: c.group, kind: c.kind)
        #expect(twice == once)
    }

    @Test("a merge patch cannot do this: it replaces the lists whole and drops server-owned list fields")
    func mergePatchWouldLoseFields() throws {
        let c = kubectlApplyCases[0]
        let viaMerge = MergePatch.apply(try patchJSON(c.body), to: try patchJSON(c.live))
        #expect(viaMerge != (try patchJSON(c.expected)))
    }
}
