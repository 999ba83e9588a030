import Endpoint
import Hummingbird
import KubeModel
import Logging
import NIOCore
import Projections
import ServiceLifecycle

/// `HTTPTypes.HTTPField` (Hummingbird re-exports `HTTPFields` only).
typealias HTTPField = HTTPFields.Element

extension HTTPField.Name {
    // A constant, valid field name: construction cannot fail.
    static let warning = HTTPField.Name("Warning")!
}

extension APIFront {
    /// Answers one HTTP request. Never throws: every failure is a Status response.
    func respond(to request: Request) async -> Response {
        let start = ContinuousClock.now
        if let mirrored = mirroredDiscoveryResponse(request, start: start) { return mirrored }  // Discovery/DiscoverySource.swift
        if let openAPI = await openAPIResponse(request) { return openAPI }  // OpenAPI/OpenAPIDocuments.swift
        guard let route = KubeRoute(path: request.uri.path) else {
            return finish(status(.notFound), verb: verbLabel(request.method), resource: "", start: start)
        }
        switch route {
        case .health(let which):
            return health(which, request: request)
        case .healthCheck(let which, let name):
            return health(which, check: name, request: request)
        case .metrics:
            guard request.method == .get || request.method == .head else {
                return status(.methodNotAllowed(request.method.rawValue))
            }
            return metricsResponse()
        case .version, .coreVersions, .groupList, .group, .resourceList:
            let r = discoveryResponse(route, request: request)
            return finish(r, verb: "GET", resource: "", start: start)
        case .resource(let path):
            return await resourceResponse(path, request: request, start: start)
        }
    }

    // MARK: - Resources

    func resourceResponse(_ path: ResourcePath, request: Request, start: ContinuousClock.Instant) async -> Response {
        let negotiation = Negotiation(accept: request.headers[.accept])
        guard let encoding = negotiation.encoding else {
            return finish(
                status(.notAcceptable), verb: verbLabel(request.method), resource: path.resource, start: start)
        }
        guard let info = catalog.resource(group: path.group, version: path.version, resource: path.resource),
            path.namespace == nil || info.namespaced,
            path.subresource == nil || info.subresources.contains(path.subresource ?? "")
        else {
            return finish(status(.notFound), verb: verbLabel(request.method), resource: path.resource, start: start)
        }
        guard var query = parseQuery(request.uri.query) else {
            return finish(
                status(.badRequest("malformed query string")), verb: verbLabel(request.method),
                resource: path.resource, start: start)
        }
        let watchParam = query["watch"]?.last.map { $0 == "true" || $0 == "1" } ?? false
        let verb: APIVerb
        var name = path.name
        switch request.method {
        case .get:
            if path.legacyWatch || (watchParam && path.name == nil) {
                verb = .watch
                if let n = path.name {
                    // A watch of one object is a watch of the collection selected by name.
                    let selector = query["fieldSelector"]?.last ?? ""
                    let byName = "metadata.name=\(n)"
                    query["fieldSelector"] = [selector.isEmpty ? byName : "\(selector),\(byName)"]
                    name = nil
                }
                query["watch"] = nil
            } else {
                verb = path.name == nil ? .list : .get
            }
        case .post:
            guard path.name == nil || path.subresource != nil else {
                return finish(
                    status(.methodNotAllowed("POST")), verb: "POST", resource: path.resource, start: start)
            }
            verb = .create
        case .put:
            guard path.name != nil else {
                return finish(status(.methodNotAllowed("PUT")), verb: "PUT", resource: path.resource, start: start)
            }
            verb = .update
        case .patch:
            guard path.name != nil else {
                return finish(
                    status(.methodNotAllowed("PATCH")), verb: "PATCH", resource: path.resource, start: start)
            }
            verb = .patch
        case .delete:
            verb = path.name == nil ? .deletecollection : .delete
        default:
            return finish(
                status(.methodNotAllowed(request.method.rawValue)), verb: verbLabel(request.method),
                resource: path.resource, start: start)
        }
        if (verb == .watch || path.legacyWatch) && request.method != .get {
            return finish(
                status(.methodNotAllowed(request.method.rawValue)), verb: verbLabel(request.method),
                resource: path.resource, start: start)
        }
        let label = verb.rawValue.uppercased()
        // A Table watch checks its options before streaming (get and list after reading, below).
        if verb == .watch,
            TableConverter.requestedVersion(accept: request.headers[.accept]) != nil,
            let problem = TableConverter.invalidIncludeObject(query["includeObject"]?.last)
        {
            return finish(status(.badRequest(problem)), verb: label, resource: path.resource, start: start)
        }
        guard !(path.legacyWatch && verb != .watch) else {
            return finish(status(.notFound), verb: label, resource: path.resource, start: start)
        }

        // Load shedding before any work: watches and other requests have separate budgets.
        let slot: ConcurrencyLimit.Slot
        if verb == .watch {
            guard let s = watches.acquire() else {
                metrics.rejected(kind: "watch")
                return finish(
                    status(.tooManyRequests(retryAfter: configuration.retryAfterSeconds)), verb: label,
                    resource: path.resource, start: start)
            }
            slot = s
        } else {
            guard let s = inflight.acquire() else {
                metrics.rejected(kind: "mutating-or-readonly")
                return finish(
                    status(.tooManyRequests(retryAfter: configuration.retryAfterSeconds)), verb: label,
                    resource: path.resource, start: start)
            }
            slot = s
        }

        // The body: size-limited while reading, media type checked, YAML turned into JSON.
        var body: [UInt8]? = nil
        var contentType: String? = nil
        switch verb {
        case .create, .update, .patch, .delete, .deletecollection:
            let mediaType = request.headers[.contentType].flatMap { MediaRange(Substring($0)) }
            var bodyType: BodyType? = nil
            if verb == .create || verb == .update || verb == .patch {
                let accepted = verb == .patch ? BodyType.patchTypes : BodyType.objectTypes
                if let mediaType {
                    guard let t = BodyType(contentType: mediaType.essence), t.isPatch == (verb == .patch) else {
                        return finish(
                            status(.unsupportedMediaType(mediaType.essence, accepted: accepted)), verb: label,
                            resource: path.resource, start: start)
                    }
                    bodyType = t
                } else if verb == .patch {
                    return finish(
                        status(.unsupportedMediaType("", accepted: accepted)), verb: label, resource: path.resource,
                        start: start)
                } else {
                    bodyType = .json
                }
            }
            switch await readBody(request) {
            case .failure(let s):
                return finish(status(s), verb: label, resource: path.resource, start: start)
            case .success(let bytes):
                if let bodyType {
                    switch convertBody(bytes, type: bodyType) {
                    case .failure(let s):
                        return finish(status(s), verb: label, resource: path.resource, start: start)
                    case .success(let converted):
                        body = converted
                    }
                    contentType = bodyType.endpointContentType
                } else if mediaType?.essence == "application/vnd.kubernetes.protobuf", !bytes.isEmpty {
                    // client-go's protobuf clients send DeleteOptions bodies in protobuf too.
                    switch convertBody(bytes, type: .protobuf) {
                    case .failure(let s):
                        return finish(status(s), verb: label, resource: path.resource, start: start)
                    case .success(let converted):
                        body = converted
                    }
                    contentType = BodyType.protobuf.endpointContentType
                } else {
                    body = bytes.isEmpty ? nil : bytes
                    contentType = mediaType?.essence
                }
            }
        default:
            break
        }

        let apiRequest = APIRequest(
            verb: verb, resource: info.gvr, namespace: path.namespace, name: name, subresource: path.subresource,
            query: query, body: body, contentType: contentType, client: request.headers[.userAgent] ?? "unknown")
        let result = await endpoint.handle(apiRequest)
        switch result {
        case .response(let r):
            slot.release()
            if r.code == 200, verb == .get || verb == .list,
                TableConverter.requestedVersion(accept: request.headers[.accept]) != nil,
                let problem = TableConverter.invalidIncludeObject(query["includeObject"]?.last)
            {
                return finish(status(.badRequest(problem)), verb: label, resource: path.resource, start: start)
            }
            let body = tableIfAsked(r, verb: verb, info: info, request: request, subresource: path.subresource)
            var response = objectResponse(code: r.code, body: body, encoding: encoding)
            for w in r.warnings {
                response.headers.append(HTTPField(name: .warning, value: "299 - \"\(w.replacingQuotes())\""))
            }
            return finish(response, verb: label, resource: path.resource, subresource: path.subresource, start: start)
        case .watch(let stream):
            metrics.openWatches(watches.inUse)
            let metrics = self.metrics
            let watches = self.watches
            slot.onRelease { metrics.openWatches(watches.inUse) }
            metrics.request(
                verb: label, resource: path.resource, subresource: path.subresource ?? "", code: 200,
                duration: ContinuousClock.now - start)
            return watchResponse(
                stream, request: request, slot: slot, table: tableWatchFraming(info: info, request: request))
        }
    }

    /// Reads the request body, refusing (413) as soon as it exceeds the limit.
    func readBody(_ request: Request) async -> Result<[UInt8], FrontStatus> {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            return .failure(.requestEntityTooLarge(limit: limit))
        }
        var bytes: [UInt8] = []
        do {
            for try await var buffer in request.body {
                guard bytes.count + buffer.readableBytes <= limit else {
                    return .failure(.requestEntityTooLarge(limit: limit))
                }
                if let chunk = buffer.readBytes(length: buffer.readableBytes) { bytes.append(contentsOf: chunk) }
            }
        } catch {
            return .failure(.badRequest("error reading the request body: \(error)"))
        }
        return .success(bytes)
    }

    /// YAML object and apply bodies and protobuf bodies of built-in kinds become JSON; JSON passes unchanged (the Endpoint parses it).
    func convertBody(_ bytes: [UInt8], type: BodyType) -> Result<[UInt8], FrontStatus> {
        switch type {
        case .protobuf:
            do {
                return .success(try ProtobufBody.decode(bytes))
            } catch {
                return .failure(
                    FrontStatus(
                        code: 415, reason: "UnsupportedMediaType",
                        message: "\(error.description); send application/json (kubelet: contentType: application/json)")
                )
            }
        case .yaml, .applyPatch:
            if type == .applyPatch, bytes.first(where: { !isJSONSpace($0) }) == UInt8(ascii: "{") {
                return .success(bytes)
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(.badRequest("the request body is not valid UTF-8"))
            }
            do {
                return .success(try JSONValue(yaml: text).serialized())
            } catch {
                return .failure(.badRequest("error decoding YAML: \(error)"))
            }
        default:
            return .success(bytes)
        }
    }

    // MARK: - Watch streaming

    /// Streams a watch: one `{"type":..,"object":..}\n` line per event, each written
    /// (and so flushed) on its own. The socket's backpressure paces the cursor; the
    /// stream ends when the watch ends, the client goes away, or the server shuts down.
    /// With `table`, each event's object is sent as a Table (`kubectl get -w`).
    func watchResponse(
        _ stream: WatchStream, request: Request, slot: ConcurrencyLimit.Slot, table: TableWatchFraming? = nil
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache, private"
        let logger = self.logger
        let body = ResponseBody { writer in
            defer { slot.release() }
            let handoff = Handoff<WatchEvent>()
            do {
                try await request.body.consumeWithInboundCloseHandler(
                    { _ in
                        try await withGracefulShutdownHandler {
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                group.addTask {
                                    var events = stream.makeAsyncIterator()
                                    while let event = await events.next() {
                                        guard await handoff.send(event) else { break }
                                    }
                                    handoff.finish()
                                }
                                defer {
                                    handoff.finish()
                                    group.cancelAll()
                                }
                                var allocator = ByteBufferAllocator()
                                var table = table
                                while var event = await handoff.receive() {
                                    if table != nil { event = table?.frame(event) ?? event }
                                    try await writer.write(Self.watchLine(event, allocator: &allocator))
                                }
                            }
                        } onGracefulShutdown: {
                            handoff.finish()
                        }
                    },
                    onInboundClosed: {
                        handoff.finish()
                    })
                try await writer.finish(nil)
            } catch {
                logger.debug("watch ended", metadata: ["error": "\(error)"])
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func watchLine(_ event: WatchEvent, allocator: inout ByteBufferAllocator) -> ByteBuffer {
        let type = event.type.rawValue
        var buffer = allocator.buffer(capacity: event.object.count + type.utf8.count + 24)
        buffer.writeString("{\"type\":\"")
        buffer.writeString(type)
        buffer.writeString("\",\"object\":")
        buffer.writeBytes(event.object)
        buffer.writeString("}\n")
        return buffer
    }

    // MARK: - Responses

    /// A JSON (or YAML, when that is all the client accepts) response from Endpoint bytes.
    func objectResponse(code: Int, body: [UInt8], encoding: ResponseEncoding) -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-cache, private"
        if code == 429 || code == 503 || code == 504, let retry = retryAfter(in: body) {
            headers[.retryAfter] = String(retry)
        }
        if encoding == .yaml, let value = try? JSONValue(parsing: body), let yaml = try? value.yamlString() {
            headers[.contentType] = "application/yaml"
            return Response(
                status: HTTPResponse.Status(code: code), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: yaml)))
        }
        headers[.contentType] = "application/json"
        return Response(status: HTTPResponse.Status(code: code), headers: headers, body: Self.body(bytes: body))
    }

    /// Large bodies (lists) go out in slices, so the server never holds a second full copy.
    static func body(bytes: [UInt8]) -> ResponseBody {
        let sliceSize = 1 << 20
        guard bytes.count > sliceSize else { return ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)) }
        return ResponseBody(contentLength: bytes.count) { writer in
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + sliceSize, bytes.count)
                try await writer.write(ByteBuffer(bytes: bytes[offset..<end]))
                offset = end
            }
            try await writer.finish(nil)
        }
    }

    func status(_ s: FrontStatus) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retry = s.retryAfterSeconds { headers[.retryAfter] = String(retry) }
        return Response(
            status: HTTPResponse.Status(code: s.code), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: s.statusObject().serialized())))
    }

    func json(_ value: JSONValue, contentType: String = "application/json") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    /// Records the request in metrics and returns the response.
    func finish(
        _ response: Response, verb: String, resource: String, subresource: String? = nil,
        start: ContinuousClock.Instant
    ) -> Response {
        metrics.request(
            verb: verb, resource: resource, subresource: subresource ?? "", code: response.status.code,
            duration: ContinuousClock.now - start)
        return response
    }

    func verbLabel(_ method: HTTPRequest.Method) -> String {
        method.rawValue
    }

    // MARK: - Discovery

    func discoveryResponse(_ route: KubeRoute, request: Request) -> Response {
        guard request.method == .get else { return status(.methodNotAllowed(request.method.rawValue)) }
        let negotiation = Negotiation(accept: request.headers[.accept])
        guard negotiation.encoding != nil else { return status(.notAcceptable) }
        switch route {
        case .version:
            return json(Discovery.version())
        case .coreVersions:
            if let v = negotiation.aggregatedDiscovery {
                return json(
                    discovery.aggregated(core: true, version: v),
                    contentType: Discovery.aggregatedContentType(version: v))
            }
            let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
            return json(discovery.coreVersions(serverAddress: host))
        case .groupList:
            if let v = negotiation.aggregatedDiscovery {
                return json(
                    discovery.aggregated(core: false, version: v),
                    contentType: Discovery.aggregatedContentType(version: v))
            }
            return json(discovery.groupList())
        case .group(let g):
            guard let doc = discovery.group(g) else { return status(.notFound) }
            return json(doc)
        case .resourceList(let g, let v):
            guard let doc = discovery.resourceList(group: g, version: v) else { return status(.notFound) }
            return json(doc)
        default:
            return status(.notFound)
        }
    }

    // MARK: - Health and metrics

    /// The checks of one health endpoint, in kube-apiserver's order: `ping`, the
    /// configured ones, then (readyz only) `shutdown`.
    func healthChecks(for which: HealthEndpoint) -> [(name: String, run: @Sendable () -> HealthCheckResult)] {
        var checks: [(name: String, run: @Sendable () -> HealthCheckResult)] = [("ping", { .ok(detail: nil) })]
        for c in healthChecks where c.endpoints.contains(which) { checks.append((c.name, c.run)) }
        if which == .readyz {
            checks.append(
                (
                    "shutdown",
                    {
                        Task.isShuttingDownGracefully ? .failed("the server is shutting down") : .ok(detail: nil)
                    }
                ))
        }
        return checks
    }

    /// `/healthz`, `/livez`, `/readyz` as kube-apiserver answers them: `ok`, or with
    /// `?verbose` (or on failure) one `[+]name ok` / `[-]name failed: reason` line per
    /// check and `<endpoint> check passed|failed`. A passing check with a detail prints
    /// `[+]name ok (detail)`. `?exclude=name` skips a check (`[+]name excluded: ok`).
    func health(_ which: HealthEndpoint, request: Request) -> Response {
        guard request.method == .get || request.method == .head else {
            return status(.methodNotAllowed(request.method.rawValue))
        }
        let query = parseQuery(request.uri.query) ?? [:]
        var excluded = Set(query["exclude"] ?? [])
        var lines = ""
        var healthy = true
        for check in healthChecks(for: which) {
            if excluded.remove(check.name) != nil {
                lines += "[+]\(check.name) excluded: ok\n"
                continue
            }
            switch check.run() {
            case .ok(let detail):
                lines += "[+]\(check.name) ok" + (detail.map { " (\($0))" } ?? "") + "\n"
            case .failed(let reason):
                healthy = false
                lines += "[-]\(check.name) failed: \(reason)\n"
            }
        }
        if !excluded.isEmpty {
            lines +=
                "warn: some health checks cannot be excluded: no matches for \(excluded.sorted().joined(separator: ","))\n"
        }
        let verbose = query["verbose"] != nil
        var text = ""
        if verbose || !healthy {
            text = lines + (healthy ? "\(which.rawValue) check passed\n" : "\(which.rawValue) check failed\n")
        } else {
            text = "ok"
        }
        return healthText(text, code: healthy ? .ok : .serviceUnavailable)
    }

    /// `/readyz/<name>`: one check. `ok` (with its detail in parentheses, if any) or 503
    /// with the reason; 404 for a check the endpoint does not have.
    func health(_ which: HealthEndpoint, check name: String, request: Request) -> Response {
        guard request.method == .get || request.method == .head else {
            return status(.methodNotAllowed(request.method.rawValue))
        }
        guard let check = healthChecks(for: which).first(where: { $0.name == name }) else {
            return status(.notFound)
        }
        switch check.run() {
        case .ok(let detail):
            return healthText("ok" + (detail.map { " (\($0))" } ?? ""), code: .ok)
        case .failed(let reason):
            return healthText("internal server error: \(reason)\n", code: .serviceUnavailable)
        }
    }

    func healthText(_ text: String, code: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.cacheControl] = "no-cache, private"
        return Response(status: code, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    func metricsResponse() -> Response {
        if let g = logGauges() {
            metrics.log(head: g.head, horizon: g.horizon, databaseBytes: g.databaseBytes)
        }
        metrics.openWatches(watches.inUse)
        metrics.inflight(inflight.inUse)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }

    /// `details.retryAfterSeconds` of a Status body.
    func retryAfter(in body: [UInt8]) -> Int? {
        guard case .object(let status)? = try? JSONValue(parsing: body),
            case .object(let details)? = status["details"],
            case .number(let n)? = details["retryAfterSeconds"]
        else { return nil }
        return n.int64Value.map { Int($0) }
    }
}

private func isJSONSpace(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
}

extension String {
    fileprivate func replacingQuotes() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "\"") ? UInt8(ascii: "'") : $0 }, as: UTF8.self)
    }
}
