import Projections

/// A complete (non-streaming) answer: a status code and a JSON body.
public struct APIResponse: Sendable {
    /// HTTP-style status code: 200, 201, 404, ...
    public var code: Int
    /// JSON bytes: an object, a List, or a `Status`.
    public var body: [UInt8]
    /// Warnings for the client (the front sends them as `Warning: 299 - "..."` headers).
    public var warnings: [String]

    public init(code: Int, body: [UInt8], warnings: [String] = []) {
        self.code = code
        self.body = body
        self.warnings = warnings
    }
}

/// What `Endpoint.handle` produces.
public enum APIResult: Sendable {
    /// A complete response.
    case response(APIResponse)
    /// A watch: the front streams each event as one JSON line `{"type":..,"object":..}`.
    case watch(WatchStream)
}
