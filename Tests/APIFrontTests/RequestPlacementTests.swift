import Hummingbird
import Testing

@testable import APIFront

/// Where a request runs (`KubeResponder.placement`): watches in a child task, so an open
/// watch does not pin the stack its request needed; lists and other large requests too;
/// short requests on the connection's own task, without the cost of a task each.
@Suite("Request placement")
struct RequestPlacementTests {
    func placement(_ method: HTTPRequest.Method, _ path: String) -> KubeResponder.Placement {
        KubeResponder.placement(of: KubeRoute(path: path), method: method)
    }

    @Test("a GET, update, patch or delete of one object, and a create, run on the connection's task")
    func oneObject() {
        #expect(placement(.get, "/api/v1/namespaces/default/pods/p") == .inline)
        #expect(placement(.head, "/api/v1/nodes/n1") == .inline)
        #expect(placement(.put, "/api/v1/namespaces/default/pods/p/status") == .inline)
        #expect(placement(.patch, "/apis/apps/v1/namespaces/x/deployments/d/scale") == .inline)
        #expect(placement(.delete, "/api/v1/namespaces/default/configmaps/c") == .inline)
        #expect(placement(.post, "/api/v1/namespaces/default/pods") == .inline)
        #expect(placement(.get, "/api/v1/namespaces/kube-system") == .inline)
    }

    @Test("every GET of a collection (a list or a watch) and every legacy watch runs in a child task")
    func watchesAndLists() {
        #expect(placement(.get, "/api/v1/namespaces/default/pods") == .child)
        #expect(placement(.get, "/api/v1/pods") == .child)
        #expect(placement(.get, "/apis/apps/v1/deployments") == .child)
        #expect(placement(.get, "/api/v1/watch/namespaces/default/pods") == .child)
        #expect(placement(.get, "/api/v1/watch/namespaces/default/pods/p") == .child)
    }

    @Test("deletecollection and what the front answers before routing run in a child task")
    func large() {
        #expect(placement(.delete, "/api/v1/namespaces/default/pods") == .child)
        #expect(placement(.get, "/openapi/v2") == .child)
        #expect(placement(.get, "/openapi/v3/apis/apps/v1") == .child)
        #expect(placement(.get, "/nowhere") == .child)
    }

    @Test("health, version, metrics and discovery run on the connection's task")
    func small() {
        for path in [
            "/healthz", "/readyz/ping", "/livez", "/version", "/metrics", "/api", "/apis", "/apis/apps", "/api/v1",
        ] {
            #expect(placement(.get, path) == .inline, "\(path)")
        }
    }
}
