import EventLog
import Forensics
import KubeModel
import Testing

@Suite("Event filters")
struct FilterTests {
    let aliases = [
        ResourceAlias(gvr: .init(group: "", version: "v1", resource: "pods"), names: ["Pod", "pod", "po"]),
        ResourceAlias(
            gvr: .init(group: "apps", version: "v1", resource: "deployments"),
            names: ["Deployment", "deployment", "deploy"]),
        ResourceAlias(
            gvr: .init(group: "", version: "v1", resource: "configmaps"), names: ["ConfigMap", "configmap", "cm"]),
    ]

    func event(
        rv: ResourceVersion, time: UInt64 = 1_000_000, type: EventType = .added, key: String = "/v1/pods",
        namespace: String = "default", name: String = "web", origin: EventOrigin = .local(client: "kubectl/v1.30.0")
    ) -> EventRecord {
        EventRecord(rv: rv, time: time, type: type, storageKey: key, namespace: namespace, name: name, origin: origin)
    }

    @Test("resource names resolve the way kubectl users type them")
    func resourcePatterns() {
        let pods = GroupVersionResource(group: "", version: "v1", resource: "pods")
        let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
        let podsV2 = GroupVersionResource(group: "", version: "v2", resource: "pods")
        let crdPods = GroupVersionResource(group: "example.com", version: "v1", resource: "pods")
        for text in ["pods", "po", "pod", "Pod", "/v1/pods"] {
            let p = ResourcePattern(parsing: text, aliases: aliases)
            #expect(p.matches(pods), "\(text)")
            #expect(!p.matches(deployments), "\(text)")
            #expect(!p.matches(crdPods), "\(text) must not select a CRD that reuses the plural")
            #expect(p.known)
        }
        #expect(ResourcePattern(parsing: "pods", aliases: aliases).matches(podsV2))
        #expect(!ResourcePattern(parsing: "/v1/pods", aliases: aliases).matches(podsV2))
        for text in ["deployments.apps", "deploy", "Deployment", "deployments.v1.apps", "apps/v1/deployments"] {
            let p = ResourcePattern(parsing: text, aliases: aliases)
            #expect(p.matches(deployments), "\(text)")
            #expect(!p.matches(pods), "\(text)")
        }
        #expect(!ResourcePattern(parsing: "deployments.v2.apps", aliases: aliases).matches(deployments))
        let crd = ResourcePattern(parsing: "widgets.example.com", aliases: aliases)
        #expect(crd.matches(.init(group: "example.com", version: "v1alpha1", resource: "widgets")))
        #expect(crd.known)
        let unknown = ResourcePattern(parsing: "podz", aliases: aliases)
        #expect(!unknown.known)
        #expect(!unknown.matches(pods))
    }

    @Test("the built-in catalog supplies kinds and short names")
    func builtInAliases() {
        let aliases = ResourcePattern.aliases(from: .builtIn())
        let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments")
        for text in ["deploy", "deployment", "Deployment", "deployments"] {
            #expect(ResourcePattern(parsing: text, aliases: aliases).matches(deployments), "\(text)")
        }
        #expect(
            ResourcePattern(parsing: "cm", aliases: aliases).matches(
                .init(group: "", version: "v1", resource: "configmaps")))
        #expect(
            ResourcePattern(parsing: "svc", aliases: aliases).matches(
                .init(group: "", version: "v1", resource: "services")))
    }

    @Test("origins parse and match; local:<client> is a case-insensitive prefix")
    func origins() throws {
        #expect(try OriginFilter(parsing: "upstream").matches(.upstream(scope: 7)))
        #expect(try OriginFilter(parsing: "upstream:7").matches(.upstream(scope: 7)))
        #expect(try !OriginFilter(parsing: "upstream:8").matches(.upstream(scope: 7)))
        #expect(try OriginFilter(parsing: "local").matches(.local(client: "anything")))
        #expect(try OriginFilter(parsing: "local:kubectl").matches(.local(client: "Kubectl/v1.30.0 (linux/amd64)")))
        #expect(try !OriginFilter(parsing: "local:kubelet").matches(.local(client: "kubectl/v1.30.0")))
        #expect(try !OriginFilter(parsing: "local").matches(.system))
        #expect(try OriginFilter(parsing: "system").matches(.system))
        #expect(try OriginFilter(parsing: "reconciler").matches(.reconciler))
        #expect(throws: ForensicsError.self) { try OriginFilter(parsing: "cloud") }
        #expect(throws: ForensicsError.self) { try OriginFilter(parsing: "upstream:x") }
    }

    @Test("every criterion narrows the selection, and all must hold")
    func criteria() throws {
        var f = EventFilter()
        #expect(f.matches(event(rv: 1)))

        f.resources = [ResourcePattern(parsing: "deploy", aliases: aliases)]
        #expect(!f.matches(event(rv: 1)))
        #expect(f.matches(event(rv: 1, key: "apps/v1/deployments")))

        f = EventFilter()
        f.namespace = "kube-system"
        #expect(!f.matches(event(rv: 1)))
        #expect(f.matches(event(rv: 1, namespace: "kube-system")))

        f = EventFilter()
        f.name = "db"
        #expect(!f.matches(event(rv: 1)))
        #expect(f.matches(event(rv: 1, name: "db")))

        f = EventFilter()
        f.types = [.deleted, .modified]
        #expect(!f.matches(event(rv: 1, type: .added)))
        #expect(f.matches(event(rv: 1, type: .deleted)))

        f = EventFilter()
        f.origins = [try OriginFilter(parsing: "system"), try OriginFilter(parsing: "upstream")]
        #expect(!f.matches(event(rv: 1)))
        #expect(f.matches(event(rv: 1, origin: .system)))
        #expect(f.matches(event(rv: 1, origin: .upstream(scope: 1))))

        f = EventFilter()
        f.sinceRV = 10
        f.untilRV = 20
        #expect(!f.matches(event(rv: 9)))
        #expect(f.matches(event(rv: 10)))
        #expect(f.matches(event(rv: 20)))
        #expect(!f.matches(event(rv: 21)))
        #expect(f.isPastEnd(event(rv: 21)))
        #expect(!f.isPastEnd(event(rv: 15)))

        f = EventFilter()
        f.since = 2_000_000
        f.until = 3_000_000
        #expect(!f.matches(event(rv: 1, time: 1_999_999)))
        #expect(f.matches(event(rv: 1, time: 2_000_000)))
        #expect(!f.matches(event(rv: 1, time: 3_000_001)))
        #expect(f.isPastEnd(event(rv: 1, time: 3_000_001)))

        f = EventFilter()
        f.namespace = "default"
        f.types = [.added]
        #expect(f.matches(event(rv: 1)))
        #expect(!f.matches(event(rv: 1, type: .modified)))
    }

    @Test("event types parse case-insensitively")
    func types() {
        #expect(ForensicNames.eventType("added") == .added)
        #expect(ForensicNames.eventType("MODIFIED") == .modified)
        #expect(ForensicNames.eventType("Deleted") == .deleted)
        #expect(ForensicNames.eventType("BOOKMARK") == nil)
    }
}

@Suite("Times")
struct TimeSpecTests {
    @Test("RFC 3339 timestamps parse to microseconds, with fractions and offsets")
    func rfc3339() throws {
        #expect(TimeSpec.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(TimeSpec.parseRFC3339("2026-11-28T22:01:30Z") == 1_795_903_290_000_000)
        #expect(TimeSpec.parseRFC3339("2026-11-28T22:01:30.5Z") == 1_795_903_290_500_000)
        #expect(TimeSpec.parseRFC3339("2026-11-28T23:01:30.000001+01:00") == 1_795_903_290_000_001)
        #expect(TimeSpec.parseRFC3339("2026-11-28T22:01:30") == nil)
        #expect(TimeSpec.parseRFC3339("2026-13-28T22:01:30Z") == nil)
        #expect(TimeSpec.parseRFC3339("yesterday") == nil)
    }

    @Test("formatting is the inverse of parsing")
    func roundTrip() {
        for t: UInt64 in [0, 1_795_903_290_000_000, 951_782_400_123_456, 4_102_444_799_999_999] {
            #expect(TimeSpec.parseRFC3339(TimeSpec.format(t)) == t)
        }
        #expect(TimeSpec.format(1_795_903_290_500_000) == "2026-11-28T22:01:30.500000Z")
        #expect(TimeSpec.format(1_795_903_290_500_000, fractional: false) == "2026-11-28T22:01:30Z")
    }

    @Test("durations count back from now")
    func durations() throws {
        #expect(TimeSpec.parseDuration("10m") == 600_000_000)
        #expect(TimeSpec.parseDuration("1h30m") == 5_400_000_000)
        #expect(TimeSpec.parseDuration("1.5s") == 1_500_000)
        #expect(TimeSpec.parseDuration("2d") == 172_800_000_000)
        #expect(TimeSpec.parseDuration("250ms") == 250_000)
        #expect(TimeSpec.parseDuration("10") == nil)
        #expect(TimeSpec.parseDuration("10x") == nil)
        #expect(TimeSpec.parseDuration("") == nil)
        #expect(try TimeSpec.parse("10m", now: 1_000_000_000) == 400_000_000)
        #expect(try TimeSpec.parse("1970-01-01T00:00:01Z", now: 5) == 1_000_000)
        #expect(throws: TimeSpec.ParseError.self) { try TimeSpec.parse("soon", now: 0) }
    }
}
