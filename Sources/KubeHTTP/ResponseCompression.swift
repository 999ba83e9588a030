import CompressNIO
import NIOCore

/// gzip for API responses, as kube-apiserver applies it (`APIResponseCompression`): a
/// client that sends `Accept-Encoding: gzip` gets a non-streaming response larger than
/// 128 KiB gzipped at level 1 (least CPU for most of the gain); smaller ones and watches
/// as they are. An edge asks its upstream for gzip and counts the bytes on the wire.
public enum ResponseCompression {
    /// Responses at most this large are sent as they are (kube-apiserver's threshold).
    public static let thresholdBytes = 128 * 1024

    /// Whether an `Accept-Encoding` header value lists `gzip` (kube-apiserver looks only
    /// for the bare token; quality values are not weighed).
    public static func acceptsGzip(_ values: [String]) -> Bool {
        values.contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "gzip" }
        }
    }

    /// `bytes` gzipped at level 1.
    public static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        var output = try input.compress(with: .gzip, configuration: .init(compressionLevel: .fastestCompression))
        return output.readBytes(length: output.readableBytes) ?? []
    }

    /// A gzipped body inflated; throws when it is not gzip or inflates beyond `limit` bytes.
    public static func gunzip(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        let output = try input.decompress(with: .gzip, maxSize: limit)
        return Array(output.readableBytesView)
    }
}
