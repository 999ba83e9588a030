import KubeModel

/// Builds a List response from stored item bytes without parsing them again.
enum ListBody {
    /// `{"kind":"<ListKind>","apiVersion":"<gv>","metadata":{"resourceVersion":"N",...},"items":[...]}`
    static func build(
        listKind: String, apiVersion: String, resourceVersion: String, continueToken: String? = nil,
        remainingItemCount: Int? = nil, items: [[UInt8]]
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(items.reduce(160) { $0 + $1.count + 1 })
        out += Array(#"{"kind":"#.utf8)
        JSONValue.string(listKind).serialize(into: &out)
        out += Array(#","apiVersion":"#.utf8)
        JSONValue.string(apiVersion).serialize(into: &out)
        out += Array(#","metadata":{"resourceVersion":"#.utf8)
        JSONValue.string(resourceVersion).serialize(into: &out)
        if let continueToken, !continueToken.isEmpty {
            out += Array(#","continue":"#.utf8)
            JSONValue.string(continueToken).serialize(into: &out)
        }
        if let remainingItemCount {
            out += Array(#","remainingItemCount":"#.utf8)
            out += Array(String(remainingItemCount).utf8)
        }
        out += Array(#"},"items":["#.utf8)
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += item
        }
        out += Array("]}".utf8)
        return out
    }
}
