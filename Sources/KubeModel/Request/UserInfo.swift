/// Who sent a request, as an authenticator identified them (apiserver's `user.Info`).
///
/// Authorization decides on it; admission and the event log can record it.
public struct UserInfo: Sendable, Hashable {
    /// The user name: `alice`, `system:node:edge-1`, `system:serviceaccount:ns:name`, `system:anonymous`.
    public var name: String
    /// A unique id, if the authenticator knows one.
    public var uid: String
    /// The groups, including the `system:authenticated` / `system:unauthenticated` the
    /// authentication chain adds.
    public var groups: [String]
    /// Further attributes (for example `authentication.kubernetes.io/credential-id`).
    public var extra: [String: [String]]

    public init(name: String, uid: String = "", groups: [String] = [], extra: [String: [String]] = [:]) {
        self.name = name
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }
}
