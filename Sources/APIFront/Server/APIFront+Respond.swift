import Auth
import Endpoint
import Hummingbird
import KubeHTTP
import KubeModel
import KubeProtobuf
import Logging
import NIOCore
import ServiceLifecycle

/// `HTTPTypes.HTTPField` (Hummingbird re-exports `HTTPFields` only).
typealias HTTPField = HTTPFields.Element

extension HTTPField.Name {
    // A constant, valid field name: construction cannot fail.
    static let warning = HTTPField.Name("Warning")!
}

extension APIFront {
    /// Answers one HTTP request. Never throws: every failure is a Status response.
    /// `route` is `KubeRoute(path: request.uri.path)` when the caller has parsed it already.
    func respond(to request: Request, channel: (any Channel)? = nil, route known: KubeRoute?? = nil) async -> Response {
        let start = ContinuousClock.now
        // Authentication and authorization come first, for every path (APIFront+Auth.swift).
        let user: UserInfo?
        switch await authorize(request, channel: channel) {
        case .failure(let refused):
            return finish(refused.response, verb: refused.verb, resource: refused.resource, start: start)
        case .success(let u):
            user = u
        }
        if request.uri.path == Self.statusPath, let status = statusResponse(request) { return status }
        if let mirrored = await mirroredDiscoveryResponse(request, start: start) { return mirrored }  // Discovery/DiscoverySource.swift
        if let issuer = await issuerDiscoveryResponse(request, start: start) { return issuer }  // Server/APIFront+Auth.swift
        if let openAPI = await openAPIResponse(request) { return openAPI }  // OpenAPI/OpenAPIDocuments.swift
        let parsed: KubeRoute? = if let known { known } else { KubeRoute(path: request.uri.path) }
        guard let route = parsed else {
            return finish(status(.notFound), verb: verbLabel(request.method), resource: "", start: start)
        }
        switch route {
        case .health(let which):
            return health(which, request: request)
        case .healthCheck(let which, let name):
            return health(which, check: name, request: request)
        case .metrics:
            guard request.method == .get || request.method == .head else {
                return status(.methodNotAllowed(method: request.method.rawValue))
            }
            return metricsResponse()
        case .version, .coreVersions, .groupList, .group, .resourceList:
            let r = discoveryResponse(route, request: request)
            return finish(r, verb: "GET", resource: "", start: start)
        case .resource(let path):
            if AccessReviews.handles(group: path.group, version: path.version, resource: path.resource) {
                return await reviewResponse(path, request: request, user: user, start: start)
            }
            return await resourceResponse(path, request: request, user: user, start: start, channel: channel)
        }
    }

    // MARK: - Resources

    /// Executes a resource request: ``FrontRequest/parse(_:path:catalog:)`` decides what it
    /// means; this sheds load, reads the body, calls the Endpoint and encodes the answer.
    func resourceResponse(
        _ path: ResourcePath, request: Request, user: UserInfo? = nil, start: ContinuousClock.Instant,
        channel: (any Channel)? = nil
    ) async -> Response {
        let parsed: FrontRequest
        var outcome = FrontRequest.parse(request.head, path: path, catalog: catalog)
        if case .failure = outcome, let miss = resourceMiss,
            catalog.resource(group: path.group, version: path.version, resource: path.resource) == nil,
            await miss(path.group, path.version, path.resource)
        {
            outcome = FrontRequest.parse(request.head, path: path, catalog: catalog)
        }
        switch outcome {
        case .failure(let rejection):
            return finish(status(rejection.status), verb: rejection.label, resource: path.resource, start: start)
        case .success(let p):
            parsed = p
        }
        let verb = parsed.request.verb
        let label = parsed.label

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

        // The body: size-limited while reading, then turned into what the Endpoint takes.
        var apiRequest = parsed.request
        apiRequest.user = user
        let gzip = ResponseCompression.acceptsGzip(request.headers[values: .acceptEncoding])
        // A plain JSON list is written in pieces as it is read (gzipped as it goes when the
        // client accepts gzip); a Table, metadata-only, protobuf or YAML list is made from
        // the whole body.
        apiRequest.acceptsStreamedList =
            verb == .list && parsed.table == nil && parsed.metadata == nil && parsed.encoding == .json
        if parsed.body != .none {
            let decoded: Result<APIRequest, FrontStatus>
            switch await readBody(request) {
            case .failure(let s): decoded = .failure(s)
            case .success(let bytes): decoded = parsed.decodeBody(bytes)
            }
            switch decoded {
            case .failure(let s):
                slot.release()
                return finish(status(s), verb: label, resource: path.resource, start: start)
            case .success(let r):
                apiRequest = r
                apiRequest.user = user
            }
            // NodeRestriction's rules on a node's writes need the body (APIFront+Auth.swift).
            if let refusal = await nodeRestriction(apiRequest) {
                slot.release()
                return finish(status(refusal), verb: label, resource: path.resource, start: start)
            }
        }

        switch await endpoint.handle(apiRequest) {
        case .response(let r):
            slot.release()
            if let stream = r.stream {
                return finish(
                    streamedListResponse(stream, gzip: gzip), verb: label, resource: path.resource,
                    subresource: path.subresource,
                    start: start)
            }
            if r.code == 200, verb == .get || verb == .list, let problem = parsed.table?.problem {
                return finish(status(.malformed(problem)), verb: label, resource: path.resource, start: start)
            }
            var body = tableIfAsked(r, parsed)
            if r.code == 200, verb == .get || verb == .list, let metadata = parsed.metadata {
                switch metadata.transform(body, verb: verb, info: parsed.info, subresource: path.subresource) {
                case .success(let b): body = b
                case .failure(let s): return finish(status(s), verb: label, resource: path.resource, start: start)
                }
            }
            var response = objectResponse(
                code: r.code, body: body, encoding: parsed.encoding,
                gzip: gzip)
            for w in r.warnings {
                response.headers.append(HTTPField(name: .warning, value: "299 - \"\(w.replacingQuotes())\""))
            }
            return finish(response, verb: label, resource: path.resource, subresource: path.subresource, start: start)
        case .watch(let stream):
            metrics.openWatches(watches.inUse)
            let metrics = self.metrics
            let watches = self.watches
            slot.onRelease { metrics.openWatches(watches.inUse) }
            let duration = ContinuousClock.now - start
            metrics.request(
                verb: label, resource: path.resource, subresource: path.subresource ?? "", code: 200,
                duration: duration)
            logRequest(verb: label, resource: path.resource, subresource: path.subresource, code: 200, duration)
            let framing = parsed.table.map {
                TableWatchFraming(info: parsed.info, version: $0.version, includeObject: $0.includeObject)
            }
            return watchResponse(
                stream, request: request, slot: slot, table: framing, metadata: parsed.metadata,
                encoding: parsed.encoding, channel: channel)
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
            return .failure(.malformed("error reading the request body: \(error)"))
        }
        return .success(bytes)
    }

    // MARK: - Watch streaming

    /// Streams a watch: one `{"type":..,"object":..}\n` line per event, each written
    /// (and so flushed) on its own. The socket's backpressure paces the cursor; the
    /// stream ends when the watch ends, the client goes away, or the server shuts down.
    /// With `table`, each event's object is sent as a Table (`kubectl get -w`); with
    /// `metadata`, as a PartialObjectMetadata (metadata informers). With `encoding`
    /// `.protobuf`, each event is a length-prefixed protobuf frame instead
    /// (``KubeProtobuf/ProtobufWatchFrame``); an event that cannot be encoded ends the watch
    /// (the client lists and watches again) rather than being skipped.
    ///
    /// On an HTTP/1 connection (`channel`, every connection this server accepts) the events
    /// go from the hub straight into the channel on its event loop (``WatchPump``): no task
    /// wakes per watcher and event, and the connection's task only waits for the end.
    /// Elsewhere the response task is itself the cursor's consumer, writing through
    /// Hummingbird's body writer on the connection's loop.
    func watchResponse(
        _ stream: APIWatchStream, request: Request, slot: ConcurrencyLimit.Slot, table: TableWatchFraming? = nil,
        metadata: MetadataRequest? = nil, encoding: ResponseEncoding = .json, channel: (any Channel)? = nil
    ) -> Response {
        var headers = HTTPFields()
        let protobuf = encoding == .protobuf
        headers[.contentType] = protobuf ? ProtobufWatchFrame.contentType : "application/json"
        headers[.cacheControl] = "no-cache, private"
        let logger = self.logger
        let queue = channel.map { watchQueues.queue(for: $0.eventLoop) }
        let framing = WatchFraming(table: table, metadata: metadata, protobuf: protobuf)
        let body = ResponseBody { writer in
            defer { slot.release() }
            var events = stream.makeAsyncIterator()
            if let channel, let queue {
                await events.start()
                if let pump = await WatchPump.start(
                    stream: stream, iterator: events, framing: framing, channel: channel, queue: queue, logger: logger)
                {
                    await withGracefulShutdownHandler {
                        try? await pump.done.get()
                    } onGracefulShutdown: {
                        pump.stop()
                    }
                    do { try await writer.finish(nil) } catch {
                        logger.debug("watch ended", metadata: ["error": "\(error)"])
                    }
                    return
                }
            }
            await Self.streamWatch(
                stream, events: events, framing: framing, request: request, writer: &writer,
                executor: channel.map { EventLoopTaskExecutor($0.eventLoop) }, logger: logger)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The task-based watch body: this task consumes the cursor and writes each frame through
    /// Hummingbird's writer (on `executor`, the connection's loop, when given); a disconnect or
    /// shutdown stops the stream, which wakes it.
    static func streamWatch(
        _ stream: APIWatchStream, events: APIWatchStream.Iterator, framing: WatchFraming, request: Request,
        writer: inout any ResponseBodyWriter, executor: EventLoopTaskExecutor?, logger: Logger
    ) async {
        do {
            try await withTaskExecutorPreference(executor) {
                try await request.body.consumeWithInboundCloseHandler(
                    { _ in
                        try await withGracefulShutdownHandler {
                            var events = events
                            var framing = framing
                            while let event = await events.next() {
                                guard let frame = framing.line(event) else {
                                    logger.warning(
                                        "watch event has no protobuf encoding; ending the watch",
                                        metadata: ["type": "\(event.type.rawValue)"])
                                    break
                                }
                                try await writer.write(frame)
                            }
                        } onGracefulShutdown: {
                            stream.stop()
                        }
                    },
                    onInboundClosed: {
                        stream.stop()
                    })
            }
            try await writer.finish(nil)
        } catch {
            logger.debug("watch ended", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Responses

    /// A JSON (or YAML, when that is all the client accepts) response from Endpoint bytes.
    /// With `gzip` (the client sent `Accept-Encoding: gzip`), a JSON body larger than
    /// ``ResponseCompression/thresholdBytes`` is sent gzipped, as kube-apiserver does.
    /// A `.protobuf` response carries the body encoded by ``KubeProtobuf/ProtobufEncoder``
    /// (a Status error too, as kube-apiserver sends it); a body that has no protobuf
    /// encoding (a kind outside the type table, such as autoscaling/v1 Scale) goes out as JSON.
    func objectResponse(code: Int, body: [UInt8], encoding: ResponseEncoding, gzip: Bool = false) -> Response {
        var headers = HTTPFields()
        var body = body
        var contentType = "application/json"
        if encoding == .protobuf {
            do {
                body = try ProtobufEncoder.builtIn.encode(JSONValue(parsing: body))
                contentType = "application/vnd.kubernetes.protobuf"
            } catch {
                logger.debug("answering JSON: no protobuf encoding", metadata: ["error": "\(error)"])
            }
        }
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
        headers[.contentType] = contentType
        if gzip, body.count > ResponseCompression.thresholdBytes, let compressed = try? ResponseCompression.gzip(body) {
            headers[.contentEncoding] = "gzip"
            headers.append(HTTPField(name: .vary, value: "Accept-Encoding"))
            return Response(
                status: HTTPResponse.Status(code: code), headers: headers, body: Self.body(bytes: compressed))
        }
        return Response(status: HTTPResponse.Status(code: code), headers: headers, body: Self.body(bytes: body))
    }

    /// A 200 JSON List whose pieces come from `stream` as the store reads them: each piece
    /// is written (and waited for) as it arrives, so the kernel sends one while the next is
    /// built, and a piece is freed once written. Sent chunked, as kube-apiserver sends a
    /// large list. With `gzip` the pieces are gzipped as they go: a streamed body is
    /// larger than one piece, so always above ``ResponseCompression/thresholdBytes`` (a
    /// list that fits in one piece is answered whole, with the threshold applied as for any
    /// body). If the client goes away the producer stops at its next piece; if the
    /// producer fails midway the connection is closed (the status line is already out).
    func streamedListResponse(_ stream: APIBodyStream, gzip: Bool) -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-cache, private"
        headers[.contentType] = "application/json"
        if gzip {
            headers[.contentEncoding] = "gzip"
            headers.append(HTTPField(name: .vary, value: "Accept-Encoding"))
        }
        let logger = self.logger
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                do {
                    if gzip {
                        let compression = try ResponseCompression.Stream()
                        while let piece = try await stream.next() {
                            try await compression.compress(piece) { try await writer.write($0) }
                        }
                        try await compression.finish { try await writer.write($0) }
                    } else {
                        while let piece = try await stream.next() {
                            try await writer.write(ByteBuffer(bytes: piece))
                        }
                    }
                } catch {
                    stream.cancel()
                    logger.debug("list body ended early", metadata: ["error": "\(error)"])
                    throw error
                }
                try await writer.finish(nil)
            })
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
        let duration = ContinuousClock.now - start
        metrics.request(
            verb: verb, resource: resource, subresource: subresource ?? "", code: response.status.code,
            duration: duration)
        logRequest(verb: verb, resource: resource, subresource: subresource, code: response.status.code, duration)
        return response
    }

    /// Requests slower than this are logged at info (the others at debug).
    static let slowRequest = Duration.seconds(1)

    /// One line per finished request: at debug, or at info when slower than ``slowRequest``.
    func logRequest(verb: String, resource: String, subresource: String?, code: Int, _ duration: Duration) {
        let slow = duration >= Self.slowRequest
        guard slow || logger.logLevel <= .debug else { return }
        let millis = Double(duration.nanoseconds) / 1e6
        let metadata: Logger.Metadata = [
            "verb": "\(verb)", "resource": "\(resource)", "subresource": "\(subresource ?? "")", "code": "\(code)",
            "latencyMs": "\((millis * 10).rounded() / 10)",
        ]
        if slow {
            logger.info("slow request", metadata: metadata)
        } else {
            logger.debug("request", metadata: metadata)
        }
    }

    func verbLabel(_ method: HTTPRequest.Method) -> String {
        method.rawValue
    }

    // MARK: - Discovery

    func discoveryResponse(_ route: KubeRoute, request: Request) -> Response {
        guard request.method == .get else { return status(.methodNotAllowed(method: request.method.rawValue)) }
        let negotiation = Negotiation(accept: request.headers[.accept])
        guard negotiation.encoding != nil else { return status(.notAcceptable) }
        switch route {
        case .version:
            return document(Discovery.version().serialized(), contentType: "application/json", for: request)
        case .coreVersions:
            if let v = negotiation.aggregatedDiscovery {
                return document(
                    discovery.aggregated(core: true, version: v).serialized(),
                    contentType: Discovery.aggregatedContentType(version: v), for: request)
            }
            let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
            return document(
                discovery.coreVersions(serverAddress: host).serialized(), contentType: "application/json", for: request)
        case .groupList:
            if let v = negotiation.aggregatedDiscovery {
                return document(
                    discovery.aggregated(core: false, version: v).serialized(),
                    contentType: Discovery.aggregatedContentType(version: v), for: request)
            }
            return document(discovery.groupList().serialized(), contentType: "application/json", for: request)
        case .group(let g):
            guard let doc = discovery.group(g) else { return status(.notFound) }
            return document(doc.serialized(), contentType: "application/json", for: request)
        case .resourceList(let g, let v):
            guard let doc = discovery.resourceList(group: g, version: v) else { return status(.notFound) }
            return document(doc.serialized(), contentType: "application/json", for: request)
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
            return status(.methodNotAllowed(method: request.method.rawValue))
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
            return status(.methodNotAllowed(method: request.method.rawValue))
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
            metrics.log(g)
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

extension String {
    fileprivate func replacingQuotes() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: "\"") ? UInt8(ascii: "'") : $0 }, as: UTF8.self)
    }
}
