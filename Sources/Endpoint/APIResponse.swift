import KubeModel
import Projections

/// What `Endpoint.handle` produces.
public enum APIResult: Sendable {
    /// A complete response.
    case response(APIResponse)
    /// A watch: the front streams each event as one JSON line `{"type":..,"object":..}`.
    case watch(APIWatchStream)
}

/// The stream of a watch the Endpoint opened (the store's cursor over the log), so that
/// transports stream it without reaching into the storage layer.
public typealias APIWatchStream = WatchStream

/// One event of an ``APIWatchStream``: its type, resourceVersion and object JSON.
public typealias APIWatchEvent = WatchEvent
