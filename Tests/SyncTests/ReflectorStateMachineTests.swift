import Testing

@testable import Sync

private func object(_ name: String, rv: String, namespace: String = "default") -> UpstreamObject {
    UpstreamObject(namespace: namespace, name: name, uid: "uid-\(name)", upstreamRV: rv, bytes: Array("{}".utf8))
}

@Suite("Reflector state machine")
struct ReflectorStateMachineTests {
    @Test("a new scope lists page by page, applies the whole list once, then watches from the list RV")
    func listPagesThenWatch() {
        var m = ReflectorStateMachine()
        #expect(m.start() == .listPage(continueToken: nil))
        let a = object("a", rv: "5")
        let b = object("b", rv: "7")
        #expect(m.listPageReceived([a], continueToken: "tok", upstreamRV: "10") == .listPage(continueToken: "tok"))
        #expect(
            m.listPageReceived([b], continueToken: nil, upstreamRV: "10")
                == .applyList(objects: [a, b], upstreamRV: "10"))
        #expect(m.listApplied(upstreamRV: "10") == .watch(fromUpstreamRV: "10"))
        #expect(m.state == .watching(upstreamRV: "10"))
        #expect(m.relists == 0)
    }

    @Test("a scope synced before a restart resumes its watch from the persisted RV without listing")
    func resumeAfterRestart() {
        var m = ReflectorStateMachine(resumeFrom: "42")
        #expect(m.start() == .watch(fromUpstreamRV: "42"))
        #expect(m.resumes == 1)
    }

    @Test("events are applied and move the resume point; bookmarks only move the resume point")
    func eventsAndBookmarks() {
        var m = ReflectorStateMachine(resumeFrom: "10")
        _ = m.start()
        let c = object("c", rv: "11")
        #expect(m.watchEvent(.added(c), jitter: 0) == .apply(.added(c)))
        #expect(m.lastUpstreamRV == "11")
        #expect(m.watchEvent(.bookmark(upstreamRV: "15"), jitter: 0) == .recordBookmark(upstreamRV: "15"))
        #expect(m.lastUpstreamRV == "15")
        let d = object("c", rv: "16")
        #expect(m.watchEvent(.deleted(d), jitter: 0) == .apply(.deleted(d)))
        #expect(m.lastUpstreamRV == "16")
    }

    @Test("a broken stream backs off and resumes from the last upstream RV, not by relisting")
    func disconnectResumes() {
        var m = ReflectorStateMachine(resumeFrom: "10", initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        _ = m.start()
        _ = m.watchEvent(.modified(object("a", rv: "12")), jitter: 0)
        #expect(
            m.watchEnded(code: nil, clean: false, message: "reset", jitter: 0)
                == .backoff(.milliseconds(100), reason: "reset"))
        #expect(m.state == .backingOff(resumeRV: "12"))
        #expect(m.backoffElapsed() == .watch(fromUpstreamRV: "12"))
        #expect(m.relists == 0)
    }

    @Test("the backoff doubles per consecutive failure, is capped, jittered within [1, 1.5), and resets on success")
    func backoffGrowsAndCaps() {
        var m = ReflectorStateMachine(
            resumeFrom: "1", initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(500))
        _ = m.start()
        var delays: [Duration] = []
        for _ in 0..<5 {
            if case .backoff(let d, _) = m.watchEnded(code: nil, clean: false, message: "x", jitter: 0) {
                delays.append(d)
            }
            _ = m.backoffElapsed()
        }
        #expect(
            delays == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500),
            ])
        if case .backoff(let d, _) = m.watchEnded(code: nil, clean: false, message: "x", jitter: 0.999) {
            #expect(d >= .milliseconds(500) && d < .milliseconds(750))
        } else {
            Issue.record("expected a backoff")
        }
        _ = m.backoffElapsed()
        _ = m.watchEvent(.bookmark(upstreamRV: "2"), jitter: 0)
        #expect(m.failures == 0)
        #expect(
            m.watchEnded(code: nil, clean: false, message: "x", jitter: 0) == .backoff(.milliseconds(100), reason: "x"))
    }

    @Test("a stream the server ends normally (timeoutSeconds) is resumed at once without backoff")
    func cleanEndResumesImmediately() {
        var m = ReflectorStateMachine(resumeFrom: "9")
        _ = m.start()
        #expect(m.watchEnded(code: nil, clean: true, message: "", jitter: 0) == .watch(fromUpstreamRV: "9"))
        #expect(m.failures == 0)
    }

    @Test("410 when resuming (history compacted upstream) relists, and the relist is applied as a diff")
    func expiredResumeRelists() {
        var m = ReflectorStateMachine(resumeFrom: "3")
        _ = m.start()
        #expect(m.watchEnded(code: 410, clean: false, message: "too old", jitter: 0) == .listPage(continueToken: nil))
        #expect(m.relists == 1)
        #expect(
            m.listPageReceived([], continueToken: nil, upstreamRV: "90") == .applyList(objects: [], upstreamRV: "90"))
        #expect(m.listApplied(upstreamRV: "90") == .watch(fromUpstreamRV: "90"))
    }

    @Test("an ERROR event with 410 inside the stream relists too")
    func expiredEventRelists() {
        var m = ReflectorStateMachine(resumeFrom: "3")
        _ = m.start()
        #expect(m.watchEvent(.error(code: 410, message: "gone"), jitter: 0) == .listPage(continueToken: nil))
        #expect(m.relists == 1)
    }

    @Test("an expired continue token restarts the list from the first page; other list errors back off and list again")
    func listErrors() {
        var m = ReflectorStateMachine(initialBackoff: .milliseconds(10))
        _ = m.start()
        _ = m.listPageReceived([object("a", rv: "1")], continueToken: "t", upstreamRV: "5")
        #expect(m.listFailed(code: 410, message: "expired", jitter: 0) == .listPage(continueToken: nil))
        // The first page's objects are not kept: the restarted list must be complete on its own.
        #expect(m.listPageReceived([], continueToken: nil, upstreamRV: "6") == .applyList(objects: [], upstreamRV: "6"))
        var n = ReflectorStateMachine(initialBackoff: .milliseconds(10))
        _ = n.start()
        #expect(
            n.listFailed(code: nil, message: "refused", jitter: 0) == .backoff(.milliseconds(10), reason: "refused"))
        #expect(n.backoffElapsed() == .listPage(continueToken: nil))
        #expect(n.relists == 0)
    }

    @Test("outcomes that do not fit the state are ignored")
    func outOfStateInputs() {
        var m = ReflectorStateMachine()
        #expect(m.watchEvent(.bookmark(upstreamRV: "1"), jitter: 0) == .none)
        #expect(m.backoffElapsed() == .none)
        _ = m.start()
        #expect(m.start() == .none)
        m.stop()
        #expect(m.listPageReceived([], continueToken: nil, upstreamRV: "1") == .none)
    }
}

@Suite("Scope diff")
struct ScopeDiffTests {
    @Test("a relist yields only the objects that changed, appeared or disappeared")
    func onlyRealChanges() {
        let owned: [ObjectKey: String] = [
            ObjectKey(namespace: "d", name: "same"): "1", ObjectKey(namespace: "d", name: "changed"): "2",
            ObjectKey(namespace: "d", name: "gone"): "3",
        ]
        let listed = [
            object("same", rv: "1", namespace: "d"), object("changed", rv: "9", namespace: "d"),
            object("new", rv: "8", namespace: "d"),
        ]
        let diff = ScopeDiff.compute(owned: owned, listed: listed)
        #expect(diff.added.map(\.name) == ["new"])
        #expect(diff.modified.map(\.name) == ["changed"])
        #expect(diff.removed == [ObjectKey(namespace: "d", name: "gone")])
        #expect(diff.unchanged == 1)
    }
}
