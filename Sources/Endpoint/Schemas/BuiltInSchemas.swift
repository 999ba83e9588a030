import KubeModel

/// A compact structural schema of a built-in type: enough for OpenAPI documents
/// (`kubectl explain`, kubectl's validation probe) and for server-side field validation.
///
/// An ``SchemaNode/object(_:)`` node names a definition whose property list is
/// complete (unknown fields in it are reported); ``SchemaNode/any`` accepts anything,
/// so a type is only ever closed where its full field list is known.
public indirect enum SchemaNode: Sendable {
    case string
    case integer
    case number
    case boolean
    /// `IntOrString` (ports, maxSurge, ...).
    case intOrString
    /// A named definition in ``BuiltInSchemas/definitions``.
    case object(String)
    case array(SchemaNode)
    /// A map from strings to values of the given schema.
    case map(SchemaNode)
    /// Any value: fields below it are not checked.
    case any
}

/// One named definition: a description, its complete properties and, for top-level
/// kinds, the group/version/kind it serializes.
public struct SchemaDefinition: Sendable {
    public var description: String
    public var properties: [(name: String, schema: SchemaNode, description: String)]
    public var gvk: (group: String, version: String, kind: String)?

    /// The schema of property `name`, if declared.
    public func property(_ name: String) -> SchemaNode? {
        properties.first { $0.name == name }?.schema
    }
}

/// The built-in schemas AKE knows, keyed by OpenAPI definition name
/// (`io.k8s.api.core.v1.Pod`).
public enum BuiltInSchemas {
    /// The definition name of a top-level kind, if it has a schema.
    public static func definitionName(group: String, version: String, kind: String) -> String? {
        definitionNameByKind[group + "/" + version + "/" + kind]
    }

    /// Top-level definitions by `group/version/kind` (a hand-written one wins over a generated one).
    private static let definitionNameByKind: [String: String] = {
        var index: [String: String] = [:]
        for (name, d) in definitions.sorted(by: { $0.key < $1.key }) {
            guard let g = d.gvk else { continue }
            let key = g.group + "/" + g.version + "/" + g.kind
            if index[key] == nil || handWritten[name] != nil { index[key] = name }
        }
        return index
    }()

    static let meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    private static func p(_ name: String, _ schema: SchemaNode, _ description: String = "") -> (
        name: String, schema: SchemaNode, description: String
    ) {
        (name, schema, description)
    }

    private static func topLevel(
        _ group: String, _ version: String, _ kind: String, _ description: String,
        _ extra: [(name: String, schema: SchemaNode, description: String)]
    ) -> SchemaDefinition {
        SchemaDefinition(
            description: description,
            properties: [
                p(
                    "apiVersion", .string,
                    "APIVersion defines the versioned schema of this representation of an object."),
                p("kind", .string, "Kind is a string value representing the REST resource this object represents."),
                p("metadata", .object(meta), "Standard object's metadata."),
            ] + extra,
            gvk: (group, version, kind))
    }

    /// Every definition, by name: the hand-written ones (with descriptions) and, for
    /// every other built-in type, one generated from ``BuiltInTypes``.
    public static let definitions: [String: SchemaDefinition] = {
        var d = handWritten
        for (name, definition) in GeneratedSchemas.definitions(BuiltInTypes.table) where d[name] == nil {
            d[name] = definition
        }
        return d
    }()

    /// The names of the definitions written by hand (with descriptions).
    public static var handWrittenNames: Dictionary<String, SchemaDefinition>.Keys { handWritten.keys }

    /// The definitions written by hand.
    static let handWritten: [String: SchemaDefinition] = {
        var d: [String: SchemaDefinition] = [:]
        d[meta] = SchemaDefinition(
            description:
                "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
            properties: [
                p("name", .string, "Name must be unique within a namespace."),
                p("generateName", .string, "An optional prefix used by the server to generate a unique name."),
                p("namespace", .string, "Namespace defines the space within which each name must be unique."),
                p("selfLink", .string), p("uid", .string, "UID is the unique in time and space value for this object."),
                p("resourceVersion", .string, "An opaque value that represents the internal version of this object."),
                p("generation", .integer, "A sequence number representing a specific generation of the desired state."),
                p("creationTimestamp", .string, "The time this object was created."),
                p("deletionTimestamp", .string, "The time at which this resource will be deleted."),
                p("deletionGracePeriodSeconds", .integer),
                p("labels", .map(.string), "Map of string keys and values used to organize and categorize objects."),
                p("annotations", .map(.string), "Unstructured key value map stored with a resource."),
                p("ownerReferences", .array(.any), "List of objects depended by this object."),
                p("finalizers", .array(.string), "Must be empty before the object is deleted from the registry."),
                p("managedFields", .array(.any), "Maps workflow-id and version to the set of fields managed."),
            ])
        d["io.k8s.api.core.v1.Pod"] = topLevel(
            "", "v1", "Pod", "Pod is a collection of containers that can run on a host.",
            [
                p("spec", .object("io.k8s.api.core.v1.PodSpec"), "Specification of the desired behavior of the pod."),
                p("status", .any, "Most recently observed status of the pod."),
            ])
        d["io.k8s.api.core.v1.PodSpec"] = SchemaDefinition(
            description: "PodSpec is a description of a pod.",
            properties: [
                p("volumes", .array(.any), "List of volumes that can be mounted by containers belonging to the pod."),
                p(
                    "initContainers", .array(.object("io.k8s.api.core.v1.Container")),
                    "List of initialization containers."),
                p(
                    "containers", .array(.object("io.k8s.api.core.v1.Container")),
                    "List of containers belonging to the pod."),
                p("ephemeralContainers", .array(.any)),
                p("restartPolicy", .string, "Restart policy for all containers."),
                p("terminationGracePeriodSeconds", .integer), p("activeDeadlineSeconds", .integer),
                p("dnsPolicy", .string), p("nodeSelector", .map(.string)), p("serviceAccountName", .string),
                p("serviceAccount", .string), p("automountServiceAccountToken", .boolean),
                p("nodeName", .string, "Request to schedule this pod onto a specific node."),
                p("hostNetwork", .boolean), p("hostPID", .boolean), p("hostIPC", .boolean),
                p("shareProcessNamespace", .boolean), p("securityContext", .any), p("imagePullSecrets", .array(.any)),
                p("hostname", .string), p("subdomain", .string), p("affinity", .any), p("schedulerName", .string),
                p("tolerations", .array(.any)), p("hostAliases", .array(.any)), p("priorityClassName", .string),
                p("priority", .integer), p("dnsConfig", .any), p("readinessGates", .array(.any)),
                p("runtimeClassName", .string), p("enableServiceLinks", .boolean), p("preemptionPolicy", .string),
                p("overhead", .map(.intOrString)), p("topologySpreadConstraints", .array(.any)),
                p("setHostnameAsFQDN", .boolean), p("os", .any), p("hostUsers", .boolean),
                p("schedulingGates", .array(.any)), p("resourceClaims", .array(.any)), p("resources", .any),
            ])
        d["io.k8s.api.core.v1.Container"] = SchemaDefinition(
            description: "A single application container that you want to run within a pod.",
            properties: [
                p("name", .string, "Name of the container specified as a DNS_LABEL."),
                p("image", .string, "Container image name."),
                p("command", .array(.string), "Entrypoint array."),
                p("args", .array(.string), "Arguments to the entrypoint."),
                p("workingDir", .string),
                p("ports", .array(.object("io.k8s.api.core.v1.ContainerPort")), "List of ports to expose."),
                p("envFrom", .array(.any)),
                p("env", .array(.object("io.k8s.api.core.v1.EnvVar")), "List of environment variables to set."),
                p("resources", .any, "Compute Resources required by this container."), p("resizePolicy", .array(.any)),
                p("restartPolicy", .string),
                p("volumeMounts", .array(.object("io.k8s.api.core.v1.VolumeMount")), "Pod volumes to mount."),
                p("volumeDevices", .array(.any)), p("livenessProbe", .any), p("readinessProbe", .any),
                p("startupProbe", .any), p("lifecycle", .any), p("terminationMessagePath", .string),
                p("terminationMessagePolicy", .string), p("imagePullPolicy", .string), p("securityContext", .any),
                p("stdin", .boolean), p("stdinOnce", .boolean), p("tty", .boolean),
            ])
        d["io.k8s.api.core.v1.ContainerPort"] = SchemaDefinition(
            description: "ContainerPort represents a network port in a single container.",
            properties: [
                p("name", .string), p("hostPort", .integer), p("containerPort", .integer), p("protocol", .string),
                p("hostIP", .string),
            ])
        d["io.k8s.api.core.v1.EnvVar"] = SchemaDefinition(
            description: "EnvVar represents an environment variable present in a Container.",
            properties: [p("name", .string), p("value", .string), p("valueFrom", .any)])
        d["io.k8s.api.core.v1.VolumeMount"] = SchemaDefinition(
            description: "VolumeMount describes a mounting of a Volume within a container.",
            properties: [
                p("name", .string), p("readOnly", .boolean), p("recursiveReadOnly", .string), p("mountPath", .string),
                p("subPath", .string), p("mountPropagation", .string), p("subPathExpr", .string),
            ])
        d["io.k8s.api.core.v1.Service"] = topLevel(
            "", "v1", "Service", "Service is a named abstraction of software service.",
            [p("spec", .object("io.k8s.api.core.v1.ServiceSpec")), p("status", .any)])
        d["io.k8s.api.core.v1.ServiceSpec"] = SchemaDefinition(
            description: "ServiceSpec describes the attributes that a user creates on a service.",
            properties: [
                p("ports", .array(.object("io.k8s.api.core.v1.ServicePort"))), p("selector", .map(.string)),
                p("clusterIP", .string), p("clusterIPs", .array(.string)), p("type", .string),
                p("externalIPs", .array(.string)), p("sessionAffinity", .string), p("loadBalancerIP", .string),
                p("loadBalancerSourceRanges", .array(.string)), p("externalName", .string),
                p("externalTrafficPolicy", .string), p("healthCheckNodePort", .integer),
                p("publishNotReadyAddresses", .boolean), p("sessionAffinityConfig", .any),
                p("ipFamilies", .array(.string)), p("ipFamilyPolicy", .string),
                p("allocateLoadBalancerNodePorts", .boolean), p("loadBalancerClass", .string),
                p("internalTrafficPolicy", .string), p("trafficDistribution", .string),
            ])
        d["io.k8s.api.core.v1.ServicePort"] = SchemaDefinition(
            description: "ServicePort contains information on service's port.",
            properties: [
                p("name", .string), p("protocol", .string), p("appProtocol", .string), p("port", .integer),
                p("targetPort", .intOrString), p("nodePort", .integer),
            ])
        d["io.k8s.api.core.v1.ConfigMap"] = topLevel(
            "", "v1", "ConfigMap", "ConfigMap holds configuration data for pods to consume.",
            [
                p("data", .map(.string), "Data contains the configuration data."),
                p("binaryData", .map(.string), "BinaryData contains the binary data."),
                p("immutable", .boolean),
            ])
        d["io.k8s.api.core.v1.Secret"] = topLevel(
            "", "v1", "Secret", "Secret holds secret data of a certain type.",
            [
                p("data", .map(.string)), p("stringData", .map(.string)), p("type", .string),
                p("immutable", .boolean),
            ])
        d["io.k8s.api.core.v1.Namespace"] = topLevel(
            "", "v1", "Namespace", "Namespace provides a scope for Names.",
            [p("spec", .object("io.k8s.api.core.v1.NamespaceSpec")), p("status", .any)])
        d["io.k8s.api.core.v1.NamespaceSpec"] = SchemaDefinition(
            description: "NamespaceSpec describes the attributes on a Namespace.",
            properties: [p("finalizers", .array(.string))])
        d["io.k8s.api.core.v1.Node"] = topLevel(
            "", "v1", "Node", "Node is a worker node in Kubernetes.",
            [p("spec", .object("io.k8s.api.core.v1.NodeSpec")), p("status", .any)])
        d["io.k8s.api.core.v1.NodeSpec"] = SchemaDefinition(
            description: "NodeSpec describes the attributes that a node is created with.",
            properties: [
                p("podCIDR", .string), p("podCIDRs", .array(.string)), p("providerID", .string),
                p("unschedulable", .boolean), p("taints", .array(.any)), p("configSource", .any),
                p("externalID", .string),
            ])
        d["io.k8s.api.apps.v1.Deployment"] = topLevel(
            "apps", "v1", "Deployment", "Deployment enables declarative updates for Pods and ReplicaSets.",
            [p("spec", .object("io.k8s.api.apps.v1.DeploymentSpec")), p("status", .any)])
        d["io.k8s.api.apps.v1.DeploymentSpec"] = SchemaDefinition(
            description: "DeploymentSpec is the specification of the desired behavior of the Deployment.",
            properties: [
                p("replicas", .integer, "Number of desired pods."), p("selector", .any),
                p("template", .object("io.k8s.api.core.v1.PodTemplateSpec")), p("strategy", .any),
                p("minReadySeconds", .integer), p("revisionHistoryLimit", .integer), p("paused", .boolean),
                p("progressDeadlineSeconds", .integer),
            ])
        d["io.k8s.api.core.v1.PodTemplateSpec"] = SchemaDefinition(
            description: "PodTemplateSpec describes the data a pod should have when created from a template.",
            properties: [p("metadata", .object(meta)), p("spec", .object("io.k8s.api.core.v1.PodSpec"))])
        return d
    }()
}
