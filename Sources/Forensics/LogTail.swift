import EventLog

extension ForensicDatabase {
    /// Emits the events `filter` selects, oldest first. With `limit`, only the
    /// last `limit` of them (like `tail -n`). Returns the RV the scan reached, the
    /// point to follow from.
    @discardableResult
    public func tail(
        _ filter: EventFilter, limit: Int?, loadObjects: Bool, _ emit: (EventRecord) throws -> Void
    ) throws -> ResourceVersion {
        let start = filter.firstRelevantRV > 0 ? filter.firstRelevantRV - 1 : 0
        guard let limit else {
            return try scan(after: start, loadObjects: loadObjects) { record in
                if filter.isPastEnd(record) { return false }
                if filter.matches(record) { try emit(record) }
                return true
            }
        }
        guard limit > 0 else { return try bounds().head }
        // Keep only headers of the last `limit` matches; load their objects at the end.
        var ring: [EventRecord] = []
        ring.reserveCapacity(min(limit, 4096))
        var next = 0
        let reached = try scan(after: start, loadObjects: false) { record in
            if filter.isPastEnd(record) { return false }
            guard filter.matches(record) else { return true }
            if ring.count < limit {
                ring.append(record)
            } else {
                ring[next] = record
                next = (next + 1) % limit
            }
            return true
        }
        let ordered = ring.count < limit ? ring : Array(ring[next...] + ring[..<next])
        for header in ordered {
            if loadObjects, let full = try event(at: header.rv) {
                try emit(full)
            } else {
                try emit(header)
            }
        }
        return reached
    }

    /// After `tail`, emits new matching events as the writer (another process)
    /// appends them, polling the committed head every `interval` until `shouldStop`
    /// says so or the task is cancelled, or `filter`'s upper bound is passed.
    public func follow(
        after rv: ResourceVersion, _ filter: EventFilter, loadObjects: Bool, interval: Duration = .milliseconds(200),
        shouldStop: @Sendable () -> Bool, _ emit: (EventRecord) throws -> Void
    ) async throws {
        var last = rv
        while !shouldStop(), !Task.isCancelled {
            let head = try bounds().head
            if head > last {
                var ended = false
                let before = last
                last = try scan(after: last, loadObjects: loadObjects) { record in
                    if filter.isPastEnd(record) {
                        ended = true
                        return false
                    }
                    if filter.matches(record) { try emit(record) }
                    return !shouldStop()
                }
                if ended { return }
                if last > before { continue }
            }
            try? await Task.sleep(for: interval)
        }
    }
}
