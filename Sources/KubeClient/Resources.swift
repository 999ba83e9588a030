import KubeModel

// Typed built-in resources. Each is a thin view over its JSON (see `KubeObject`).

/// Declares the boilerplate of a typed resource.
private func gvr(_ group: String, _ version: String, _ resource: String) -> GroupVersionResource {
    GroupVersionResource(group: group, version: version, resource: resource)
}

/// core/v1 Pod.
public struct Pod: KubeResource {
    public static let resource = gvr("", "v1", "pods")
    public static let kind = "Pod"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    /// `spec.nodeName`.
    public var nodeName: String? { object["spec"]?["nodeName"]?.stringValue }
    /// `spec.containers` names and images.
    public var containers: [(name: String, image: String)] {
        (object["spec"]?["containers"]?.arrayValue ?? []).map {
            ($0["name"]?.stringValue ?? "", $0["image"]?.stringValue ?? "")
        }
    }
    /// `status.phase`.
    public var phase: String? {
        get { object["status"]?["phase"]?.stringValue }
        set {
            var status = object["status"] ?? .object(JSONObject())
            status["phase"] = newValue.map(JSONValue.string)
            object["status"] = status
        }
    }
}

/// core/v1 ConfigMap.
public struct ConfigMap: KubeResource {
    public static let resource = gvr("", "v1", "configmaps")
    public static let kind = "ConfigMap"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    /// A new ConfigMap with `data`.
    public init(name: String, namespace: String? = nil, data: [String: String] = [:]) {
        self.object = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name)]]
        if let namespace { self.namespace = namespace }
        if !data.isEmpty { self.data = data }
    }
    /// `data`.
    public var data: [String: String] {
        get { stringMap(object["data"]) }
        set { object["data"] = newValue.isEmpty ? nil : Self.jsonMap(newValue) }
    }
}

/// core/v1 Secret. `data` values are base64 on the wire; ``stringData`` is write-only sugar.
public struct Secret: KubeResource {
    public static let resource = gvr("", "v1", "secrets")
    public static let kind = "Secret"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var type: String? { object["type"]?.stringValue }
    /// `data`, base64 strings as stored.
    public var base64Data: [String: String] { stringMap(object["data"]) }
    public var stringData: [String: String] {
        get { stringMap(object["stringData"]) }
        set { object["stringData"] = newValue.isEmpty ? nil : Self.jsonMap(newValue) }
    }
}

/// core/v1 Service.
public struct Service: KubeResource {
    public static let resource = gvr("", "v1", "services")
    public static let kind = "Service"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var clusterIP: String? { object["spec"]?["clusterIP"]?.stringValue }
    public var type: String? { object["spec"]?["type"]?.stringValue }
}

/// core/v1 Endpoints.
public struct Endpoints: KubeResource {
    public static let resource = gvr("", "v1", "endpoints")
    public static let kind = "Endpoints"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
}

/// core/v1 Node (cluster-scoped).
public struct Node: KubeResource {
    public static let resource = gvr("", "v1", "nodes")
    public static let kind = "Node"
    public static let namespaced = false
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var unschedulable: Bool { object["spec"]?["unschedulable"]?.boolValue ?? false }
}

/// core/v1 Namespace (cluster-scoped).
public struct Namespace: KubeResource {
    public static let resource = gvr("", "v1", "namespaces")
    public static let kind = "Namespace"
    public static let namespaced = false
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public init(name: String) {
        self.object = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
    }
    public var phase: String? { object["status"]?["phase"]?.stringValue }
}

/// core/v1 Event.
public struct Event: KubeResource {
    public static let resource = gvr("", "v1", "events")
    public static let kind = "Event"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var reason: String? { object["reason"]?.stringValue }
    public var message: String? { object["message"]?.stringValue }
}

/// core/v1 ServiceAccount.
public struct ServiceAccount: KubeResource {
    public static let resource = gvr("", "v1", "serviceaccounts")
    public static let kind = "ServiceAccount"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
}

/// coordination.k8s.io/v1 Lease (node heartbeats, leader election).
public struct Lease: KubeResource {
    public static let resource = gvr("coordination.k8s.io", "v1", "leases")
    public static let kind = "Lease"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var holderIdentity: String? {
        get { object["spec"]?["holderIdentity"]?.stringValue }
        set {
            var spec = object["spec"] ?? .object(JSONObject())
            spec["holderIdentity"] = newValue.map(JSONValue.string)
            object["spec"] = spec
        }
    }
    public var renewTime: String? { object["spec"]?["renewTime"]?.stringValue }
}

/// discovery.k8s.io/v1 EndpointSlice.
public struct EndpointSlice: KubeResource {
    public static let resource = gvr("discovery.k8s.io", "v1", "endpointslices")
    public static let kind = "EndpointSlice"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var addressType: String? { object["addressType"]?.stringValue }
}

/// apps/v1 Deployment.
public struct Deployment: KubeResource {
    public static let resource = gvr("apps", "v1", "deployments")
    public static let kind = "Deployment"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
    public var replicas: Int64? { object["spec"]?["replicas"]?.int64Value }
}

/// apps/v1 DaemonSet.
public struct DaemonSet: KubeResource {
    public static let resource = gvr("apps", "v1", "daemonsets")
    public static let kind = "DaemonSet"
    public static let namespaced = true
    public var object: JSONValue
    public init(object: JSONValue) { self.object = object }
}
