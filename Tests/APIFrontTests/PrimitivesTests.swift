import KubeModel
import Testing

@testable import APIFront

@Suite("Front primitives")
struct PrimitivesTests {
    @Test("a concurrency limit refuses past its maximum and frees a slot on release or when dropped")
    func limit() {
        let limit = ConcurrencyLimit(maximum: 2)
        let a = limit.acquire()
        var b = limit.acquire()
        #expect(a != nil && b != nil)
        #expect(limit.acquire() == nil)
        a?.release()
        a?.release()  // idempotent
        #expect(limit.inUse == 1)
        b = nil
        #expect(limit.inUse == 0)
        #expect(b == nil)
    }

    @Test("front Status objects have the apiserver's exact shape")
    func statusShape() {
        let s = FrontStatus.tooManyRequests(retryAfter: 2).statusObject().jsonString
        #expect(
            s
                == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":2},"code":429}"#
        )
        let nf = FrontStatus.notFound.statusObject().jsonString
        #expect(
            nf
                == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#
        )
    }

    @Test("discovery lists every catalog resource of a group version, with subresources as resource/sub")
    func discovery() throws {
        let d = Discovery(catalog: ResourceCatalog.builtIn())
        guard case .object(let list)? = d.resourceList(group: "", version: "v1"),
            case .array(let resources)? = list["resources"]
        else {
            Issue.record("no core resource list")
            return
        }
        let names: [String] = resources.compactMap {
            if case .object(let o) = $0, case .string(let n)? = o["name"] { return n }
            return nil
        }
        #expect(names.contains("pods"))
        #expect(names.contains("pods/status"))
        #expect(names.contains("configmaps"))
        #expect(d.resourceList(group: "nothere.io", version: "v1") == nil)
        #expect(d.group("nothere.io") == nil)
        #expect(
            Discovery.aggregatedContentType(version: "v2")
                == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    }
}
