import Crypto
import JWTKit
import KubeModel
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// ServiceAccount issuer discovery, as kube-apiserver serves it: the OpenID provider
/// configuration at `/.well-known/openid-configuration` and the issuer's public keys as a
/// JSON Web Key Set at `/openid/v1/jwks` (the keys of `--service-account-key-file`).
/// Relying parties (an edge, a cloud provider's workload identity) verify tokens with
/// them without calling the API.
public enum ServiceAccountIssuerDiscovery {
    public static let configurationPath = "/.well-known/openid-configuration"
    public static let jwksPath = "/openid/v1/jwks"
    public static let configurationContentType = "application/json"
    public static let jwksContentType = "application/jwk-set+json"

    /// The two documents of `issuer` with `publicKeysPEM`, or nil when the apiserver
    /// would not serve them: the issuer must be an `https` URL without query or fragment
    /// (the OIDC rule `NewOpenIDMetadataProvider` enforces); the JWKS URI is the issuer's
    /// host with `/openid/v1/jwks`.
    public static func documents(issuer: String, publicKeysPEM: [String]) -> (configuration: [UInt8], jwks: [UInt8])? {
        guard let url = URL(string: issuer), url.scheme == "https", let host = url.host, url.query == nil,
            url.fragment == nil
        else { return nil }
        let keys = publicKeysPEM.flatMap { ServiceAccountTokenAuthenticator.pemBlocks($0) }.compactMap(jwk)
        guard !keys.isEmpty else { return nil }
        let port = url.port.map { ":\($0)" } ?? ""
        let algorithms = Set(keys.compactMap { $0["alg"]?.stringValue }).sorted()
        let configuration: JSONValue = [
            "issuer": .string(issuer),
            "jwks_uri": .string("https://\(host)\(port)\(jwksPath)"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": .array(algorithms.map(JSONValue.string)),
        ]
        let jwks: JSONValue = ["keys": .array(keys)]
        return (configuration.serialized(), jwks.serialized())
    }

    /// One public key (PEM) as a JWK in the apiserver's form: `use: sig`, `kid` the
    /// unpadded base64url SHA-256 of its PKIX DER (so a token's `kid` header names it),
    /// `alg` RS256 for RSA and ES256/ES384/ES512 by curve.
    static func jwk(_ pem: String) -> JSONValue? {
        if let key = try? Insecure.RSA.PublicKey(pem: pem), let primitives = try? key.getKeyPrimitives() {
            return [
                "use": "sig", "kty": "RSA", "kid": .string(keyID(der: [UInt8](key.derRepresentation))),
                "alg": "RS256", "n": .string(base64URL([UInt8](primitives.modulus))),
                "e": .string(base64URL([UInt8](primitives.publicExponent))),
            ]
        }
        func ec(_ curve: String, _ alg: String, _ der: Data, _ parameters: ECDSAParameters?) -> JSONValue? {
            guard let parameters else { return nil }
            return [
                "use": "sig", "kty": "EC", "kid": .string(keyID(der: [UInt8](der))), "crv": .string(curve),
                "alg": .string(alg), "x": .string(parameters.x), "y": .string(parameters.y),
            ]
        }
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            return ec("P-256", "ES256", key.derRepresentation, try? ES256PublicKey(pem: pem).parameters)
        }
        if let key = try? P384.Signing.PublicKey(pemRepresentation: pem) {
            return ec("P-384", "ES384", key.derRepresentation, try? ES384PublicKey(pem: pem).parameters)
        }
        if let key = try? P521.Signing.PublicKey(pemRepresentation: pem) {
            return ec("P-521", "ES512", key.derRepresentation, try? ES512PublicKey(pem: pem).parameters)
        }
        return nil
    }

    /// kube-apiserver's `keyIDFromPublicKey`.
    static func keyID(der: [UInt8]) -> String { base64URL(Array(SHA256.hash(data: der))) }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}

/// The served issuer documents (standalone: built from the flags at start; an edge: the
/// cloud's, mirrored). Returns the body for one of the two paths, nil for 404.
public typealias IssuerDocumentSource = @Sendable (_ path: String) async -> [UInt8]?

/// A remote issuer's keys as last known: its JWKS and the `issuer` of its OpenID
/// configuration (nil when that document is not known).
public struct IssuerKeySet: Sendable, Equatable {
    public var issuer: String?
    public var jwks: [UInt8]

    public init(issuer: String?, jwks: [UInt8]) {
        self.issuer = issuer
        self.jwks = jwks
    }

    /// From the two documents' bodies; nil without a JWKS.
    public init?(configuration: [UInt8]?, jwks: [UInt8]?) {
        guard let jwks else { return nil }
        let issuer = configuration.flatMap { try? JSONValue(parsing: $0) }?["issuer"]?.stringValue
        self.init(issuer: issuer, jwks: jwks)
    }
}

/// Where the ServiceAccount authenticator finds an upstream issuer's keys (an edge: the
/// cloud's, mirrored into its log so that they verify offline and after a restart).
public protocol ServiceAccountIssuerKeys: Sendable {
    /// The keys held (or fetched now when none are and the link is up). `refresh`: a
    /// token did not verify with the held keys (a key the cloud added since): re-read
    /// them when the link is up (the source limits how often).
    func keySet(refresh: Bool) async -> IssuerKeySet?
}

/// The parsed form of the last JWKS seen (parsing once per key set, not per request).
final class IssuerKeyCache: Sendable {
    private let parsed = Mutex<(jwks: [UInt8], keys: JWTKeyCollection)?>(nil)

    /// The key collection of `set`, nil when its JWKS holds no usable key.
    func keys(for set: IssuerKeySet) async -> JWTKeyCollection? {
        if let hit = parsed.withLock({ $0 }), hit.jwks == set.jwks { return hit.keys }
        let keys = JWTKeyCollection()
        guard let json = try? JSONValue(parsing: set.jwks), let list = json["keys"]?.arrayValue else { return nil }
        var count = 0
        for (index, entry) in list.enumerated() {
            // One key at a time: a key of an unsupported type must not hide the others.
            var key = entry
            if key["kid"] == nil, var object = key.objectValue {
                object["kid"] = .string("upstream-\(index)")
                key = .object(object)
            }
            let wrapped: JSONValue = ["keys": .array([key])]
            let text = String(decoding: wrapped.serialized(), as: UTF8.self)
            if (try? await keys.add(jwksJSON: text)) != nil { count += 1 }
        }
        guard count > 0 else { return nil }
        parsed.withLock { $0 = (set.jwks, keys) }
        return keys
    }
}
