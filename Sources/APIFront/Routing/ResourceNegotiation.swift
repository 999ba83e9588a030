import KubeModel

/// One clause of an `Accept` header as kube-apiserver reads it (github.com/munnerz/goautoneg
/// `ParseAccept`): type and subtype as written (case-sensitive), the `q` weight and the other
/// parameters. A clause without a subtype (other than a bare `*`), with a second `/`, or a
/// parameter without a value or with a second `=` is dropped, as goautoneg drops it.
struct AcceptClause: Sendable, Equatable {
    var type: String
    var subtype: String
    var q: Double
    var parameters: [String: String]

    /// The clauses of `header`, most preferred first: by descending `q`, then concrete types
    /// and subtypes before wildcards. The order is goautoneg's comparison applied by an
    /// insertion sort, which is what Go's `sort.Sort` runs for the handful of clauses an
    /// `Accept` header has; equal clauses keep their order.
    static func parse(_ header: String) -> [AcceptClause] {
        var clauses: [AcceptClause] = []
        for rawPart in header.split(separator: ",", omittingEmptySubsequences: false) {
            let part = rawPart.trimmingSpacesOnly()
            let (mediaType, rest) = part.splitOnce(";")
            let (rawType, subtypeRest) = mediaType.splitOnce("/")
            var clause = AcceptClause(type: String(rawType.trimmingSpacesOnly()), subtype: "", q: 1, parameters: [:])
            if subtypeRest.isEmpty {
                // `*` alone means `*/*`; any other type needs a subtype.
                guard clause.type == "*", !part.isEmpty else { continue }
                clause.subtype = "*"
            } else {
                let (subtype, extra) = subtypeRest.splitOnce("/")
                guard extra.isEmpty else { continue }
                clause.subtype = String(subtype.trimmingSpacesOnly())
            }
            var params = rest
            while !params.isEmpty {
                let (parameter, remaining) = params.splitOnce(";")
                params = remaining
                let (key, valueRest) = parameter.splitOnce("=")
                guard !valueRest.isEmpty else { continue }
                let (value, extra) = valueRest.splitOnce("=")
                guard extra.isEmpty else { continue }
                let token = key.trimmingSpacesOnly()
                if token == "q" {
                    // strconv.ParseFloat's failure leaves 0.
                    clause.q = Double(value) ?? 0
                } else {
                    clause.parameters[String(token)] = String(value.trimmingSpacesOnly())
                }
            }
            clauses.append(clause)
        }
        // goautoneg's Less, applied as Go's insertion sort applies it.
        func less(_ a: AcceptClause, _ b: AcceptClause) -> Bool {
            if a.q > b.q { return true }
            if a.type != "*" && b.type == "*" { return true }
            if a.subtype != "*" && b.subtype == "*" { return true }
            return false
        }
        if clauses.count > 1 {
            for i in 1..<clauses.count {
                var j = i
                while j > 0 && less(clauses[j], clauses[j - 1]) {
                    clauses.swapAt(j, j - 1)
                    j -= 1
                }
            }
        }
        return clauses
    }
}

extension Substring {
    /// `strings.TrimFunc(s, isSpace)` with only `' '` as space, as goautoneg trims.
    fileprivate func trimmingSpacesOnly() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }

    /// goautoneg's `nextSplitElement`: the text before the first `separator` and the text
    /// after it (empty when there is none).
    fileprivate func splitOnce(_ separator: Character) -> (Substring, Substring) {
        guard let i = firstIndex(of: separator) else { return (self, self[endIndex...]) }
        return (self[..<i], self[index(after: i)...])
    }
}

extension String {
    fileprivate func trimmingSpacesOnly() -> Substring { self[...].trimmingSpacesOnly() }
}

/// What a resource response is turned into before it is encoded (the `as`, `g`, `v`
/// parameters of the accepted clause), as kube-apiserver's `targetEncodingForTransform`
/// names them.
enum ResponseTransform: Sendable, Equatable {
    /// `as=Table` (meta.k8s.io `v1` or `v1beta1`).
    case table(version: String)
    /// `as=PartialObjectMetadata` or `as=PartialObjectMetadataList` (meta.k8s.io `v1` or `v1beta1`).
    case metadata(MetadataRequest)
}

/// Output media type negotiation for resource requests, ported from kube-apiserver's
/// `negotiation.NegotiateOutputMediaType` with the request scope's restrictions
/// (`RequestScope.AllowsMediaTypeTransform`, `AllowsServerVersion`, `AllowsStreamSchema`):
///
/// - an empty `Accept` is JSON;
/// - otherwise the clauses are tried most preferred first (``AcceptClause/parse(_:)``), each
///   against the media types AKE serves in its order (JSON, YAML, then protobuf — protobuf
///   only for the built-in kinds the type table describes: a custom resource is JSON or
///   YAML, as kube-apiserver's CRD handler serves it): a clause matches a type exactly, by
///   `type/*` or by `*/*`;
/// - a matching clause is accepted unless one of its parameters rules it out: `stream` other
///   than `watch` (or any `stream` for YAML, which has no stream encoding), `sv` other than
///   `v1`, or a transform (`as`/`g`/`v`) the endpoint cannot produce — only `Table`
///   (JSON or YAML; never for a watch-list, `sendInitialEvents` with bookmarks) and
///   `PartialObjectMetadata(List)` of `meta.k8s.io` `v1` or `v1beta1` can be; `export`,
///   `pretty` and unknown parameters are ignored;
/// - when no clause is accepted the answer is 406 NotAcceptable listing the types served;
/// - a watch then needs a stream encoding: YAML accepted for a watch is 406 listing the
///   stream types (`NegotiateOutputMediaTypeStream`).
struct ResourceNegotiation: Sendable, Equatable {
    var encoding: ResponseEncoding
    var transform: ResponseTransform?

    /// The media types AKE encodes resource responses in, in the order they are offered.
    static let served: [(type: String, subtype: String, encoding: ResponseEncoding, streams: Bool)] = [
        ("application", "json", .json, true),
        ("application", "yaml", .yaml, false),
    ]
    /// ``served`` and protobuf, for the built-in kinds.
    static let servedWithProtobuf = served + [("application", "vnd.kubernetes.protobuf", .protobuf, true)]

    /// The 406 of a failed negotiation.
    static let notAcceptable = FrontStatus.notAcceptable
    /// The 406 of a failed negotiation of a built-in kind.
    static let notAcceptableWithProtobuf = StatusError.notAcceptable(
        servedWithProtobuf.map { "\($0.type)/\($0.subtype)" })
    /// The 406 of a watch whose accepted media type has no stream encoding.
    static let notAcceptableStream = StatusError.notAcceptable(
        served.filter(\.streams).map { "\($0.type)/\($0.subtype);stream=watch" })
    /// The 406 of such a watch of a built-in kind.
    static let notAcceptableStreamWithProtobuf = StatusError.notAcceptable(
        servedWithProtobuf.filter(\.streams).map { "\($0.type)/\($0.subtype);stream=watch" })

    /// Negotiates `accept` for a request of `verb`; `watchList` is a watch with
    /// `sendInitialEvents=true` and `allowWatchBookmarks=true` (no Table then); `protobuf`:
    /// the resource's kind has a protobuf encoding (``KubeProtobuf/ProtobufEncoder``).
    static func negotiate(accept: String?, verb: APIVerb, watchList: Bool = false, protobuf: Bool = false)
        -> Result<Self, StatusError>
    {
        guard let accept, !accept.isEmpty else { return .success(Self(encoding: .json, transform: nil)) }
        let offers = protobuf ? servedWithProtobuf : served
        for clause in AcceptClause.parse(accept) {
            for offer in offers {
                let matches =
                    (clause.type == offer.type && (clause.subtype == offer.subtype || clause.subtype == "*"))
                    || (clause.type == "*" && clause.subtype == "*")
                guard matches else { continue }
                guard case .accepted(let transform) = acceptance(clause.parameters, offer, watchList: watchList) else {
                    continue
                }
                if verb == .watch && !offer.streams {
                    return .failure(protobuf ? notAcceptableStreamWithProtobuf : notAcceptableStream)
                }
                return .success(Self(encoding: offer.encoding, transform: transform))
            }
        }
        return .failure(protobuf ? notAcceptableWithProtobuf : notAcceptable)
    }

    /// Whether one clause's parameters allow an offered media type, and with which transform.
    private enum ClauseOutcome {
        case rejected
        case accepted(ResponseTransform?)
    }

    /// `acceptMediaTypeOptions` with the scope's restrictions for one offered media type.
    private static func acceptance(
        _ parameters: [String: String],
        _ offer: (type: String, subtype: String, encoding: ResponseEncoding, streams: Bool),
        watchList: Bool
    ) -> ClauseOutcome {
        if let stream = parameters["stream"], !stream.isEmpty, !offer.streams || stream != "watch" { return .rejected }
        if let sv = parameters["sv"], !sv.isEmpty, sv != "v1" { return .rejected }
        let kind = parameters["as"]
        let group = parameters["g"]
        let version = parameters["v"]
        guard kind != nil || group != nil || version != nil else { return .accepted(nil) }
        // A transform is only ever to a kind of meta.k8s.io v1 or v1beta1.
        guard group == "meta.k8s.io", let version, version == "v1" || version == "v1beta1" else { return .rejected }
        switch kind {
        case "Table":
            guard !watchList, offer.type == "application", offer.subtype == "json" || offer.subtype == "yaml" else {
                return .rejected
            }
            return .accepted(.table(version: version))
        case "PartialObjectMetadata", "PartialObjectMetadataList":
            return .accepted(.metadata(MetadataRequest(kind: kind ?? "", version: version)))
        default:
            return .rejected
        }
    }
}
