import KubeModel

/// Resource names and quantities (`validateResourceRequirements`, `validateResourceName`,
/// `ValidateResourceQuantityValue` and the `helper.Is…ResourceName` predicates of
/// k8s.io/kubernetes `pkg/apis/core`).
enum ResourceValidation {
    static let standardResources: Set<String> = [
        "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
        "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "quotas", "services",
        "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage", "requests.storage",
        "services.nodeports", "services.loadbalancers",
    ]
    static let standardContainerResources: Set<String> = ["cpu", "memory", "ephemeral-storage"]
    static let integerResources: Set<String> = [
        "pods", "quotas", "services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers",
    ]

    static func isHugePages(_ name: String) -> Bool { name.hasPrefix("hugepages-") }
    static func isQuotaHugePages(_ name: String) -> Bool {
        name.hasPrefix("hugepages-") || name.hasPrefix("requests.hugepages-")
    }
    static func isNative(_ name: String) -> Bool { !name.hasSlash || name.hasSubstring("kubernetes.io/") }
    static func isExtended(_ name: String) -> Bool {
        if isNative(name) || name.hasPrefix("requests.") { return false }
        return NameValidation.isQualifiedName("requests." + name).isEmpty
    }
    static func isOvercommitAllowed(_ name: String) -> Bool { isNative(name) && !isHugePages(name) }
    static func isInteger(_ name: String) -> Bool { integerResources.contains(name) || isExtended(name) }
    static func isStandard(_ name: String) -> Bool { standardResources.contains(name) || isQuotaHugePages(name) }

    /// `validateResourceName`.
    static func validateResourceName(_ value: String, _ field: String) -> [FieldError] {
        // core.ResourceName has a String() method: Go prints these values bare.
        let errs = NameValidation.isQualifiedName(value).map { CoreField.invalid(field, raw: value, $0) }
        if !errs.isEmpty { return errs }
        if !value.hasSlash && !isStandard(value) {
            return [CoreField.invalid(field, raw: value, "must be a standard resource type or fully qualified")]
        }
        return []
    }

    /// `validateContainerResourceName`.
    static func validateContainerResourceName(_ value: String, _ field: String) -> [FieldError] {
        var errs = validateResourceName(value, field)
        if !value.hasSlash {
            if !(standardContainerResources.contains(value) || isHugePages(value)) {
                errs.append(CoreField.invalid(field, raw: value, "must be a standard resource for containers"))
            }
        } else if !isNative(value) && !isExtended(value) {
            errs.append(CoreField.invalid(field, raw: value, "doesn't follow extended resource name standard"))
        }
        return errs
    }

    /// A quantity member; a malformed one becomes an error at `field` (the apiserver refuses
    /// it while decoding, with the same text).
    static func quantity(_ v: JSONValue?, _ field: String, into errs: inout [FieldError]) -> Quantity? {
        do throws(Quantity.ParseError) {
            return try Quantity(json: v)
        } catch {
            let text: String
            switch v {
            case .string(let s)?: text = s
            case .number(let n)?: text = n.text
            default: text = ""
            }
            errs.append(CoreField.invalid(field, text, error.description))
            return nil
        }
    }

    /// `ValidateResourceQuantityValue`: non-negative, and whole for integer resources.
    static func validateQuantityValue(_ resource: String, _ q: Quantity, _ field: String) -> [FieldError] {
        var errs: [FieldError] = []
        if q.sign < 0 { errs.append(CoreField.invalid(field, q.description, "must be greater than or equal to 0")) }
        if isInteger(resource), q.milliValue % 1000 != 0 {
            errs.append(CoreField.invalid(field, q.description, "must be an integer"))
        }
        return errs
    }

    /// `validateResourceRequirements` for a container's `resources` (or a pod's overhead,
    /// given as limits only).
    static func validateRequirements(_ requirements: JSONValue?, podClaimNames: Set<String>, _ path: String)
        -> [FieldError]
    {
        var errs: [FieldError] = []
        let limPath = path + ".limits"
        let reqPath = path + ".requests"
        var limits: [String: Quantity] = [:]
        var limContainsCPUOrMemory = false
        var reqContainsCPUOrMemory = false
        var limContainsHugePages = false
        var reqContainsHugePages = false
        for (name, value) in GoJSON.entries(requirements?["limits"]) {
            let f = "\(limPath)[\(name)]"
            errs += validateContainerResourceName(name, f)
            guard let q = quantity(value, f, into: &errs) else { continue }
            limits[name] = q
            errs += validateQuantityValue(name, q, f)
            if isHugePages(name) { limContainsHugePages = true }
            if name == "cpu" || name == "memory" { limContainsCPUOrMemory = true }
        }
        for (name, value) in GoJSON.entries(requirements?["requests"]) {
            let f = "\(reqPath)[\(name)]"
            errs += validateContainerResourceName(name, f)
            guard let q = quantity(value, f, into: &errs) else { continue }
            errs += validateQuantityValue(name, q, f)
            if let limit = limits[name] {
                if q.compare(limit) != 0 && !isOvercommitAllowed(name) {
                    errs.append(
                        CoreField.invalid(
                            reqPath, q.description, "must be equal to \(name) limit of \(limit.description)"))
                } else if q.compare(limit) > 0 {
                    errs.append(
                        CoreField.invalid(
                            reqPath, q.description,
                            "must be less than or equal to \(name) limit of \(limit.description)"))
                }
            } else if !isOvercommitAllowed(name), requirements?["limits"]?[name] == nil {
                errs.append(CoreField.required(limPath, "Limit must be set for non overcommitable resources"))
            }
            if isHugePages(name) { reqContainsHugePages = true }
            if name == "cpu" || name == "memory" { reqContainsCPUOrMemory = true }
        }
        if !limContainsCPUOrMemory && !reqContainsCPUOrMemory && (reqContainsHugePages || limContainsHugePages) {
            errs.append(CoreField.forbidden(path, "HugePages require cpu or memory"))
        }
        var names = Set<String>()
        for (i, claim) in GoJSON.array(requirements?["claims"]).enumerated() {
            let name = GoJSON.string(claim["name"])
            let f = "\(path).claims[\(i)]"
            if name.isEmpty {
                errs.append(CoreField.required(f))
                continue
            }
            if names.contains(name) {
                // All requests of that claim are already referenced.
                errs.append(CoreField.duplicate(f, name))
            } else {
                var key = name
                let request = GoJSON.string(claim["request"])
                if !request.isEmpty {
                    errs += CoreFormats.dns1123Label(request, f + ".request")
                    key += "/" + request
                }
                if names.contains(key) {
                    errs.append(CoreField.duplicate(f, key))
                } else if request.isEmpty {
                    for other in names.sorted()
                    where other.split(separator: "/").first.map(String.init) == name
                        && other.contains("/")
                    {
                        errs.append(CoreField.duplicate(f, name))
                    }
                }
                names.insert(key)
            }
            if !podClaimNames.contains(name) {
                var e = CoreField.notFound(f, name)
                e.detail =
                    "must be one of the names in pod.spec.resourceClaims"
                    + (podClaimNames.isEmpty
                        ? " which is empty" : ": " + podClaimNames.sorted().joined(separator: ", "))
                errs.append(e)
            }
        }
        return errs
    }
}
