import KubeModel

/// core/v1 defaulting: `SetDefaults_*` of k8s.io/kubernetes `pkg/apis/core/v1/defaults.go`
/// plus the `+default=` markers defaulter-gen inlines into `zz_generated.defaults.go`,
/// nested as the generated `SetObjectDefaults_*` nest them (Kubernetes 1.32, default
/// feature gates: `ImageVolume`, `InPlacePodVerticalScaling` and `PodLevelResources` off,
/// `LoadBalancerIPMode` on).
enum CoreDefaults {
    /// Defaults an object of the core/v1 resource `resource`.
    static func apply(_ object: inout JSONValue, resource: String) {
        switch resource {
        case "pods": pod(&object)
        case "podtemplates":
            object.edit("template", create: true) { template in
                template.edit("spec", create: true) { podSpec(&$0) }
            }
        case "replicationcontrollers": replicationController(&object)
        case "services": service(&object)
        case "secrets": object.defaultString("type", "Opaque")
        case "configmaps": object.defaultPointer("data", .object(JSONObject()))
        case "namespaces": namespace(&object)
        case "nodes": node(&object)
        case "persistentvolumes": persistentVolume(&object)
        case "persistentvolumeclaims": persistentVolumeClaim(&object)
        case "endpoints":
            object.editEach("subsets") { subset in
                subset.editEach("ports") { $0.defaultString("protocol", "TCP") }
            }
        case "limitranges":
            object.edit("spec", create: true) { spec in
                spec.editEach("limits") { limitRangeItem(&$0) }
            }
        default:
            break
        }
    }

    // MARK: Pods

    /// `SetObjectDefaults_Pod`: `SetDefaults_Pod`, then the pod spec as templates get it.
    static func pod(_ object: inout JSONValue) {
        object.edit("spec", create: true) { spec in
            // SetDefaults_Pod: requests default to limits, for containers and init containers.
            for key in ["containers", "initContainers"] {
                spec.editEach(key) { container in
                    container.edit("resources", create: true) { requestsFromLimits(&$0) }
                }
            }
            spec.defaultPointer("enableServiceLinks", true)
            if spec["hostNetwork"]?.boolValue == true {
                for key in ["containers", "initContainers"] {
                    spec.editEach(key) { container in
                        container.editEach("ports") { port in
                            if port.isUnsetNumber("hostPort"), let p = port["containerPort"] {
                                port["hostPort"] = p
                            }
                        }
                    }
                }
            }
            podSpec(&spec)
        }
    }

    /// Missing requests take the limit's value (`SetDefaults_Pod`).
    static func requestsFromLimits(_ resources: inout JSONValue) {
        guard case .object(let limits)? = resources["limits"] else { return }
        var requests = resources["requests"]?.objectValue ?? JSONObject()
        for (name, value) in limits where requests[name] == nil {
            requests[name] = value
        }
        resources["requests"] = .object(requests)
    }

    /// `SetDefaults_PodSpec` and everything nested in a pod spec, as every pod template
    /// (PodTemplate, ReplicationController, apps, batch) gets it.
    static func podSpec(_ spec: inout JSONValue) {
        spec.defaultString("dnsPolicy", "ClusterFirst")
        spec.defaultString("restartPolicy", "Always")
        spec.defaultPointer("securityContext", .object(JSONObject()))
        spec.defaultPointer("terminationGracePeriodSeconds", 30)
        spec.defaultString("schedulerName", "default-scheduler")
        spec.editEach("volumes") { volume(&$0) }
        spec.editEach("initContainers") { container(&$0) }
        spec.editEach("containers") { container(&$0) }
        spec.editEach("ephemeralContainers") { container(&$0) }
    }

    /// `SetDefaults_Container` (and `SetDefaults_EphemeralContainer`) with the nested
    /// ports, env field references, probes and lifecycle handlers.
    static func container(_ c: inout JSONValue) {
        if c.isUnsetString("imagePullPolicy") {
            let tag = ImageReference.tag(of: c["image"]?.stringValue ?? "")
            c["imagePullPolicy"] = tag == "latest" ? "Always" : "IfNotPresent"
        }
        c.defaultString("terminationMessagePath", "/dev/termination-log")
        c.defaultString("terminationMessagePolicy", "File")
        c.editEach("ports") { $0.defaultString("protocol", "TCP") }
        c.editEach("env") { env in
            env.edit("valueFrom", create: false) { from in
                from.edit("fieldRef", create: false) { objectFieldSelector(&$0) }
            }
        }
        for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
            c.edit(key, create: false) { probe(&$0) }
        }
        c.edit("lifecycle", create: false) { lifecycle in
            for key in ["postStart", "preStop"] {
                lifecycle.edit(key, create: false) { handler in
                    handler.edit("httpGet", create: false) { httpGetAction(&$0) }
                }
            }
        }
    }

    /// `SetDefaults_Probe` with its HTTP and gRPC handlers.
    static func probe(_ p: inout JSONValue) {
        p.defaultNumber("timeoutSeconds", 1)
        p.defaultNumber("periodSeconds", 10)
        p.defaultNumber("successThreshold", 1)
        p.defaultNumber("failureThreshold", 3)
        p.edit("httpGet", create: false) { httpGetAction(&$0) }
        p.edit("grpc", create: false) { $0.defaultPointer("service", "") }
    }

    static func httpGetAction(_ a: inout JSONValue) {
        a.defaultString("path", "/")
        a.defaultString("scheme", "HTTP")
    }

    static func objectFieldSelector(_ s: inout JSONValue) {
        s.defaultString("apiVersion", "v1")
    }

    /// The volume source members of `VolumeSource` (all Go pointers).
    static let volumeSources = [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
        "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ]

    /// `SetDefaults_Volume` and the defaults of each volume source.
    static func volume(_ v: inout JSONValue) {
        if volumeSources.allSatisfy({ v.isUnset($0) }) {
            v["emptyDir"] = .object(JSONObject())
        }
        v.edit("hostPath", create: false) { $0.defaultPointer("type", "") }
        v.edit("secret", create: false) { $0.defaultPointer("defaultMode", 420) }
        v.edit("iscsi", create: false) { $0.defaultString("iscsiInterface", "default") }
        v.edit("rbd", create: false) { rbd(&$0) }
        v.edit("downwardAPI", create: false) { d in
            d.defaultPointer("defaultMode", 420)
            d.editEach("items") { item in item.edit("fieldRef", create: false) { objectFieldSelector(&$0) } }
        }
        v.edit("configMap", create: false) { $0.defaultPointer("defaultMode", 420) }
        v.edit("azureDisk", create: false) { azureDisk(&$0) }
        v.edit("projected", create: false) { p in
            p.defaultPointer("defaultMode", 420)
            p.editEach("sources") { source in
                source.edit("downwardAPI", create: false) { d in
                    d.editEach("items") { item in item.edit("fieldRef", create: false) { objectFieldSelector(&$0) } }
                }
                source.edit("serviceAccountToken", create: false) { $0.defaultPointer("expirationSeconds", 3600) }
            }
        }
        v.edit("scaleIO", create: false) { scaleIO(&$0) }
        v.edit("ephemeral", create: false) { e in
            e.edit("volumeClaimTemplate", create: false) { t in
                t.edit("spec", create: true) { persistentVolumeClaimSpec(&$0) }
            }
        }
    }

    static func rbd(_ r: inout JSONValue) {
        r.defaultString("pool", "rbd")
        r.defaultString("user", "admin")
        r.defaultString("keyring", "/etc/ceph/keyring")
    }

    static func azureDisk(_ a: inout JSONValue) {
        a.defaultPointer("cachingMode", "ReadWrite")
        a.defaultPointer("fsType", "ext4")
        a.defaultPointer("readOnly", false)
        a.defaultPointer("kind", "Shared")
    }

    static func scaleIO(_ s: inout JSONValue) {
        s.defaultString("storageMode", "ThinProvisioned")
        s.defaultString("fsType", "xfs")
    }

    // MARK: Workloads

    /// `SetDefaults_ReplicationController`: selector and labels from the template's
    /// labels, one replica.
    static func replicationController(_ object: inout JSONValue) {
        var templateLabels: JSONValue?
        if case .object(let labels)? = object["spec"]?["template"]?["metadata"]?["labels"] {
            templateLabels = .object(labels)
        }
        object.edit("spec", create: true) { spec in
            if let templateLabels, spec.isEmptyCollection("selector") {
                spec["selector"] = templateLabels
            }
            spec.defaultPointer("replicas", 1)
            spec.edit("template", create: false) { template in
                template.edit("spec", create: true) { podSpec(&$0) }
            }
        }
        if let templateLabels {
            object.edit("metadata", create: true) { meta in
                if meta.isEmptyCollection("labels") { meta["labels"] = templateLabels }
            }
        }
    }

    // MARK: Services

    /// `SetDefaults_Service` and its ports' protocol marker.
    static func service(_ object: inout JSONValue) {
        object.edit("spec", create: true) { spec in
            spec.defaultString("sessionAffinity", "None")
            let affinity = spec["sessionAffinity"]?.stringValue
            if affinity == "None" {
                spec["sessionAffinityConfig"] = nil
            } else if affinity == "ClientIP",
                spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"].map({ $0.isNull }) ?? true
            {
                spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": 10800]]
            }
            spec.defaultString("type", "ClusterIP")
            let type = spec["type"]?.stringValue ?? ""
            spec.editEach("ports") { port in
                port.defaultString("protocol", "TCP")
                let target = port["targetPort"]
                let unset: Bool
                switch target {
                case nil, .null?: unset = true
                case .number(let n)?: unset = n.doubleValue == 0
                case .string(let s)?: unset = s.isEmpty
                default: unset = false
                }
                if unset { port["targetPort"] = port["port"] ?? 0 }
            }
            let hasExternalIPs = !spec.isEmptyCollection("externalIPs")
            let externallyAccessible =
                type == "LoadBalancer" || type == "NodePort" || (type == "ClusterIP" && hasExternalIPs)
            if externallyAccessible { spec.defaultString("externalTrafficPolicy", "Cluster") }
            if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) {
                spec.defaultPointer("internalTrafficPolicy", "Cluster")
            }
            if type == "LoadBalancer" { spec.defaultPointer("allocateLoadBalancerNodePorts", true) }
        }
        guard object["spec"]?["type"]?.stringValue == "LoadBalancer" else { return }
        // LoadBalancerIPMode (GA in 1.32): an ingress point with an IP is a VIP unless told.
        object.edit("status", create: true) { status in
            status.edit("loadBalancer", create: true) { lb in
                lb.editEach("ingress") { ingress in
                    if !ingress.isUnsetString("ip") { ingress.defaultPointer("ipMode", "VIP") }
                }
            }
        }
    }

    // MARK: Cluster objects

    /// `SetDefaults_Namespace` (the name label) and `SetDefaults_NamespaceStatus`.
    static func namespace(_ object: inout JSONValue) {
        if case .string(let name)? = object["metadata"]?["name"], !name.isEmpty {
            object.edit("metadata", create: true) { meta in
                meta.edit("labels", create: true) { $0["kubernetes.io/metadata.name"] = .string(name) }
            }
        }
        object.edit("status", create: true) { $0.defaultString("phase", "Active") }
    }

    /// `SetDefaults_NodeStatus`: allocatable defaults to capacity.
    static func node(_ object: inout JSONValue) {
        object.edit("status", create: true) { status in
            if status.isUnset("allocatable"), case .object(let capacity)? = status["capacity"] {
                status["allocatable"] = .object(capacity)
            }
        }
    }

    /// `SetDefaults_PersistentVolume` and the PV sources' markers.
    static func persistentVolume(_ object: inout JSONValue) {
        object.edit("status", create: true) { $0.defaultString("phase", "Pending") }
        object.edit("spec", create: true) { spec in
            spec.defaultString("persistentVolumeReclaimPolicy", "Retain")
            spec.defaultPointer("volumeMode", "Filesystem")
            persistentVolumeSource(&spec)
        }
    }

    /// Markers of the `PersistentVolumeSource` members (inline in a PV spec).
    static func persistentVolumeSource(_ spec: inout JSONValue) {
        spec.edit("hostPath", create: false) { $0.defaultPointer("type", "") }
        spec.edit("rbd", create: false) { rbd(&$0) }
        spec.edit("iscsi", create: false) { $0.defaultString("iscsiInterface", "default") }
        spec.edit("azureDisk", create: false) { azureDisk(&$0) }
        spec.edit("scaleIO", create: false) { scaleIO(&$0) }
    }

    /// `SetDefaults_PersistentVolumeClaim` (phase Pending) and its spec.
    static func persistentVolumeClaim(_ object: inout JSONValue) {
        object.edit("spec", create: true) { persistentVolumeClaimSpec(&$0) }
        object.edit("status", create: true) { $0.defaultString("phase", "Pending") }
    }

    static func persistentVolumeClaimSpec(_ spec: inout JSONValue) {
        spec.defaultPointer("volumeMode", "Filesystem")
    }

    /// `SetDefaults_LimitRangeItem`: for containers, default ← max, defaultRequest ←
    /// default, then min.
    static func limitRangeItem(_ item: inout JSONValue) {
        guard item["type"]?.stringValue == "Container" else { return }
        var defaults = item["default"]?.objectValue ?? JSONObject()
        var defaultRequest = item["defaultRequest"]?.objectValue ?? JSONObject()
        for (name, value) in item["max"]?.objectValue ?? JSONObject() where defaults[name] == nil {
            defaults[name] = value
        }
        for (name, value) in defaults where defaultRequest[name] == nil {
            defaultRequest[name] = value
        }
        for (name, value) in item["min"]?.objectValue ?? JSONObject() where defaultRequest[name] == nil {
            defaultRequest[name] = value
        }
        item["default"] = .object(defaults)
        item["defaultRequest"] = .object(defaultRequest)
    }
}
