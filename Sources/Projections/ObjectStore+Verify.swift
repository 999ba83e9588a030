import EventLog
import KubeModel

/// Scratch projection tables in memory, rebuilt from the log by `verify()`.
struct MemoryTables<Reader: TransactionReader>: ProjectionTables {
    let reader: Reader
    var objects: [[UInt8]: [UInt8]] = [:]
    var index: [[UInt8]: [UInt8]] = [:]

    init(reader: Reader) { self.reader = reader }

    func row(_ table: ProjectionTable, _ key: [UInt8]) throws -> [UInt8]? {
        table == .objects ? objects[key] : index[key]
    }
    mutating func put(_ table: ProjectionTable, _ key: [UInt8], _ value: [UInt8]) throws {
        if table == .objects { objects[key] = value } else { index[key] = value }
    }
    mutating func remove(_ table: ProjectionTable, _ key: [UInt8]) throws {
        if table == .objects { objects[key] = nil } else { index[key] = nil }
    }
    func storageKey(for id: ResourceID) throws -> String? { try reader.storageKey(for: id) }
}

extension ObjectStore {
    /// Replays the retained log into scratch tables (in memory; they hold only keys
    /// and attribute rows, never object bytes) and compares them with the live
    /// projection tables, all in one read transaction. Empty = consistent.
    /// `progress`, if given, is called with the number of events replayed so far (every 1,000).
    public func verify(progress: ((Int) -> Void)? = nil) throws -> [String] {
        try log.read { txn in
            var scratch = MemoryTables(reader: txn)
            var problems: [String] = []
            var replayed = 0
            try txn.retainedEvents(after: 0) { event in
                _ = try Projection.apply(event, to: &scratch, catalog: catalog, copyObject: false)
                replayed += 1
                if replayed % 1000 == 0 { progress?(replayed) }
                return true
            }
            progress?(replayed)
            problems += try compare(txn, handles.objects, "objects", expected: scratch.objects)
            problems += try compare(txn, handles.index, "index", expected: scratch.index)
            return problems
        }
    }

    private func compare(
        _ txn: some TransactionReader, _ table: Table, _ name: String, expected: [[UInt8]: [UInt8]]
    ) throws -> [String] {
        var problems: [String] = []
        var seen = 0
        try txn.scan(table, from: nil) { k, v in
            let key = Array(k)
            seen += 1
            guard let want = expected[key] else {
                problems.append("\(name): unexpected row \(describe(key))")
                return problems.count < 100
            }
            if !want.elementsEqual(v) {
                problems.append("\(name): row \(describe(key)) differs from the replayed one")
            }
            return problems.count < 100
        }
        if seen != expected.count || problems.count >= 100 {
            var live = Set<[UInt8]>()
            try txn.scan(table, from: nil) { k, _ in
                live.insert(Array(k))
                return true
            }
            for key in expected.keys where !live.contains(key) {
                problems.append("\(name): missing row \(describe(key))")
                if problems.count >= 200 { break }
            }
        }
        return problems
    }

    private func describe(_ key: [UInt8]) -> String {
        guard key.count >= 4 else { return "\(key)" }
        let id = key[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let rest = key[4...].map { $0 == 0 ? "/" : $0 == 0xFF ? "<overflow>" : String(UnicodeScalar($0)) }.joined()
        return "resource \(id) \(rest)"
    }
}
