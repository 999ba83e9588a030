import Synchronization

/// A counting limit (in-flight requests, open watches): `acquire` fails instead of
/// queueing, so an overloaded server answers 429 at once rather than piling up work.
public final class ConcurrencyLimit: Sendable {
    public let maximum: Int
    private let current = Mutex(0)

    public init(maximum: Int) {
        self.maximum = maximum
    }

    /// Takes a slot; nil when all `maximum` are in use. The slot frees itself when released or deinitialised.
    public func acquire() -> Slot? {
        let ok = current.withLock { n in
            guard n < maximum else { return false }
            n += 1
            return true
        }
        return ok ? Slot(limit: self) : nil
    }

    public var inUse: Int { current.withLock { $0 } }

    fileprivate func release() {
        current.withLock { $0 -= 1 }
    }

    /// One taken slot. Releasing twice is harmless; dropping the last reference releases it,
    /// so a response body that is never written cannot leak a slot.
    public final class Slot: Sendable {
        private let limit: ConcurrencyLimit
        private let released = Mutex(false)
        private let onRelease: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

        fileprivate init(limit: ConcurrencyLimit) {
            self.limit = limit
        }

        /// Runs `action` once when the slot is released.
        public func onRelease(_ action: @escaping @Sendable () -> Void) {
            onRelease.withLock { $0 = action }
        }

        public func release() {
            let first = released.withLock { r in
                defer { r = true }
                return !r
            }
            guard first else { return }
            limit.release()
            onRelease.withLock { $0 }?()
        }

        deinit { release() }
    }
}
