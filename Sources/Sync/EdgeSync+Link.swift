import Logging

// Link health: the probe loop and every upstream answer feed the `LinkMonitor`;
// this performs what it decides (logs, metrics, stopping watches, waking waiters).
extension EdgeSync {
    /// Something upstream answered (a Status error counts: the server answered).
    func linkSucceeded() {
        let now = Self.now()
        let action = state.withLock { $0.link.contactSucceeded(now: now) }
        metrics.contact(at: now)
        perform(action)
    }

    /// Talking upstream failed (the request never got an answer).
    func linkFailed(_ error: String) {
        let now = Self.now()
        perform(state.withLock { $0.link.contactFailed(now: now, error: error) })
    }

    func perform(_ action: LinkMonitor.Action) {
        switch action {
        case .none:
            return
        case .announceOnline(let outage):
            metrics.linkTransition(online: true)
            var metadata: Logger.Metadata = ["upstream": "\(connection.config.server)"]
            if let outage {
                metadata["offlineSince"] = "\(LinkStatus.timestamp(outage.since))"
                metadata["offlineFor"] = "\(LinkStatus.duration(outage.duration))"
                metadata["lastError"] = "\(outage.lastError)"
            }
            logger.notice("upstream link online", metadata: metadata)
            changes.signal()
        case .stopWatches(let reason, let lastContact):
            metrics.linkTransition(online: false)
            logger.warning(
                "upstream link offline; serving from the local log",
                metadata: [
                    "upstream": "\(connection.config.server)", "reason": "\(reason)",
                    "lastContact": "\(lastContact > 0 ? LinkStatus.timestamp(lastContact) : "never")",
                ])
            // The reflectors resume from their last RV once the link is back.
            let (watches, staled) = state.withLock { s in
                (Array(s.watchCancels.values), s.registry.linkWentOffline(reason: reason))
            }
            for cancel in watches { cancel() }
            for scope in staled { metrics.phase(scope.id, scope.selector.resource, .stale) }
            changes.signal()
        }
    }

    /// Just started: lets the first probe decide (bounded by the write timeout) before a
    /// write is refused or kept pending for a link that may well be up.
    func awaitLinkKnown() async {
        guard state.withLock({ $0.link.health.state == .unknown }) else { return }
        _ = await changes.wait(until: .now + min(options.firstSyncTimeout, options.writeTimeout)) {
            state.withLock { $0.link.health.state != .unknown || $0.stopped }
        }
    }

    /// Returns once the link is online (or the edge is stopping).
    func waitOnline() async {
        _ = await changes.wait(until: .now + .seconds(3600)) { state.withLock { $0.link.isOnline || $0.stopped } }
    }

    /// Scope `id`'s watch delivered something (or just opened): the upstream answered.
    func touchWatch(_ id: UInt32) {
        let now = Self.now()
        let action = state.withLock { s in
            s.link.watchActive(id, now: now)
            return s.link.contactSucceeded(now: now)
        }
        metrics.contact(at: now)
        perform(action)
    }

    /// Probes `/version` every `probeInterval` while no open watch proves the link, and
    /// stops watches that went quiet. While an open watch delivers (events, bookmarks),
    /// the link is probed only after `quietProbeInterval` without any answer from
    /// upstream (a watch byte, a write's answer, a list): a silent cut is still noticed
    /// within about that long, and a busy link carries no probes at all.
    func probeLoop() async {
        let quiet = max(options.probeInterval, options.quietProbeInterval)
        let quietSeconds = Self.seconds(quiet)
        while !Task.isCancelled {
            let before = Self.now()
            if state.withLock({ $0.link.probeDue(now: before, quietSeconds: quietSeconds) }) {
                do {
                    let response = try await connection.send(
                        .GET, path: "/version", timeout: .seconds(3), labels: .probe)
                    let now = Self.now()
                    let action = state.withLock { $0.link.probeAnswered(code: response.code, now: now) }
                    if response.code < 500 { metrics.contact(at: now) }
                    perform(action)
                } catch {
                    // Stopping cancels the probe in flight: that says nothing about the link.
                    if Task.isCancelled { return }
                    linkFailed("\(error)")
                }
            }
            // A watch that delivered nothing for too long is on a dead connection.
            let now = Self.now()
            let stale = state.withLock { s in s.link.idleWatches(now: now).compactMap { s.watchCancels[$0] } }
            for cancel in stale { cancel() }
            publishPendingMetrics()  // the oldest pending write's age grows
            sampleTraffic()  // the last minute's rate needs samples even when nobody asks
            let minimum = Self.seconds(options.probeInterval)
            let wait = state.withLock { s -> Double? in
                guard s.link.hasLiveWatch(now: now) && s.link.isOnline else { return nil }
                return s.link.secondsUntilQuietProbe(now: now, quietSeconds: quietSeconds, minimum: minimum)
            }
            if let wait {
                // The watches prove the link. Look again when it will have been quiet for
                // `quiet`, or at once if it drops.
                let until = ContinuousClock.now + .milliseconds(Int64(wait * 1000))
                _ = await changes.wait(until: until) { state.withLock { !$0.link.isOnline || $0.stopped } }
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            try? await Task.sleep(for: options.probeInterval)
        }
    }

    /// A duration in seconds.
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
