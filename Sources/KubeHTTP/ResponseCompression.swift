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

    /// gzip at level 1 for a body written in pieces (a streamed List), the same format as
    /// ``gzip(_:)``: ``compress(_:emit:)`` each piece, then ``finish(emit:)``. Output goes
    /// to `emit` in buffers of `outputBytes` as they fill, so it never holds the whole body.
    public final class Stream {
        private let compressor: any NIOCompressor
        private let outputBytes: Int
        private var output: ByteBuffer
        private let allocator = ByteBufferAllocator()

        public init(outputBytes: Int = 128 * 1024) throws {
            compressor =
                CompressionAlgorithm.gzip(configuration: .init(compressionLevel: .fastestCompression))
                .compressor
            try compressor.startStream()
            self.outputBytes = max(outputBytes, 64)
            output = allocator.buffer(capacity: self.outputBytes)
        }

        /// Compresses `piece`; hands over each output buffer that fills.
        public func compress(_ piece: [UInt8], emit: (ByteBuffer) async throws -> Void) async throws {
            var input = ByteBuffer(bytes: piece)
            while input.readableBytes > 0 {
                if output.writableBytes == 0 { try await flush(emit) }
                try compressor.streamDeflate(from: &input, to: &output, flush: .no)
            }
        }

        /// Ends the stream: hands over everything still pending, the gzip trailer included.
        public func finish(emit: (ByteBuffer) async throws -> Void) async throws {
            var empty = ByteBuffer()
            while true {
                if output.writableBytes == 0 { try await flush(emit) }
                do {
                    try compressor.streamDeflate(from: &empty, to: &output, flush: .finish)
                    break
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    continue  // the output filled up: it is handed over and deflate goes on
                }
            }
            if output.readableBytes > 0 { try await flush(emit) }
            try compressor.finishStream()
        }

        private func flush(_ emit: (ByteBuffer) async throws -> Void) async throws {
            let full = output
            output = allocator.buffer(capacity: outputBytes)
            try await emit(full)
        }
    }

    /// A gzipped body inflated; throws when it is not gzip or inflates beyond `limit` bytes.
    public static func gunzip(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
        var input = ByteBuffer(bytes: bytes)
        let output = try input.decompress(with: .gzip, maxSize: limit)
        return Array(output.readableBytesView)
    }
}
