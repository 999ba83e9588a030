import ArgumentParser
import Forensics
import Foundation
import KubeModel

/// `ake config`: the serve configuration.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the configuration `ake serve` would run with.",
        subcommands: [Print.self])

    /// `ake config print`.
    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective serve settings and where each comes from (default, file or flag).",
            discussion: """
                Takes the same flags as `ake serve` (including --config) and resolves them the same \
                way: a flag overrides the config file, which overrides the default. Errors in the \
                file (unknown keys, bad values) are reported as `ake serve` would report them.
                """)

        @OptionGroup var options: ServeOptions

        @Option(name: .shortAndLong, help: "Output format: table, json or yaml.")
        var output: OutputFormat = .table

        func run() throws {
            let settings = try options.resolve()
            let config = settings.config
            var rows: [(key: String, value: String, source: String)] = []
            for setting in config.settings {
                var value = setting.value?.display ?? ""
                if setting.key == "max-db-size", value == "auto" {
                    let bytes = ServeConfiguration.autoQuota(dataDir: Self.existingAncestor(settings.dataDir))
                    value = "auto (\(formatBytes(bytes)) now)"
                }
                var source = setting.source.rawValue
                if setting.source == .file, let path = config.configPath, let line = setting.line {
                    source = "file \(path):\(line)"
                }
                rows.append((setting.key, value, source))
            }
            switch output {
            case .table:
                var table = TextTable(headers: ["KEY", "VALUE", "SOURCE"])
                for row in rows { table.append([row.key, row.value.isEmpty ? "-" : row.value, row.source]) }
                Output.write(table.render())
            case .json, .yaml:
                var items: [JSONValue] = []
                for (setting, row) in zip(config.settings, rows) {
                    let value: JSONValue
                    switch setting.value {
                    case .scalar(let s)?: value = .string(s)
                    case .list(let l)?: value = .array(l.map(JSONValue.string))
                    case nil: value = .null
                    }
                    var item: JSONValue = [
                        "key": .string(row.key), "value": value, "source": .string(setting.source.rawValue),
                    ]
                    if let line = setting.line, var object = item.objectValue {
                        object["line"] = .number(JSONNumber(line))
                        item = .object(object)
                    }
                    items.append(item)
                }
                let document: JSONValue = [
                    "configFile": config.configPath.map(JSONValue.string) ?? .null, "settings": .array(items),
                ]
                Output.write(output == .json ? document.jsonString + "\n" : try document.yamlString())
            }
        }

        /// The data dir, or its nearest existing parent (free space is measured there before it exists).
        static func existingAncestor(_ path: String) -> String {
            var current = path
            while !current.isEmpty, !FileManagerProbe.exists(current) {
                guard let slash = current.lastIndex(of: "/") else { return "." }
                current = slash == current.startIndex ? "/" : String(current[..<slash])
            }
            return current.isEmpty ? "." : current
        }
    }
}

/// `FileManager.fileExists`, in one place.
enum FileManagerProbe {
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
