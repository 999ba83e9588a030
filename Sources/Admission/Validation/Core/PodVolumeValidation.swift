import KubeModel

/// `ValidateVolumes` and `validateVolumeSource`: names unique DNS labels, exactly one
/// source per volume, and the checks of the sources an edge node actually uses (emptyDir,
/// hostPath, secret, configMap, persistentVolumeClaim, downwardAPI, projected, ephemeral,
/// csi, nfs, image). The cloud and legacy plugins count for the one-source rule only.
extension PodSpecValidation {
    /// The volume sources in the order Go checks them: (JSON member, path segment of the
    /// "more than 1" error, path segment of the source's own errors).
    private static let volumeSources: [(key: String, forbiddenAs: String, validatedAs: String)] = [
        ("emptyDir", "emptyDir", "emptyDir"), ("hostPath", "hostPath", "hostPath"), ("gitRepo", "gitRepo", "gitRepo"),
        ("gcePersistentDisk", "gcePersistentDisk", "persistentDisk"),
        ("awsElasticBlockStore", "awsElasticBlockStore", "awsElasticBlockStore"), ("secret", "secret", "secret"),
        ("nfs", "nfs", "nfs"), ("iscsi", "iscsi", "iscsi"), ("glusterfs", "glusterfs", "glusterfs"),
        ("flocker", "flocker", "flocker"), ("persistentVolumeClaim", "persistentVolumeClaim", "persistentVolumeClaim"),
        ("rbd", "rbd", "rbd"), ("cinder", "cinder", "cinder"), ("cephfs", "cephFS", "cephfs"),
        ("quobyte", "quobyte", "quobyte"), ("downwardAPI", "downwarAPI", "downwardAPI"), ("fc", "fc", "fc"),
        ("flexVolume", "flexVolume", "flexVolume"), ("configMap", "configMap", "configMap"),
        ("azureFile", "azureFile", "azureFile"), ("vsphereVolume", "vsphereVolume", "vsphereVolume"),
        ("photonPersistentDisk", "photonPersistentDisk", "photonPersistentDisk"),
        ("portworxVolume", "portworxVolume", "portworxVolume"), ("azureDisk", "azureDisk", "azureDisk"),
        ("storageos", "storageos", "storageos"), ("projected", "projected", "projected"),
        ("scaleIO", "scaleIO", "scaleIO"), ("csi", "csi", "csi"), ("ephemeral", "ephemeral", "ephemeral"),
        ("image", "image", "image"),
    ]

    private static let fileModeError = "must be a number between 0 and 0777 (octal), both inclusive"
    private static let volumeFieldPaths = [
        "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
    ]

    /// The valid volumes by name (what mounts may reference) and the errors.
    static func validateVolumes(_ list: JSONValue?, podName: String?, _ path: String) -> (
        [String: JSONValue], [FieldError]
    ) {
        var errs: [FieldError] = []
        var names = Set<String>()
        var volumes: [String: JSONValue] = [:]
        let volumeList = GoJSON.array(list)
        var createdClaims = Set<String>()
        if let podName, !podName.isEmpty {
            for v in volumeList where GoJSON.isSet(v["ephemeral"]) {
                createdClaims.insert(podName + "-" + GoJSON.string(v["name"]))
            }
        }
        for (i, v) in volumeList.enumerated() {
            let p = "\(path)[\(i)]"
            let name = GoJSON.string(v["name"])
            var el = validateVolumeSource(v, p, name: name, podName: podName)
            if name.isEmpty {
                el.append(CoreField.required(p + ".name"))
            } else {
                el += CoreFormats.dns1123Label(name, p + ".name")
            }
            if names.contains(name) { el.append(CoreField.duplicate(p + ".name", name)) }
            if el.isEmpty {
                names.insert(name)
                volumes[name] = v
            } else {
                errs += el
            }
            if let claim = v["persistentVolumeClaim"]?["claimName"]?.stringValue, createdClaims.contains(claim) {
                errs.append(
                    CoreField.invalid(
                        p + ".persistentVolumeClaim.claimName", claim,
                        "must not reference a PVC that gets created for an ephemeral volume"))
            }
        }
        return (volumes, errs)
    }

    private static func validateVolumeSource(_ v: JSONValue, _ path: String, name: String, podName: String?)
        -> [FieldError]
    {
        var errs: [FieldError] = []
        var count = 0
        for source in volumeSources {
            guard let s = v[source.key], !s.isNull else { continue }
            if count > 0 && source.key != "emptyDir" {
                errs.append(
                    CoreField.forbidden("\(path).\(source.forbiddenAs)", "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            let sp = "\(path).\(source.validatedAs)"
            switch source.key {
            case "emptyDir":
                var ignored: [FieldError] = []
                if let limit = ResourceValidation.quantity(s["sizeLimit"], sp + ".sizeLimit", into: &ignored),
                    limit.sign < 0
                {
                    errs.append(
                        CoreField.forbidden(sp + ".sizeLimit", "SizeLimit field must be a valid resource quantity"))
                }
                errs += ignored
            case "hostPath":
                let hp = GoJSON.string(s["path"])
                if hp.isEmpty {
                    errs.append(CoreField.required(sp + ".path"))
                    break
                }
                errs += CoreFormats.pathNoBacksteps(hp, sp + ".path")
                if let t = s["type"]?.stringValue {
                    let supported = [
                        "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate",
                        "Socket",
                    ]
                    if !supported.contains(t) { errs.append(CoreField.notSupported(sp + ".type", t, supported)) }
                }
            case "secret", "configMap":
                let nameKey = source.key == "secret" ? "secretName" : "name"
                if GoJSON.string(s[nameKey]).isEmpty { errs.append(CoreField.required("\(sp).\(nameKey)")) }
                errs += fileMode(s["defaultMode"], sp + ".defaultMode")
                for (j, item) in GoJSON.array(s["items"]).enumerated() {
                    errs += validateKeyToPath(item, "\(sp).items[\(j)]")
                }
            case "persistentVolumeClaim":
                if GoJSON.string(s["claimName"]).isEmpty { errs.append(CoreField.required(sp + ".claimName")) }
            case "downwardAPI":
                errs += fileMode(s["defaultMode"], sp + ".defaultMode")
                for item in GoJSON.array(s["items"]) { errs += validateDownwardAPIFile(item, sp) }
            case "projected":
                errs += fileMode(s["defaultMode"], sp + ".defaultMode")
                errs += validateProjectionSources(s, sp)
            case "nfs":
                let server = GoJSON.string(s["server"])
                let np = GoJSON.string(s["path"])
                if server.isEmpty { errs.append(CoreField.required(sp + ".server")) }
                if np.isEmpty { errs.append(CoreField.required(sp + ".path")) }
                if !CoreFormats.isAbsolutePath(np) {
                    errs.append(CoreField.invalid(sp + ".path", np, "must be an absolute path"))
                }
            case "csi":
                errs += validateCSIDriverName(GoJSON.string(s["driver"]), sp + ".driver")
                if let ref = s["nodePublishSecretRef"], !ref.isNull {
                    let name = GoJSON.string(ref["name"])
                    if name.isEmpty {
                        errs.append(CoreField.required(sp + ".nodePublishSecretRef.name"))
                    } else {
                        errs += NameValidation.isDNS1123Subdomain(name).map {
                            CoreField.invalid(sp + ".name", name, $0)
                        }
                    }
                }
            case "ephemeral":
                if let template = s["volumeClaimTemplate"], !template.isNull {
                    errs += NameValidation.validateAnnotations(
                        Dictionary(
                            uniqueKeysWithValues: GoJSON.stringMap(template["metadata"]?["annotations"]).map {
                                ($0.key, $0.value)
                            }), field: sp + ".volumeClaimTemplate.metadata.annotations")
                    errs += PersistentVolumeClaimValidation.validateSpec(
                        template["spec"], sp + ".volumeClaimTemplate.spec")
                } else {
                    errs.append(CoreField.required(sp + ".volumeClaimTemplate"))
                }
                if let podName, !podName.isEmpty, !name.isEmpty {
                    let claim = podName + "-" + name
                    errs += NameValidation.isValidPathSegmentName(claim).map {
                        CoreField.invalid(path + ".name", name, "PVC name \(goQuoted(claim)): \($0)")
                    }
                }
            case "image":
                errs += enumValue(
                    GoJSON.string(s["pullPolicy"]), sp + ".pullPolicy", ["Always", "IfNotPresent", "Never"])
            default:
                break
            }
        }
        if count == 0 { errs.append(CoreField.required(path, "must specify a volume type")) }
        return errs
    }

    private static func fileMode(_ v: JSONValue?, _ field: String) -> [FieldError] {
        guard let mode = GoJSON.int(v), mode > 0o777 || mode < 0 else { return [] }
        return [CoreField.invalid(field, int: mode, fileModeError)]
    }

    private static func validateKeyToPath(_ kp: JSONValue, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if GoJSON.string(kp["key"]).isEmpty { errs.append(CoreField.required(path + ".key")) }
        let p = GoJSON.string(kp["path"])
        if p.isEmpty { errs.append(CoreField.required(path + ".path")) }
        errs += CoreFormats.localNonReservedPath(p, path + ".path")
        errs += fileMode(kp["mode"], path + ".mode")
        return errs
    }

    private static func validateDownwardAPIFile(_ file: JSONValue, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let p = GoJSON.string(file["path"])
        if p.isEmpty { errs.append(CoreField.required(path + ".path")) }
        errs += CoreFormats.localNonReservedPath(p, path + ".path")
        if let fr = file["fieldRef"], !fr.isNull {
            errs += validateObjectFieldSelector(fr, volumeFieldPaths, path + ".fieldRef")
            if GoJSON.isSet(file["resourceFieldRef"]) {
                errs.append(
                    CoreField.invalid(
                        path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
            }
        } else if let rf = file["resourceFieldRef"], !rf.isNull {
            errs += validateResourceFieldSelector(rf, path + ".resourceFieldRef", volume: true)
        } else {
            errs.append(CoreField.required(path, "one of fieldRef and resourceFieldRef is required"))
        }
        errs += fileMode(file["mode"], path + ".mode")
        return errs
    }

    private static func validateProjectionSources(_ projection: JSONValue, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        var allPaths = Set<String>()
        for (i, source) in GoJSON.array(projection["sources"]).enumerated() {
            var count = 0
            let sp = "\(path).sources[\(i)]"
            for key in ["secret", "configMap"] {
                guard let s = source[key], !s.isNull else { continue }
                count += 1
                let pp = "\(sp).\(key)"
                let name = GoJSON.string(s["name"])
                if name.isEmpty { errs.append(CoreField.required(pp + ".name")) }
                for (j, kp) in GoJSON.array(s["items"]).enumerated() {
                    errs += validateKeyToPath(kp, "\(pp).items[\(j)]")
                    let p = GoJSON.string(kp["path"])
                    if !p.isEmpty && !allPaths.insert(p).inserted {
                        errs.append(CoreField.invalid(path, name, "conflicting duplicate paths"))
                    }
                }
            }
            if let d = source["downwardAPI"], !d.isNull {
                count += 1
                for file in GoJSON.array(d["items"]) {
                    errs += validateDownwardAPIFile(file, sp + ".downwardAPI")
                    let p = GoJSON.string(file["path"])
                    if !p.isEmpty && !allPaths.insert(p).inserted {
                        errs.append(CoreField.invalid(path, p, "conflicting duplicate paths"))
                    }
                }
            }
            if let t = source["serviceAccountToken"], !t.isNull {
                count += 1
                let expiration = GoJSON.int(t["expirationSeconds"]) ?? 0
                if expiration < 600 {
                    errs.append(
                        CoreField.invalid(
                            sp + ".serviceAccountToken.expirationSeconds", int: expiration,
                            "may not specify a duration less than 10 minutes"))
                }
                if expiration > 1 << 32 {
                    errs.append(
                        CoreField.invalid(
                            sp + ".serviceAccountToken.expirationSeconds", int: expiration,
                            "may not specify a duration larger than 2^32 seconds"))
                }
                let p = GoJSON.string(t["path"])
                if p.isEmpty {
                    errs.append(CoreField.required(path + ".path"))
                } else {
                    errs += CoreFormats.localNonReservedPath(p, path + ".path")
                }
            }
            if let b = source["clusterTrustBundle"], !b.isNull {
                count += 1
                let p = GoJSON.string(b["path"])
                if p.isEmpty { errs.append(CoreField.required(sp + ".clusterTrustBundle.path")) }
                errs += CoreFormats.localNonReservedPath(p, sp + ".clusterTrustBundle.path")
                if !allPaths.insert(p).inserted {
                    errs.append(CoreField.invalid(path, p, "conflicting duplicate paths"))
                }
            }
            if count > 1 {
                errs.append(CoreField.forbidden(sp, "may not specify more than 1 volume type per source"))
            }
        }
        return errs
    }

    /// `ValidateCSIDriverName`.
    static func validateCSIDriverName(_ driver: String, _ field: String) -> [FieldError] {
        var errs: [FieldError] = []
        if driver.isEmpty { errs.append(CoreField.required(field)) }
        if driver.utf8.count > 63 {
            errs.append(FieldError(.tooLong, field: field, detail: "may not be more than 63 bytes"))
        }
        errs += NameValidation.isDNS1123Subdomain(driver.lowercased()).map { CoreField.invalid(field, driver, $0) }
        return errs
    }
}
