import Foundation

extension ConnectionConfiguration {
    /// Parses `amqp[s]://user:pass@host:port/vhost?query` as RabbitMQ's URI spec describes it:
    /// percent-encoded parts, an empty path meaning vhost `/`, `%2F` meaning `/`. Query keys:
    /// `heartbeat`, `connection_timeout` (ms), `frame_max`, `channel_max`, `connection_name`,
    /// `cacertfile`, `certfile`, `keyfile`, `verify` (`verify_peer` | `verify_none`),
    /// `verify_hostname` (`true` | `false`), `auth_mechanism` (`plain` | `external`).
    ///
    /// Several URLs separated by commas name the nodes of one cluster: they must agree in all
    /// but host and port (the first is ``host``/``port``, the others ``alternateEndpoints``).
    public init(url string: String) throws {
        let parts = string.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count > 1 else {
            try self.init(singleURL: string)
            return
        }
        guard parts.count <= 16, !parts.contains(where: \.isEmpty) else {
            throw AMQPError(.invalidConfiguration, context: "invalid AMQP URL list: 2 to 16 URLs separated by commas, none empty")
        }
        var first = try ConnectionConfiguration(singleURL: parts[0])
        for part in parts.dropFirst() {
            let node = try ConnectionConfiguration(singleURL: part)
            var comparable = node
            (comparable.host, comparable.port, comparable.alternateEndpoints) = (first.host, first.port, first.alternateEndpoints)
            guard comparable == first else {
                throw AMQPError(
                    .invalidConfiguration,
                    context: "invalid AMQP URL list: \(node.redactedURL) differs from \(first.redactedURL) in more than host and port")
            }
            first.alternateEndpoints.append(Endpoint(host: node.host, port: node.port))
        }
        self = first
    }

    private init(singleURL string: String) throws {
        func invalid(_ why: String) -> AMQPError {
            AMQPError(.invalidConfiguration, context: "invalid AMQP URL: \(why)")
        }
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased()
        else { throw invalid("not a URL") }
        guard scheme == "amqp" || scheme == "amqps" else { throw invalid("scheme must be amqp or amqps") }

        var tls: TLSConfiguration? = scheme == "amqps" ? TLSConfiguration() : nil
        let host = components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        let username = components.percentEncodedUser?.removingPercentEncoding ?? "guest"
        let password = components.percentEncodedPassword?.removingPercentEncoding ?? "guest"

        var vhost = "/"
        let path = components.percentEncodedPath
        if !path.isEmpty {
            guard path.hasPrefix("/") else { throw invalid("bad path") }
            let encoded = String(path.dropFirst())
            guard !encoded.contains("/") else { throw invalid("a vhost containing '/' must be written as %2F") }
            if !encoded.isEmpty {
                guard let decoded = encoded.removingPercentEncoding else { throw invalid("bad percent-encoding in vhost") }
                vhost = decoded
            } else {
                vhost = ""
            }
            if path == "/" { vhost = "/" }
        }

        var authentication = Authentication.plain(username: username, password: password)
        var heartbeat = 30
        var frameMax = 131_072
        var channelMax = 2047
        var timeout = Duration.seconds(10)
        var name: String?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            func int() throws -> Int {
                guard let number = Int(value), number >= 0 else { throw invalid("\(item.name) must be a non-negative integer") }
                return number
            }
            switch item.name {
            case "heartbeat": heartbeat = try int()
            case "connection_timeout": timeout = .milliseconds(try int())
            case "frame_max": frameMax = try int()
            case "channel_max": channelMax = try int()
            case "connection_name": name = value
            case "cacertfile", "certfile", "keyfile", "verify", "verify_hostname":
                guard tls != nil else { throw invalid("\(item.name) needs the amqps scheme") }
                switch item.name {
                case "cacertfile": tls?.caFile = value
                case "certfile": tls?.certificateFile = value
                case "keyfile": tls?.keyFile = value
                case "verify":
                    guard value == "verify_peer" || value == "verify_none" else { throw invalid("verify must be verify_peer or verify_none") }
                    tls?.verifyPeer = value == "verify_peer"
                    if value == "verify_none" { tls?.verifyHostname = false }
                default:
                    guard value == "true" || value == "false" else { throw invalid("verify_hostname must be true or false") }
                    tls?.verifyHostname = value == "true"
                }
            case "auth_mechanism":
                switch value.lowercased() {
                case "plain": break
                case "external": authentication = .external
                default: throw invalid("auth_mechanism must be plain or external")
                }
            default:
                throw invalid("unknown query parameter \(item.name)")
            }
        }
        self.init(
            host: host.isEmpty ? "localhost" : host, port: components.port, virtualHost: vhost,
            authentication: authentication, tls: tls, heartbeat: heartbeat, frameMax: frameMax,
            channelMax: channelMax, connectTimeout: timeout, connectionName: name
        )
    }

    /// The URL form without the password, for logs (the first node; `+N` for the others).
    public var redactedURL: String {
        let scheme = tls == nil ? "amqp" : "amqps"
        let user: String
        switch authentication {
        case .plain(let username, _): user = "\(username)@"
        case .external: user = ""
        }
        let vhost = virtualHost == "/" ? "" : virtualHost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let others = alternateEndpoints.isEmpty ? "" : " +\(alternateEndpoints.count)"
        return "\(scheme)://\(user)\(host):\(port)/\(vhost)\(others)"
    }
}
