import KubeModel

/// A pod's quality-of-service class, as k8s.io/kubernetes `qos.GetPodQOS` computes it for
/// the pod registry's `PrepareForCreate` (Kubernetes 1.32, `PodLevelResources` off):
/// `BestEffort` without CPU or memory requests and limits, `Guaranteed` when every
/// container (init containers included) limits both and the summed requests equal the
/// summed limits, `Burstable` otherwise. Run it on a defaulted pod: requests default
/// to limits.
public enum PodQOS {
    /// The class of `pod`; a `status.qosClass` the pod already carries wins, as in Go.
    public static func of(_ pod: JSONValue) -> String {
        if let existing = pod["status"]?["qosClass"]?.stringValue, !existing.isEmpty { return existing }
        return compute(pod)
    }

    /// The class computed from the containers' resources alone (`ComputePodQOS`). Sums
    /// and comparisons are exact to the nano unit `resource.Quantity` keeps.
    public static func compute(_ pod: JSONValue) -> String {
        var requests: [String: Int128] = [:]
        var limits: [String: Int128] = [:]
        var isGuaranteed = true
        let spec = pod["spec"]
        for key in ["containers", "initContainers"] {
            for container in spec?[key]?.arrayValue ?? [] {
                let resources = container["resources"]
                for (name, amount) in positiveComputeResources(resources?["requests"]) {
                    requests[name, default: 0] += amount
                }
                let containerLimits = positiveComputeResources(resources?["limits"])
                for (name, amount) in containerLimits {
                    limits[name, default: 0] += amount
                }
                let limitsCPU = containerLimits.contains { $0.0 == "cpu" }
                let limitsMemory = containerLimits.contains { $0.0 == "memory" }
                if !(limitsCPU && limitsMemory) {
                    isGuaranteed = false
                }
            }
        }
        if requests.isEmpty && limits.isEmpty { return "BestEffort" }
        if isGuaranteed {
            for (name, request) in requests where limits[name] != request {
                isGuaranteed = false
                break
            }
        }
        return isGuaranteed && requests.count == limits.count ? "Guaranteed" : "Burstable"
    }

    /// The CPU and memory amounts above zero in a resource list, in nano units.
    static func positiveComputeResources(_ list: JSONValue?) -> [(String, Int128)] {
        guard case .object(let members)? = list else { return [] }
        return members.compactMap { name, value in
            guard name == "cpu" || name == "memory", let text = value.stringValue ?? value.numberText,
                let amount = quantity(text), amount > 0
            else { return nil }
            return (name, amount)
        }
    }

    /// The value of a `resource.Quantity` string (`500m`, `1.5Gi`, `2e3`) in nano units
    /// (value × 10⁹), or nil when it does not parse.
    static func quantity(_ text: String) -> Int128? {
        (try? Quantity(parsing: text))?.nanos
    }
}

extension JSONValue {
    /// The literal text of a number.
    fileprivate var numberText: String? {
        if case .number(let n) = self { return n.text }
        return nil
    }
}
