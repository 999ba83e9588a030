// `--log-format json`: one JSON object per line on stderr, for journald and log shippers
// (fluent-bit, vector) that parse structured lines.
import Foundation
import KubeModel
import Logging

/// A swift-log handler writing `{"time":…,"level":…,"logger":…,"msg":…, <metadata>…}` lines.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var members: [(key: String, value: JSONValue)] = [
            ("time", .string(Self.timestamp())), ("level", .string(level.rawValue)), ("logger", .string(label)),
            ("msg", .string(message.description)), ("source", .string(source)),
        ]
        let merged = metadata.merging(explicit ?? [:]) { $1 }
        for key in merged.keys.sorted() where !["time", "level", "logger", "msg", "source"].contains(key) {
            if let value = merged[key] { members.append((key, Self.json(value))) }
        }
        FileHandle.standardError.write(Data((JSONValue.object(JSONObject(members)).jsonString + "\n").utf8))
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let s): .string(s)
        case .stringConvertible(let c): .string(c.description)
        case .array(let a): .array(a.map(json))
        case .dictionary(let d): .object(JSONObject(d.keys.sorted().map { ($0, json(d[$0] ?? .string(""))) }))
        }
    }

    /// RFC 3339 with milliseconds, UTC.
    static func timestamp() -> String {
        let now = Date().timeIntervalSince1970
        let seconds = Int64(now.rounded(.down))
        let millis = Int((now - Double(seconds)) * 1000)
        let base = RFC3339.format(seconds: seconds) ?? "\(seconds)"
        let padded = String(repeating: "0", count: millis < 10 ? 2 : millis < 100 ? 1 : 0) + String(millis)
        return base.hasSuffix("Z") ? String(base.dropLast()) + "." + padded + "Z" : base
    }
}
