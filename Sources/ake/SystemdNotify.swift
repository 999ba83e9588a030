// sd_notify(3) without libsystemd: one datagram to the unix socket named by NOTIFY_SOCKET.
#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd (a `Type=notify` unit) how the service is: `READY=1` once it serves,
/// `STOPPING=1` when it shuts down. Without `NOTIFY_SOCKET` (not under systemd) it does nothing.
enum SystemdNotify {
    /// The service is up; `status` is shown by `systemctl status`.
    static func ready(status: String) {
        send("READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())")
    }

    /// The service is shutting down.
    static func stopping() {
        send("STOPPING=1")
    }

    /// Sends `message` to `$NOTIFY_SOCKET` (a path, or an abstract socket name starting with @).
    /// Returns whether a datagram was sent.
    @discardableResult
    static func send(_ message: String) -> Bool {
        #if canImport(Glibc)
            guard let socketPath = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !socketPath.isEmpty else {
                return false
            }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var pathBytes = Array(socketPath.utf8)
            if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard pathBytes.count < capacity else { return false }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: pathBytes)
            }
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
            let bytes = Array(message.utf8)
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
            return sent == bytes.count
        #else
            return false
        #endif
    }
}
