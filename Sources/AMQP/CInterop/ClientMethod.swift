import CRabbitMQ

/// A method this client sends, encoded into librabbitmq's structs only at send time.
enum ClientMethod: Sendable {
    case channelOpen
    case channelClose
    case channelCloseOK
    case channelFlowOK(active: Bool)
    case exchangeDeclare(name: String, type: String, passive: Bool, durable: Bool, autoDelete: Bool, isInternal: Bool, arguments: FieldTable)
    case exchangeDelete(name: String, ifUnused: Bool)
    case exchangeBind(destination: String, source: String, routingKey: String, arguments: FieldTable)
    case exchangeUnbind(destination: String, source: String, routingKey: String, arguments: FieldTable)
    case queueDeclare(name: String, passive: Bool, durable: Bool, exclusive: Bool, autoDelete: Bool, arguments: FieldTable)
    case queueBind(queue: String, exchange: String, routingKey: String, arguments: FieldTable)
    case queueUnbind(queue: String, exchange: String, routingKey: String, arguments: FieldTable)
    case queuePurge(name: String)
    case queueDelete(name: String, ifUnused: Bool, ifEmpty: Bool)
    case basicQos(prefetchCount: UInt16, global: Bool)
    case basicConsume(queue: String, consumerTag: String, exclusive: Bool, arguments: FieldTable)
    case basicCancel(consumerTag: String)
    case basicGet(queue: String, noAck: Bool)
    case confirmSelect
    case txSelect
    case txCommit
    case txRollback
    case connectionCloseOK

    var id: UInt32 {
        switch self {
        case .channelOpen: Method.channelOpen
        case .channelClose: Method.channelClose
        case .channelCloseOK: Method.channelCloseOK
        case .channelFlowOK: Method.channelFlowOK
        case .exchangeDeclare: Method.exchangeDeclare
        case .exchangeDelete: Method.exchangeDelete
        case .exchangeBind: Method.exchangeBind
        case .exchangeUnbind: Method.exchangeUnbind
        case .queueDeclare: Method.queueDeclare
        case .queueBind: Method.queueBind
        case .queueUnbind: Method.queueUnbind
        case .queuePurge: Method.queuePurge
        case .queueDelete: Method.queueDelete
        case .basicQos: Method.basicQos
        case .basicConsume: Method.basicConsume
        case .basicCancel: Method.basicCancel
        case .basicGet: Method.basicGet
        case .confirmSelect: Method.confirmSelect
        case .txSelect: Method.txSelect
        case .txCommit: Method.txCommit
        case .txRollback: Method.txRollback
        case .connectionCloseOK: Method.connectionCloseOK
        }
    }

    /// The replies that complete this method as an RPC.
    var replies: [UInt32] {
        switch self {
        case .channelOpen: [Method.channelOpenOK]
        case .channelClose: [Method.channelCloseOK]
        case .exchangeDeclare: [Method.exchangeDeclareOK]
        case .exchangeDelete: [Method.exchangeDeleteOK]
        case .exchangeBind: [Method.exchangeBindOK]
        case .exchangeUnbind: [Method.exchangeUnbindOK]
        case .queueDeclare: [Method.queueDeclareOK]
        case .queueBind: [Method.queueBindOK]
        case .queueUnbind: [Method.queueUnbindOK]
        case .queuePurge: [Method.queuePurgeOK]
        case .queueDelete: [Method.queueDeleteOK]
        case .basicQos: [Method.basicQosOK]
        case .basicConsume: [Method.basicConsumeOK]
        case .basicCancel: [Method.basicCancelOK]
        case .basicGet: [Method.basicGetOK, Method.basicGetEmpty]
        case .confirmSelect: [Method.confirmSelectOK]
        case .txSelect: [Method.txSelectOK]
        case .txCommit: [Method.txCommitOK]
        case .txRollback: [Method.txRollbackOK]
        case .channelCloseOK, .channelFlowOK, .connectionCloseOK: []
        }
    }

    /// Encodes and writes the method; returns librabbitmq's status.
    func send(_ connection: amqp_connection_state_t, channel: UInt16, arena: CArena) -> Int32 {
        defer { arena.reset() }
        func s(_ string: String) -> amqp_bytes_t { arena.string(string) }
        func b(_ flag: Bool) -> amqp_boolean_t { flag ? 1 : 0 }
        func write<T: BitwiseCopyable>(_ value: T) -> Int32 {
            withUnsafePointer(to: value) { amqp_send_method(connection, channel, id, UnsafeMutableRawPointer(mutating: $0)) }
        }
        switch self {
        case .channelOpen:
            return write(amqp_channel_open_t(out_of_band: amqp_bytes_t(len: 0, bytes: nil)))
        case .channelClose:
            return write(amqp_channel_close_t(reply_code: 200, reply_text: s("OK"), class_id: 0, method_id: 0))
        case .channelCloseOK:
            return write(amqp_channel_close_ok_t(dummy: 0))
        case .channelFlowOK(let active):
            return write(amqp_channel_flow_ok_t(active: b(active)))
        case .connectionCloseOK:
            return write(amqp_connection_close_ok_t(dummy: 0))
        case .exchangeDeclare(let name, let type, let passive, let durable, let autoDelete, let isInternal, let arguments):
            return write(amqp_exchange_declare_t(
                ticket: 0, exchange: s(name), type: s(type), passive: b(passive), durable: b(durable),
                auto_delete: b(autoDelete), internal: b(isInternal), nowait: 0, arguments: arguments.encode(in: arena)))
        case .exchangeDelete(let name, let ifUnused):
            return write(amqp_exchange_delete_t(ticket: 0, exchange: s(name), if_unused: b(ifUnused), nowait: 0))
        case .exchangeBind(let destination, let source, let routingKey, let arguments):
            return write(amqp_exchange_bind_t(
                ticket: 0, destination: s(destination), source: s(source), routing_key: s(routingKey), nowait: 0,
                arguments: arguments.encode(in: arena)))
        case .exchangeUnbind(let destination, let source, let routingKey, let arguments):
            return write(amqp_exchange_unbind_t(
                ticket: 0, destination: s(destination), source: s(source), routing_key: s(routingKey), nowait: 0,
                arguments: arguments.encode(in: arena)))
        case .queueDeclare(let name, let passive, let durable, let exclusive, let autoDelete, let arguments):
            return write(amqp_queue_declare_t(
                ticket: 0, queue: s(name), passive: b(passive), durable: b(durable), exclusive: b(exclusive),
                auto_delete: b(autoDelete), nowait: 0, arguments: arguments.encode(in: arena)))
        case .queueBind(let queue, let exchange, let routingKey, let arguments):
            return write(amqp_queue_bind_t(
                ticket: 0, queue: s(queue), exchange: s(exchange), routing_key: s(routingKey), nowait: 0,
                arguments: arguments.encode(in: arena)))
        case .queueUnbind(let queue, let exchange, let routingKey, let arguments):
            return write(amqp_queue_unbind_t(
                ticket: 0, queue: s(queue), exchange: s(exchange), routing_key: s(routingKey),
                arguments: arguments.encode(in: arena)))
        case .queuePurge(let name):
            return write(amqp_queue_purge_t(ticket: 0, queue: s(name), nowait: 0))
        case .queueDelete(let name, let ifUnused, let ifEmpty):
            return write(amqp_queue_delete_t(ticket: 0, queue: s(name), if_unused: b(ifUnused), if_empty: b(ifEmpty), nowait: 0))
        case .basicQos(let prefetchCount, let global):
            return write(amqp_basic_qos_t(prefetch_size: 0, prefetch_count: prefetchCount, global: b(global)))
        case .basicConsume(let queue, let consumerTag, let exclusive, let arguments):
            return write(amqp_basic_consume_t(
                ticket: 0, queue: s(queue), consumer_tag: s(consumerTag), no_local: 0, no_ack: 0,
                exclusive: b(exclusive), nowait: 0, arguments: arguments.encode(in: arena)))
        case .basicCancel(let consumerTag):
            return write(amqp_basic_cancel_t(consumer_tag: s(consumerTag), nowait: 0))
        case .basicGet(let queue, let noAck):
            return write(amqp_basic_get_t(ticket: 0, queue: s(queue), no_ack: b(noAck)))
        case .confirmSelect:
            return write(amqp_confirm_select_t(nowait: 0))
        case .txSelect:
            return write(amqp_tx_select_t(dummy: 0))
        case .txCommit:
            return write(amqp_tx_commit_t(dummy: 0))
        case .txRollback:
            return write(amqp_tx_rollback_t(dummy: 0))
        }
    }
}
