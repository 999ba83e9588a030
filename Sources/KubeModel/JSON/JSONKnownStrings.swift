/// Strings that recur in nearly every Kubernetes object (field names and common
/// enum values). The parser hands out these shared instances instead of building
/// (and, for 16 bytes or more, allocating) a new `String` for each occurrence.
final class JSONKnownStrings: Sendable {
    static let shared = JSONKnownStrings(words)

    private static let slotCount = 1024
    /// One entry per slot: index into `strings`, or -1.
    private let slots: [Int32]
    private let strings: [String]
    /// The UTF-8 of every entry, back to back; entry `i` is `bytes[offsets[i]..<offsets[i + 1]]`.
    private let bytes: [UInt8]
    private let offsets: [Int32]
    /// Longest entry; longer input skips the lookup.
    let maxLength: Int

    private init(_ words: [String]) {
        var slots = [Int32](repeating: -1, count: Self.slotCount)
        var strings: [String] = []
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        var maxLength = 0
        for word in Set(words).sorted() {
            let utf8 = Array(word.utf8)
            let index = Int32(strings.count)
            strings.append(word)
            bytes += utf8
            offsets.append(Int32(bytes.count))
            maxLength = max(maxLength, utf8.count)
            var slot = utf8.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.map { Self.hash($0, buffer.count) } ?? 0
            }
            while slots[slot] >= 0 { slot = (slot + 1) & (Self.slotCount - 1) }
            slots[slot] = index
        }
        self.slots = slots
        self.strings = strings
        self.bytes = bytes
        self.offsets = offsets
        self.maxLength = maxLength
    }

    @inline(__always)
    private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var h = UInt32(truncatingIfNeeded: n) &* 0x9E37_79B1
        h ^= UInt32(p[0]) &* 0x85EB_CA77
        h ^= UInt32(p[n &- 1]) &* 0xC2B2_AE3D
        h ^= UInt32(p[n >> 1]) &* 0x27D4_EB2F
        h ^= UInt32(p[n / 3]) &* 0x1656_67B1
        return Int((h ^ (h >> 15)) & UInt32(slotCount - 1))
    }

    /// Compares `n` bytes, a word at a time.
    @inline(__always)
    private static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i &+ 8 <= n {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self)
                != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
            {
                return false
            }
            i &+= 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
    }

    /// The shared string whose UTF-8 is exactly `p[0..<n]` (`n > 0`), if it is a known one.
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ n: Int) -> String? {
        guard n <= maxLength else { return nil }
        var slot = Self.hash(p, n)
        return bytes.withUnsafeBufferPointer { known -> String? in
            while true {
                let index = Int(slots[slot])
                if index < 0 { return nil }
                let start = Int(offsets[index])
                if Int(offsets[index &+ 1]) &- start == n, let kp = known.baseAddress, Self.equal(kp + start, p, n) {
                    return strings[index]
                }
                slot = (slot + 1) & (Self.slotCount - 1)
            }
        }
    }

    private static let words: [String] = [
        // ObjectMeta and TypeMeta
        "apiVersion", "kind", "metadata", "name", "namespace", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
        "ownerReferences", "finalizers", "generateName", "managedFields", "manager", "operation", "time",
        "fieldsType", "fieldsV1", "subresource", "controller", "blockOwnerDeletion", "selfLink",
        // lists and status
        "items", "continue", "remainingItemCount", "spec", "status", "observedGeneration", "conditions", "type",
        "reason", "message", "lastProbeTime", "lastTransitionTime", "lastUpdateTime", "lastHeartbeatTime", "code",
        "details",
        // pods
        "containers", "initContainers", "ephemeralContainers", "image", "imagePullPolicy", "ports", "containerPort",
        "protocol", "hostPort", "hostIP", "hostIPs", "env", "envFrom", "value", "valueFrom", "fieldRef", "fieldPath",
        "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "resources", "limits", "requests", "cpu", "memory",
        "ephemeral-storage", "volumeMounts", "mountPath", "subPath", "readOnly", "volumes", "configMap", "secret",
        "secretName", "defaultMode", "key", "path", "optional", "projected", "sources", "serviceAccountToken",
        "expirationSeconds", "downwardAPI", "emptyDir", "hostPath", "persistentVolumeClaim", "claimName",
        "livenessProbe", "readinessProbe", "startupProbe", "httpGet", "tcpSocket", "exec", "grpc", "port", "scheme",
        "initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold",
        "terminationMessagePath", "terminationMessagePolicy", "restartPolicy", "terminationGracePeriodSeconds",
        "dnsPolicy", "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
        "nodeSelector", "securityContext", "schedulerName", "tolerations", "operator", "effect",
        "tolerationSeconds", "priority", "priorityClassName", "enableServiceLinks", "preemptionPolicy", "affinity",
        "hostNetwork", "hostPID", "args", "command", "workingDir", "stdin", "tty", "lifecycle", "capabilities",
        "drop", "add", "runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "readOnlyRootFilesystem",
        "allowPrivilegeEscalation", "privileged", "seccompProfile", "phase", "podIP", "podIPs", "ip", "startTime",
        "containerStatuses", "initContainerStatuses", "state", "running", "startedAt", "terminated", "finishedAt",
        "exitCode", "waiting", "lastState", "ready", "restartCount", "imageID", "containerID", "started",
        "qosClass", "nominatedNodeName",
        // workloads, services, nodes
        "replicas", "selector", "matchLabels", "matchExpressions", "values", "template", "strategy",
        "rollingUpdate", "maxSurge", "maxUnavailable", "revisionHistoryLimit", "progressDeadlineSeconds",
        "availableReplicas", "readyReplicas", "updatedReplicas", "unavailableReplicas", "data", "binaryData",
        "stringData", "clusterIP", "clusterIPs", "targetPort", "nodePort", "sessionAffinity", "ipFamilies",
        "ipFamilyPolicy", "internalTrafficPolicy", "externalTrafficPolicy", "loadBalancer", "ingress", "addresses",
        "address", "endpoints", "addressType", "nodeInfo", "capacity", "allocatable", "daemonEndpoints",
        "kubeletEndpoint", "Port", "images", "names", "sizeBytes", "podCIDR", "podCIDRs", "providerID", "taints",
        "unschedulable", "leaseDurationSeconds", "holderIdentity", "renewTime", "acquireTime",
        "leaseTransitions",
        // frequent values
        "v1", "apps/v1", "Pod", "Node", "Service", "ConfigMap", "Secret", "Deployment", "ReplicaSet", "DaemonSet",
        "StatefulSet", "Lease", "Event", "EndpointSlice", "Namespace", "True", "False", "Unknown", "TCP", "UDP",
        "HTTP", "HTTPS", "IfNotPresent", "Always", "Never", "OnFailure", "Running", "Pending", "Succeeded",
        "Failed", "Ready", "Initialized", "ContainersReady", "PodScheduled", "PodReadyToStartContainers",
        "ClusterFirst", "default-scheduler", "default", "File", "/dev/termination-log", "Burstable", "BestEffort",
        "Guaranteed", "Exists", "Equal", "NoExecute", "NoSchedule", "PreferNoSchedule", "PreemptLowerPriority",
        "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "kube-api-access", "kube-root-ca.crt",
        "ca.crt", "token", "/var/run/secrets/kubernetes.io/serviceaccount", "metadata.namespace", "metadata.name",
        "Update", "Apply", "FieldsV1", "kubelet", "kube-controller-manager", "kubectl", "kube-scheduler",
        "kubectl-client-side-apply", "ClusterIP", "NodePort", "LoadBalancer", "SingleStack", "IPv4", "IPv6",
        "Cluster", "Local", "None", "RuntimeDefault", "ALL", "pod-template-hash", "app", "component", "tier",
        "app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
        "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by",
        "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch", "linux", "amd64", "arm64",
        "kubectl.kubernetes.io/last-applied-configuration", "f:metadata", "f:spec", "f:status", "f:labels",
        "f:annotations", "f:conditions", "f:containers", "f:name", "f:image", "f:ports", "f:resources", ".",
    ]
}
