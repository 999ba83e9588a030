import KubeModel
import Testing

@testable import Admission

/// The image tag rule of `SetDefaults_Container` and the Go encoding shape every stored
/// built-in object gets.
@Suite struct DefaultingEncodingTests {
    @Test func onlyAnImplicitOrExplicitLatestTagPullsAlways() {
        #expect(ImageReference.tag(of: "nginx") == "latest")
        #expect(ImageReference.tag(of: "docker.io/library/nginx:latest") == "latest")
        #expect(ImageReference.tag(of: "localhost:5000/team/app") == "latest")
        #expect(ImageReference.tag(of: "nginx:1.27") == "1.27")
        #expect(ImageReference.tag(of: "nginx@sha256:" + String(repeating: "ab", count: 32)) == "")
        // References the parser refuses have no tag, so they pull IfNotPresent.
        #expect(ImageReference.tag(of: "") == "")
        #expect(ImageReference.tag(of: "Nginx") == "")
        #expect(ImageReference.tag(of: "nginx:") == "")
        #expect(ImageReference.tag(of: "a..b") == "")
        #expect(ImageReference.tag(of: String(repeating: "ab", count: 32)) == "")
    }

    @Test func aResetServiceStatusIsAnEmptyLoadBalancerStatus() throws {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "services"))
        var service: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "s"], "spec": [:]]
        Admission.normalizeEncoding(&service, info)
        #expect(service["status"] == ["loadBalancer": [:]])
        #expect(service["metadata"]?["creationTimestamp"] == nil)
    }

    @Test func omitEmptyZeroesAreDroppedAndPointersKept() throws {
        let info = try #require(
            ResourceCatalog.builtIn().resource(group: "apps", version: "v1", resource: "deployments"))
        var deployment: JSONValue = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d", "labels": [:]],
            "spec": [
                "replicas": 0, "paused": false, "minReadySeconds": 0,
                "template": [
                    "spec": ["hostNetwork": false, "containers": [["name": "c", "image": "i:1", "args": []]]]
                ],
            ],
        ]
        Admission.normalizeEncoding(&deployment, info)
        let spec = try #require(deployment["spec"])
        #expect(spec["replicas"] == 0)
        #expect(spec["paused"] == nil)
        #expect(spec["minReadySeconds"] == nil)
        #expect(spec["template"]?["spec"]?["hostNetwork"] == nil)
        #expect(spec["template"]?["spec"]?["containers"]?.arrayValue?.first?["args"] == nil)
        #expect(spec["template"]?["metadata"] == ["creationTimestamp": nil])
        #expect(deployment["metadata"]?["labels"] == nil)
        #expect(deployment["status"] == [:])
    }

    @Test func customResourcesKeepTheirShape() throws {
        let info = ResourceInfo(
            gvr: GroupVersionResource(group: "example.com", version: "v1", resource: "widgets"), kind: "Widget",
            namespaced: true, isCustom: true)
        var widget: JSONValue = ["apiVersion": "example.com/v1", "kind": "Widget", "spec": ["enabled": false]]
        let before = widget
        Admission.normalizeEncoding(&widget, info)
        #expect(widget == before)
    }
}
