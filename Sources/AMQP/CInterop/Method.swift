import CRabbitMQ

/// AMQP 0-9-1 method numbers: class id << 16 | method id.
enum Method {
    static let connectionClose: UInt32 = 0x000A_0032
    static let connectionCloseOK: UInt32 = 0x000A_0033
    static let connectionBlocked: UInt32 = 0x000A_003C
    static let connectionUnblocked: UInt32 = 0x000A_003D
    static let channelOpen: UInt32 = 0x0014_000A
    static let channelOpenOK: UInt32 = 0x0014_000B
    static let channelFlow: UInt32 = 0x0014_0014
    static let channelFlowOK: UInt32 = 0x0014_0015
    static let channelClose: UInt32 = 0x0014_0028
    static let channelCloseOK: UInt32 = 0x0014_0029
    static let exchangeDeclare: UInt32 = 0x0028_000A
    static let exchangeDeclareOK: UInt32 = 0x0028_000B
    static let exchangeDelete: UInt32 = 0x0028_0014
    static let exchangeDeleteOK: UInt32 = 0x0028_0015
    static let exchangeBind: UInt32 = 0x0028_001E
    static let exchangeBindOK: UInt32 = 0x0028_001F
    static let exchangeUnbind: UInt32 = 0x0028_0028
    static let exchangeUnbindOK: UInt32 = 0x0028_0033
    static let queueDeclare: UInt32 = 0x0032_000A
    static let queueDeclareOK: UInt32 = 0x0032_000B
    static let queueBind: UInt32 = 0x0032_0014
    static let queueBindOK: UInt32 = 0x0032_0015
    static let queuePurge: UInt32 = 0x0032_001E
    static let queuePurgeOK: UInt32 = 0x0032_001F
    static let queueDelete: UInt32 = 0x0032_0028
    static let queueDeleteOK: UInt32 = 0x0032_0029
    static let queueUnbind: UInt32 = 0x0032_0032
    static let queueUnbindOK: UInt32 = 0x0032_0033
    static let basicQos: UInt32 = 0x003C_000A
    static let basicQosOK: UInt32 = 0x003C_000B
    static let basicConsume: UInt32 = 0x003C_0014
    static let basicConsumeOK: UInt32 = 0x003C_0015
    static let basicCancel: UInt32 = 0x003C_001E
    static let basicCancelOK: UInt32 = 0x003C_001F
    static let basicReturn: UInt32 = 0x003C_0032
    static let basicDeliver: UInt32 = 0x003C_003C
    static let basicGet: UInt32 = 0x003C_0046
    static let basicGetOK: UInt32 = 0x003C_0047
    static let basicGetEmpty: UInt32 = 0x003C_0048
    static let basicAck: UInt32 = 0x003C_0050
    static let basicReject: UInt32 = 0x003C_005A
    static let basicNack: UInt32 = 0x003C_0078
    static let confirmSelect: UInt32 = 0x0055_000A
    static let confirmSelectOK: UInt32 = 0x0055_000B
    static let txSelect: UInt32 = 0x005A_000A
    static let txSelectOK: UInt32 = 0x005A_000B
    static let txCommit: UInt32 = 0x005A_0014
    static let txCommitOK: UInt32 = 0x005A_0015
    static let txRollback: UInt32 = 0x005A_001E
    static let txRollbackOK: UInt32 = 0x005A_001F

    /// A dotted name such as `queue.declare` for errors and logs.
    static func name(_ id: UInt32) -> String {
        let classes: [UInt32: String] = [10: "connection", 20: "channel", 40: "exchange", 50: "queue", 60: "basic", 85: "confirm", 90: "tx"]
        let names: [UInt32: String] = [
            connectionClose: "close", connectionCloseOK: "close-ok", connectionBlocked: "blocked",
            connectionUnblocked: "unblocked", channelOpen: "open", channelOpenOK: "open-ok", channelFlow: "flow",
            channelFlowOK: "flow-ok", channelClose: "close", channelCloseOK: "close-ok", exchangeDeclare: "declare",
            exchangeDeclareOK: "declare-ok", exchangeDelete: "delete", exchangeDeleteOK: "delete-ok",
            exchangeBind: "bind", exchangeBindOK: "bind-ok", exchangeUnbind: "unbind", exchangeUnbindOK: "unbind-ok",
            queueDeclare: "declare", queueDeclareOK: "declare-ok", queueBind: "bind", queueBindOK: "bind-ok",
            queuePurge: "purge", queuePurgeOK: "purge-ok", queueDelete: "delete", queueDeleteOK: "delete-ok",
            queueUnbind: "unbind", queueUnbindOK: "unbind-ok", basicQos: "qos", basicQosOK: "qos-ok",
            basicConsume: "consume", basicConsumeOK: "consume-ok", basicCancel: "cancel", basicCancelOK: "cancel-ok",
            basicReturn: "return", basicDeliver: "deliver", basicGet: "get", basicGetOK: "get-ok",
            basicGetEmpty: "get-empty", basicAck: "ack", basicReject: "reject", basicNack: "nack",
            confirmSelect: "select", confirmSelectOK: "select-ok", 0x003C_0028: "publish",
            txSelect: "select", txSelectOK: "select-ok", txCommit: "commit", txCommitOK: "commit-ok",
            txRollback: "rollback", txRollbackOK: "rollback-ok",
        ]
        let className = classes[id >> 16] ?? "class\(id >> 16)"
        return "\(className).\(names[id] ?? "method\(id & 0xFFFF)")"
    }

    static func name(classID: UInt16, methodID: UInt16) -> String {
        name(UInt32(classID) << 16 | UInt32(methodID))
    }
}

/// A method received from the broker, copied out of librabbitmq's memory.
enum ServerMethod: Sendable {
    case connectionClose(replyCode: UInt16, replyText: String, classID: UInt16, methodID: UInt16)
    case connectionBlocked(reason: String)
    case connectionUnblocked
    case channelClose(replyCode: UInt16, replyText: String, classID: UInt16, methodID: UInt16)
    case channelFlow(active: Bool)
    case queueDeclareOK(queue: String, messageCount: UInt32, consumerCount: UInt32)
    case messageCount(UInt32)  // queue.purge-ok, queue.delete-ok
    case consumeOK(consumerTag: String)
    case cancel(consumerTag: String)  // server-initiated basic.cancel
    case cancelOK(consumerTag: String)
    case announcement(ContentAssembler.Announcement)  // deliver, get-ok, return
    case getEmpty
    case ack(deliveryTag: UInt64, multiple: Bool)
    case nack(deliveryTag: UInt64, multiple: Bool)
    /// Replies without fields we need (open-ok, declare-ok, bind-ok, qos-ok, select-ok, ...).
    case ok(UInt32)

    init(_ method: amqp_method_t) {
        let p = method.decoded
        func load<T>(_ type: T.Type) -> T { p!.load(as: T.self) }
        switch method.id {
        case Method.connectionClose:
            let m = load(amqp_connection_close_t.self)
            self = .connectionClose(replyCode: m.reply_code, replyText: m.reply_text.string, classID: m.class_id, methodID: m.method_id)
        case Method.connectionBlocked:
            self = .connectionBlocked(reason: load(amqp_connection_blocked_t.self).reason.string)
        case Method.connectionUnblocked: self = .connectionUnblocked
        case Method.channelClose:
            let m = load(amqp_channel_close_t.self)
            self = .channelClose(replyCode: m.reply_code, replyText: m.reply_text.string, classID: m.class_id, methodID: m.method_id)
        case Method.channelFlow: self = .channelFlow(active: load(amqp_channel_flow_t.self).active != 0)
        case Method.queueDeclareOK:
            let m = load(amqp_queue_declare_ok_t.self)
            self = .queueDeclareOK(queue: m.queue.string, messageCount: m.message_count, consumerCount: m.consumer_count)
        case Method.queuePurgeOK: self = .messageCount(load(amqp_queue_purge_ok_t.self).message_count)
        case Method.queueDeleteOK: self = .messageCount(load(amqp_queue_delete_ok_t.self).message_count)
        case Method.basicConsumeOK: self = .consumeOK(consumerTag: load(amqp_basic_consume_ok_t.self).consumer_tag.string)
        case Method.basicCancel: self = .cancel(consumerTag: load(amqp_basic_cancel_t.self).consumer_tag.string)
        case Method.basicCancelOK: self = .cancelOK(consumerTag: load(amqp_basic_cancel_ok_t.self).consumer_tag.string)
        case Method.basicDeliver:
            let m = load(amqp_basic_deliver_t.self)
            self = .announcement(.deliver(
                consumerTag: m.consumer_tag.string, deliveryTag: m.delivery_tag, redelivered: m.redelivered != 0,
                exchange: m.exchange.string, routingKey: m.routing_key.string))
        case Method.basicGetOK:
            let m = load(amqp_basic_get_ok_t.self)
            self = .announcement(.getOK(
                deliveryTag: m.delivery_tag, redelivered: m.redelivered != 0, exchange: m.exchange.string,
                routingKey: m.routing_key.string, messageCount: m.message_count))
        case Method.basicReturn:
            let m = load(amqp_basic_return_t.self)
            self = .announcement(.returned(
                replyCode: m.reply_code, replyText: m.reply_text.string, exchange: m.exchange.string,
                routingKey: m.routing_key.string))
        case Method.basicGetEmpty: self = .getEmpty
        case Method.basicAck:
            let m = load(amqp_basic_ack_t.self)
            self = .ack(deliveryTag: m.delivery_tag, multiple: m.multiple != 0)
        case Method.basicNack:
            let m = load(amqp_basic_nack_t.self)
            self = .nack(deliveryTag: m.delivery_tag, multiple: m.multiple != 0)
        default: self = .ok(method.id)
        }
    }
}
