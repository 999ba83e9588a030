import KubeHTTP
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
}
