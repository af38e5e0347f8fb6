import CRabbitMQ
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension ConnectionLoop {
    /// Connects to the first node that takes the connection, trying each once, from
    /// ``endpointIndex`` on (or from the one after it, `advancing`), and remembers it.
    /// I/O thread only.
    func connect(advancing: Bool = false) throws {
        let endpoints = configuration.endpoints
        let start = advancing ? endpointIndex + 1 : endpointIndex
        var failure: (any Error)?
        for offset in 0..<endpoints.count {
            let index = (start + offset) % endpoints.count
            do {
                try connect(to: endpoints[index])
                if index != endpointIndex || offset > 0 {
                    logger.info("AMQP connected to another node", metadata: ["amqp.node": "\(endpoints[index])"])
                }
                endpointIndex = index
                return
            } catch let error as AMQPError where error.code == .authenticationFailed || error.code == .invalidConfiguration {
                // The same users everywhere: another node would refuse the login as well.
                throw error
            } catch {
                if endpoints.count > 1 {
                    logger.info("AMQP node unreachable", metadata: ["amqp.node": "\(endpoints[index])", "amqp.error": "\(error)"])
                }
                failure = error
            }
        }
        throw failure ?? AMQPError(.connectionFailed, context: "no broker node to connect to")
    }

    /// Opens the socket (TCP or TLS) to one node and logs in. I/O thread only.
    private func connect(to endpoint: ConnectionConfiguration.Endpoint) throws {
        guard let connection = amqp_new_connection() else {
            throw AMQPError(.library, context: "amqp_new_connection failed (out of memory)")
        }
        var established = false
        defer { if !established { amqp_destroy_connection(connection) } }

        let socket: OpaquePointer?
        if let tls = configuration.tls {
            socket = amqp_ssl_socket_new(connection)
            guard let socket else { throw AMQPError(.tlsFailed, context: "could not create a TLS socket") }
            var status = amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST)
            try check(status, .tlsFailed, "setting TLS versions 1.2+")
            if let ca = tls.caFile {
                status = amqp_ssl_socket_set_cacert(socket, ca)
                try check(status, .tlsFailed, "loading the CA file")
            }
            if let certificate = tls.certificateFile, let key = tls.keyFile {
                status = amqp_ssl_socket_set_key(socket, certificate, key)
                try check(status, .tlsFailed, "loading the client certificate and key")
            }
            amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
        } else {
            socket = amqp_tcp_socket_new(connection)
            guard socket != nil else { throw AMQPError(.library, context: "could not create a TCP socket") }
        }

        var timeout = timeval(configuration.connectTimeout)
        let status = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            var error = Self.libraryError(status, context: "connecting to \(endpoint)")
            if error.code != .tlsFailed { error.code = .connectionFailed }
            throw error
        }
        _ = amqp_set_handshake_timeout(connection, &timeout)
        _ = amqp_set_rpc_timeout(connection, &timeout)

        var properties: FieldTable = [
            "product": "Drehscheibe AMQP (Swift over librabbitmq)",
            "platform": "Swift",
            "information": "https://drehscheibe.example/",
            "capabilities": .table([
                "publisher_confirms": true, "exchange_exchange_bindings": true, "basic.nack": true,
                "consumer_cancel_notify": true, "connection.blocked": true, "authentication_failure_close": true,
                "per_consumer_qos": true,
            ]),
        ]
        if let name = configuration.connectionName { properties["connection_name"] = .string(name) }
        var table = properties.encode(in: arena)
        defer { arena.reset() }

        let reply: amqp_rpc_reply_t
        switch configuration.authentication {
        case .plain(let username, let password):
            reply = drs_login_plain(
                connection, configuration.virtualHost, Int32(configuration.channelMax), Int32(configuration.frameMax),
                Int32(configuration.heartbeat), &table, username, password)
        case .external:
            reply = drs_login_external(
                connection, configuration.virtualHost, Int32(configuration.channelMax), Int32(configuration.frameMax),
                Int32(configuration.heartbeat), &table,
                // RabbitMQ takes the identity from the certificate and ignores this; librabbitmq
                // refuses an empty response (it reports that as out of memory).
                configuration.authentication.username ?? "certificate")
        }
        try Self.check(login: reply, user: configuration.authentication.username)

        // librabbitmq's RPC timeout only matters for the synchronous close at shutdown.
        var rpcTimeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = amqp_set_rpc_timeout(connection, &rpcTimeout)
        negotiatedHeartbeat = amqp_get_heartbeat(connection)
        self.connection = connection
        established = true
    }

    private func check(_ status: Int32, _ code: AMQPError.Code, _ context: String) throws {
        guard status == AMQP_STATUS_OK.rawValue else {
            var error = Self.libraryError(status, context: context)
            error.code = code
            throw error
        }
    }

    static func check(login reply: amqp_rpc_reply_t, user: String?) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == Method.connectionClose && reply.reply.decoded != nil:
            let close = reply.reply.decoded.load(as: amqp_connection_close_t.self)
            let code: AMQPError.Code = (close.reply_code == 403 || close.reply_code == 530) ? .authenticationFailed : .connectionFailed
            throw AMQPError(
                code, replyCode: close.reply_code, replyText: close.reply_text.string, method: "connection.open",
                context: "login\(user.map { " as '\($0)'" } ?? "") refused")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            var error = libraryError(reply.library_error, context: "login")
            if error.code != .tlsFailed { error.code = .connectionFailed }
            throw error
        default:
            throw AMQPError(.connectionFailed, context: "login failed")
        }
    }

    /// Maps a librabbitmq status to an error, keeping the status and librabbitmq's text.
    static func libraryError(_ status: Int32, context: String) -> AMQPError {
        let message = amqp_error_string2(status).map { String(cString: $0) }
        let code: AMQPError.Code
        switch status {
        case AMQP_STATUS_SSL_ERROR.rawValue, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue,
            AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue, AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue,
            AMQP_STATUS_SSL_SET_ENGINE_FAILED.rawValue:
            code = .tlsFailed
        case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED.rawValue, AMQP_STATUS_TCP_ERROR.rawValue:
            code = .connectionFailed
        case AMQP_STATUS_CONNECTION_CLOSED.rawValue, AMQP_STATUS_SOCKET_ERROR.rawValue,
            AMQP_STATUS_SOCKET_CLOSED.rawValue, AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue:
            code = .connectionLost
        case AMQP_STATUS_TIMEOUT.rawValue:
            code = .timeout
        case AMQP_STATUS_BAD_AMQP_DATA.rawValue, AMQP_STATUS_UNKNOWN_CLASS.rawValue,
            AMQP_STATUS_UNKNOWN_METHOD.rawValue, AMQP_STATUS_UNEXPECTED_STATE.rawValue,
            AMQP_STATUS_WRONG_METHOD.rawValue:
            code = .protocolError
        default:
            code = .library
        }
        return AMQPError(code, libraryStatus: status, libraryMessage: message, context: context)
    }

    // MARK: - Recovery

    /// One reconnect attempt: connect, re-declare the recorded topology, re-open channels,
    /// restore confirm mode, prefetch and consumers. I/O thread only.
    func recover(attempt: Int) {
        logger.info("reconnecting", metadata: ["amqp.attempt": "\(attempt)"])
        do {
            // A cluster's next node first: the one just lost may be the one that went down.
            try connect(advancing: true)
            state = .connected
            try restoreTopology()
            for channel in channels.values.sorted(by: { $0.id < $1.id }) {
                try restore(channel)
            }
            shared.withLock { $0.connected = true }
            logger.info("AMQP connection recovered", metadata: ["amqp.attempt": "\(attempt)"])
            emit(.recovered)
        } catch let error as AMQPError {
            if case .connected = state {
                if let connection { amqp_destroy_connection(connection) }
                connection = nil
            }
            channels.removeValue(forKey: recoveryChannel)
            for channel in channels.values {
                channel.state = .suspended
                channel.rpcs.removeAll()
                channel.assembler.reset()
            }
            let recovery = configuration.recovery
            if let maximum = recovery.maximumAttempts, attempt >= maximum {
                logger.error("giving up reconnecting", metadata: ["amqp.error": "\(error)"])
                giveUp(error)
                return
            }
            var backoff = recovery.initialBackoff
            for _ in 0..<min(attempt, 30) where backoff < recovery.maximumBackoff { backoff *= 2 }
            backoff = min(backoff, recovery.maximumBackoff)
            logger.info("reconnect failed", metadata: ["amqp.error": "\(error)", "amqp.backoff": "\(backoff)"])
            state = .recovering(attempt: attempt + 1, due: ContinuousClock.now.advanced(by: backoff))
        } catch {
            state = .recovering(attempt: attempt + 1, due: ContinuousClock.now.advanced(by: configuration.recovery.maximumBackoff))
        }
    }

    private func restoreTopology() throws {
        let methods = topology.replay
        guard !methods.isEmpty else { return }
        let id = recoveryChannel
        func open() throws {
            channels[id] = ChannelRuntime(id: id, publisherConfirms: false)
            _ = try blockingRPC(.channelOpen, on: id)
        }
        try open()
        for method in methods {
            do {
                _ = try blockingRPC(method, on: id)
            } catch let error as AMQPError where error.code == .channelClosedByServer {
                // One refused declaration (e.g. changed arguments) must not block the rest.
                logger.error("could not restore topology", metadata: ["amqp.method": "\(Method.name(method.id))", "amqp.error": "\(error)"])
                try open()
            }
        }
        _ = try blockingRPC(.channelClose, on: id)
    }

    private func restore(_ channel: ChannelRuntime) throws {
        channel.state = .open
        channel.epoch += 1
        channel.acks.reset()
        do {
            _ = try blockingRPC(.channelOpen, on: channel.id)
            if channel.publisherConfirms { _ = try blockingRPC(.confirmSelect, on: channel.id) }
            channel.returnedInTransaction.removeAll()
            if channel.transactional { _ = try blockingRPC(.txSelect, on: channel.id) }
            if let prefetch = channel.prefetch {
                _ = try blockingRPC(.basicQos(prefetchCount: prefetch.count, global: prefetch.global), on: channel.id)
            }
            for consumer in channel.consumers.values.sorted(by: { $0.tag < $1.tag }) {
                _ = try blockingRPC(
                    .basicConsume(queue: consumer.queue, consumerTag: consumer.tag, exclusive: consumer.exclusive, arguments: consumer.arguments),
                    on: channel.id)
            }
            publishEpoch(of: channel)
        } catch let error as AMQPError where error.code == .channelClosedByServer {
            // The channel itself is gone (e.g. its consumer's queue vanished); others recover.
            logger.error("could not restore channel", metadata: ["amqp.channel": "\(channel.id)", "amqp.error": "\(error)"])
        }
    }

    /// Sends `method` and pumps frames until its reply arrives. Used only while recovering,
    /// when no caller is waiting on this channel.
    private func blockingRPC(_ method: ClientMethod, on id: UInt16) throws -> RPCReply {
        var outcome: Result<RPCReply, AMQPError>?
        enqueueRPC(on: id, method) { outcome = $0 }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var frame = amqp_frame_t()
        while outcome == nil {
            guard case .connected = state, let connection else {
                throw AMQPError(.connectionLost, method: Method.name(method.id), context: "lost while recovering")
            }
            guard ContinuousClock.now < deadline else {
                throw AMQPError(.timeout, method: Method.name(method.id), channel: id, context: "no reply while recovering")
            }
            var wait = timeval(tv_sec: 1, tv_usec: 0)
            let status = amqp_simple_wait_frame_noblock(connection, &frame, &wait)
            if status == AMQP_STATUS_TIMEOUT.rawValue { continue }
            guard status == AMQP_STATUS_OK.rawValue else {
                let error = Self.libraryError(status, context: "recovering")
                amqp_destroy_connection(connection)
                self.connection = nil
                throw error
            }
            dispatch(frame)
            if let connection = self.connection { amqp_maybe_release_buffers_on_channel(connection, frame.channel) }
        }
        return try outcome!.get()
    }
}

extension timeval {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
