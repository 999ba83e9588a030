import Endpoint
import Logging
import NIOCore
import NIOHTTP1
import Projections
import Synchronization

/// Streams one watch's events straight into its HTTP/1 connection, on the connection's
/// event loop, without a Swift task per watcher: the hub's wake-up schedules the pump on
/// its loop (``WatchLoopQueue``), the pump polls the cursor and writes each frame as an
/// HTTP body part just above NIO's `HTTPResponseEncoder`, then flushes once. A live change
/// to 1,000 watchers costs one job per event loop plus one write and one flush per watcher,
/// and an idle watch is a registered slot and this object (the connection's task only
/// waits for ``done``).
///
/// Ordering on the wire: Hummingbird has written the response head (through the channel's
/// outbound writer, which hands it to the loop) before the body closure starts the pump, and
/// the pump's first run is scheduled on the same loop after it; the body's end is written by
/// the connection's task only once ``done`` has completed, which the pump does on the loop
/// after its last write. So head, frames and end reach the encoder in that order, chunked
/// for HTTP/1.1 (the encoder frames each part), through TLS when the connection has it.
///
/// Back-pressure: the pump writes only while the channel is writable; when it is not, it
/// stops polling and ``WatchChannelHandler`` runs it again once the channel drains. The
/// watcher's small buffer in the hub then fills and the cursor falls back to the log, so
/// the writer never waits for a slow watcher (as with the task-based path).
///
/// Everything but ``stop()`` and the wake-up runs on `eventLoop`, which confines the
/// mutable state (hence `@unchecked Sendable`).
final class WatchPump: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let stopper: WatchStopper
    private var iterator: APIWatchStream.Iterator?
    private var framing: WatchFraming
    private let queue: WatchLoopQueue
    private let logger: Logger
    private let promise: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var channel: (any Channel)?
    private var ended = false
    /// Made once: the cursor keeps it while the watch waits, and a closure per poll would
    /// allocate per event and watcher.
    private var wake: (@Sendable () -> Void)?

    /// Completes (on the loop) after the pump's last write: the watch ended (timeout, stop,
    /// an ERROR event, the client gone, shutdown) and the body's end may be written.
    var done: EventLoopFuture<Void> { promise.futureResult }

    private init(
        stream: APIWatchStream, iterator: APIWatchStream.Iterator, framing: WatchFraming, queue: WatchLoopQueue,
        logger: Logger
    ) {
        self.eventLoop = queue.eventLoop
        self.stopper = stream.stopper
        self.iterator = iterator
        self.framing = framing
        self.queue = queue
        self.logger = logger
        self.promise = queue.eventLoop.makePromise(of: Void.self)
    }

    /// Starts a pump on `channel` (after the response head has been written), or returns
    /// nil when the connection is not one NIO's HTTP/1 encoder serves (the caller streams
    /// through Hummingbird's writer instead). A channel already closed yields a pump that is
    /// already done.
    static func start(
        stream: APIWatchStream, iterator: APIWatchStream.Iterator, framing: WatchFraming, channel: any Channel,
        queue: WatchLoopQueue, logger: Logger
    ) async -> WatchPump? {
        let pump = WatchPump(stream: stream, iterator: iterator, framing: framing, queue: queue, logger: logger)
        let attached = try? await channel.eventLoop.submit { pump.attach(to: channel) }.get()
        return attached == true ? pump : nil
    }

    /// On the loop: adds the handler next to the encoder and sends what there is.
    /// False when the pipeline has no HTTP/1 response encoder.
    private func attach(to channel: any Channel) -> Bool {
        let pipeline = channel.pipeline.syncOperations
        guard let encoder = try? pipeline.context(handlerType: HTTPResponseEncoder.self) else {
            return false
        }
        if ended { return true }  // stopped before it got here
        // A strong reference (a weak one would move the pump's reference counts to a side
        // table and slow every retain on the delivery path); end() breaks the cycle.
        let queue = self.queue
        wake = { queue.schedule(self) }
        guard channel.isActive,
            (try? pipeline.addHandler(WatchChannelHandler(self), position: .after(encoder.handler))) != nil
        else {
            end()
            return true
        }
        // The client may have closed its side before the handler was there to see it.
        if let tracker = try? pipeline.handler(type: InputClosedTracker.self), tracker.inputClosed {
            end()
            return true
        }
        run()
        return true
    }

    /// On the loop, from ``WatchChannelHandler/handlerAdded(context:)``.
    fileprivate func added(_ context: ChannelHandlerContext) {
        self.context = context
        self.channel = context.channel
    }

    /// On the loop: sends events while there are some and the channel takes them.
    func run() {
        guard !ended, let context, let channel, let wake, iterator != nil else { return }
        var wrote = false
        var finished = false
        while channel.isWritable {
            guard let step = iterator?.poll(wake: wake) else { break }
            if case .pending = step { break }
            guard case .event(let event) = step else {
                finished = true
                break
            }
            guard let frame = framing.line(event) else {
                logger.warning(
                    "watch event has no protobuf encoding; ending the watch",
                    metadata: ["type": "\(event.type.rawValue)"])
                finished = true
                break
            }
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(frame))), promise: nil)
            wrote = true
        }
        if wrote { context.flush() }
        if finished { end() }
    }

    /// On the loop: the watch is over; unregisters it and lets the response end.
    func end() {
        guard !ended else { return }
        ended = true
        stopper.stop()
        iterator = nil  // drops the cursor, which unregisters the watcher from the hub
        wake = nil
        channel = nil
        if let context {
            self.context = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        promise.succeed()
    }

    /// From any thread (a graceful shutdown): ends the watch even if the client is not reading.
    func stop() {
        stopper.stop()
        eventLoop.execute { self.end() }
    }
}

/// The pump's ears on the connection: runs it again when the channel becomes writable, ends
/// it when the client closes its side or the connection goes away. Inbound data passes on
/// untouched (a pipelined request waits in Hummingbird's stream until the watch ends).
final class WatchChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let pump: WatchPump

    init(_ pump: WatchPump) { self.pump = pump }

    func handlerAdded(context: ChannelHandlerContext) {
        pump.added(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        if context.channel.isWritable { pump.run() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case ChannelEvent.inputClosed? = event as? ChannelEvent { pump.end() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        context.fireChannelInactive()
        pump.end()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.fireErrorCaught(error)
        pump.end()
    }
}

/// On every HTTP/1 connection: remembers that the client closed its side, for a watch whose
/// ``WatchChannelHandler`` is added after that happened (Hummingbird's own request-body
/// stream has seen the event by then, but a pump does not read it).
final class InputClosedTracker: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private(set) var inputClosed = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent { inputClosed = true }
        context.fireUserInboundEventTriggered(event)
    }
}

/// One event loop's pumps with something to send: a hub batch that wakes 500 watchers on a
/// loop costs one job there, which runs them in turn.
final class WatchLoopQueue: Sendable {
    let eventLoop: any EventLoop
    private let ready = Mutex<[WatchPump]>([])

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    /// From any thread; the job is posted by whoever finds the queue empty.
    func schedule(_ pump: WatchPump) {
        let first = ready.withLock { list -> Bool in
            list.append(pump)
            return list.count == 1
        }
        if first { eventLoop.execute { self.drain() } }
    }

    private func drain() {
        let pumps = ready.withLock { list -> [WatchPump] in
            let taken = list
            list.removeAll(keepingCapacity: true)
            return taken
        }
        for pump in pumps { pump.run() }
    }
}

/// The ``WatchLoopQueue`` of each event loop, made on first use.
final class WatchLoopQueues: Sendable {
    private let queues = Mutex<[ObjectIdentifier: WatchLoopQueue]>([:])

    func queue(for eventLoop: any EventLoop) -> WatchLoopQueue {
        queues.withLock { queues in
            let key = ObjectIdentifier(eventLoop)
            if let queue = queues[key] { return queue }
            let queue = WatchLoopQueue(eventLoop)
            queues[key] = queue
            return queue
        }
    }
}
