import KubeModel

/// `ValidateServiceClusterIPsRelatedFields` (pkg/apis/core/validation), which the
/// allocation step runs as its loose pre-validation before it reads the IP fields.
enum ServiceClusterIPValidation {
    static let supportedFamilies = ["IPv4", "IPv6"]
    static let supportedPolicies = ["PreferDualStack", "RequireDualStack", "SingleStack"]

    static func validate(_ svc: ServiceFields) -> [FieldError] {
        if svc.isExternalName { return [] }
        var errors: [FieldError] = []
        var hasInvalidIPs = false
        let ipsValue = FieldError.BadValue.raw(goStringSlice(svc.clusterIPs))
        if !svc.clusterIP.isEmpty {
            if svc.clusterIPs.isEmpty {
                errors.append(.required("spec.clusterIPs"))
            } else if svc.clusterIPs[0] != svc.clusterIP {
                errors.append(
                    FieldError(
                        .invalid, field: "spec.clusterIPs", value: ipsValue,
                        detail: "first value must match `clusterIP`"))
            }
        } else if !svc.clusterIPs.isEmpty {
            errors.append(
                FieldError(
                    .invalid, field: "spec.clusterIPs", value: ipsValue,
                    detail: "must be empty when `clusterIP` is not specified"))
        }
        var seen: Set<String> = []
        for (i, family) in svc.ipFamilies.enumerated() {
            if !supportedFamilies.contains(family) {
                errors.append(.notSupported("spec.ipFamilies[\(i)]", family, supported: supportedFamilies))
            }
            if seen.contains(family) {
                errors.append(FieldError(.duplicate, field: "spec.ipFamilies[\(i)]", value: .string(family)))
            }
            seen.insert(family)
        }
        if let policy = svc.ipFamilyPolicy, !supportedPolicies.contains(policy) {
            errors.append(.notSupported("spec.ipFamilyPolicy", policy, supported: supportedPolicies))
        }
        for (i, ip) in svc.clusterIPs.enumerated() {
            if i == 0 && ip == "None" {
                if svc.clusterIPs.count > 1 {
                    hasInvalidIPs = true
                    errors.append(
                        FieldError(
                            .invalid, field: "spec.clusterIPs", value: ipsValue,
                            detail: "'None' must be the first and only value"))
                }
                continue
            }
            if IPAddress(parsing: ip) == nil {
                hasInvalidIPs = true
                errors.append(
                    .invalid(
                        "spec.clusterIPs[\(i)]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
            }
        }
        if svc.clusterIPs.count > 2 {
            errors.append(
                FieldError(.invalid, field: "spec.clusterIPs", value: ipsValue, detail: "may only hold up to 2 values"))
        }
        if hasInvalidIPs { return errors }
        if svc.clusterIPs.count > 1 {
            let families = Set(svc.clusterIPs.compactMap { IPAddress(parsing: $0)?.family })
            if families.count < 2 {
                errors.append(
                    FieldError(
                        .invalid, field: "spec.clusterIPs", value: ipsValue,
                        detail: "may specify no more than one IP for each IP family"))
            }
        }
        if !svc.isHeadless && !svc.clusterIPs.isEmpty && !svc.ipFamilies.isEmpty {
            for (i, ip) in svc.clusterIPs.enumerated() where i < svc.ipFamilies.count {
                let isIPv6 = IPAddress(parsing: ip)?.family == .ipv6
                if svc.ipFamilies[i] == "IPv4" && isIPv6 {
                    errors.append(
                        .invalid(
                            "spec.clusterIPs[\(i)]", ip, "expected an IPv4 value as indicated by `ipFamilies[\(i)]`"))
                }
                if svc.ipFamilies[i] == "IPv6" && !isIPv6 {
                    errors.append(
                        .invalid(
                            "spec.clusterIPs[\(i)]", ip, "expected an IPv6 value as indicated by `ipFamilies[\(i)]`"))
                }
            }
        }
        return errors
    }
}
