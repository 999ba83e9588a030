import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a blocking loopback socket, so the end-to-end
/// tests see exactly the bytes the server sends (status line, headers, chunked
/// framing) without a client library second-guessing them. Every read has a timeout.
struct HTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (tests fail with the raw text when it is not one).
    func json() throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw HTTPClientError.protocolError("not a JSON object: \(text.prefix(300))")
        }
        return o
    }
}

enum HTTPClientError: Error, CustomStringConvertible {
    case connect(String)
    case io(String)
    case timeout
    case protocolError(String)

    var description: String {
        switch self {
        case .connect(let s): "connect: \(s)"
        case .io(let s): "io: \(s)"
        case .timeout: "timed out"
        case .protocolError(let s): "protocol: \(s)"
        }
    }
}

/// One connection.
final class HTTPConnection {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBufferBytes` caps the socket's receive buffer (set before connecting, so the
    /// window stays that small): a client that reads slowly then pushes back quickly.
    init(port: Int, timeoutSeconds: Int = 20, receiveBufferBytes: Int32? = nil) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError.connect("socket: \(errno)") }
        if var size = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw HTTPClientError.connect("connect to \(port): errno \(errno)")
        }
        self.fd = fd
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                // The server may answer (413) and close before it has read everything.
                if errno == EPIPE || errno == ECONNRESET { return }
                throw HTTPClientError.io("write: errno \(errno)")
            }
            offset += n
        }
    }

    /// Sends a request; `body` gets a Content-Length.
    func sendRequest(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ake-e2e\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + (body ?? []))
    }

    /// More bytes from the socket; false at EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPClientError.timeout }
            if errno == ECONNRESET { return false }
            throw HTTPClientError.io("read: errno \(errno)")
        }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    private func readLine() throws -> String? {
        while true {
            if let i = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<i])
                buffer.removeFirst(i + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { return nil }
        }
    }

    private func readExactly(_ n: Int) throws -> [UInt8] {
        while buffer.count < n {
            guard try fill() else { throw HTTPClientError.protocolError("EOF in body") }
        }
        let out = Array(buffer[..<n])
        buffer.removeFirst(n)
        return out
    }

    /// Reads the status line and headers.
    func readHead() throws -> (status: Int, headers: [(String, String)]) {
        guard let statusLine = try readLine() else { throw HTTPClientError.protocolError("no response") }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw HTTPClientError.protocolError("bad status line \(statusLine)")
        }
        var headers: [(String, String)] = []
        while let line = try readLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return (status, headers)
    }

    /// Reads a whole response (Content-Length, chunked, or until close).
    func readResponse() throws -> HTTPResponse {
        let (status, headers) = try readHead()
        let r = HTTPResponse(status: status, headers: headers, body: [])
        var body: [UInt8] = []
        if r.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while let chunk = try readChunk() { body += chunk }
        } else if let len = r.header("Content-Length").flatMap({ Int($0) }) {
            body = try readExactly(len)
        } else {
            while try fill() {}
            body = buffer
            buffer = []
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// The next chunk of a chunked body; nil at the terminating chunk.
    func readChunk() throws -> [UInt8]? {
        guard let sizeLine = try readLine() else { throw HTTPClientError.protocolError("EOF before chunk") }
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw HTTPClientError.protocolError("bad chunk size \(sizeLine)")
        }
        if size == 0 {
            _ = try readLine()
            return nil
        }
        let data = try readExactly(size)
        _ = try readLine()
        return data
    }
}

/// A watch response being read line by line (one event per line).
final class WatchReader {
    let connection: HTTPConnection
    let status: Int
    let headers: [(String, String)]
    private var pending: [UInt8] = []
    private(set) var ended = false

    init(connection: HTTPConnection) throws {
        self.connection = connection
        (status, headers) = try connection.readHead()
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The next event as JSON, or nil when the server ended the stream.
    func next() throws -> [String: Any]? {
        guard let line = try nextLine() else { return nil }
        guard let o = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw HTTPClientError.protocolError("event is not an object")
        }
        return o
    }

    /// The next event's line as sent (without its newline), or nil when the server ended the stream.
    func nextLine() throws -> [UInt8]? {
        while true {
            if let i = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<i])
                pending.removeFirst(i + 1)
                return line
            }
            guard !ended, let chunk = try connection.readChunk() else {
                ended = true
                return nil
            }
            pending += chunk
        }
    }
}

/// Convenience: one request on a fresh connection.
func http(
    _ method: String, port: Int, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
) throws -> HTTPResponse {
    let c = try HTTPConnection(port: port)
    try c.sendRequest(method, path, headers: headers + [("Connection", "close")], body: body)
    return try c.readResponse()
}

/// JSON body helper.
func jsonBytes(_ object: Any) throws -> [UInt8] {
    Array(try JSONSerialization.data(withJSONObject: object))
}
