import KubeModel
import Testing

@testable import Sync

private let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")

@Suite("Coverage rule")
struct CoverageTests {
    @Test("an all-namespaces scope without selectors covers every request of its resource")
    func wideScope() {
        let scope = ScopeSelector(resource: pods)
        #expect(scope.covers(ScopeSelector(resource: pods, namespace: "a")))
        #expect(
            scope.covers(
                ScopeSelector(resource: pods, namespace: "a", labelSelector: "app=x", fieldSelector: "spec.nodeName=n1")
            ))
        #expect(!scope.covers(ScopeSelector(resource: configmaps)))
    }

    @Test("a namespaced scope covers only its namespace, never all namespaces")
    func namespaceScope() {
        let scope = ScopeSelector(resource: pods, namespace: "a")
        #expect(scope.covers(ScopeSelector(resource: pods, namespace: "a")))
        #expect(!scope.covers(ScopeSelector(resource: pods, namespace: "b")))
        #expect(!scope.covers(ScopeSelector(resource: pods)))
    }

    @Test("a selector scope covers only requests with the same selector")
    func selectorScope() {
        let scope = ScopeSelector(resource: pods, fieldSelector: "spec.nodeName=n1")
        #expect(scope.covers(ScopeSelector(resource: pods, fieldSelector: "spec.nodeName=n1")))
        #expect(scope.covers(ScopeSelector(resource: pods, namespace: "x", fieldSelector: "spec.nodeName=n1")))
        #expect(!scope.covers(ScopeSelector(resource: pods, fieldSelector: "spec.nodeName=n2")))
        #expect(!scope.covers(ScopeSelector(resource: pods)))
        let labels = ScopeSelector(resource: pods, labelSelector: "app=web")
        #expect(
            labels.covers(ScopeSelector(resource: pods, labelSelector: "app=web", fieldSelector: "spec.nodeName=n1")))
        #expect(!labels.covers(ScopeSelector(resource: pods, labelSelector: "app=db")))
    }

    @Test("selectors are compared in canonical form")
    func canonicalSelectors() throws {
        let a = try ScopeSelector(resource: pods, labelSelector: "b=2,a=1").canonical()
        let b = try ScopeSelector(resource: pods, labelSelector: "a=1, b=2").canonical()
        #expect(a == b)
        #expect(a.covers(b))
    }

    @Test("an object is in a scope when namespace, labels and fields match")
    func objectMatching() throws {
        let info = ResourceCatalog.builtIn().resource(for: pods)
        let pod = try JSONValue(
            parsing: #"{"metadata":{"name":"p","namespace":"a","labels":{"app":"web"}},"spec":{"nodeName":"n1"}}"#)
        #expect(
            ScopeSelector(resource: pods, namespace: "a", labelSelector: "app=web").matches(object: pod, info: info))
        #expect(ScopeSelector(resource: pods, fieldSelector: "spec.nodeName=n1").matches(object: pod, info: info))
        #expect(!ScopeSelector(resource: pods, fieldSelector: "spec.nodeName=n2").matches(object: pod, info: info))
        #expect(!ScopeSelector(resource: pods, namespace: "b").matches(object: pod, info: info))
    }
}

@Suite("--sync flag syntax")
struct ScopeSyntaxTests {
    let catalog = ResourceCatalog.builtIn()

    @Test("RESOURCE[/NAMESPACE][@LABELS][:FIELDS] parses into a canonical scope and prints back")
    func parses() throws {
        let a = try ScopeSelector.parse("pods:spec.nodeName=node1", catalog: catalog)
        #expect(a == ScopeSelector(resource: pods, fieldSelector: "spec.nodeName=node1"))
        let b = try ScopeSelector.parse("configmaps/kube-system", catalog: catalog)
        #expect(b == ScopeSelector(resource: configmaps, namespace: "kube-system"))
        let c = try ScopeSelector.parse("deployments.apps/default@app=web,tier!=db", catalog: catalog)
        #expect(c.resource == GroupVersionResource(group: "apps", version: "v1", resource: "deployments"))
        #expect(c.namespace == "default")
        #expect(c.labelSelector == "app=web,tier!=db")
        let d = try ScopeSelector.parse("po@app in (a,b):spec.nodeName=n", catalog: catalog)
        #expect(d.resource == pods)
        #expect(try ScopeSelector.parse(d.description, catalog: catalog) == d)
    }

    @Test("unknown resources, namespaces on cluster-scoped resources and bad selectors are rejected")
    func rejects() {
        #expect(throws: SyncError.self) { try ScopeSelector.parse("widgets", catalog: catalog) }
        #expect(throws: SyncError.self) { try ScopeSelector.parse("nodes/default", catalog: catalog) }
        #expect(throws: SyncError.self) { try ScopeSelector.parse("pods@app in (", catalog: catalog) }
        #expect(throws: SyncError.self) { try ScopeSelector.parse("", catalog: catalog) }
    }
}

@Suite("Link health")
struct LinkHealthTests {
    @Test("the first failure decides an unknown link; an online link needs consecutive failures to go offline")
    func transitions() {
        var h = LinkHealth(failureThreshold: 2)
        #expect(h.failed(now: 1, error: "refused") == .wentOffline(reason: "refused"))
        #expect(h.failed(now: 2, error: "refused") == .none)
        #expect(h.succeeded(now: 3) == .wentOnline)
        #expect(h.since == 3)
        #expect(h.succeeded(now: 4) == .none)
        #expect(h.failed(now: 5, error: "timeout") == .none)
        #expect(h.isOnline)
        #expect(h.failed(now: 6, error: "timeout") == .wentOffline(reason: "timeout"))
        #expect(h.since == 6)
        #expect(h.lastContact == 4)
    }
}
