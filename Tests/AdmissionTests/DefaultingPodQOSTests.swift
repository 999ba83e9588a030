import KubeModel
import Testing

@testable import Admission

/// `qos.GetPodQOS`, which the pod registry writes into `status.qosClass` on create.
@Suite struct DefaultingPodQOSTests {
    static func pod(_ containers: [JSONValue], initContainers: [JSONValue] = [], status: JSONValue? = nil) -> JSONValue
    {
        var spec: JSONValue = ["containers": .array(containers)]
        if !initContainers.isEmpty { spec["initContainers"] = .array(initContainers) }
        var pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": spec]
        if let status { pod["status"] = status }
        return pod
    }

    static func container(requests: JSONValue? = nil, limits: JSONValue? = nil) -> JSONValue {
        var resources: JSONValue = [:]
        if let requests { resources["requests"] = requests }
        if let limits { resources["limits"] = limits }
        return ["name": "c", "image": "app:1", "resources": resources]
    }

    static func defaultedQOS(_ pod: JSONValue) throws -> String {
        let info = try #require(ResourceCatalog.builtIn().resource(group: "", version: "v1", resource: "pods"))
        var copy = pod
        Admission.applyDefaults(&copy, AdmissionRequest(info: info, operation: .create))
        return PodQOS.of(copy)
    }

    @Test func aPodWithoutCPUOrMemoryIsBestEffort() throws {
        #expect(try Self.defaultedQOS(Self.pod([Self.container()])) == "BestEffort")
        let gpuOnly = Self.container(limits: ["nvidia.com/gpu": "1"])
        #expect(try Self.defaultedQOS(Self.pod([gpuOnly])) == "BestEffort")
        let zero = Self.container(requests: ["cpu": "0", "memory": "0"])
        #expect(try Self.defaultedQOS(Self.pod([zero])) == "BestEffort")
    }

    @Test func limitsOnCPUAndMemoryMakeAPodGuaranteedBecauseRequestsDefaultToThem() throws {
        let c = Self.container(limits: ["cpu": "1", "memory": "1Gi"])
        #expect(try Self.defaultedQOS(Self.pod([c])) == "Guaranteed")
        // Equal amounts spelled differently still compare equal.
        let spelled = Self.container(
            requests: ["cpu": "1000m", "memory": "1024Mi"], limits: ["cpu": "1", "memory": "1Gi"])
        #expect(try Self.defaultedQOS(Self.pod([spelled])) == "Guaranteed")
    }

    @Test func requestsBelowLimitsOrAMissingLimitMakeAPodBurstable() throws {
        let lower = Self.container(requests: ["cpu": "500m"], limits: ["cpu": "1", "memory": "1Gi"])
        #expect(try Self.defaultedQOS(Self.pod([lower])) == "Burstable")
        let cpuOnly = Self.container(limits: ["cpu": "1"])
        #expect(try Self.defaultedQOS(Self.pod([cpuOnly])) == "Burstable")
        let guaranteed = Self.container(limits: ["cpu": "1", "memory": "1Gi"])
        let bestEffortInit = Self.container()
        #expect(try Self.defaultedQOS(Self.pod([guaranteed], initContainers: [bestEffortInit])) == "Burstable")
    }

    @Test func aQOSClassThePodAlreadyCarriesIsKept() {
        let pod = Self.pod([Self.container()], status: ["qosClass": "Burstable"])
        #expect(PodQOS.of(pod) == "Burstable")
        #expect(PodQOS.compute(pod) == "BestEffort")
    }

    @Test func quantitiesParseAsTheirExactValues() {
        #expect(PodQOS.quantity("500m") == PodQOS.quantity("0.5"))
        let unit: Int128 = 1_000_000_000  // nano units
        #expect(PodQOS.quantity("1Ki") == 1024 * unit)
        #expect(PodQOS.quantity("1k") == 1000 * unit)
        #expect(PodQOS.quantity("2e3") == 2000 * unit)
        #expect(PodQOS.quantity("1.5Gi") == PodQOS.quantity("1536Mi"))
        #expect(PodQOS.quantity("abc") == nil)
        #expect(PodQOS.quantity("1.2.3") == nil)
        #expect(PodQOS.quantity("5Qi") == nil)
    }
}
