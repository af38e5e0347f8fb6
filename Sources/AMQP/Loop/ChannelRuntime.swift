import Synchronization

/// The I/O thread's state of one channel. Lives only on the connection's I/O thread.
final class ChannelRuntime {
    enum State {
        case open
        /// The client sent channel.close and waits for close-ok.
        case closing
        /// The connection is down; the channel is re-opened when it comes back.
        case suspended
    }

    struct PendingRPC {
        var method: ClientMethod
        var completion: (Result<RPCReply, AMQPError>) -> Void
    }

    let id: UInt16
    var state = State.open
    /// Incremented on every (re)open; deliveries remember theirs so stale acks are caught.
    var epoch: UInt64 = 1
    let publisherConfirms: Bool
    /// In tx mode (tx.select): publishes and acks take effect on tx.commit.
    var transactional = false
    /// basic.return of the open transaction (RabbitMQ sends them on commit, before commit-ok).
    var returnedInTransaction: [ReturnedMessage] = []
    var prefetch: (count: UInt16, global: Bool)?
    /// Only the head is in flight: AMQP allows one synchronous method per channel at a time.
    var rpcs: [PendingRPC] = []
    var confirms = ConfirmTracker<PublishCompletion>()
    var consumers: [String: ConsumerRuntime] = [:]
    var assembler = ContentAssembler()
    var acks = AckCoalescer()

    init(id: UInt16, publisherConfirms: Bool) {
        self.id = id
        self.publisherConfirms = publisherConfirms
    }
}

/// What an RPC completes with: a reply method, or for basic.get the message that followed.
enum RPCReply: Sendable {
    case method(ServerMethod)
    case content(ContentAssembler.Completed)
}

typealias PublishCompletion = @Sendable (Result<Void, AMQPError>) -> Void

/// A consumer as the I/O thread knows it: enough to resume it after a reconnect.
final class ConsumerRuntime {
    let tag: String
    let queue: String
    let exclusive: Bool
    let arguments: FieldTable
    let sink: DeliverySink

    init(tag: String, queue: String, exclusive: Bool, arguments: FieldTable, sink: DeliverySink) {
        self.tag = tag
        self.queue = queue
        self.exclusive = exclusive
        self.arguments = arguments
        self.sink = sink
    }
}

/// Where the I/O thread hands a consumer's deliveries, in order, and says once that it ended
/// (nil: cancelled or closed by the client; else why): a ``Consumer``'s stream, or the
/// handlers of ``Channel/consume(queue:tag:exclusive:arguments:onDelivery:onEnd:)``.
struct DeliverySink: Sendable {
    let deliver: @Sendable (Delivery) -> Void
    let end: @Sendable ((any Error)?) -> Void

    /// Handlers; `end` is passed on the first time only (a consumer can be ended by a cancel
    /// and then again by its channel closing).
    init(deliver: @escaping @Sendable (Delivery) -> Void, end: @escaping @Sendable ((any Error)?) -> Void) {
        let ended = Atomic<Bool>(false)
        self.deliver = deliver
        self.end = { error in
            guard !ended.exchange(true, ordering: .relaxed) else { return }
            end(error)
        }
    }

    init(_ continuation: AsyncThrowingStream<Delivery, any Error>.Continuation) {
        deliver = { continuation.yield($0) }
        end = { error in
            if let error { continuation.finish(throwing: error) } else { continuation.finish() }
        }
    }
}

