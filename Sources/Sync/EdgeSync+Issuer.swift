import Foundation
import Synchronization

/// The cloud's ServiceAccount issuer, mirrored: its OpenID configuration
/// (`/.well-known/openid-configuration`, which names the issuer) and its keys
/// (`/openid/v1/jwks`) are kept by the discovery mirror — persisted in the log's meta
/// table, so tokens the cloud issued verify offline and after a restart while offline —
/// fetched at the first full refresh after the link comes up, and re-read (with
/// `If-None-Match`) at every full refresh, or at once when a token does not verify with
/// the keys held (a key the cloud added), at most every ``issuerRefreshInterval``.
extension EdgeSync {
    static let issuerConfigurationPath = "/.well-known/openid-configuration"
    static let issuerKeysPath = "/openid/v1/jwks"
    /// How often an unverifiable token may make the edge re-read the cloud's keys.
    static let issuerRefreshInterval: Duration = .seconds(10)

    /// The mirrored OpenID configuration and JWKS bodies (fetched now when not held and
    /// online). `refresh`: re-read both first, when online and not done within
    /// ``issuerRefreshInterval``.
    public func serviceAccountIssuer(refresh: Bool) async -> (configuration: [UInt8]?, jwks: [UInt8]?) {
        let paths = [Self.issuerConfigurationPath, Self.issuerKeysPath]
        if refresh, isOnline, issuerRefreshes.admit(now: .now, interval: Self.issuerRefreshInterval) {
            do { try await discovery.refresh(keys: paths) } catch {
                logger.info("service account issuer keys not re-read", metadata: ["error": "\(error)"])
            }
        }
        var bodies: [[UInt8]?] = []
        for path in paths {
            if case .document(let d) = await discovery.lookup(path: path, aggregatedVersion: nil, online: isOnline) {
                bodies.append(d.body)
            } else {
                bodies.append(nil)
            }
        }
        return (bodies[0], bodies[1])
    }

    /// The mirrored document at one of the two issuer paths (nil: 404 or not known).
    public func serviceAccountIssuerDocument(path: String) async -> [UInt8]? {
        guard path == Self.issuerConfigurationPath || path == Self.issuerKeysPath else { return nil }
        if case .document(let d) = await discovery.lookup(path: path, aggregatedVersion: nil, online: isOnline) {
            return d.body
        }
        return nil
    }

    /// Part of the full refresh: the issuer documents not held yet are fetched (a cloud
    /// that does not serve them answers 404, which is remembered for a while). Held ones
    /// are re-read by the refresh itself.
    func mirrorIssuerIfMissing() async {
        for path in [Self.issuerConfigurationPath, Self.issuerKeysPath]
        where discovery.document(path: path, aggregatedVersion: nil) == nil {
            _ = await discovery.lookup(path: path, aggregatedVersion: nil, online: isOnline)
        }
    }
}

/// Rate limit of the on-demand issuer key refresh.
final class IssuerRefreshLimit: Sendable {
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    func admit(now: ContinuousClock.Instant, interval: Duration) -> Bool {
        last.withLock { last in
            if let previous = last, now - previous < interval { return false }
            last = now
            return true
        }
    }
}
