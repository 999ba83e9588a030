import KubeModel

/// What a request asks to do, as authorizers see it (the apiserver's `authorizer.Attributes`
/// built from its `RequestInfo`).
public struct RequestAttributes: Sendable, Hashable {
    /// Who asks.
    public var user: UserInfo
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`
    /// (and `proxy`) for resource requests; the lower-cased HTTP method for other paths.
    public var verb: String
    /// Whether the path names an API resource (`/api/v1/...`, `/apis/g/v/...`).
    public var isResourceRequest: Bool
    /// The URL path (for non-resource requests).
    public var path: String
    public var namespace: String
    public var apiGroup: String
    public var apiVersion: String
    public var resource: String
    public var subresource: String
    public var name: String
    /// The raw `fieldSelector` of a list, watch or deletecollection (not of a legacy
    /// `/watch/` path), which the Node authorizer reads.
    public var fieldSelector: String = ""

    public init(
        user: UserInfo, verb: String, isResourceRequest: Bool, path: String = "", namespace: String = "",
        apiGroup: String = "", apiVersion: String = "", resource: String = "", subresource: String = "",
        name: String = ""
    ) {
        self.user = user
        self.verb = verb
        self.isResourceRequest = isResourceRequest
        self.path = path
        self.namespace = namespace
        self.apiGroup = apiGroup
        self.apiVersion = apiVersion
        self.resource = resource
        self.subresource = subresource
        self.name = name
    }

    /// A resource request's attributes.
    public static func resource(
        user: UserInfo, verb: String, group: String, version: String = "v1", resource: String,
        subresource: String = "", namespace: String = "", name: String = ""
    ) -> RequestAttributes {
        RequestAttributes(
            user: user, verb: verb, isResourceRequest: true, namespace: namespace, apiGroup: group,
            apiVersion: version, resource: resource, subresource: subresource, name: name)
    }

    /// A non-resource request's attributes (`/healthz`, `/api`, ...).
    public static func nonResource(user: UserInfo, verb: String, path: String) -> RequestAttributes {
        RequestAttributes(user: user, verb: verb, isResourceRequest: false, path: path)
    }
}

extension RequestAttributes {
    /// Resolves an HTTP request into attributes as the apiserver's `RequestInfoFactory`
    /// does, from the path alone (no catalog: an unknown resource is still a resource
    /// request, so that authorization comes before the 404, as in kube-apiserver):
    /// - `/api/{v}/...` and `/apis/{g}/{v}/...` with at least a resource are resource
    ///   requests; everything else is a non-resource request whose verb is the
    ///   lower-cased method;
    /// - a leading `watch`/`proxy` segment after the version is the verb;
    /// - `namespaces/{ns}/...` sets the namespace (`namespaces/{ns}/status|finalize`
    ///   stay the namespace's subresources);
    /// - a `GET` without a name is `list`, or `watch` when the `watch` parameter is true;
    ///   a `metadata.name=` field selector then names the object;
    /// - a `DELETE` without a name is `deletecollection`.
    /// - Parameters:
    ///   - path: the decoded URL path.
    ///   - query: the decoded query parameters.
    public static func resolve(user: UserInfo, method: String, path: String, query: [String: [String]])
        -> RequestAttributes
    {
        var attributes = RequestAttributes(
            user: user, verb: method.lowercased(), isResourceRequest: false, path: path)
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 3, parts[0] == "api" || parts[0] == "apis" else { return attributes }
        let grouped = parts[0] == "apis"
        parts.removeFirst()
        if grouped {
            guard parts.count >= 3 else { return attributes }
            attributes.apiGroup = parts.removeFirst()
        }
        attributes.isResourceRequest = true
        attributes.apiVersion = parts.removeFirst()

        var verbFromPath = false
        if parts[0] == "watch" || parts[0] == "proxy" {
            guard parts.count >= 2 else {
                // The apiserver cannot resolve it (and answers 500); nothing is allowed on it.
                attributes.verb = parts[0]
                return attributes
            }
            attributes.verb = parts.removeFirst()
            verbFromPath = true
        } else {
            switch method.uppercased() {
            case "POST": attributes.verb = "create"
            case "GET", "HEAD": attributes.verb = "get"
            case "PUT": attributes.verb = "update"
            case "PATCH": attributes.verb = "patch"
            case "DELETE": attributes.verb = "delete"
            default: attributes.verb = ""
            }
        }

        if parts[0] == "namespaces" {
            if parts.count > 1 {
                attributes.namespace = parts[1]
                if parts.count > 2 && !["status", "finalize"].contains(parts[2]) {
                    parts.removeFirst(2)
                }
            }
        }
        if parts.count >= 3 && attributes.verb != "proxy" { attributes.subresource = parts[2] }
        if parts.count >= 2 { attributes.name = parts[1] }
        if parts.count >= 1 { attributes.resource = parts[0] }

        if attributes.name.isEmpty && attributes.verb == "get" {
            attributes.verb = QueryParameter.bool(query["watch"]) ? "watch" : "list"
            if let selector = query["fieldSelector"]?.first, let name = exactNameMatch(selector),
                !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("%")
            {
                attributes.name = name
            }
        }
        if attributes.name.isEmpty && attributes.verb == "delete" { attributes.verb = "deletecollection" }
        if !verbFromPath, ["list", "watch", "deletecollection"].contains(attributes.verb) {
            attributes.fieldSelector = query["fieldSelector"]?.first ?? ""
        }
        return attributes
    }

    /// The value of a `metadata.name=` (or `==`) requirement of a field selector, when
    /// the selector requires exactly that (fields.Selector.RequiresExactMatch).
    static func exactNameMatch(_ selector: String) -> String? {
        for term in selector.split(separator: ",") {
            let t = term.drop(while: { $0 == " " })
            for op in ["==", "="] {
                if t.hasPrefix("metadata.name" + op) {
                    let value = t.dropFirst("metadata.name".count + op.count)
                    if value.hasPrefix("=") { break }
                    return String(value)
                }
            }
        }
        return nil
    }
}
