import Testing

@testable import APIFront

@Suite("Kubernetes REST paths")
struct RoutingTests {
    @Test("core and named-group resource paths split into namespace, resource, name and subresource")
    func resourcePaths() {
        #expect(
            KubeRoute(path: "/api/v1/namespaces/default/pods")
                == .resource(ResourcePath(group: "", version: "v1", resource: "pods", namespace: "default")))
        #expect(
            KubeRoute(path: "/api/v1/namespaces/default/pods/web-1/status")
                == .resource(
                    ResourcePath(
                        group: "", version: "v1", resource: "pods", namespace: "default", name: "web-1",
                        subresource: "status")))
        #expect(
            KubeRoute(path: "/apis/apps/v1/namespaces/x/deployments/d/scale")
                == .resource(
                    ResourcePath(
                        group: "apps", version: "v1", resource: "deployments", namespace: "x", name: "d",
                        subresource: "scale")))
        #expect(
            KubeRoute(path: "/api/v1/pods") == .resource(ResourcePath(group: "", version: "v1", resource: "pods")))
        #expect(
            KubeRoute(path: "/api/v1/nodes/n1")
                == .resource(ResourcePath(group: "", version: "v1", resource: "nodes", name: "n1")))
    }

    @Test("/api/v1/namespaces/{name} is the namespace object, and its status a subresource of it")
    func namespacesResource() {
        #expect(
            KubeRoute(path: "/api/v1/namespaces/kube-system")
                == .resource(ResourcePath(group: "", version: "v1", resource: "namespaces", name: "kube-system")))
        #expect(
            KubeRoute(path: "/api/v1/namespaces")
                == .resource(ResourcePath(group: "", version: "v1", resource: "namespaces")))
        #expect(
            KubeRoute(path: "/api/v1/namespaces/ns1/status")
                == .resource(
                    ResourcePath(group: "", version: "v1", resource: "namespaces", name: "ns1", subresource: "status")))
        #expect(
            KubeRoute(path: "/api/v1/namespaces/ns1/configmaps")
                == .resource(ResourcePath(group: "", version: "v1", resource: "configmaps", namespace: "ns1")))
    }

    @Test("legacy /watch/ paths set the watch flag")
    func legacyWatch() {
        #expect(
            KubeRoute(path: "/api/v1/watch/namespaces/default/configmaps/x")
                == .resource(
                    ResourcePath(
                        group: "", version: "v1", resource: "configmaps", namespace: "default", name: "x",
                        legacyWatch: true)))
        #expect(
            KubeRoute(path: "/apis/apps/v1/watch/deployments")
                == .resource(ResourcePath(group: "apps", version: "v1", resource: "deployments", legacyWatch: true)))
        #expect(KubeRoute(path: "/api/v1/watch/namespaces/default/pods/p/status") == nil)
    }

    @Test("discovery, health, metrics and version paths")
    func specialPaths() {
        #expect(KubeRoute(path: "/api") == .coreVersions)
        #expect(KubeRoute(path: "/api/") == .coreVersions)
        #expect(KubeRoute(path: "/apis") == .groupList)
        #expect(KubeRoute(path: "/apis/apps") == .group("apps"))
        #expect(KubeRoute(path: "/api/v1") == .resourceList(group: "", version: "v1"))
        #expect(KubeRoute(path: "/apis/apps/v1") == .resourceList(group: "apps", version: "v1"))
        #expect(KubeRoute(path: "/version") == .version)
        #expect(KubeRoute(path: "/healthz") == .health(.healthz))
        #expect(KubeRoute(path: "/readyz/ping") == .healthCheck(.readyz, "ping"))
        #expect(KubeRoute(path: "/livez") == .health(.livez))
        #expect(KubeRoute(path: "/metrics") == .metrics)
    }

    @Test("unknown or over-long paths are not routes")
    func unknown() {
        #expect(KubeRoute(path: "/") == nil)
        #expect(KubeRoute(path: "/foo") == nil)
        #expect(KubeRoute(path: "/api/v1/namespaces/a/pods/b/status/extra") == nil)
        #expect(KubeRoute(path: "/api/v1/pods/a/b/c") == nil)
        #expect(KubeRoute(path: "/api/v1/pods/%zz") == nil)
    }

    @Test("path segments are percent-decoded")
    func decoding() {
        #expect(
            KubeRoute(path: "/api/v1/namespaces/default/configmaps/a%2Eb")
                == .resource(
                    ResourcePath(group: "", version: "v1", resource: "configmaps", namespace: "default", name: "a.b")))
    }

    @Test("query strings decode + and %XX and keep repeated keys; malformed escapes are rejected")
    func query() {
        let q = parseQuery("labelSelector=tier%3Dweb%2Capp+in+(a%2Cb)&watch=1&x=1&x=2&flag")
        #expect(q?["labelSelector"] == ["tier=web,app in (a,b)"])
        #expect(q?["watch"] == ["1"])
        #expect(q?["x"] == ["1", "2"])
        #expect(q?["flag"] == [""])
        #expect(parseQuery(nil) == [:])
        #expect(parseQuery("a=%G1") == nil)
    }
}

@Suite("Content negotiation")
struct NegotiationTests {
    @Test("no Accept, */* and application/json give JSON")
    func json() {
        #expect(Negotiation(accept: nil).encoding == .json)
        #expect(Negotiation(accept: "*/*").encoding == .json)
        #expect(Negotiation(accept: "application/json, */*").encoding == .json)
        #expect(Negotiation(accept: "application/yaml").encoding == .yaml)
    }

    @Test("protobuf-only is not acceptable; protobuf with a JSON fallback is JSON")
    func protobuf() {
        #expect(Negotiation(accept: "application/vnd.kubernetes.protobuf").encoding == nil)
        #expect(Negotiation(accept: "application/vnd.kubernetes.protobuf, application/json").encoding == .json)
    }

    @Test("kubectl's Table Accept gets plain JSON")
    func table() {
        let accept =
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        #expect(Negotiation(accept: accept).encoding == .json)
        #expect(Negotiation(accept: "application/json;as=Table;v=v1;g=meta.k8s.io").encoding == .json)
    }

    @Test("aggregated discovery is recognised in the client's preference order")
    func aggregated() {
        let kubectl133 =
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
        #expect(Negotiation(accept: kubectl133).aggregatedDiscovery == "v2")
        #expect(
            Negotiation(accept: "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList")
                .aggregatedDiscovery == "v2beta1")
        #expect(Negotiation(accept: "application/json").aggregatedDiscovery == nil)
        #expect(
            Negotiation(accept: "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList")
                .aggregatedDiscovery == nil)
    }

    @Test("request body types: objects take JSON or YAML, PATCH takes the four patch types")
    func bodyTypes() {
        #expect(BodyType(contentType: "application/json") == .json)
        #expect(BodyType(contentType: "application/yaml") == .yaml)
        #expect(BodyType(contentType: "application/merge-patch+json") == .mergePatch)
        #expect(BodyType(contentType: "application/apply-patch+yaml") == .applyPatch)
        #expect(BodyType(contentType: "text/plain") == nil)
        #expect(MediaRange("application/json; charset=utf-8")?.essence == "application/json")
        #expect(MediaRange("Application/JSON")?.essence == "application/json")
    }
}
