import Crypto
import KubeModel
import SwiftASN1
import Synchronization
import X509

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The credentials one HTTP request carries.
public struct AuthenticationRequest: Sendable {
    /// The TLS client's certificate chain, leaf first (empty without TLS or without a client certificate).
    public var clientCertificates: [Certificate]
    /// The `Authorization` header, if any.
    public var authorization: String?

    public init(clientCertificates: [Certificate] = [], authorization: String? = nil) {
        self.clientCertificates = clientCertificates
        self.authorization = authorization
    }
}

/// What one authenticator (or the whole chain) made of a request.
public enum AuthenticationOutcome: Sendable, Equatable {
    /// The request is from this user.
    case authenticated(UserInfo)
    /// The request carries no credential of this kind.
    case notApplicable
    /// It carries one that is not valid (the reason is for the log, never for the client): 401.
    case failed(String)
}

/// One way of authenticating a request (client certificate, bearer token, ...).
public protocol RequestAuthenticator: Sendable {
    func authenticate(_ request: AuthenticationRequest) async -> AuthenticationOutcome
}

/// One way of checking a bearer token (a token file, ServiceAccount JWTs).
public protocol TokenAuthenticator: Sendable {
    func authenticate(token: String) async -> AuthenticationOutcome
}

/// Well-known user and group names (apiserver's `user` package).
public enum SystemUsers {
    public static let anonymous = "system:anonymous"
    public static let allUnauthenticated = "system:unauthenticated"
    public static let allAuthenticated = "system:authenticated"
    public static let privilegedGroup = "system:masters"
    public static let nodesGroup = "system:nodes"
    public static let nodeUserPrefix = "system:node:"
    public static let monitoringGroup = "system:monitoring"
    public static let serviceAccountPrefix = "system:serviceaccount:"
    public static let serviceAccountsGroup = "system:serviceaccounts"
    /// `user.Info.Extra` key of a credential's id (`X509SHA256=…`, `JTI=…`).
    public static let credentialIDKey = "authentication.kubernetes.io/credential-id"
}

/// The authentication chain kube-apiserver builds from its flags:
/// the request authenticators in order (client certificate, then bearer tokens) as a
/// union — the first that authenticates wins, a failure of one does not stop the
/// others; an authenticated user gets `system:authenticated` added (unless it already
/// has it or `system:unauthenticated`); and then, when `--anonymous-auth` is on and
/// nothing authenticated *and nothing failed*, the anonymous user. A request whose
/// credential failed is never anonymous: it gets 401.
public struct Authentication: Sendable {
    public var authenticators: [any RequestAuthenticator]
    public var anonymous: Bool

    public init(authenticators: [any RequestAuthenticator], anonymous: Bool) {
        self.authenticators = authenticators
        self.anonymous = anonymous
    }

    /// `.authenticated` or `.failed`, never `.notApplicable`.
    public func authenticate(_ request: AuthenticationRequest) async -> AuthenticationOutcome {
        var failures: [String] = []
        for authenticator in authenticators {
            switch await authenticator.authenticate(request) {
            case .authenticated(var user):
                if !user.groups.contains(SystemUsers.allAuthenticated)
                    && !user.groups.contains(SystemUsers.allUnauthenticated)
                {
                    user.groups.append(SystemUsers.allAuthenticated)
                }
                return .authenticated(user)
            case .notApplicable:
                continue
            case .failed(let reason):
                failures.append(reason)
            }
        }
        if !failures.isEmpty {
            return .failed(failures.count == 1 ? failures[0] : "[" + failures.joined(separator: ", ") + "]")
        }
        if anonymous {
            return .authenticated(UserInfo(name: SystemUsers.anonymous, groups: [SystemUsers.allUnauthenticated]))
        }
        return .failed("no credentials")
    }
}

// MARK: - Bearer tokens

/// `Authorization: Bearer <token>` checked by token authenticators in order (the
/// apiserver's bearertoken authenticator over a union of token authenticators): a
/// header of another scheme, or an empty token, is no credential; a token that no
/// authenticator accepts is `invalid bearer token`.
public struct BearerTokenAuthenticator: RequestAuthenticator {
    public var tokenAuthenticators: [any TokenAuthenticator]

    public init(_ tokenAuthenticators: [any TokenAuthenticator]) {
        self.tokenAuthenticators = tokenAuthenticators
    }

    /// The token of an `Authorization` header, nil when it is not a (non-empty) bearer token.
    public static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingSpaces()
        guard !trimmed.isEmpty else { return nil }
        let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1])
        return token.isEmpty ? nil : token
    }

    public func authenticate(_ request: AuthenticationRequest) async -> AuthenticationOutcome {
        guard let token = Self.bearerToken(request.authorization) else { return .notApplicable }
        var failures: [String] = []
        for authenticator in tokenAuthenticators {
            switch await authenticator.authenticate(token: token) {
            case .authenticated(let user): return .authenticated(user)
            case .notApplicable: continue
            case .failed(let reason): failures.append(reason)
            }
        }
        if !failures.isEmpty { return .failed(failures.joined(separator: ", ")) }
        return .failed("invalid bearer token")
    }
}

/// `--token-auth-file`: kube-apiserver's static token CSV, one `token,user,uid[,"group1,group2"]`
/// per line (at least three columns; an empty token is skipped; a later duplicate wins).
public struct TokenFileAuthenticator: TokenAuthenticator {
    let tokens: [String: UserInfo]

    /// Reads and parses the file; throws a message naming the file for a malformed one.
    public init(path: String) throws(AuthConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthConfigurationError("cannot read token file \(goQuoted(path))")
        }
        try self.init(csv: String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses CSV text (`path` names it in errors).
    public init(csv: String, path: String = "") throws(AuthConfigurationError) {
        let records: [[String]]
        do {
            records = try CSV.parse(csv)
        } catch {
            throw AuthConfigurationError("token file '\(path)': \(error.message)")
        }
        var tokens: [String: UserInfo] = [:]
        for record in records {
            guard record.count >= 3 else {
                throw AuthConfigurationError(
                    "token file '\(path)' must have at least 3 columns (token, user name, user uid), found \(record.count)"
                )
            }
            guard !record[0].isEmpty else { continue }
            var user = UserInfo(name: record[1], uid: record[2])
            if record.count >= 4 {
                user.groups = record[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            }
            tokens[record[0]] = user
        }
        self.tokens = tokens
    }

    public func authenticate(token: String) async -> AuthenticationOutcome {
        guard let user = tokens[token] else { return .notApplicable }
        return .authenticated(user)
    }
}

/// A configuration file (CA bundle, token file, key) that cannot be used.
public struct AuthConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The subset of RFC 4180 that Go's `encoding/csv` reads by default: comma-separated,
/// fields may be double-quoted (with `""` for a quote, and newlines inside), blank
/// lines are skipped, a quote inside an unquoted field is an error.
enum CSV {
    struct ParseError: Error {
        var message: String
    }

    static func parse(_ text: String) throws(ParseError) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var chars = Array(text.unicodeScalars)
        if chars.last != "\n" { chars.append("\n") }
        var i = 0
        func endRecord() {
            record.append(field)
            if !(record.count == 1 && record[0].isEmpty && !fieldWasQuoted) { records.append(record) }
            record = []
            field = ""
            fieldWasQuoted = false
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        i += 2
                        continue
                    }
                    inQuotes = false
                    let next = i + 1 < chars.count ? chars[i + 1] : "\n"
                    guard next == "," || next == "\n" || next == "\r" else {
                        throw ParseError(
                            message: "parse error on line \(line): extraneous or missing \" in quoted-field")
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case ",":
                record.append(field)
                field = ""
                fieldWasQuoted = false
            case "\"":
                guard field.isEmpty else {
                    throw ParseError(message: "parse error on line \(line): bare \" in non-quoted-field")
                }
                inQuotes = true
                fieldWasQuoted = true
            case "\r" where i + 1 < chars.count && chars[i + 1] == "\n":
                break
            case "\n":
                endRecord()
                line += 1
            default:
                field.unicodeScalars.append(c)
            }
            i += 1
        }
        if inQuotes {
            throw ParseError(message: "parse error on line \(line): extraneous or missing \" in quoted-field")
        }
        return records
    }
}

// MARK: - Client certificates

/// `--client-ca-file`: a TLS client certificate that chains to one of the file's CAs
/// and may be used for client authentication identifies the user by its subject's
/// CommonName, with the Organizations as groups (the apiserver's
/// `CommonNameUserConversion`); a certificate without a CommonName is no credential,
/// one that does not verify is a failure (401). The file is read again when it changes.
public final class X509ClientAuthenticator: RequestAuthenticator {
    let source: ReloadingFile<[Certificate]>
    let now: @Sendable () -> Date
    /// Verified leaf certificates (sent without intermediates) and their users, for the
    /// CA file's generation: verification is the expensive part of a request, and a
    /// client sends the same certificate on every connection. An entry lasts five
    /// minutes or until the certificate expires; a new CA file empties the cache.
    let verified = Mutex<(generation: Int, entries: [Certificate: (outcome: AuthenticationOutcome, until: Date)])>(
        (0, [:]))
    static let cacheLimit = 1024

    public init(caFile: String, now: @escaping @Sendable () -> Date = { Date() }) throws(AuthConfigurationError) {
        self.source = try ReloadingFile(path: caFile) { bytes throws(AuthConfigurationError) in
            try PEMBundle.certificates(String(decoding: bytes, as: UTF8.self), what: "client CA file \(caFile)")
        }
        self.now = now
    }

    /// Verifies against these CAs (tests).
    public init(roots: [Certificate], now: @escaping @Sendable () -> Date = { Date() }) {
        self.source = ReloadingFile(fixed: roots)
        self.now = now
    }

    public func authenticate(_ request: AuthenticationRequest) async -> AuthenticationOutcome {
        guard let leaf = request.clientCertificates.first else { return .notApplicable }
        let (roots, generation) = source.currentWithGeneration
        let time = now()
        let cacheable = request.clientCertificates.count == 1
        if cacheable {
            let hit = verified.withLock { cache -> AuthenticationOutcome? in
                guard cache.generation == generation, let entry = cache.entries[leaf], time < entry.until else {
                    return nil
                }
                return entry.outcome
            }
            if let hit { return hit }
        }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(validationTime: time)
            ClientAuthUsagePolicy()
        }
        let result = await verifier.validate(
            leafCertificate: leaf, intermediates: CertificateStore(request.clientCertificates.dropFirst()))
        guard case .validCertificate = result else {
            return .failed(
                "verifying certificate \(leaf.subject) failed: x509: certificate signed by unknown authority or not valid for client authentication"
            )
        }
        let outcome = Self.user(from: leaf)
        if cacheable {
            let until = min(leaf.notValidAfter, time + 300)
            verified.withLock { cache in
                if cache.generation != generation || cache.entries.count >= Self.cacheLimit {
                    cache = (generation, [:])
                }
                cache.entries[leaf] = (outcome, until)
            }
        }
        return outcome
    }

    /// The user a verified client certificate names.
    public static func user(from leaf: Certificate) -> AuthenticationOutcome {
        var commonName = ""
        var organizations: [String] = []
        for rdn in leaf.subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName {
                    commonName = attribute.value.description
                } else if attribute.type == .RDNAttributeType.organizationName {
                    organizations.append(attribute.value.description)
                }
            }
        }
        guard !commonName.isEmpty else { return .notApplicable }
        var der = DER.Serializer()
        let fingerprint: String
        if (try? der.serialize(leaf)) != nil {
            fingerprint = SHA256.hash(data: der.serializedBytes).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined()
        } else {
            fingerprint = ""
        }
        return .authenticated(
            UserInfo(
                name: commonName, groups: organizations,
                extra: [SystemUsers.credentialIDKey: ["X509SHA256=" + fingerprint]]))
    }
}

/// Requires a leaf certificate to be usable for TLS client authentication (Go's
/// `x509.VerifyOptions.KeyUsages = [ClientAuth]`): without an extended key usage
/// extension any use is allowed; with one it must list clientAuth or any.
struct ClientAuthUsagePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for certificate in chain {
            guard let usage = try? certificate.extensions.extendedKeyUsage else { continue }
            if !usage.contains(.clientAuth) && !usage.contains(.any) {
                return .failsToMeetPolicy(reason: "certificate is not valid for client authentication")
            }
        }
        return .meetsPolicy
    }
}

/// PEM bundles of certificates.
public enum PEMBundle {
    /// Every `CERTIFICATE` block of `pem`; throws when there is none or one is malformed.
    public static func certificates(_ pem: String, what: String) throws(AuthConfigurationError) -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw AuthConfigurationError("\(what): not PEM: \(error)")
        }
        var certificates: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            do {
                certificates.append(try Certificate(pemDocument: document))
            } catch {
                throw AuthConfigurationError("\(what): malformed certificate: \(error)")
            }
        }
        guard !certificates.isEmpty else { throw AuthConfigurationError("\(what): no certificates found") }
        return certificates
    }
}

/// A file's parsed contents, parsed again when the file's modification time or size
/// changes (checked at most once a second). A changed file that does not parse keeps
/// the last good contents.
public final class ReloadingFile<Value: Sendable>: Sendable {
    let paths: [String]
    let parse: @Sendable ([[UInt8]]) throws(AuthConfigurationError) -> Value
    struct State {
        var value: Value
        var stamp: String
        var checked: ContinuousClock.Instant
        /// Counts the reloads.
        var generation = 0
    }
    let state: Mutex<State>

    /// One file.
    public convenience init(
        path: String, parse: @escaping @Sendable ([UInt8]) throws(AuthConfigurationError) -> Value
    ) throws(AuthConfigurationError) {
        try self.init(paths: [path]) { contents throws(AuthConfigurationError) in try parse(contents[0]) }
    }

    /// Files that make one value together (a certificate and its key): they are read
    /// again when any of them changes, and the new value is taken only when it parses,
    /// so a pair half-way through replacement keeps serving the old one.
    public init(
        paths: [String], parse: @escaping @Sendable ([[UInt8]]) throws(AuthConfigurationError) -> Value
    ) throws(AuthConfigurationError) {
        var contents: [[UInt8]] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AuthConfigurationError("cannot read \(goQuoted(path))")
            }
            contents.append(Array(data))
        }
        let value = try parse(contents)
        self.paths = paths
        self.parse = parse
        self.state = Mutex(State(value: value, stamp: Self.stamp(paths), checked: .now))
    }

    init(fixed value: Value) {
        self.paths = []
        self.parse = { _ throws(AuthConfigurationError) in value }
        self.state = Mutex(State(value: value, stamp: "", checked: .now))
    }

    static func stamp(_ paths: [String]) -> String {
        paths.map { path in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "" }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let size = (attributes[.size] as? Int) ?? -1
            return "\(modified)/\(size)"
        }.joined(separator: "|")
    }

    public var current: Value { currentWithGeneration.value }

    /// The value and how many times it was reloaded (to invalidate what was derived from it).
    public var currentWithGeneration: (value: Value, generation: Int) {
        guard !paths.isEmpty else { return state.withLock { ($0.value, $0.generation) } }
        let due = state.withLock { s -> Bool in
            guard ContinuousClock.now - s.checked >= .seconds(1) else { return false }
            s.checked = .now
            return true
        }
        if due {
            let stamp = Self.stamp(paths)
            if stamp != state.withLock({ $0.stamp }) {
                let contents = paths.compactMap { FileManager.default.contents(atPath: $0).map(Array.init) }
                if contents.count == paths.count, let value = try? parse(contents) {
                    state.withLock {
                        $0.value = value
                        $0.stamp = stamp
                        $0.generation += 1
                    }
                }
            }
        }
        return state.withLock { ($0.value, $0.generation) }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) ?? first
        return String(scalars[first...last])
    }
}
