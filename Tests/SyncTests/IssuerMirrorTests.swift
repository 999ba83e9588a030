import Foundation
import KubeModel
import Testing

@testable import Sync

/// The cloud's ServiceAccount issuer documents at an edge (`EdgeSync+Issuer.swift`):
/// fetched on demand, re-read conditionally, persisted for a restart while offline.
@Suite("Edge issuer key mirror")
struct IssuerMirrorTests {
    static let configuration = Array(
        #"{"issuer":"https://cloud.example","jwks_uri":"https://cloud.example/openid/v1/jwks"}"#.utf8)
    static let keys1 = Array(#"{"keys":[{"kid":"k1","kty":"EC"}]}"#.utf8)
    static let keys2 = Array(#"{"keys":[{"kid":"k2","kty":"EC"}]}"#.utf8)

    @Test(
        "fetched when first asked, re-read with If-None-Match (304), a changed JWKS replaces the held one, kept across a restart offline"
    )
    func mirror() async throws {
        let cloud = try await Cloud(documents: [
            EdgeSync.issuerConfigurationPath: Self.configuration, EdgeSync.issuerKeysPath: Self.keys1,
        ])
        let dir = try TempDir("ake-edge")
        let edge = try await Edge(
            directory: dir.path, upstream: cloud.server.url,
            options: .init(
                probeInterval: .milliseconds(200), discoveryInterval: .seconds(3600), followAPIChanges: false))
        try await edge.eventually("link online") { edge.sync.isOnline }
        // The first full refresh mirrors them; asking returns them either way.
        let first = await edge.sync.serviceAccountIssuer(refresh: false)
        #expect(first.configuration == Self.configuration)
        #expect(first.jwks == Self.keys1)

        // Unchanged upstream: the re-read is conditional (measured once the start-up full
        // refresh, which also re-reads what is held, is over).
        try await edge.eventually("the first full discovery refresh") { edge.sync.discoveryRequests.rounds > 0 }
        let before = cloud.server.served.answers.withLock { $0 }
        let again = await edge.sync.serviceAccountIssuer(refresh: true)
        #expect(again.jwks == Self.keys1)
        let after = cloud.server.served.answers.withLock { $0 }
        #expect(after[304, default: 0] == before[304, default: 0] + 2)
        #expect(after[200, default: 0] == before[200, default: 0])

        // The cloud adds a key: the next full refresh (or an admitted on-demand one) brings it.
        cloud.server.served.documents.withLock { $0[EdgeSync.issuerKeysPath] = Self.keys2 }
        try await edge.sync.discovery.refresh()
        #expect(await edge.sync.serviceAccountIssuer(refresh: false).jwks == Self.keys2)
        #expect(await edge.sync.serviceAccountIssuerDocument(path: EdgeSync.issuerKeysPath) == Self.keys2)
        #expect(await edge.sync.serviceAccountIssuerDocument(path: "/openid/v1/other") == nil)
        await edge.stop()
        await cloud.stop()

        // Restarted with the cloud gone: the persisted documents answer.
        let offline = try await Edge(directory: dir.path, upstream: "http://127.0.0.1:1")
        defer { _ = dir }
        let held = await offline.sync.serviceAccountIssuer(refresh: true)
        #expect(held.configuration == Self.configuration)
        #expect(held.jwks == Self.keys2)
        await offline.stop()
    }

    @Test("the on-demand re-read is admitted at most once per interval")
    func rateLimit() {
        let limit = IssuerRefreshLimit()
        let t0 = ContinuousClock.now
        #expect(limit.admit(now: t0, interval: .seconds(10)))
        #expect(!limit.admit(now: t0 + .seconds(9), interval: .seconds(10)))
        #expect(limit.admit(now: t0 + .seconds(11), interval: .seconds(10)))
    }
}
