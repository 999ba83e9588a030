import EventLog
import KubeModel

/// The opaque `continue` token of a paginated list: the snapshot RV every page is
/// read at and the key of the last item returned.
struct ContinueToken: Sendable, Equatable {
    var snapshot: ResourceVersion
    var lastKey: [UInt8]

    private static let version: UInt8 = 1

    func encoded() -> String {
        var raw: [UInt8] = [Self.version]
        ResourceVersionKey.append(snapshot, to: &raw)
        raw.append(contentsOf: lastKey)
        return GoBase64.encode(raw)
    }

    /// `nil` when the token was not made by `encoded()`.
    init?(decoding token: String) {
        guard let raw = GoBase64.decode(token), raw.count > 13, raw[0] == Self.version else { return nil }
        guard let rv = ResourceVersionKey.decode(raw[1..<9]) else { return nil }
        self.snapshot = rv
        self.lastKey = Array(raw[9...])
    }

    init(snapshot: ResourceVersion, lastKey: [UInt8]) {
        self.snapshot = snapshot
        self.lastKey = lastKey
    }
}
