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
    /// The body parsed, or, for codes ≥ 300, the server's `Status` thrown as a
    /// ``StatusError`` (a body that is no Status becomes one with the HTTP code, its text
    /// as the message and no reason, so the code decides `isNotFound` and the like, as
    /// client-go's `newUnstructuredResponseError` does).
    func decoded() throws -> JSONValue {
        let value = try? JSONValue(parsing: body)
        if code >= 300 {
            if let value, var status = StatusError(statusObject: value) {
                if status.code == 0 { status.code = code }
                throw status
            }
            let text = String(decoding: body.prefix(1024), as: UTF8.self)
            throw StatusError(code: code, reason: "", message: text.isEmpty ? "HTTP \(code)" : text)
        }
        guard let value else { throw KubeClientError.decoding("the response body is not JSON") }
        return value
    }
}
