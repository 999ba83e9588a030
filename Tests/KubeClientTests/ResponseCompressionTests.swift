import KubeHTTP
import NIOCore
import Testing

@Suite("Response compression")
struct ResponseCompressionTests {
    @Test("Accept-Encoding lists gzip as a bare token, in any of its values")
    func acceptsGzip() {
        #expect(ResponseCompression.acceptsGzip(["gzip"]))
        #expect(ResponseCompression.acceptsGzip(["deflate, gzip"]))
        #expect(ResponseCompression.acceptsGzip(["br", " gzip "]))
        #expect(!ResponseCompression.acceptsGzip([]))
        #expect(!ResponseCompression.acceptsGzip(["identity"]))
        #expect(!ResponseCompression.acceptsGzip(["x-gzip"]))
    }

    @Test("gzip and gunzip round-trip; a body that inflates beyond the limit or is not gzip is refused")
    func roundTrip() throws {
        let body = Array(String(repeating: #"{"kind":"ConfigMap","data":{"v":"xxxxxxxx"}},"#, count: 5000).utf8)
        let compressed = try ResponseCompression.gzip(body)
        #expect(compressed.count * 10 < body.count)
        #expect(Array(compressed.prefix(2)) == [0x1f, 0x8b])
        #expect(try ResponseCompression.gunzip(compressed, limit: 1 << 20) == body)
        #expect(throws: (any Error).self) { try ResponseCompression.gunzip(compressed, limit: 1000) }
        #expect(throws: (any Error).self) { try ResponseCompression.gunzip(Array("not gzip".utf8), limit: 1000) }
    }

    @Test("a body gzipped piece by piece inflates to the pieces joined, whatever the piece and output sizes")
    func streamRoundTrip() async throws {
        var body: [UInt8] = []
        for i in 0..<4000 { body += Array(#"{"kind":"ConfigMap","data":{"v":"\#(i * 7919 % 100_003)"}},"#.utf8) }
        for (pieceBytes, outputBytes) in [(1, 64), (100, 64), (4096, 1000), (50_000, 128 * 1024), (body.count, 64)] {
            let stream = try ResponseCompression.Stream(outputBytes: outputBytes)
            var out: [UInt8] = []
            var buffers = 0
            var offset = 0
            while offset < body.count {
                let end = min(offset + pieceBytes, body.count)
                try await stream.compress(Array(body[offset..<end])) { buffer in
                    out += Array(buffer.readableBytesView)
                    buffers += 1
                }
                offset = end
            }
            try await stream.finish { buffer in
                out += Array(buffer.readableBytesView)
                buffers += 1
            }
            #expect(Array(out.prefix(2)) == [0x1f, 0x8b])
            #expect(out.count * 5 < body.count)
            #expect(try ResponseCompression.gunzip(out, limit: 1 << 24) == body, "pieces of \(pieceBytes)")
            #expect(buffers >= out.count / max(outputBytes, 64), "output handed over as it fills")
        }
    }
}
