import Admission
import KubeModel
import Projections
import Synchronization

/// The Service REST storage's allocation hooks (`beginCreate`/`beginUpdate`) for a
/// standalone AKE: ClusterIPs and node ports come from `ServiceAllocator`, and what is
/// already taken is read from the services projection inside the write transaction.
///
/// Because the table is derived from the stored Services in the same transaction that
/// appends the new one, the single writer serialises allocation (two concurrent creates
/// never share an address), a dry run allocates nothing durable, deleting a Service
/// releases what it held, and a restart or a replay of the log needs no other state.
/// At an edge, writes are forwarded to the cloud, which allocates; `Endpoint` passes no
/// allocator there.
///
/// Cost: the stored Services are scanned in every Service create or update, but each
/// stored version is parsed once: `ServiceUsageMemo` keeps what a version holds, keyed by
/// its RV and checked against a digest of its bytes, so the projection stays the only
/// source of truth (a memo entry is only a cache of one stored version).
extension RegistryWriter {
    static let services = GroupVersionResource(group: "", version: "v1", resource: "services")

    /// Allocates for a create (`old` nil) or an update of a Service; does nothing for
    /// other resources, for subresource writes, or without an allocator.
    func allocateServiceFields(
        _ object: inout JSONValue, _ info: ResourceInfo, old: JSONValue?, subresource: String? = nil
    ) throws {
        guard let allocator = serviceAllocator, subresource == nil, info.gvr.group.isEmpty,
            info.gvr.resource == Self.services.resource
        else { return }
        let usage = try serviceUsageMemo.usage(of: ctx.list(info.gvr, namespace: nil)) { try parse($0) }
        var generator = SystemRandomNumberGenerator()
        do {
            if let old {
                try allocator.allocateUpdate(&object, old: old, usage: usage, dryRun: dryRun, using: &generator)
            } else {
                try allocator.allocateCreate(&object, usage: usage, dryRun: dryRun, using: &generator)
            }
        } catch {
            switch error {
            case .invalid(let errors):
                throw StatusError.invalid(info, name: object.objectName, causes: errors)
            case .internalError(let message):
                // errors.NewInternalError: the message once more as the only cause.
                throw StatusError.internalError(message)
            }
        }
    }
}

/// What each stored Service version holds (ClusterIPs, node ports), so a Service write
/// parses only the Services written since the previous one. Keyed by the version's RV
/// and checked against a digest of its bytes: a body rolled back inside a group commit
/// can leave its RV to another write, and then the digest differs. Entries of versions
/// no longer stored are dropped at each scan, so the memo holds one entry per Service.
/// Used only from the single writer thread; the mutex makes that safe to share.
final class ServiceUsageMemo: Sendable {
    private struct Entry {
        var digest: Int
        var usage: ServiceAllocationUsage
    }
    private let entries = Mutex<[UInt64: Entry]>([:])

    /// The usage table of `services`, parsing only versions not seen before.
    func usage(of services: [StoredObject], parse: (StoredObject) throws -> JSONValue) throws
        -> ServiceAllocationUsage
    {
        var known = entries.withLock { $0 }
        var current: [UInt64: Entry] = [:]
        current.reserveCapacity(services.count)
        var total = ServiceAllocationUsage()
        for stored in services {
            var hasher = Hasher()
            // In one call over the buffer: `combine(_: [UInt8])` feeds the hasher byte by
            // byte, which was most of a Service write's time with a thousand Services stored.
            stored.bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
            let digest = hasher.finalize()
            var entry: Entry
            if let hit = known.removeValue(forKey: stored.rv), hit.digest == digest {
                entry = hit
            } else {
                entry = Entry(digest: digest, usage: ServiceAllocationUsage())
                entry.usage.record(try parse(stored))
            }
            total.addresses.formUnion(entry.usage.addresses)
            total.nodePorts.formUnion(entry.usage.nodePorts)
            current[stored.rv] = entry
        }
        entries.withLock { $0 = current }
        return total
    }
}
