// The one byte encoding of a resource version (log keys, projection rows, continue tokens).

/// A resource version as 8 big-endian bytes, so byte order is RV order (like etcd's
/// revision keys). The log is keyed by it; projections and continue tokens store RVs
/// the same way. Every module that writes or reads an RV as bytes goes through here.
public enum ResourceVersionKey {
    /// Bytes in an encoded RV.
    public static let size = 8

    /// The 8 bytes of `rv`.
    @inline(__always)
    public static func encode(_ rv: ResourceVersion) -> [UInt8] {
        withUnsafeBytes(of: rv.bigEndian) { Array($0) }
    }

    /// Appends the 8 bytes of `rv` to `bytes`.
    @inline(__always)
    public static func append(_ rv: ResourceVersion, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: rv.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Runs `body` with the 8 bytes of `rv` on the stack (no allocation; for hot lookups).
    @inline(__always)
    public static func withBytes<R>(of rv: ResourceVersion, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows
        -> R
    {
        try withUnsafeBytes(of: rv.bigEndian, body)
    }

    /// The RV in exactly 8 bytes; nil for any other length.
    @inline(__always)
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> ResourceVersion? {
        guard bytes.count == size else { return nil }
        return UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }

    /// The RV in exactly 8 bytes; nil for any other length.
    public static func decode(_ bytes: some Collection<UInt8>) -> ResourceVersion? {
        guard bytes.count == size else { return nil }
        return bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// The RV stored at `offset` (the caller has checked that 8 bytes are there).
    @inline(__always)
    public static func read(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> ResourceVersion {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
