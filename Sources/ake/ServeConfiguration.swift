// The effective configuration of `ake serve`: built-in defaults, overridden by the keys of a
// YAML config file (`--config`), overridden by command-line flags. Every serve flag is a key of
// the same name; `ake config print` shows each effective value and where it came from.
import Admission
import ArgumentParser
import Yams

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Where an effective setting's value came from.
enum SettingSource: String, Sendable, Codable {
    case `default`, file, flag
}

/// A setting's value: one scalar (kept as text, parsed where used), or a list (`sync`).
enum SettingValue: Sendable, Equatable {
    case scalar(String)
    case list([String])

    /// The value as `config print` shows it.
    var display: String {
        switch self {
        case .scalar(let s): s
        case .list(let items): items.joined(separator: ",")
        }
    }
}

/// One key of the serve configuration (the flag's long name without `--`).
struct SettingSpec: Sendable {
    let key: String
    /// nil: unset unless given (e.g. `upstream`).
    let defaultValue: SettingValue?
    /// Repeatable flag; a YAML sequence in the file.
    let isList: Bool

    init(_ key: String, _ defaultValue: String?) {
        self.key = key
        self.defaultValue = defaultValue.map(SettingValue.scalar)
        self.isList = false
    }

    init(list key: String) {
        self.key = key
        self.defaultValue = nil
        self.isList = true
    }
}

/// A setting in effect.
struct EffectiveSetting: Sendable {
    let key: String
    let value: SettingValue?
    let source: SettingSource
    /// The config file line the value came from (source `.file`).
    let line: Int?
}

/// Defaults of the settings that bound the disk use; their reasons are in docs/operations.md.
enum NodeDefaults {
    /// Events kept at most. A kubelet's Lease renewals alone are ~8,640 a day; a million events
    /// of a few KiB bound the log to a few GiB even on a busy node.
    static let retentionMaxEvents = "1000000"
    /// History kept at most: a watcher offline for up to a day resumes without a relist.
    static let retentionMaxAge = "24h"
    /// `--max-db-size` default: a fraction of the disk, computed at start.
    static let maxDBSize = "auto"
    /// The share of (free space + the database's own size) `auto` takes.
    static let autoQuotaFraction = 0.25
    /// Upper bound of `auto` (etcd's recommended maximum backend quota).
    static let autoQuotaCeiling = 8 << 30
    /// Lower bound of `auto`, unless the disk is even smaller (then half of what there is).
    static let autoQuotaFloor = 64 << 20
}

/// A configuration error (bad file, unknown key, bad value), worded for the operator.
struct ConfigError: Error, CustomStringConvertible {
    let description: String
}

/// The resolved serve configuration.
struct ServeConfiguration: Sendable {
    /// Every key `ake serve` accepts, in `--help` order.
    static let specs: [SettingSpec] =
        [
            SettingSpec("listen", "127.0.0.1:10550"),
            SettingSpec("data-dir", "./ake-data"),
            SettingSpec("log-level", "info"),
            SettingSpec("log-format", "text"),
            SettingSpec("retention-max-events", NodeDefaults.retentionMaxEvents),
            SettingSpec("retention-max-age", NodeDefaults.retentionMaxAge),
            SettingSpec("compaction-interval", "60s"),
            SettingSpec("max-db-size", NodeDefaults.maxDBSize),
            SettingSpec("max-watches", "8192"),
            SettingSpec("max-inflight", "400"),
            SettingSpec("max-body-bytes", String(3 * 1024 * 1024)),
            SettingSpec("shutdown-timeout", "10s"),
            SettingSpec("service-cluster-ip-range", ServiceAllocator.defaultServiceClusterIPRange),
            SettingSpec("service-node-port-range", ServiceAllocator.defaultServiceNodePortRange),
            SettingSpec("upstream", nil),
            SettingSpec("upstream-context", nil),
            SettingSpec(list: "sync"),
            SettingSpec("sync-file", nil),
            SettingSpec("scope-expiry", "1h"),
            SettingSpec("first-sync-timeout", "20s"),
            SettingSpec("probe-interval", "1s"),
            SettingSpec("quiet-probe-interval", "15s"),
            SettingSpec("discovery-interval", "5m"),
            SettingSpec(list: "write-policy"),
            SettingSpec("write-policy-file", nil),
            SettingSpec("write-timeout", "5s"),
            SettingSpec("upstream-content-type", "protobuf"),
        ] + SecurityFlags.specs

    /// The file given with `--config`, if any.
    let configPath: String?
    /// Every key of `specs`, resolved.
    let settings: [EffectiveSetting]

    /// Resolves defaults < file < flags. `flags` holds only the flags given on the command line.
    init(flags: [String: SettingValue], configPath: String?) throws {
        var file: [String: (SettingValue, Int)] = [:]
        if let configPath {
            guard let data = FileManager.default.contents(atPath: configPath) else {
                throw ConfigError(description: "\(configPath): cannot read the config file")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw ConfigError(description: "\(configPath): not UTF-8 text")
            }
            file = try Self.parse(text, path: configPath)
        }
        self.configPath = configPath
        settings = Self.specs.map { spec in
            if let value = flags[spec.key] {
                return EffectiveSetting(key: spec.key, value: value, source: .flag, line: nil)
            }
            if let (value, line) = file[spec.key] {
                return EffectiveSetting(key: spec.key, value: value, source: .file, line: line)
            }
            return EffectiveSetting(key: spec.key, value: spec.defaultValue, source: .default, line: nil)
        }
    }

    /// Parses a config file: one YAML mapping whose keys are serve flag names. Unknown and
    /// repeated keys, and values of the wrong shape, are errors naming the key and its line.
    static func parse(_ text: String, path: String) throws -> [String: (SettingValue, Int)] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(description: "\(path): not valid YAML: \(error)")
        }
        guard let root else { return [:] }  // an empty file (or only comments)
        guard let mapping = root.mapping else {
            throw ConfigError(
                description:
                    "\(path):\(root.mark?.line ?? 1): the config file must be a mapping of flag names to values")
        }
        let specs = Dictionary(uniqueKeysWithValues: Self.specs.map { ($0.key, $0) })
        var result: [String: (SettingValue, Int)] = [:]
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 0
            guard let key = keyNode.scalar?.string else {
                throw ConfigError(description: "\(path):\(line): keys must be flag names")
            }
            guard let spec = specs[key] else {
                let hint = key.hasPrefix("--") ? " (write keys without the leading --)" : ""
                throw ConfigError(description: "\(path):\(line): unknown key \"\(key)\"\(hint)")
            }
            guard result[key] == nil else {
                throw ConfigError(description: "\(path):\(line): key \"\(key)\" given twice")
            }
            switch valueNode {
            case .scalar(let scalar):
                if scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                    throw ConfigError(description: "\(path):\(line): key \"\(key)\" has no value")
                }
                result[key] = (spec.isList ? .list([scalar.string]) : .scalar(scalar.string), line)
            case .sequence(let sequence) where spec.isList:
                var items: [String] = []
                for item in sequence {
                    guard let s = item.scalar?.string else {
                        throw ConfigError(
                            description: "\(path):\(item.mark?.line ?? line): \"\(key)\" items must be strings")
                    }
                    items.append(s)
                }
                result[key] = (.list(items), line)
            default:
                let shape = spec.isList ? "a string or a list of strings" : "a single value"
                throw ConfigError(description: "\(path):\(line): key \"\(key)\" must be \(shape)")
            }
        }
        return result
    }

    /// The setting for `key` (every key of `specs` is present).
    func setting(_ key: String) -> EffectiveSetting {
        settings.first { $0.key == key } ?? EffectiveSetting(key: key, value: nil, source: .default, line: nil)
    }

    /// The scalar value of `key`, nil when unset.
    func string(_ key: String) -> String? {
        switch setting(key).value {
        case .scalar(let s): s
        case .list(let items): items.last
        case nil: nil
        }
    }

    /// The list value of `key` (empty when unset).
    func list(_ key: String) -> [String] {
        switch setting(key).value {
        case .scalar(let s): [s]
        case .list(let items): items
        case nil: []
        }
    }

    /// How an error message names the setting: `--key`, plus the file line it came from.
    func origin(_ key: String) -> String {
        let s = setting(key)
        if s.source == .file, let configPath, let line = s.line { return "\(key) (\(configPath):\(line))" }
        return "--\(key)"
    }

    /// An integer setting; `positive` rejects 0 and negatives, otherwise negatives only.
    func int(_ key: String, positive: Bool = false) throws -> Int? {
        guard let text = string(key) else { return nil }
        guard let n = Int(text), positive ? n > 0 : n >= 0 else {
            throw ConfigError(
                description: "\(origin(key)): \"\(text)\" is not a \(positive ? "positive" : "non-negative") integer")
        }
        return n
    }

    /// A duration setting (`90s`, `30m`, `24h`, `7d`).
    func duration(_ key: String) throws -> Duration? {
        guard let text = string(key) else { return nil }
        guard let d = parseDuration(text) else {
            throw ConfigError(description: "\(origin(key)): \"\(text)\" must look like 90s, 30m, 24h or 7d")
        }
        return d
    }

    /// `retention-max-events` (0: no limit).
    func retentionMaxEvents() throws -> Int? {
        let n = try int("retention-max-events")
        return n == 0 ? nil : n
    }

    /// `retention-max-age` (0: no limit).
    func retentionMaxAge() throws -> Duration? {
        let d = try duration("retention-max-age")
        return d == .zero ? nil : d
    }

    /// `max-db-size`: bytes, nil for no quota (`0`); `auto` is computed from the disk under `dataDir`.
    func quotaBytes(dataDir: String) throws -> Int? {
        guard let text = string("max-db-size") else { return nil }
        if text == "auto" { return Self.autoQuota(dataDir: dataDir) }
        guard let bytes = parseByteSize(text) else {
            throw ConfigError(
                description: "\(origin("max-db-size")): \"\(text)\" must be auto, 0 or a size like 512Mi, 2Gi, 100M")
        }
        return bytes == 0 ? nil : bytes
    }

    /// `auto`: a quarter of (free space + the database's own size) on the data dir's file
    /// system, at most 8 GiB, at least 64 MiB unless the disk is smaller. Counting the
    /// database itself keeps the quota steady across restarts as the file fills the disk.
    static func autoQuota(dataDir: String) -> Int {
        var fs = statvfs()
        var free = 0
        if statvfs(dataDir, &fs) == 0 { free = Int(fs.f_bavail) * Int(fs.f_frsize) }
        let attributes = try? FileManager.default.attributesOfItem(atPath: dataDir + "/data.mdb")
        let current = (attributes?[.size] as? Int) ?? 0
        let total = free + current
        let share = Int(Double(total) * NodeDefaults.autoQuotaFraction)
        let floor = min(NodeDefaults.autoQuotaFloor, total / 2)
        return min(NodeDefaults.autoQuotaCeiling, max(floor, share))
    }
}

/// Parses `512Mi`, `2Gi`, `100M`, `1G`, `64Ki`, `4096` (bytes). Binary suffixes are powers of 1024,
/// decimal ones powers of 1000, as Kubernetes quantities.
func parseByteSize(_ text: String) -> Int? {
    let units: [(String, Int)] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40),
        ("K", 1000), ("k", 1000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
    ]
    for (suffix, multiplier) in units where text.hasSuffix(suffix) {
        guard let n = Int(text.dropLast(suffix.count)), n >= 0, n <= Int.max / multiplier else { return nil }
        return n * multiplier
    }
    guard let n = Int(text), n >= 0 else { return nil }
    return n
}

/// Bytes as `config print` and `ake status` show them: `1.5Gi`, `640Mi`, `12Ki`, `100B`.
func formatBytes(_ bytes: Int) -> String {
    let units: [(String, Int)] = [("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)]
    for (suffix, size) in units where bytes >= size {
        let value = Double(bytes) / Double(size)
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded))\(suffix)" : "\(rounded)\(suffix)"
    }
    return "\(bytes)B"
}
