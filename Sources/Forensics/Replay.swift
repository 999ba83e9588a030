import EventLog
import Foundation
import KubeModel
import Projections

extension ForensicDatabase {
    /// The objects as they were at `rv` (which must be retained: horizon ≤ rv ≤ head),
    /// restricted to `resources` (any, if empty) and `namespace` (all, if nil), in
    /// resource, namespace, name order.
    public func state(
        at rv: ResourceVersion, resources: [ResourcePattern] = [], namespace: String? = nil
    ) throws -> [ObjectSnapshot] {
        try checkRetained(rv)
        let objects: [StoredObject]
        do {
            objects = try store.state(at: rv, nil)
        } catch let error as EventLogError {
            if case .belowHorizon(let requested, let horizon) = error {
                throw ForensicsError.belowHorizon(requested: requested, horizon: horizon)
            }
            throw error
        }
        return
            objects
            .filter { o in
                (resources.isEmpty || resources.contains { $0.matches(o.resource) })
                    && (namespace == nil || o.namespace == namespace)
            }
            .map(ObjectSnapshot.init)
            .sorted { $0.key < $1.key }
    }

    /// Every retained event of one object (all its lives under this name), oldest first.
    public func history(_ resource: ResourcePattern, namespace: String, name: String) throws -> [EventRecord] {
        var filter = EventFilter()
        filter.resources = [resource]
        filter.namespace = namespace
        filter.name = name
        var versions: [EventRecord] = []
        try tail(filter, limit: nil, loadObjects: true) { versions.append($0) }
        return versions
    }

    /// Writes one YAML file per object of the state at `rv` to
    /// `<dir>/<namespace or _cluster>/<resource>/<name>.yaml`. Returns the paths written.
    /// `progress`, if given, is called with (objects written, objects in total) after each file.
    public func export(
        at rv: ResourceVersion, to dir: String, resources: [ResourcePattern] = [], namespace: String? = nil,
        renderer: ForensicRenderer, progress: ((Int, Int) -> Void)? = nil
    ) throws -> [String] {
        let objects = try state(at: rv, resources: resources, namespace: namespace)
        var written: [String] = []
        defer { progress?(written.count, objects.count) }
        for object in objects {
            if written.count % 100 == 0 { progress?(written.count, objects.count) }
            let nsDir = object.namespace.isEmpty ? "_cluster" : ExportPaths.component(object.namespace)
            let folder = "\(dir)/\(nsDir)/\(ExportPaths.component(ForensicNames.resourceName(object.resource)))"
            try ExportPaths.makeDirectories(folder)
            let path = "\(folder)/\(ExportPaths.component(object.name)).yaml"
            let yaml = try ForensicRenderer.yaml(renderer.object(object.bytes, isSecret: object.isSecret))
            try ExportPaths.write(yaml, to: path)
            written.append(path)
        }
        return written
    }
}

/// File system helpers for `ake replay export`: names come from the network, so
/// they are made safe as single path components.
public enum ExportPaths {
    /// `name` as one safe path component: `/` and `%` are percent-encoded, and
    /// `.`/`..` are encoded too, so nothing escapes the export directory.
    public static func component(_ name: String) -> String {
        switch name {
        case "": return "%00"
        case ".": return "%2E"
        case "..": return "%2E%2E"
        default: break
        }
        var out = ""
        for ch in name.unicodeScalars {
            switch ch {
            case "/": out += "%2F"
            case "%": out += "%25"
            case "\0": out += "%00"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// `mkdir -p`.
    public static func makeDirectories(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ForensicsError.failed("cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    /// Writes `text` (with a final newline) to `path`, replacing it.
    public static func write(_ text: String, to path: String) throws {
        let body = text.hasSuffix("\n") ? text : text + "\n"
        do {
            try Data(body.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ForensicsError.failed("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
