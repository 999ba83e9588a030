import Admission
import KubeModel
import Projections

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
/// Cost: every Service create or update reads and parses all stored Services (measured
/// in a debug build on a loaded machine: ~60 ms per create on average while growing
/// from 0 to 1,000 Services, linear in their number; `ServiceAllocationCost` in
/// EndpointTests). A memo of each stored version's contribution, keyed by RV and checked
/// against the stored bytes, would remove the parsing without a second source of truth.
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
        var usage = ServiceAllocationUsage()
        for stored in try ctx.list(info.gvr, namespace: nil) { usage.record(try parse(stored)) }
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
