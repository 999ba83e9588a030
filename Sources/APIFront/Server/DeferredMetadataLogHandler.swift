import Logging

/// A log handler that keeps metadata added to a logger aside and gives it to `base` only
/// when a message is actually logged.
///
/// Hummingbird tags every request's logger with `hb.request.id`; a stream handler formats
/// all of its metadata on every such change (swift-log's `StreamLogHandler` prettifies
/// eagerly), which cost ~2 % of a GET's CPU although a request logs nothing at the
/// default level.
struct DeferredMetadataLogHandler: LogHandler {
    var base: any LogHandler
    /// Metadata set through this handler, on top of `base`'s own.
    var added: Logger.Metadata = [:]

    init(base: any LogHandler) {
        self.base = base
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata.merging(added) { _, new in new } }
        set { added = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { added[key] ?? base[metadataKey: key] }
        set { added[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !added.isEmpty {
            event.metadata = added.merging(event.metadata ?? [:]) { _, new in new }
        }
        base.log(event: event)
    }
}
