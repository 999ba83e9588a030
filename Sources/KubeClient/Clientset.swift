import Endpoint
import KubeModel

/// The in-process clientset, shaped like client-go's `kubernetes.Interface`:
/// `clientset.coreV1.pods("ns").get("name")`.
///
/// The same API runs over two transports: ``InProcessTransport`` (AKE's `Endpoint`,
/// no socket) and ``HTTPTransport`` (any Kubernetes API server).
public struct Clientset: Sendable {
    public let transport: any KubeTransport

    public init(transport: any KubeTransport) { self.transport = transport }

    /// A clientset that calls AKE's `Endpoint` in this process.
    public static func inProcess(_ endpoint: Endpoint, clientName: String = "kubeclient-inprocess") -> Clientset {
        Clientset(transport: InProcessTransport(endpoint: endpoint, clientName: clientName))
    }

    /// A clientset over HTTP(S) from a kubeconfig or a plain URL. Call
    /// `(transport as? HTTPTransport)?.shutdown()` when done.
    public static func http(_ config: Kubeconfig) throws -> Clientset {
        Clientset(transport: try HTTPTransport(config: config))
    }

    public var coreV1: CoreV1 { CoreV1(transport: transport) }
    public var coordinationV1: CoordinationV1 { CoordinationV1(transport: transport) }
    public var discoveryV1: DiscoveryV1 { DiscoveryV1(transport: transport) }
    public var appsV1: AppsV1 { AppsV1(transport: transport) }

    /// A dynamic client for any resource (CRDs such as device models and devices).
    public func dynamic(_ resource: GroupVersionResource, namespace: String? = nil) -> ResourceClient<
        UnstructuredObject
    > {
        ResourceClient(transport: transport, resource: resource, namespace: namespace)
    }

    /// A typed client for `T` (namespace nil: all namespaces, or a cluster-scoped resource).
    public func resource<T: KubeResource>(_ type: T.Type, namespace: String? = nil) -> ResourceClient<T> {
        ResourceClient(transport: transport, resource: T.resource, namespace: T.namespaced ? namespace : nil)
    }
}

/// core/v1.
public struct CoreV1: Sendable {
    let transport: any KubeTransport
    func c<T: KubeResource>(_ t: T.Type, _ ns: String?) -> ResourceClient<T> {
        ResourceClient(transport: transport, resource: T.resource, namespace: ns)
    }
    /// Pods in `namespace` (nil: all namespaces).
    public func pods(_ namespace: String? = nil) -> ResourceClient<Pod> { c(Pod.self, namespace) }
    public func configMaps(_ namespace: String? = nil) -> ResourceClient<ConfigMap> { c(ConfigMap.self, namespace) }
    public func secrets(_ namespace: String? = nil) -> ResourceClient<Secret> { c(Secret.self, namespace) }
    public func services(_ namespace: String? = nil) -> ResourceClient<Service> { c(Service.self, namespace) }
    public func endpoints(_ namespace: String? = nil) -> ResourceClient<Endpoints> { c(Endpoints.self, namespace) }
    public func events(_ namespace: String? = nil) -> ResourceClient<Event> { c(Event.self, namespace) }
    public func serviceAccounts(_ namespace: String? = nil) -> ResourceClient<ServiceAccount> {
        c(ServiceAccount.self, namespace)
    }
    public var nodes: ResourceClient<Node> { c(Node.self, nil) }
    public var namespaces: ResourceClient<Namespace> { c(Namespace.self, nil) }
}

/// coordination.k8s.io/v1.
public struct CoordinationV1: Sendable {
    let transport: any KubeTransport
    public func leases(_ namespace: String? = nil) -> ResourceClient<Lease> {
        ResourceClient(transport: transport, resource: Lease.resource, namespace: namespace)
    }
}

/// discovery.k8s.io/v1.
public struct DiscoveryV1: Sendable {
    let transport: any KubeTransport
    public func endpointSlices(_ namespace: String? = nil) -> ResourceClient<EndpointSlice> {
        ResourceClient(transport: transport, resource: EndpointSlice.resource, namespace: namespace)
    }
}

/// apps/v1.
public struct AppsV1: Sendable {
    let transport: any KubeTransport
    public func deployments(_ namespace: String? = nil) -> ResourceClient<Deployment> {
        ResourceClient(transport: transport, resource: Deployment.resource, namespace: namespace)
    }
    public func daemonSets(_ namespace: String? = nil) -> ResourceClient<DaemonSet> {
        ResourceClient(transport: transport, resource: DaemonSet.resource, namespace: namespace)
    }
}
