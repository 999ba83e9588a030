import KubeModel

/// One line of a watch stream, not yet interpreted: `{"type":…,"object":…}`.
public struct RawWatchEvent: Sendable {
    public var type: String
    public var object: JSONValue
}

/// How a clientset reaches an API server with an ``APIRequest`` (KubeModel). Two implementations ship:
/// ``InProcessTransport`` (calls AKE's `Endpoint` directly) and ``HTTPTransport``.
public protocol KubeTransport: Sendable {
    /// Performs a non-watch request.
    func send(_ request: APIRequest) async throws -> APIResponse
    /// Starts a watch. The sequence is pull-based: nothing is buffered beyond what the consumer asks for.
    func watch(_ request: APIRequest) async throws -> RawWatchStream
}

/// A pull-based sequence of raw watch events; ends when the server ends the stream.
public struct RawWatchStream: AsyncSequence, Sendable {
    public typealias Element = RawWatchEvent
    let makeNext: @Sendable () -> (@Sendable () async throws -> RawWatchEvent?)

    public init(_ makeNext: @escaping @Sendable () -> (@Sendable () async throws -> RawWatchEvent?)) {
        self.makeNext = makeNext
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let next: @Sendable () async throws -> RawWatchEvent?
        public mutating func next() async throws -> RawWatchEvent? { try await next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(next: makeNext()) }
}

/// An API error: the server's `Status`, typed.
public struct KubeAPIError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    /// The whole Status object as sent.
    public var status: JSONValue

    public init(code: Int, status: JSONValue) {
        self.code = code
        self.status = status
        self.reason = status["reason"]?.stringValue ?? ""
        self.message = status["message"]?.stringValue ?? "HTTP \(code)"
    }

    public var isNotFound: Bool { reason == "NotFound" || code == 404 }
    public var isConflict: Bool { reason == "Conflict" }
    public var isAlreadyExists: Bool { reason == "AlreadyExists" }
    /// 410: the resourceVersion asked for has been compacted (relist).
    public var isExpired: Bool { code == 410 || reason == "Expired" || reason == "Gone" }
    public var description: String { "\(code) \(reason): \(message)" }
}

/// Errors of the client itself (not answers from the server).
public enum KubeClientError: Error, Sendable, CustomStringConvertible {
    case decoding(String)
    case transport(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .decoding(let m): "decoding: \(m)"
        case .transport(let m): "transport: \(m)"
        case .configuration(let m): "configuration: \(m)"
        }
    }
}

extension APIResponse {
    /// The body parsed, or the server's Status thrown as ``KubeAPIError`` for codes ≥ 300.
    func decoded() throws -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            if code >= 300 {
                throw KubeAPIError(
                    code: code,
                    status: ["kind": "Status", "message": .string(String(decoding: body, as: UTF8.self))])
            }
            throw KubeClientError.decoding("\(error)")
        }
        if code >= 300 { throw KubeAPIError(code: code, status: value) }
        return value
    }
}
