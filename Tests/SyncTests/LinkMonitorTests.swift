import Testing

@testable import Sync

@Suite("Link monitor")
struct LinkMonitorTests {
    @Test("the first contact announces the link without an outage; later contacts announce nothing")
    func firstContact() {
        var monitor = LinkMonitor(watchIdleSeconds: 90)
        #expect(monitor.contactSucceeded(now: 1) == .announceOnline(offline: nil))
        #expect(monitor.contactSucceeded(now: 2) == .none)
        #expect(monitor.isOnline)
    }

    @Test("going offline stops the watches; coming back reports how long the outage lasted and its last error")
    func outage() {
        var monitor = LinkMonitor(watchIdleSeconds: 90)
        _ = monitor.contactSucceeded(now: 10)
        #expect(monitor.contactFailed(now: 11, error: "reset") == .none)
        #expect(monitor.contactFailed(now: 12, error: "refused") == .stopWatches(reason: "refused", lastContact: 10))
        #expect(monitor.contactFailed(now: 13, error: "timeout") == .none)
        #expect(
            monitor.contactSucceeded(now: 20)
                == .announceOnline(offline: .init(since: 12, duration: 8, lastError: "timeout")))
    }

    @Test("a probe answered with 5xx counts as a failure; any other answer as contact")
    func probeAnswers() {
        var monitor = LinkMonitor(watchIdleSeconds: 90)
        #expect(
            monitor.probeAnswered(code: 503, now: 1) == .stopWatches(reason: "/version answered 503", lastContact: 0))
        #expect(
            monitor.probeAnswered(code: 401, now: 2)
                == .announceOnline(offline: .init(since: 1, duration: 1, lastError: "/version answered 503")))
        #expect(monitor.probeAnswered(code: 200, now: 3) == .none)
        #expect(monitor.health.lastContact == 3)
    }

    @Test("an open watch that delivered within the idle timeout proves the link (the probe may be rare)")
    func liveWatch() {
        var monitor = LinkMonitor(watchIdleSeconds: 90)
        #expect(!monitor.hasLiveWatch(now: 0))
        monitor.watchActive(1, now: 10)
        #expect(monitor.hasLiveWatch(now: 100))
        #expect(!monitor.hasLiveWatch(now: 101))
        monitor.watchActive(2, now: 95)
        #expect(monitor.hasLiveWatch(now: 150))
        monitor.watchClosed(2)
        #expect(!monitor.hasLiveWatch(now: 150))
    }

    @Test("the probe: always while no watch proves the link, else only after a quiet spell without any answer")
    func probeOnlyWhenQuiet() {
        var monitor = LinkMonitor(watchIdleSeconds: 90)
        // No watch yet: probe every time.
        #expect(monitor.probeDue(now: 0, quietSeconds: 15))
        _ = monitor.contactSucceeded(now: 0)
        monitor.watchActive(1, now: 0)
        // Watch bytes (touchWatch) are contact: the busy link is never probed.
        for t in stride(from: 5.0, through: 100, by: 5) {
            monitor.watchActive(1, now: t)
            _ = monitor.contactSucceeded(now: t)
            #expect(!monitor.probeDue(now: t + 1, quietSeconds: 15))
        }
        #expect(monitor.secondsUntilQuietProbe(now: 101, quietSeconds: 15, minimum: 1) == 14)
        // 15 s without a byte from upstream: a silent cut may have happened, probe.
        #expect(monitor.probeDue(now: 115, quietSeconds: 15))
        #expect(monitor.secondsUntilQuietProbe(now: 115, quietSeconds: 15, minimum: 1) == 1)
        // Offline: probe every time, whatever the watches said last.
        _ = monitor.contactFailed(now: 116, error: "refused")
        _ = monitor.contactFailed(now: 117, error: "refused")
        #expect(!monitor.isOnline)
        #expect(monitor.probeDue(now: 117, quietSeconds: 15))
    }

    @Test("a watch silent for longer than the idle timeout is reported until it closes")
    func idleWatches() {
        var monitor = LinkMonitor(watchIdleSeconds: 90)
        monitor.watchActive(1, now: 0)
        monitor.watchActive(2, now: 50)
        #expect(monitor.idleWatches(now: 90) == [])
        #expect(monitor.idleWatches(now: 91) == [1])
        monitor.watchActive(1, now: 91)
        #expect(monitor.idleWatches(now: 141) == [2])
        monitor.watchClosed(2)
        #expect(monitor.idleWatches(now: 1000) == [1])
    }
}
