import KubeModel

/// `pkg/apis/storage/validation` for the CSI kinds: CSINodes (which the kubelet writes),
/// CSIDrivers and VolumeAttachments (an inline volume spec's PersistentVolumeSpec rules
/// belong to core validation and are not ported here).
enum CSIValidation {
    static let csiNodeIDMaxLength = 256
    static let maxAttachedVolumeMetadataSize = 256 * 1024
    static let maxVolumeErrorMessageSize = 1024
    static let fsGroupPolicies = ["File", "None", "ReadWriteOnceWithFSType"]

    /// `ValidateCSIDriverName` (core).
    static func driverName(_ name: String, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if name.isEmpty { errs.append(.required(path)) }
        if name.utf8.count > 63 { errs.append(.tooLong(path, maxBytes: 63)) }
        errs += NameValidation.isDNS1123Subdomain(name.lowercased()).map { .invalid(path, name, $0) }
        return errs
    }

    // MARK: CSINode

    /// `ValidateCSINode` / `ValidateCSINodeUpdate` (long node IDs allowed, as the strategy does).
    static func csiNode(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        let drivers = object["spec"]?["drivers"]?.arrayValue ?? []
        for (i, driver) in drivers.enumerated() {
            let p = "spec.drivers[\(i)]"
            let name = driver["name"]?.stringValue ?? ""
            errs += driverName(name, p + ".name")
            let nodeID = driver["nodeID"]?.stringValue ?? ""
            if nodeID.isEmpty { errs.append(.required(p + ".nodeID")) }
            if nodeID.utf8.count > csiNodeIDMaxLength {
                errs.append(.invalid(p + ".nodeID", nodeID, "must be \(csiNodeIDMaxLength) characters or less"))
            }
            errs += ValidationSupport.nonNegative(driver["allocatable"]?["count"], p + ".allocatable.count")
            if !names.insert(name).inserted {
                errs.append(FieldError(.duplicate, field: p + ".name", value: .string(name)))
            }
            var keys = Set<String>()
            for k in driver["topologyKeys"]?.arrayValue ?? [] {
                let key = k.stringValue ?? ""
                if key.isEmpty { errs.append(.required(p)) }
                if !keys.insert(key).inserted { errs.append(FieldError(.duplicate, field: p, value: .string(key))) }
                errs += NameValidation.isQualifiedName(key).map { .invalid(p, key, $0) }
            }
        }
        if request.operation == .update, let old = request.old {
            for oldDriver in old["spec"]?["drivers"]?.arrayValue ?? [] {
                for newDriver in drivers where newDriver["name"]?.stringValue == oldDriver["name"]?.stringValue {
                    errs += ValidationSupport.immutable(newDriver, oldDriver, "spec.drivers") { _ in
                        .raw("storage.CSINodeDriver{…}")
                    }
                }
            }
        }
        return errs
    }

    // MARK: CSIDriver

    /// `ValidateCSIDriver` / `ValidateCSIDriverUpdate`; attachRequired (true),
    /// podInfoOnMount, storageCapacity and seLinuxMount (false) are defaulted.
    static func csiDriver(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let spec = object["spec"]
        var errs: [FieldError] = []
        for (member, path) in [
            ("attachRequired", "attachedRequired"), ("podInfoOnMount", "podInfoOnMount"),
            ("storageCapacity", "storageCapacity"), ("seLinuxMount", "seLinuxMount"),
        ] where spec?[member]?.isNull == true {
            errs.append(.required("spec." + path))
        }
        if let policy = spec?["fsGroupPolicy"]?.stringValue, !fsGroupPolicies.contains(policy) {
            errs.append(.notSupported("spec.fsGroupPolicy", policy, supported: fsGroupPolicies))
        }
        var audiences = Set<String>()
        for (i, request) in (spec?["tokenRequests"]?.arrayValue ?? []).enumerated() {
            let p = "spec.tokenRequests[\(i)]"
            let audience = request["audience"]?.stringValue ?? ""
            if !audiences.insert(audience).inserted {
                errs.append(FieldError(.duplicate, field: p + ".audience", value: .string(audience)))
                continue
            }
            guard let seconds = request["expirationSeconds"]?.int64Value else { continue }
            if seconds < 600 {
                errs.append(
                    FieldError(
                        .invalid, field: p + ".expirationSeconds", value: .integer(seconds),
                        detail: "may not specify a duration less than 10 minutes"))
            }
            if seconds > 1 << 32 {
                errs.append(
                    FieldError(
                        .invalid, field: p + ".expirationSeconds", value: .integer(seconds),
                        detail: "may not specify a duration larger than 2^32 seconds"))
            }
        }
        let modes = (spec?["volumeLifecycleModes"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
        for mode in modes where mode != "Persistent" && mode != "Ephemeral" {
            errs.append(.notSupported("spec.volumeLifecycleModes", mode, supported: ["Persistent", "Ephemeral"]))
        }
        if request.operation == .update, let old = request.old {
            let newAttach = spec?["attachRequired"]?.boolValue ?? true
            if newAttach != old["spec"]?["attachRequired"]?.boolValue ?? true {
                errs.append(
                    FieldError(
                        .invalid, field: "spec.attachedRequired", value: .bool(newAttach),
                        detail: ValidationSupport.fieldImmutableErrorMsg))
            }
            // volumeLifecycleModes defaults to [Persistent].
            let oldModes = (old["spec"]?["volumeLifecycleModes"]?.arrayValue ?? []).map { $0.stringValue ?? "" }
            let effectiveNew = spec?["volumeLifecycleModes"] == nil ? ["Persistent"] : modes
            let effectiveOld = old["spec"]?["volumeLifecycleModes"] == nil ? ["Persistent"] : oldModes
            if effectiveNew != effectiveOld {
                errs.append(
                    FieldError(
                        .invalid, field: "spec.volumeLifecycleModes",
                        value: .raw(
                            effectiveNew.isEmpty && spec?["volumeLifecycleModes"]?.arrayValue == nil
                                ? "[]storage.VolumeLifecycleMode(nil)"
                                : "[]storage.VolumeLifecycleMode{" + effectiveNew.map(goQuoted).joined(separator: ", ")
                                    + "}"),
                        detail: ValidationSupport.fieldImmutableErrorMsg))
            }
        }
        return errs
    }

    // MARK: VolumeAttachment

    /// `ValidateVolumeAttachment` plus `ValidateVolumeAttachmentV1`, and an immutable spec on update.
    static func volumeAttachment(_ object: JSONValue, _ request: AdmissionRequest) -> [FieldError] {
        let spec = object["spec"]
        var errs: [FieldError] = []
        let attacher = spec?["attacher"]?.stringValue ?? ""
        if attacher.isEmpty { errs.append(.required("spec.attacher")) }
        let source = spec?["source"]
        let pvName = source?["persistentVolumeName"].flatMap { $0.isNull ? nil : $0.stringValue }
        let inline = source?["inlineVolumeSpec"].flatMap { $0.isNull ? nil : $0 }
        switch (inline, pvName) {
        case (nil, nil):
            errs.append(
                .required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
        case (.some, .some):
            errs.append(
                .forbidden("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
        case (nil, let name?):
            if name.isEmpty {
                errs.append(
                    .required("spec.source.persistentVolumeName", "must specify non empty persistentVolumeName"))
            }
        case (.some, nil):
            break
        }
        let nodeName = spec?["nodeName"]?.stringValue ?? ""
        errs += NameValidation.isDNS1123Subdomain(nodeName).map { .invalid("spec.nodeName", nodeName, $0) }
        let status = object["status"]
        var size = 0
        for (k, v) in status?["attachmentMetadata"]?.objectValue ?? JSONObject() {
            size += k.utf8.count + (v.stringValue ?? "").utf8.count
        }
        if size > maxAttachedVolumeMetadataSize {
            errs.append(.tooLong("status.attachmentMetadata", maxBytes: maxAttachedVolumeMetadataSize))
        }
        for name in ["attachError", "detachError"] {
            if (status?[name]?["message"]?.stringValue ?? "").utf8.count > maxVolumeErrorMessageSize {
                errs.append(.tooLong("status.\(name).message", maxBytes: maxAttachedVolumeMetadataSize))
            }
        }
        errs += driverName(attacher, "spec.attacher")
        if let name = pvName {
            errs += NameValidation.isDNS1123Subdomain(name).map {
                .invalid("spec.source.persistentVolumeName", name, $0)
            }
        }
        if request.operation == .update, let old = request.old,
            !ValidationSupport.semanticallyEqual(spec, old["spec"])
        {
            errs.append(
                FieldError(
                    .invalid, field: "spec", value: .raw("storage.VolumeAttachmentSpec{…}"),
                    detail: ValidationSupport.fieldImmutableErrorMsg))
        }
        return errs
    }
}
