import Foundation
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

    /// The class computed from the containers' resources alone (`ComputePodQOS`).
    public static func compute(_ pod: JSONValue) -> String {
        var requests: [String: Decimal] = [:]
        var limits: [String: Decimal] = [:]
        var isGuaranteed = true
        let containers =
            (pod["spec"]?["containers"]?.arrayValue ?? []) + (pod["spec"]?["initContainers"]?.arrayValue ?? [])
        for container in containers {
            let resources = container["resources"]
            for (name, amount) in positiveComputeResources(resources?["requests"]) {
                requests[name, default: 0] += amount
            }
            let containerLimits = positiveComputeResources(resources?["limits"])
            for (name, amount) in containerLimits {
                limits[name, default: 0] += amount
            }
            let limited = Set(containerLimits.map(\.0))
            if !(limited.contains("cpu") && limited.contains("memory")) {
                isGuaranteed = false
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

    /// The CPU and memory amounts above zero in a resource list.
    static func positiveComputeResources(_ list: JSONValue?) -> [(String, Decimal)] {
        guard case .object(let members)? = list else { return [] }
        return members.compactMap { name, value in
            guard name == "cpu" || name == "memory", let text = value.stringValue ?? value.numberText,
                let amount = quantity(text), amount > 0
            else { return nil }
            return (name, amount)
        }
    }

    /// The value of a `resource.Quantity` string (`500m`, `1.5Gi`, `2e3`), or nil when it
    /// does not parse.
    static func quantity(_ text: String) -> Decimal? {
        let binary: [String: Decimal] = [
            "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776,
            "Pi": 1_125_899_906_842_624, "Ei": 1_152_921_504_606_846_976,
        ]
        let decimalExponent: [String: Int] = [
            "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
        ]
        var chars = Substring(text)
        var number = ""
        if let sign = chars.first, sign == "+" || sign == "-" {
            number.append(sign)
            chars = chars.dropFirst()
        }
        let digits = chars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !digits.isEmpty, digits.filter({ $0 == "." }).count <= 1, digits != "." else { return nil }
        number += digits
        let suffix = String(chars.dropFirst(digits.count))
        guard let base = Decimal(string: number, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        if let multiplier = binary[suffix] { return base * multiplier }
        if let exponent = decimalExponent[suffix] { return scaled(base, exponent) }
        if let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()),
            abs(exponent) <= 100
        {
            return scaled(base, exponent)
        }
        return nil
    }

    static func scaled(_ value: Decimal, _ exponent: Int) -> Decimal {
        var result = value
        let ten = Decimal(10)
        for _ in 0..<abs(exponent) { result = exponent > 0 ? result * ten : result / ten }
        return result
    }
}

extension JSONValue {
    /// The literal text of a number.
    fileprivate var numberText: String? {
        if case .number(let n) = self { return n.text }
        return nil
    }
}
