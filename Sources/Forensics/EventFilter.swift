import EventLog
import KubeModel

/// An `--origin` argument: `upstream[:<scope>]`, `local[:<client>]`, `reconciler`, `system`.
public enum OriginFilter: Sendable, Hashable, CustomStringConvertible {
    case upstream(scope: UInt32?)
    /// `client` matches as a case-insensitive prefix, so `local:kubectl` selects
    /// `kubectl/v1.30.0 (linux/amd64) …`.
    case local(client: String?)
    case reconciler
    case system

    /// Parses an `--origin` value; throws a message naming the accepted forms.
    public init(parsing text: String) throws(ForensicsError) {
        let (kind, arg): (Substring, Substring?) = {
            if let colon = text.firstIndex(of: ":") {
                return (text[..<colon], text[text.index(after: colon)...])
            }
            return (Substring(text), nil)
        }()
        switch kind.lowercased() {
        case "upstream":
            if let arg, !arg.isEmpty {
                guard let scope = UInt32(arg) else {
                    throw .invalidArgument("invalid origin \"\(text)\": the upstream scope must be a number")
                }
                self = .upstream(scope: scope)
            } else {
                self = .upstream(scope: nil)
            }
        case "local": self = .local(client: arg.flatMap { $0.isEmpty ? nil : String($0) })
        case "reconciler" where arg == nil: self = .reconciler
        case "system" where arg == nil: self = .system
        default:
            throw .invalidArgument(
                "invalid origin \"\(text)\": expected upstream, upstream:<scope>, local, local:<client>, reconciler or system"
            )
        }
    }

    public func matches(_ origin: EventOrigin) -> Bool {
        switch (self, origin) {
        case (.upstream(let want), .upstream(let scope)): return want == nil || want == scope
        case (.local(let want), .local(let client)):
            guard let want else { return true }
            return client.lowercased().hasPrefix(want.lowercased())
        case (.reconciler, .reconciler), (.system, .system): return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .upstream(let s): s.map { "upstream:\($0)" } ?? "upstream"
        case .local(let c): c.map { "local:\($0)" } ?? "local"
        case .reconciler: "reconciler"
        case .system: "system"
        }
    }
}

/// The selection `ake log tail` applies to events. Every set criterion must hold.
public struct EventFilter: Sendable, Hashable {
    /// Resources to keep (any of them); empty = all.
    public var resources: [ResourcePattern] = []
    public var namespace: String?
    public var name: String?
    /// Event types to keep; empty = all.
    public var types: Set<EventType> = []
    /// Origins to keep (any of them); empty = all.
    public var origins: [OriginFilter] = []
    /// Inclusive RV bounds.
    public var sinceRV: ResourceVersion?
    public var untilRV: ResourceVersion?
    /// Inclusive time bounds, microseconds since the epoch.
    public var since: UInt64?
    public var until: UInt64?

    public init() {}

    /// Whether the event is selected. Looks only at header fields, never the object.
    public func matches(_ event: EventRecord) -> Bool {
        if let sinceRV, event.rv < sinceRV { return false }
        if let untilRV, event.rv > untilRV { return false }
        if let since, event.time < since { return false }
        if let until, event.time > until { return false }
        if !types.isEmpty, !types.contains(event.type) { return false }
        if let namespace, event.namespace != namespace { return false }
        if let name, event.name != name { return false }
        if !resources.isEmpty {
            guard let gvr = event.resource, resources.contains(where: { $0.matches(gvr) }) else { return false }
        }
        if !origins.isEmpty, !origins.contains(where: { $0.matches(event.origin) }) { return false }
        return true
    }

    /// The first RV worth reading: lets a scan start at `sinceRV` instead of the oldest event.
    public var firstRelevantRV: ResourceVersion { sinceRV ?? 0 }

    /// Whether no event after `rv` can match (the scan may stop).
    public func isPastEnd(_ event: EventRecord) -> Bool {
        if let untilRV, event.rv > untilRV { return true }
        // Commit times never decrease along the log, so a later event is later still.
        if let until, event.time > until { return true }
        return false
    }
}

/// Errors of the forensic tools, each a sentence naming the problem.
public enum ForensicsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The directory holds no AKE database.
    case noDatabase(directory: String)
    /// A point in history the log no longer covers.
    case belowHorizon(requested: ResourceVersion, horizon: ResourceVersion)
    /// A time before the oldest retained state.
    case timeBeforeHorizon(requested: String, horizon: ResourceVersion, horizonTime: String)
    /// An RV beyond the log's head.
    case beyondHead(requested: ResourceVersion, head: ResourceVersion)
    case notFound(String)
    case invalidArgument(String)
    case failed(String)

    public var description: String {
        switch self {
        case .noDatabase(let dir):
            "no AKE database at \(dir) (expected \(dir)/data.mdb; pass the directory `ake serve --data-dir` uses)"
        case .belowHorizon(let rv, let horizon):
            "RV \(rv) is below the compaction horizon \(horizon): the log no longer holds the state before it; use an RV >= \(horizon)"
        case .timeBeforeHorizon(let time, let horizon, let horizonTime):
            "time \(time) is before the compaction horizon \(horizon) (committed \(horizonTime)); use a later time"
        case .beyondHead(let rv, let head):
            "RV \(rv) is beyond the head of the log (\(head))"
        case .notFound(let m), .invalidArgument(let m), .failed(let m): m
        }
    }
}
