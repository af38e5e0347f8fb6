import CRabbitMQ
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Owns one librabbitmq connection and runs it on one dedicated thread.
///
/// librabbitmq handles are not thread-safe, so every call on `connection` happens on this
/// loop's thread. Other threads and tasks talk to it only through `submit(_:)`: a job queue
/// behind a mutex plus a wake-up pipe that interrupts the thread's `poll(2)`. Results come
/// back through continuations the jobs capture.
///
/// `@unchecked Sendable`: the properties marked "I/O thread only" are touched exclusively by
/// the loop's thread (all entry points from other threads go through `submit`); `shared` is
/// protected by its mutex; the rest is immutable.
final class ConnectionLoop: @unchecked Sendable {
    typealias Job = @Sendable (ConnectionLoop) -> Void

    struct Shared {
        var jobs: [Job] = []
        var sleeping = false
        var shutdownRequested = false
        var terminated = false
        var connected = false
        /// Channel number → current epoch, so acknowledgements of stale deliveries fail fast.
        var epochs: [UInt16: UInt64] = [:]
        var subscribers: [Int: AsyncStream<ConnectionEvent>.Continuation] = [:]
        var nextSubscriber = 0
    }

    enum State {
        case connected
        case recovering(attempt: Int, due: ContinuousClock.Instant)
        case closed(AMQPError?)
    }

    struct HeldPublish {
        var request: PublishRequest
        var deadline: ContinuousClock.Instant?
    }

    let configuration: ConnectionConfiguration
    let logger: Logger
    let shared = Mutex(Shared())
    let wakeRead: Int32
    let wakeWrite: Int32

    // I/O thread only.
    var connection: amqp_connection_state_t?
    /// The node of ``ConnectionConfiguration/endpoints`` connected to (or last tried).
    var endpointIndex = 0
    var state = State.closed(nil)
    var channels: [UInt16: ChannelRuntime] = [:]
    var topology = TopologyRecord()
    var blockedReason: String?
    var held: [HeldPublish] = []
    let arena = CArena()
    var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    var negotiatedHeartbeat: Int32 = 0
    var socketReadable = true
    var pendingAckChannels: Set<UInt16> = []

    /// Reserved for re-declaring topology during recovery; never handed out to users.
    var recoveryChannel: UInt16 { UInt16(clamping: max(2, configuration.channelMax)) }

    private init(configuration: ConnectionConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "amqp.connection"] = .string(configuration.connectionName ?? configuration.redactedURL)
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe(2) failed: \(errno)")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    /// Connects on a new thread; returns once logged in, or throws the connect error.
    static func start(configuration: ConnectionConfiguration, logger: Logger) async throws -> ConnectionLoop {
        let loop = ConnectionLoop(configuration: configuration, logger: logger)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            do {
                try IOThread.start(name: "amqp-io") { loop.run(started: continuation) }
            } catch {
                loop.closeWakePipe()
                continuation.resume(throwing: error)
            }
        }
        return loop
    }

    // MARK: - Submitting work (any thread)

    /// Queues `job` for the I/O thread. Returns false when the loop has terminated.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        shared.withLock { shared in
            guard !shared.terminated else { return false }
            shared.jobs.append(job)
            if shared.sleeping {
                shared.sleeping = false
                var byte: UInt8 = 1
                _ = write(wakeWrite, &byte, 1)
            }
            return true
        }
    }

    /// Runs `body` on the I/O thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable (ConnectionLoop, @escaping @Sendable (Result<T, AMQPError>) -> Void) -> Void) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit { loop in
                body(loop) { continuation.resume(with: $0.mapError { $0 as any Error }) }
            }
            if !accepted { continuation.resume(throwing: AMQPError(.notConnected, context: "the connection is closed")) }
        }
    }

    func requestShutdown() {
        submit { loop in loop.shutdownRequested() }
    }

    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = submit { loop in
                loop.shutdownWaiters.append(continuation)
                loop.shutdownRequested()
            }
            if !accepted { continuation.resume() }
        }
    }

    func shutdownRequested() {
        shared.withLock { $0.shutdownRequested = true }
    }

    var isConnected: Bool { shared.withLock { $0.connected } }

    func events() -> AsyncStream<ConnectionEvent> {
        let (stream, continuation) = AsyncStream<ConnectionEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id: Int? = shared.withLock { shared in
            guard !shared.terminated else { return nil }
            let id = shared.nextSubscriber
            shared.nextSubscriber += 1
            shared.subscribers[id] = continuation
            return id
        }
        if let id {
            continuation.onTermination = { [weak self] _ in _ = self?.shared.withLock { $0.subscribers.removeValue(forKey: id) } }
        } else {
            continuation.finish()
        }
        return stream
    }

    /// Whether a delivery of `channel` in incarnation `epoch` is from before a reconnect (or
    /// the connection ended); while it is down, nothing is known yet and it counts as fresh.
    func isStale(channel: UInt16, epoch: UInt64) -> Bool {
        shared.withLock { shared in
            shared.terminated || (shared.connected && shared.epochs[channel] != epoch)
        }
    }

    func acknowledge(channel: UInt16, epoch: UInt64, tag: UInt64, kind: Acknowledger.Kind) throws {
        let stale = AMQPError(
            .staleDelivery, channel: channel,
            context: "the delivery's channel was closed or re-opened since; the broker redelivers it")
        let accepted = try shared.withLock { shared -> Bool in
            guard shared.connected, shared.epochs[channel] == epoch, !shared.terminated else { throw stale }
            return true
        }
        guard accepted else { return }
        submit { loop in loop.sendAcknowledgement(channel: channel, epoch: epoch, tag: tag, kind: kind) }
    }

    // MARK: - The thread

    func run(started: CheckedContinuation<Void, any Error>) {
        do {
            try connect()
        } catch {
            started.resume(throwing: error)
            terminate(error: error as? AMQPError)
            return
        }
        state = .connected
        shared.withLock { $0.connected = true }
        started.resume()
        logger.debug("AMQP connection open", metadata: ["amqp.heartbeat": "\(negotiatedHeartbeat)"])

        while true {
            let (jobs, shutdown) = shared.withLock { shared -> ([Job], Bool) in
                defer { shared.jobs.removeAll(keepingCapacity: true) }
                return (shared.jobs, shared.shutdownRequested)
            }
            for job in jobs { job(self) }
            flushAcknowledgements()
            if shutdown {
                terminate(error: nil)
                return
            }
            switch state {
            case .connected:
                if socketReadable || hasBufferedInput {
                    socketReadable = false
                    pump(limit: 1024)
                }
                guard case .connected = state, let connection else { continue }
                expireHeldPublishes()
                if hasBufferedInput { continue }  // the pump stopped at its limit
                socketReadable = sleep(socket: amqp_get_sockfd(connection), timeoutMilliseconds: pollTimeout())
            case .recovering(let attempt, let due):
                let now = ContinuousClock.now
                if now >= due {
                    recover(attempt: attempt)
                } else {
                    _ = sleep(socket: -1, timeoutMilliseconds: milliseconds(until: due))
                }
            case .closed:
                _ = sleep(socket: -1, timeoutMilliseconds: 1000)
            }
        }
    }

    func milliseconds(until instant: ContinuousClock.Instant) -> Int32 {
        let remaining = ContinuousClock.now.duration(to: instant)
        let ms = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(1, ms))
    }

    func pollTimeout() -> Int32 {
        var timeout: Int32 = negotiatedHeartbeat > 0 ? min(1000, negotiatedHeartbeat * 500) : 1000
        for hold in held {
            if let deadline = hold.deadline { timeout = min(timeout, milliseconds(until: deadline)) }
        }
        return timeout
    }

    /// True when librabbitmq holds input it has read but not yet handed out.
    var hasBufferedInput: Bool {
        guard let connection else { return false }
        return amqp_frames_enqueued(connection) != 0 || amqp_data_in_buffer(connection) != 0
    }

    /// Blocks in poll(2) on the socket and the wake-up pipe unless jobs are waiting. Returns
    /// whether the socket should be read: it is readable, failed, or the timeout passed (so
    /// librabbitmq gets to send and check heartbeats).
    func sleep(socket: Int32, timeoutMilliseconds: Int32) -> Bool {
        let mayBlock = shared.withLock { shared -> Bool in
            guard shared.jobs.isEmpty, !shared.shutdownRequested else { return false }
            shared.sleeping = true
            return true
        }
        var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        guard mayBlock else {
            // Jobs are waiting: just look whether input arrived meanwhile.
            return socket >= 0 && poll(&fds, 1, 0) > 0
        }
        let ready = socket >= 0 ? poll(&fds, 2, timeoutMilliseconds) : poll(&fds[1], 1, timeoutMilliseconds)
        shared.withLock { $0.sleeping = false }
        if fds[1].revents != 0 || (socket < 0 && fds[0].revents != 0) {
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(wakeRead, &buffer, buffer.count) > 0 {}
        }
        return ready == 0 || (socket >= 0 && fds[0].revents != 0)
    }

    /// Reads and dispatches the frames that are available without blocking.
    func pump(limit: Int) {
        var frame = amqp_frame_t()
        var zero = timeval(tv_sec: 0, tv_usec: 0)
        for _ in 0..<limit {
            guard case .connected = state, let connection else { return }
            let status = amqp_simple_wait_frame_noblock(connection, &frame, &zero)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return }
            guard status == AMQP_STATUS_OK.rawValue else {
                connectionLost(Self.libraryError(status, context: "reading from the broker"))
                return
            }
            dispatch(frame)
            if let connection = self.connection { amqp_maybe_release_buffers_on_channel(connection, frame.channel) }
        }
    }

    // MARK: - Incoming frames

    func dispatch(_ frame: amqp_frame_t) {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            let method = ServerMethod(frame.payload.method)
            if frame.channel == 0 {
                handleConnectionMethod(method, id: frame.payload.method.id)
            } else if let channel = channels[frame.channel] {
                handle(method, id: frame.payload.method.id, on: channel)
            }
        case AMQP_FRAME_HEADER:
            guard let channel = channels[frame.channel] else { return }
            var truncated = false
            let properties = frame.payload.properties.decoded.map {
                BasicProperties($0.load(as: amqp_basic_properties_t.self), truncated: &truncated)
            } ?? BasicProperties(deliveryMode: nil)
            do {
                if let completed = try channel.assembler.header(properties, bodySize: frame.payload.properties.body_size, headersTruncated: truncated) {
                    handle(completed, on: channel)
                }
            } catch {
                connectionLost(AMQPError(.protocolError, channel: channel.id, context: "unexpected content header"))
            }
        case AMQP_FRAME_BODY:
            guard let channel = channels[frame.channel] else { return }
            do {
                if let completed = try channel.assembler.body(frame.payload.body_fragment.rawBuffer) {
                    handle(completed, on: channel)
                }
            } catch {
                connectionLost(AMQPError(.protocolError, channel: channel.id, context: "unexpected content body"))
            }
        default:
            return
        }
    }

    func handleConnectionMethod(_ method: ServerMethod, id: UInt32) {
        switch method {
        case .connectionClose(let code, let text, let classID, let methodID):
            if let connection { _ = ClientMethod.connectionCloseOK.send(connection, channel: 0, arena: arena) }
            connectionLost(AMQPError(
                .connectionClosedByServer, replyCode: code, replyText: text,
                method: classID == 0 ? nil : Method.name(classID: classID, methodID: methodID)))
        case .connectionBlocked(let reason):
            blockedReason = reason
            logger.warning("broker blocked publishing", metadata: ["amqp.blocked.reason": "\(reason)"])
            emit(.blocked(reason: reason))
        case .connectionUnblocked:
            blockedReason = nil
            logger.info("broker unblocked publishing")
            emit(.unblocked)
            let released = held
            held.removeAll()
            for hold in released { publish(hold.request) }
        default:
            logger.debug("ignored connection method", metadata: ["amqp.method": "\(Method.name(id))"])
        }
    }

    func handle(_ method: ServerMethod, id: UInt32, on channel: ChannelRuntime) {
        switch method {
        case .channelClose(let code, let text, let classID, let methodID):
            if let connection { _ = ClientMethod.channelCloseOK.send(connection, channel: channel.id, arena: arena) }
            let error = AMQPError(
                .channelClosedByServer, replyCode: code, replyText: text,
                method: classID == 0 ? nil : Method.name(classID: classID, methodID: methodID), channel: channel.id)
            logger.warning("broker closed channel", metadata: ["amqp.channel": "\(channel.id)", "amqp.error": "\(error)"])
            remove(channel, failure: error)
            return
        case .channelFlow(let active):
            if let connection { _ = ClientMethod.channelFlowOK(active: active).send(connection, channel: channel.id, arena: arena) }
            return
        default:
            break
        }
        if case .announcement = method {} else {
            guard channel.state != .closing || id == Method.channelCloseOK else { return }
        }
        switch method {
        case .announcement(let announcement):
            do {
                try channel.assembler.announce(announcement)
            } catch {
                connectionLost(AMQPError(.protocolError, channel: channel.id, context: "content announced during content"))
            }
        case .ack(let tag, let multiple), .nack(let tag, let multiple):
            let acked: Bool
            if case .ack = method { acked = true } else { acked = false }
            for (completion, outcome) in channel.confirms.resolve(tag: tag, multiple: multiple, acked: acked) {
                switch outcome {
                case .confirmed:
                    completion(.success(()))
                case .nacked:
                    completion(.failure(AMQPError(
                        .publishNacked, channel: channel.id,
                        context: "the broker refused the message (e.g. queue full with overflow reject-publish)")))
                case .returned(let returned):
                    completion(.failure(AMQPError(
                        .messageReturned, replyCode: returned.replyCode, replyText: returned.replyText,
                        channel: channel.id,
                        context: "unroutable: exchange '\(returned.exchange)' routing key '\(returned.routingKey)'")))
                }
            }
        case .cancel(let tag):
            if let consumer = channel.consumers.removeValue(forKey: tag) {
                logger.warning("broker cancelled consumer", metadata: ["amqp.consumer": "\(tag)", "amqp.queue": "\(consumer.queue)"])
                consumer.sink.end(AMQPError(
                    .consumerCancelled, channel: channel.id,
                    context: "the broker cancelled the consumer of queue '\(consumer.queue)' (deleted or unavailable)"))
            }
        default:
            completeRPC(on: channel, id: id, reply: .method(method))
        }
    }

    func handle(_ completed: ContentAssembler.Completed, on channel: ChannelRuntime) {
        switch completed.announcement {
        case .deliver(let consumerTag, let deliveryTag, let redelivered, let exchange, let routingKey):
            let delivery = Delivery(
                message: completed.message, deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange,
                routingKey: routingKey, consumerTag: consumerTag, omittedBodyBytes: completed.omittedBodyBytes,
                headersTruncated: completed.headersTruncated,
                acknowledger: Acknowledger(loop: self, channel: channel.id, epoch: channel.epoch))
            if let consumer = channel.consumers[consumerTag] {
                channel.acks.delivered(deliveryTag)
                consumer.sink.deliver(delivery)
            } else {
                // A delivery racing a cancel: hand it back rather than hold it unacknowledged.
                if let connection { _ = amqp_basic_reject(connection, channel.id, deliveryTag, 1) }
            }
        case .returned(let replyCode, let replyText, let exchange, let routingKey):
            let returned = ReturnedMessage(
                replyCode: replyCode, replyText: replyText, exchange: exchange, routingKey: routingKey,
                message: completed.message)
            if channel.transactional {
                channel.returnedInTransaction.append(returned)
            } else if !channel.confirms.markReturned(returned) {
                logger.warning("returned message matched no pending publish", metadata: [
                    "amqp.channel": "\(channel.id)", "amqp.reply": "\(replyCode) \(replyText)",
                ])
            }
        case .getOK(let deliveryTag, _, _, _, _):
            if case .basicGet(_, let noAck)? = channel.rpcs.first?.method, !noAck { channel.acks.delivered(deliveryTag) }
            completeRPC(on: channel, id: Method.basicGetOK, reply: .content(completed))
        }
    }

    func completeRPC(on channel: ChannelRuntime, id: UInt32, reply: RPCReply) {
        guard let head = channel.rpcs.first, head.method.replies.contains(id) else {
            logger.debug("unexpected method", metadata: ["amqp.channel": "\(channel.id)", "amqp.method": "\(Method.name(id))"])
            return
        }
        if id == Method.basicGetOK, case .method = reply { return }  // wait for the content
        channel.rpcs.removeFirst()
        head.completion(.success(reply))
        if id == Method.channelCloseOK {
            remove(channel, failure: AMQPError(.channelClosed, channel: channel.id, context: "the channel was closed"))
            return
        }
        sendNextRPC(on: channel)
    }

    // MARK: - Outgoing

    func enqueueRPC(on channelID: UInt16, _ method: ClientMethod, completion: @escaping (Result<RPCReply, AMQPError>) -> Void) {
        guard case .connected = state else {
            completion(.failure(AMQPError(.notConnected, method: Method.name(method.id), channel: channelID, context: "the connection is down")))
            return
        }
        guard let channel = channels[channelID], channel.state == .open || (channel.state == .closing && method.id == Method.channelClose) else {
            completion(.failure(AMQPError(.channelClosed, method: Method.name(method.id), channel: channelID, context: "the channel is closed")))
            return
        }
        channel.rpcs.append(.init(method: method, completion: completion))
        if channel.rpcs.count == 1 { sendNextRPC(on: channel) }
    }

    func sendNextRPC(on channel: ChannelRuntime) {
        guard let head = channel.rpcs.first, let connection else { return }
        let status = head.method.send(connection, channel: channel.id, arena: arena)
        if status != AMQP_STATUS_OK.rawValue {
            connectionLost(Self.libraryError(status, context: "sending \(Method.name(head.method.id))"))
        }
    }

    /// A topology or basic RPC from a `Channel`; successful topology methods are recorded
    /// for recovery.
    func call(_ method: ClientMethod, on channelID: UInt16) async throws -> RPCReply {
        try await perform { loop, done in
            loop.enqueueRPC(on: channelID, method) { result in
                if case .success = result { loop.topology.record(method) }
                done(result)
            }
        }
    }

    func openChannel(publisherConfirms: Bool) async throws -> UInt16 {
        try await perform { loop, done in
            guard case .connected = loop.state else {
                done(.failure(AMQPError(.notConnected, context: "the connection is down")))
                return
            }
            guard let id = (1..<loop.recoveryChannel).first(where: { loop.channels[$0] == nil }) else {
                done(.failure(AMQPError(.invalidConfiguration, context: "all \(loop.configuration.channelMax) channels are in use")))
                return
            }
            let channel = ChannelRuntime(id: id, publisherConfirms: publisherConfirms)
            loop.channels[id] = channel
            loop.enqueueRPC(on: id, .channelOpen) { result in
                guard case .success = result else { return done(result.map { _ in id }) }
                guard publisherConfirms else {
                    loop.publishEpoch(of: channel)
                    return done(.success(id))
                }
                loop.enqueueRPC(on: id, .confirmSelect) { result in
                    if case .success = result { loop.publishEpoch(of: channel) }
                    done(result.map { _ in id })
                }
            }
        }
    }

    func closeChannel(_ id: UInt16) async throws {
        _ = try await perform { (loop, done: @escaping @Sendable (Result<RPCReply, AMQPError>) -> Void) in
            guard let channel = loop.channels[id], channel.state == .open else { return done(.success(.method(.ok(0)))) }
            channel.state = .closing
            // channel.close goes out now, not behind the RPCs in flight: a closing channel
            // discards every reply but close-ok, so an RPC queued ahead (say a basic.cancel
            // whose cancel-ok had not arrived yet) would never complete and the close would
            // wait forever behind it.
            let overtaken = channel.rpcs
            channel.rpcs.removeAll()
            for rpc in overtaken {
                rpc.completion(.failure(AMQPError(
                    .channelClosed, method: Method.name(rpc.method.id), channel: id,
                    context: "the channel was closed by this client before the reply")))
            }
            loop.enqueueRPC(on: id, .channelClose, completion: done)
        }
    }

    func setPrefetch(_ count: UInt16, global: Bool, on channelID: UInt16) async throws {
        _ = try await perform { (loop, done: @escaping @Sendable (Result<RPCReply, AMQPError>) -> Void) in
            loop.enqueueRPC(on: channelID, .basicQos(prefetchCount: count, global: global)) { result in
                if case .success = result { loop.channels[channelID]?.prefetch = (count, global) }
                done(result)
            }
        }
    }

    func setMaximumBodyBytes(_ bytes: UInt64, on channelID: UInt16) async throws {
        let _: Void = try await perform { loop, done in
            guard let channel = loop.channels[channelID] else {
                return done(.failure(AMQPError(.channelClosed, channel: channelID, context: "the channel is closed")))
            }
            channel.assembler.maximumBodyBytes = bytes
            done(.success(()))
        }
    }

    func consume(
        queue: String, tag: String, exclusive: Bool, arguments: FieldTable, on channelID: UInt16,
        sink: DeliverySink
    ) async throws {
        _ = try await perform { (loop, done: @escaping @Sendable (Result<RPCReply, AMQPError>) -> Void) in
            guard let channel = loop.channels[channelID] else {
                return done(.failure(AMQPError(.channelClosed, channel: channelID, context: "the channel is closed")))
            }
            let consumer = ConsumerRuntime(tag: tag, queue: queue, exclusive: exclusive, arguments: arguments, sink: sink)
            channel.consumers[tag] = consumer
            loop.enqueueRPC(on: channelID, .basicConsume(queue: queue, consumerTag: tag, exclusive: exclusive, arguments: arguments)) { result in
                if case .failure = result { channel.consumers.removeValue(forKey: tag) }
                done(result)
            }
        }
    }

    func cancel(consumerTag: String, on channelID: UInt16) async throws {
        _ = try await perform { (loop, done: @escaping @Sendable (Result<RPCReply, AMQPError>) -> Void) in
            guard let channel = loop.channels[channelID], let consumer = channel.consumers[consumerTag] else {
                return done(.success(.method(.ok(0))))
            }
            loop.enqueueRPC(on: channelID, .basicCancel(consumerTag: consumerTag)) { result in
                channel.consumers.removeValue(forKey: consumerTag)
                consumer.sink.end(nil)
                done(result)
            }
        }
    }

    func publishEpoch(of channel: ChannelRuntime) {
        shared.withLock { $0.epochs[channel.id] = channel.epoch }
    }

    func sendAcknowledgement(channel channelID: UInt16, epoch: UInt64, tag: UInt64, kind: Acknowledger.Kind) {
        guard case .connected = state, let connection, let channel = channels[channelID], channel.epoch == epoch,
            channel.state == .open
        else { return }
        let status: Int32
        switch kind {
        case .ack(multiple: false):
            channel.acks.ack(tag)  // sent, possibly merged with others, by flushAcknowledgements()
            pendingAckChannels.insert(channelID)
            return
        case .ack(multiple: true):
            status = amqp_basic_ack(connection, channelID, tag, 1)
        case .nack(let multiple, let requeue):
            status = amqp_basic_nack(connection, channelID, tag, multiple ? 1 : 0, requeue ? 1 : 0)
        case .reject(let requeue):
            status = amqp_basic_reject(connection, channelID, tag, requeue ? 1 : 0)
        }
        if case .ack = kind { channel.acks.settle(tag, multiple: true) } else {
            if case .nack(true, _) = kind { channel.acks.settle(tag, multiple: true) } else { channel.acks.settle(tag, multiple: false) }
        }
        if status != AMQP_STATUS_OK.rawValue {
            connectionLost(Self.libraryError(status, context: "sending an acknowledgement"))
        }
    }

    /// Sends the single acks queued since the last call, merged into `multiple` acks where the
    /// application acknowledged a whole prefix (one frame instead of many).
    func flushAcknowledgements() {
        guard !pendingAckChannels.isEmpty else { return }
        let ids = pendingAckChannels
        pendingAckChannels.removeAll(keepingCapacity: true)
        for id in ids {
            guard case .connected = state, let connection, let channel = channels[id], channel.state == .open else { continue }
            guard sendAcknowledgements(of: channel, on: connection) else { return }
        }
    }

    /// Sends the acks `channel.acks` holds, merged where it can. Returns false when the write
    /// failed (the connection is then lost).
    func sendAcknowledgements(of channel: ChannelRuntime, on connection: amqp_connection_state_t) -> Bool {
        let (multipleUpTo, singles) = channel.acks.flush()
        var status = AMQP_STATUS_OK.rawValue
        if let tag = multipleUpTo { status = amqp_basic_ack(connection, channel.id, tag, 1) }
        for tag in singles where status == AMQP_STATUS_OK.rawValue { status = amqp_basic_ack(connection, channel.id, tag, 0) }
        guard status == AMQP_STATUS_OK.rawValue else {
            connectionLost(Self.libraryError(status, context: "sending acknowledgements"))
            return false
        }
        return true
    }

    /// Publishes on the I/O thread. The completion runs when the broker confirmed (on a
    /// confirm channel) or once written (otherwise).
    func publish(_ request: PublishRequest) {
        guard case .connected = state, let connection else {
            request.completion(.failure(AMQPError(.notConnected, channel: request.channel, context: "the connection is down; the message was not sent")))
            return
        }
        guard let channel = channels[request.channel], channel.state == .open else {
            request.completion(.failure(AMQPError(.channelClosed, channel: request.channel, context: "the channel is closed; the message was not sent")))
            return
        }
        if blockedReason != nil {
            let deadline = configuration.blockedPublishTimeout.map { ContinuousClock.now.advanced(by: $0) }
            held.append(HeldPublish(request: request, deadline: deadline))
            return
        }
        if channel.publisherConfirms {
            _ = channel.confirms.register(.init(
                token: request.completion, mandatory: request.mandatory, exchange: request.exchange,
                routingKey: request.routingKey, body: request.mandatory ? request.message.body : [], returned: nil))
        }
        var properties = request.message.properties.encode(in: arena)
        let exchange = arena.string(request.exchange)
        let routingKey = arena.string(request.routingKey)
        let status = request.message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                connection, channel.id, exchange, routingKey, request.mandatory ? 1 : 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        arena.reset()
        guard status == AMQP_STATUS_OK.rawValue else {
            if !channel.publisherConfirms {
                request.completion(.failure(Self.libraryError(status, context: "publishing")))
            }
            connectionLost(Self.libraryError(status, context: "publishing"))
            return
        }
        if !channel.publisherConfirms { request.completion(.success(())) }
    }

    func expireHeldPublishes() {
        guard !held.isEmpty else { return }
        let now = ContinuousClock.now
        held.removeAll { hold in
            guard let deadline = hold.deadline, deadline <= now else { return false }
            hold.request.completion(.failure(AMQPError(
                .timeout, channel: hold.request.channel,
                context: "the broker blocked publishing (\(blockedReason ?? "resource alarm")); the message was not sent")))
            return true
        }
    }

    // MARK: - Channel and connection teardown

    /// Removes a channel for good, failing everything waiting on it.
    func remove(_ channel: ChannelRuntime, failure: AMQPError) {
        channels.removeValue(forKey: channel.id)
        shared.withLock { _ = $0.epochs.removeValue(forKey: channel.id) }
        let rpcs = channel.rpcs
        channel.rpcs.removeAll()
        for rpc in rpcs { rpc.completion(.failure(failure)) }
        for completion in channel.confirms.failAll() { completion(.failure(failure)) }
        let isClientClose = failure.code == .channelClosed
        for consumer in channel.consumers.values {
            if isClientClose { consumer.sink.end(nil) } else { consumer.sink.end(failure) }
        }
        channel.consumers.removeAll()
        held.removeAll { hold in
            guard hold.request.channel == channel.id else { return false }
            hold.request.completion(.failure(failure))
            return true
        }
    }

    func connectionLost(_ error: AMQPError) {
        guard case .connected = state else { return }
        logger.warning("AMQP connection lost", metadata: ["amqp.error": "\(error)"])
        if let connection {
            amqp_destroy_connection(connection)
            self.connection = nil
        }
        blockedReason = nil
        pendingAckChannels.removeAll()
        shared.withLock { $0.connected = false }
        let unconfirmed = AMQPError(
            .connectionLost, replyCode: error.replyCode, replyText: error.replyText,
            libraryStatus: error.libraryStatus, libraryMessage: error.libraryMessage,
            context: "the connection was lost before the broker confirmed; the message may or may not have been delivered")
        let failed = AMQPError(
            .connectionLost, replyCode: error.replyCode, replyText: error.replyText,
            libraryStatus: error.libraryStatus, libraryMessage: error.libraryMessage, context: "the connection was lost")
        for channel in channels.values {
            let rpcs = channel.rpcs
            channel.rpcs.removeAll()
            for rpc in rpcs { rpc.completion(.failure(failed)) }
            for completion in channel.confirms.failAll() { completion(.failure(unconfirmed)) }
            channel.assembler.reset()
            channel.acks.reset()
            if channel.state == .closing {
                channels.removeValue(forKey: channel.id)
                for consumer in channel.consumers.values { consumer.sink.end(nil) }
            } else {
                channel.state = .suspended
            }
        }
        for hold in held {
            hold.request.completion(.failure(AMQPError(.notConnected, channel: hold.request.channel, context: "the connection was lost; the message was not sent")))
        }
        held.removeAll()
        emit(.disconnected(error))
        if configuration.recovery.enabled {
            state = .recovering(attempt: 1, due: ContinuousClock.now.advanced(by: configuration.recovery.initialBackoff))
        } else {
            giveUp(error)
        }
    }

    func giveUp(_ error: AMQPError) {
        state = .closed(error)
        for channel in channels.values {
            for consumer in channel.consumers.values { consumer.sink.end(error) }
        }
        channels.removeAll()
        shared.withLock { $0.epochs.removeAll() }
        emit(.closed(error))
    }

    func terminate(error: AMQPError?) {
        if case .connected = state, let connection {
            let closing = AMQPError(.channelClosed, context: "the connection was closed by this client before the broker confirmed")
            for channel in channels.values {
                for completion in channel.confirms.failAll() { completion(.failure(closing)) }
                for rpc in channel.rpcs { rpc.completion(.failure(closing)) }
                channel.rpcs.removeAll()
                for consumer in channel.consumers.values { consumer.sink.end(nil) }
            }
            for hold in held { hold.request.completion(.failure(closing)) }
            held.removeAll()
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            amqp_set_rpc_timeout(connection, &timeout)
            _ = amqp_connection_close(connection, Int32(AMQP_REPLY_SUCCESS))
            amqp_destroy_connection(connection)
            self.connection = nil
        } else if let connection {
            amqp_destroy_connection(connection)
            self.connection = nil
        }
        for channel in channels.values {
            for consumer in channel.consumers.values { consumer.sink.end(nil) }
        }
        channels.removeAll()
        state = .closed(error)
        emit(.closed(error))
        let (leftover, subscribers) = shared.withLock { shared -> ([Job], [AsyncStream<ConnectionEvent>.Continuation]) in
            shared.terminated = true
            shared.connected = false
            shared.epochs.removeAll()
            defer {
                shared.jobs.removeAll()
                shared.subscribers.removeAll()
            }
            return (shared.jobs, Array(shared.subscribers.values))
        }
        for job in leftover { job(self) }  // they see `.closed` and fail their callers
        for subscriber in subscribers { subscriber.finish() }
        closeWakePipe()
        for waiter in shutdownWaiters { waiter.resume() }
        shutdownWaiters.removeAll()
    }

    func closeWakePipe() {
        close(wakeRead)
        close(wakeWrite)
    }

    func emit(_ event: ConnectionEvent) {
        shared.withLock { shared in
            for subscriber in shared.subscribers.values { subscriber.yield(event) }
        }
    }
}

/// A publish as the I/O thread handles it.
struct PublishRequest: Sendable {
    var channel: UInt16
    var exchange: String
    var routingKey: String
    var message: Message
    var mandatory: Bool
    var completion: PublishCompletion
}
