import Admission
import Endpoint
import Foundation
import KubeModel
import Logging
import Projections
import Testing

/// Service ClusterIP and node port allocation in a standalone endpoint: derived from
/// the stored Services inside each write transaction, so it survives restarts, releases
/// on delete and never hands one address to two Services.
@Suite struct ServiceAllocationSpecs {
    static let services = GroupVersionResource(group: "", version: "v1", resource: "services")

    /// An endpoint allocating from `clusterIPRange`/`nodePortRange` over a fresh directory.
    static func run(
        clusterIPRange: String = "10.96.0.0/12", nodePortRange: String = "30000-32767",
        _ body: (Harness) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ake-alloc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let allocator = try ServiceAllocator(serviceClusterIPRange: clusterIPRange, serviceNodePortRange: nodePortRange)
        let harness = try open(directory, allocator)
        defer { harness.store.close() }
        try await harness.endpoint.bootstrap()
        try await body(harness)
    }

    static func open(_ directory: String, _ allocator: ServiceAllocator) throws -> Harness {
        let catalog = ResourceCatalog.builtIn()
        let logger = Logger(label: "ake.endpoint.test")
        let store = try ObjectStore(directory: directory, catalog: catalog, logger: logger)
        return Harness(
            directory: directory, store: store, catalog: catalog,
            endpoint: Endpoint(store: store, catalog: catalog, logger: logger, serviceAllocator: allocator))
    }

    static func service(_ name: String, _ spec: JSONValue = ["ports": [["port": 80]]]) -> JSONValue {
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func clusterIP(_ object: JSONValue) -> String { object["spec"]?["clusterIP"]?.stringValue ?? "" }

    static func create(_ h: Harness, _ object: JSONValue, query: [String: [String]] = [:]) async -> APIResponse {
        await h.call(.create, services, namespace: "default", query: query, body: object)
    }

    @Test("a created Service gets a ClusterIP from the range, with its IP family fields")
    func createAllocates() async throws {
        try await Self.run { h in
            let r = await Self.create(h, Self.service("web"))
            #expect(r.code == 201, "\(r.text)")
            let spec = try #require(try r.json()["spec"])
            let ip = try #require(IPAddress(parsing: spec["clusterIP"]?.stringValue ?? ""))
            #expect(try ServiceIPRange(parsing: "10.96.0.0/12").flatMap { $0.offset(of: ip) } != nil)
            #expect(spec["clusterIPs"] == [.string(ip.description)])
            #expect(spec["ipFamilies"] == ["IPv4"])
            #expect(spec["ipFamilyPolicy"] == "SingleStack")
            // What is served later is what was answered.
            #expect(try await h.get(Self.services, namespace: "default", "web").json()["spec"] == spec)
        }
    }

    @Test("a requested ClusterIP that another Service holds is a 422 with the apiserver's message")
    func takenAddress() async throws {
        try await Self.run { h in
            #expect(
                await Self.create(h, Self.service("a", ["clusterIP": "10.96.0.10", "ports": [["port": 80]]])).code
                    == 201)
            let r = await Self.create(h, Self.service("b", ["clusterIP": "10.96.0.10", "ports": [["port": 80]]]))
            #expect(r.code == 422)
            #expect(r.reason == "Invalid")
            #expect(
                r.message
                    == #"Service "b" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated"#
            )
            let outside = await Self.create(
                h, Self.service("c", ["clusterIP": "192.168.0.1", "ports": [["port": 80]]]))
            #expect(outside.code == 422)
            #expect(
                outside.message
                    == #"Service "c" is invalid: spec.clusterIPs: Invalid value: []string{"192.168.0.1"}: failed to allocate IP 192.168.0.1: the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"#
            )
        }
    }

    @Test("an exhausted range is a 500; deleting a Service releases its address for reuse")
    func exhaustionAndRelease() async throws {
        try await Self.run(clusterIPRange: "10.0.0.0/28") { h in
            var ips: [String: String] = [:]
            for i in 0..<14 {
                let r = await Self.create(h, Self.service("s\(i)"))
                #expect(r.code == 201, "\(r.text)")
                ips["s\(i)"] = Self.clusterIP(try r.json())
            }
            #expect(Set(ips.values).count == 14)
            let full = await Self.create(h, Self.service("s14"))
            #expect(full.code == 500)
            #expect(full.reason == "InternalError")
            #expect(full.message == "Internal error occurred: failed to allocate a serviceIP: range is full")
            #expect(full.object["details"]?["causes"] == [["message": "failed to allocate a serviceIP: range is full"]])

            let deleted = await h.call(.delete, Self.services, namespace: "default", name: "s3")
            #expect(deleted.code == 200, "\(deleted.text)")
            let reused = await Self.create(h, Self.service("s14"))
            #expect(reused.code == 201, "\(reused.text)")
            #expect(Self.clusterIP(try reused.json()) == ips["s3"])
        }
    }

    @Test("after a restart the used addresses and ports are still taken")
    func restartKeepsTheTable() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ake-alloc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let allocator = try ServiceAllocator(serviceClusterIPRange: "10.0.0.0/29")
        var held: Set<String> = []
        do {
            let h = try Self.open(directory, allocator)
            defer { h.store.close() }
            try await h.endpoint.bootstrap()
            for i in 0..<5 {
                let spec: JSONValue = [
                    "type": "NodePort", "ports": [["port": 80, "nodePort": .number(JSONNumber(30100 + i))]],
                ]
                let r = await Self.create(h, Self.service("s\(i)", spec))
                #expect(r.code == 201, "\(r.text)")
                held.insert(Self.clusterIP(try r.json()))
            }
        }
        let h = try Self.open(directory, allocator)
        defer { h.store.close() }
        try await h.endpoint.bootstrap()
        // A /29 has 6 usable addresses: 5 are held, one is left.
        let last = await Self.create(h, Self.service("s5"))
        #expect(last.code == 201, "\(last.text)")
        #expect(!held.contains(Self.clusterIP(try last.json())))
        #expect(await Self.create(h, Self.service("s6")).code == 500)
        let port = await Self.create(
            h,
            Self.service("p", ["type": "NodePort", "clusterIP": "None", "ports": [["port": 80, "nodePort": 30102]]]))
        #expect(port.code == 422)
        #expect(
            port.message
                == #"Service "p" is invalid: spec.ports[0].nodePort: Invalid value: 30102: provided port is already allocated"#
        )
    }

    @Test("50 concurrent creates get 50 distinct addresses")
    func concurrentCreates() async throws {
        // 62 usable addresses: concurrent allocation from a shared snapshot would collide.
        try await Self.run(clusterIPRange: "10.0.0.0/26") { h in
            let responses = await withTaskGroup(of: APIResponse.self) { group in
                for i in 0..<50 { group.addTask { await Self.create(h, Self.service("c\(i)")) } }
                var out: [APIResponse] = []
                for await r in group { out.append(r) }
                return out
            }
            #expect(responses.allSatisfy { $0.code == 201 })
            let ips = responses.map { Self.clusterIP($0.object) }
            #expect(Set(ips).count == 50)
            let listed = try await h.call(.list, Self.services, namespace: "default").json().items
            #expect(Set(listed.map(Self.clusterIP)).count == 50)
        }
    }

    @Test("a NodePort Service gets node ports in the range; a taken one is a 422")
    func nodePorts() async throws {
        try await Self.run(nodePortRange: "31000-31099") { h in
            let r = await Self.create(
                h,
                Self.service(
                    "np", ["type": "NodePort", "ports": [["name": "a", "port": 80], ["name": "b", "port": 443]]]))
            #expect(r.code == 201, "\(r.text)")
            let ports = try r.json()["spec"]?["ports"]?.arrayValue?.compactMap { $0["nodePort"]?.int64Value } ?? []
            #expect(ports.count == 2 && Set(ports).count == 2)
            #expect(ports.allSatisfy { (31000...31099).contains($0) })
            let clash = await Self.create(
                h,
                Self.service(
                    "np2", ["type": "NodePort", "ports": [["port": 80, "nodePort": .number(JSONNumber(ports[0]))]]]))
            #expect(clash.code == 422)
            #expect(
                clash.message
                    == "Service \"np2\" is invalid: spec.ports[0].nodePort: Invalid value: \(ports[0]): provided port is already allocated"
            )
        }
    }

    @Test("changing a NodePort Service to ClusterIP releases its node ports")
    func typeChangeReleasesNodePorts() async throws {
        try await Self.run { h in
            let created = try await h.create(
                Self.services, namespace: "default",
                Self.service("np", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30555]]]))
            var change = created
            change["spec"]?["type"] = "ClusterIP"
            let updated = await h.call(.update, Self.services, namespace: "default", name: "np", body: change)
            #expect(updated.code == 200, "\(updated.text)")
            #expect(updated.object["spec"]?["ports"]?.item(0)?["nodePort"] == nil)
            #expect(updated.object["spec"]?["clusterIP"] == created["spec"]?["clusterIP"])
            let reuse = await Self.create(
                h, Self.service("other", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30555]]]))
            #expect(reuse.code == 201, "\(reuse.text)")
        }
    }

    @Test("a dry-run create allocates nothing")
    func dryRunDoesNotConsume() async throws {
        try await Self.run(clusterIPRange: "10.0.0.0/30") { h in
            // A /30 has two usable addresses.
            let dry = await Self.create(
                h, Self.service("d", ["type": "NodePort", "ports": [["port": 80]]]), query: ["dryRun": ["All"]])
            #expect(dry.code == 201, "\(dry.text)")
            #expect(Self.clusterIP(dry.object) == "10.0.0.0", "the apiserver's dry-run placeholder")
            #expect(dry.object["spec"]?["ports"]?.item(0)?["nodePort"] == 32769)
            let dryRequested = await Self.create(
                h, Self.service("e", ["clusterIP": "10.0.0.1", "ports": [["port": 80]]]), query: ["dryRun": ["All"]])
            #expect(dryRequested.code == 201, "\(dryRequested.text)")
            #expect(
                await Self.create(h, Self.service("a", ["clusterIP": "10.0.0.1", "ports": [["port": 80]]])).code == 201)
            #expect(await Self.create(h, Self.service("b")).code == 201)
            #expect(await Self.create(h, Self.service("c")).code == 500)
        }
    }

    @Test("headless and ExternalName Services take no address")
    func noAddress() async throws {
        try await Self.run(clusterIPRange: "10.0.0.0/30") { h in
            let headless = await Self.create(
                h, Self.service("h", ["clusterIP": "None", "selector": ["app": "x"], "ports": [["port": 80]]]))
            #expect(headless.code == 201, "\(headless.text)")
            #expect(headless.object["spec"]?["clusterIPs"] == ["None"])
            let external = await Self.create(
                h, Self.service("x", ["type": "ExternalName", "externalName": "db.example"]))
            #expect(external.code == 201, "\(external.text)")
            #expect(external.object["spec"]?["clusterIP"] == nil)
            #expect(await Self.create(h, Self.service("a")).code == 201)
            #expect(await Self.create(h, Self.service("b")).code == 201)
        }
    }
}

extension JSONValue {
    /// The array element at `index`, or nil.
    fileprivate func item(_ index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
