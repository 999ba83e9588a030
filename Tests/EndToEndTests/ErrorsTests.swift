import Foundation
import Testing

/// Every failure a client can cause comes back as an apiserver `Status` with the right code and reason.
@Suite("HTTP errors", .serialized)
struct ErrorsTests {
    static let cms = "/api/v1/namespaces/default/configmaps"

    /// Checks the response is a Failure Status with this code and reason; returns it.
    @discardableResult
    func expectStatus(
        _ r: HTTPResponse, _ code: Int, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation
    )
        throws -> [String: Any]
    {
        #expect(r.status == code, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.header("Content-Type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        let o = try r.json()
        #expect(o["kind"] as? String == "Status", sourceLocation: sourceLocation)
        #expect(o["apiVersion"] as? String == "v1", sourceLocation: sourceLocation)
        #expect(o["status"] as? String == "Failure", sourceLocation: sourceLocation)
        #expect(o["reason"] as? String == reason, sourceLocation: sourceLocation)
        #expect(o["code"] as? Int == code, sourceLocation: sourceLocation)
        #expect(o["message"] as? String != nil, sourceLocation: sourceLocation)
        return o
    }

    @Test("unknown paths and unknown resources are 404 NotFound")
    func notFound() throws {
        try withServer { (s: AKEProcess) throws in
            try expectStatus(try s.get("/nope"), 404, "NotFound")
            try expectStatus(try s.get("/api/v1/widgets"), 404, "NotFound")
            try expectStatus(try s.get("/apis/example.com/v1/widgets"), 404, "NotFound")
            try expectStatus(try s.get("/apis/nothere.io"), 404, "NotFound")
            // namespaces are cluster-scoped: nothing lives below a namespace of namespaces
            try expectStatus(try s.get("/api/v1/namespaces/default/namespaces"), 404, "NotFound")
            try expectStatus(try s.get("\(Self.cms)/missing"), 404, "NotFound")
        }
    }

    @Test("a method the path does not allow is 405")
    func methodNotAllowed() throws {
        try withServer { (s: AKEProcess) throws in
            try expectStatus(try s.request("PUT", Self.cms, body: Array("{}".utf8)), 405, "MethodNotAllowed")
            try expectStatus(try s.request("OPTIONS", Self.cms), 405, "MethodNotAllowed")
        }
    }

    @Test("bad selectors and options are 400 BadRequest")
    func badRequest() throws {
        try withServer { (s: AKEProcess) throws in
            try expectStatus(try s.get("\(Self.cms)?labelSelector=a%20in%20(b"), 400, "BadRequest")
            try expectStatus(try s.get("\(Self.cms)?fieldSelector=spec.nonsense%3Dx"), 400, "BadRequest")
            try expectStatus(try s.get("\(Self.cms)?labelSelector=%ZZ"), 400, "BadRequest")
        }
    }

    @Test("malformed JSON and YAML bodies are 400 BadRequest")
    func malformedBody() throws {
        try withServer { (s: AKEProcess) throws in
            try expectStatus(
                try s.request(
                    "POST", Self.cms, headers: [("Content-Type", "application/json")], body: Array("{\"kind\":".utf8)),
                400, "BadRequest")
            try expectStatus(
                try s.request(
                    "POST", Self.cms, headers: [("Content-Type", "application/yaml")], body: Array("a: [b".utf8)),
                400, "BadRequest")
        }
    }

    @Test("an unsupported request media type or patch type is 415 UnsupportedMediaType")
    func unsupportedMediaType() throws {
        try withServer { (s: AKEProcess) throws in
            let cm = try jsonBytes(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"]])
            try expectStatus(
                try s.request("POST", Self.cms, headers: [("Content-Type", "text/plain")], body: cm),
                415, "UnsupportedMediaType")
            #expect(
                try s.post(Self.cms, json: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"]]).status
                    == 201)
            try expectStatus(
                try s.request(
                    "PATCH", "\(Self.cms)/x", headers: [("Content-Type", "application/foo-patch+json")],
                    body: Array("{}".utf8)),
                415, "UnsupportedMediaType")
            try expectStatus(
                try s.request(
                    "PATCH", "\(Self.cms)/x", headers: [("Content-Type", "application/json")], body: Array("{}".utf8)),
                415, "UnsupportedMediaType")
        }
    }

    @Test("a body over --max-body-bytes is 413 RequestEntityTooLarge, with or without Content-Length")
    func tooLarge() throws {
        try withServer(arguments: ["--max-body-bytes", "1024"]) { (s: AKEProcess) throws in
            let big = Array(
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},\"data\":{\"a\":\"\(String(repeating: "x", count: 4096))\"}}"
                    .utf8)
            try expectStatus(
                try s.request("POST", Self.cms, headers: [("Content-Type", "application/json")], body: big),
                413, "RequestEntityTooLarge")

            // Chunked: the limit is enforced while reading, without a declared length.
            let c = try HTTPConnection(port: s.port)
            var raw =
                "POST \(Self.cms) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            raw += String(big.count, radix: 16) + "\r\n" + String(decoding: big, as: UTF8.self) + "\r\n0\r\n\r\n"
            try c.send(Array(raw.utf8))
            try expectStatus(try c.readResponse(), 413, "RequestEntityTooLarge")
            #expect(try s.get("\(Self.cms)/big").status == 404)
        }
    }

    @Test(
        "protobuf-only Accept gets protobuf for a built-in kind; a media type AKE cannot produce is 406 NotAcceptable; Table requests get JSON"
    )
    func notAcceptable() throws {
        try withServer { (s: AKEProcess) throws in
            let protobuf = try s.get(Self.cms, accept: "application/vnd.kubernetes.protobuf")
            #expect(protobuf.status == 200)
            #expect(protobuf.header("Content-Type") == "application/vnd.kubernetes.protobuf")
            #expect(Array(protobuf.body.prefix(4)) == [0x6b, 0x38, 0x73, 0x00])  // "k8s\0"
            try expectStatus(try s.get(Self.cms, accept: "text/html"), 406, "NotAcceptable")
            let table = try s.get(
                Self.cms,
                accept:
                    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
            )
            #expect(table.status == 200)
            #expect(table.header("Content-Type")?.hasPrefix("application/json") == true)
        }
    }

    @Test("over --max-watches, a watch is 429 TooManyRequests with Retry-After")
    func tooManyWatches() throws {
        try withServer(arguments: ["--max-watches", "1"]) { (s: AKEProcess) throws in
            let first = try s.watch("\(Self.cms)?watch=true")
            #expect(first.status == 200)
            let second = try s.get("\(Self.cms)?watch=true")
            let o = try expectStatus(second, 429, "TooManyRequests")
            #expect(second.header("Retry-After") != nil)
            #expect(((o["details"] as? [String: Any])?["retryAfterSeconds"] as? Int) != nil)
            // Lists have their own budget and still work.
            #expect(try s.get(Self.cms).status == 200)
        }
    }
}
