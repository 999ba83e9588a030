import NIOCore

/// Runs a task's jobs on one NIO event loop: a watch's streaming task prefers its
/// connection's loop, so the hub's wake-up lands where the socket lives and each event's
/// write goes straight to the channel (NIO's writer takes its on-loop fast path) instead of
/// a pool thread handing every write over to the loop.
///
/// Only for work that never blocks the loop for long: a watch's consumer does a bounded
/// log read at most (a catch-up step visits ≤ 4,096 events).
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
