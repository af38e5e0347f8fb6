import AMQP
import CaseModel
import Foundation

/// Where an agency adapter keeps its files, whom it connects as and where it listens:
/// `deploy/adapters/<agency>.json`.
///
/// ```json
/// {
///   "agency": "abh.berlin",
///   "brokerUser": "abh.berlin",
///   "broker": "amqp://127.0.0.1:5680/drehscheibe",
///   "directory": ".state/adapters/abh.berlin",
///   "http": {"host": "127.0.0.1", "port": 8401},
///   "pollIntervalMilliseconds": 200
/// }
/// ```
///
/// `directory` (relative to the working directory) holds `inbox/` (native documents to send),
/// `outbox/` (native documents received), `processed/`, `failed/` and `state/` (spool, record
/// of handled messages, the generated HTTP intake token); each can be set on its own
/// (`"inbox": "/srv/xab/out"`). The broker URL carries no password: it comes from the
/// environment (``brokerURL(environment:)``).
///
/// The HTTP intake listens on loopback unless `http.allowNonLoopback` is true
/// (``IntakeEndpoint/binding(host:allowNonLoopback:)``), and takes documents only with the
/// bearer token in `http.tokenFile`, or in `state/http-token`, generated on first start
/// (``IntakeToken``).
public struct AdapterConfiguration: Sendable {
    public var agency: AgencyID
    public var brokerUser: String
    /// The broker without credentials, e.g. `amqp://127.0.0.1:5680/drehscheibe`.
    public var broker: String?
    public var inbox: URL
    public var outbox: URL
    public var processed: URL
    public var failed: URL
    public var state: URL
    /// Address of the HTTP intake: loopback unless ``httpAllowNonLoopback``.
    public var httpHost: String
    /// Port of the HTTP intake; nil: no HTTP endpoint.
    public var httpPort: Int?
    /// The file holding the intake's bearer token; nil: `state/http-token`, generated when missing.
    public var httpTokenFile: URL?
    /// Lets the intake listen on an address other than loopback (`http.allowNonLoopback`).
    public var httpAllowNonLoopback: Bool
    public var pollInterval: Duration

    /// A configuration with every directory under `root`.
    public init(agency: AgencyID, root: URL, brokerUser: String? = nil, broker: String? = nil, httpPort: Int? = nil,
                httpHost: String = "127.0.0.1", httpTokenFile: URL? = nil, httpAllowNonLoopback: Bool = false,
                pollInterval: Duration = .milliseconds(200)) {
        self.agency = agency
        self.brokerUser = brokerUser ?? agency.rawValue
        self.broker = broker
        inbox = root.appendingPathComponent("inbox")
        outbox = root.appendingPathComponent("outbox")
        processed = root.appendingPathComponent("processed")
        failed = root.appendingPathComponent("failed")
        state = root.appendingPathComponent("state")
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.httpTokenFile = httpTokenFile
        self.httpAllowNonLoopback = httpAllowNonLoopback
        self.pollInterval = pollInterval
    }

    /// The HTTP intake's bearer token (read, or generated on first use); nil without an intake.
    public func intakeToken() throws(AdapterError) -> IntakeToken? {
        guard httpPort != nil else { return nil }
        return try IntakeToken.load(configured: httpTokenFile, state: state)
    }

    private struct File: Decodable {
        struct HTTP: Decodable {
            var host: String?
            var port: Int?
            var tokenFile: String?
            var allowNonLoopback: Bool?
        }

        var agency: String
        var brokerUser: String?
        var broker: String?
        var directory: String?
        var inbox: String?
        var outbox: String?
        var processed: String?
        var failed: String?
        var state: String?
        var http: HTTP?
        var pollIntervalMilliseconds: Int?
    }

    /// Reads a configuration file; relative paths are taken relative to `base`.
    public static func load(from file: URL, base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws(AdapterError) -> AdapterConfiguration {
        let parsed: File
        do {
            parsed = try JSONDecoder().decode(File.self, from: Data(contentsOf: file))
        } catch {
            throw AdapterError(.configuration, "\(file.path): \(error)")
        }
        guard let agency = AgencyID(parsed.agency) else {
            throw AdapterError(.configuration, "\(file.path): '\(parsed.agency)' is no agency id")
        }
        func path(_ text: String, relativeTo root: URL) -> URL {
            text.hasPrefix("/") ? URL(fileURLWithPath: text) : root.appendingPathComponent(text)
        }
        let root = path(parsed.directory ?? ".state/adapters/\(agency.rawValue)", relativeTo: base)
        var configuration = AdapterConfiguration(
            agency: agency, root: root, brokerUser: parsed.brokerUser, broker: parsed.broker, httpPort: parsed.http?.port,
            httpHost: parsed.http?.host ?? "127.0.0.1", httpTokenFile: parsed.http?.tokenFile.map { path($0, relativeTo: root) },
            httpAllowNonLoopback: parsed.http?.allowNonLoopback ?? false,
            pollInterval: .milliseconds(max(10, parsed.pollIntervalMilliseconds ?? 200)))
        if configuration.httpPort != nil,
           let refusal = IntakeEndpoint.binding(host: configuration.httpHost, allowNonLoopback: configuration.httpAllowNonLoopback).error {
            throw AdapterError(.configuration, "\(file.path): \(refusal.detail)")
        }
        if let inbox = parsed.inbox { configuration.inbox = path(inbox, relativeTo: root) }
        if let outbox = parsed.outbox { configuration.outbox = path(outbox, relativeTo: root) }
        if let processed = parsed.processed { configuration.processed = path(processed, relativeTo: root) }
        if let failed = parsed.failed { configuration.failed = path(failed, relativeTo: root) }
        if let state = parsed.state { configuration.state = path(state, relativeTo: root) }
        return configuration
    }

    /// The broker connection: `DREHSCHEIBE_AMQP_URL` (with credentials) if set, else ``broker``
    /// with the password from `DREHSCHEIBE_AMQP_PASSWORD`. The login user must be ``brokerUser``:
    /// RabbitMQ refuses any other `user_id` on the messages.
    public func brokerURL(environment: [String: String] = ProcessInfo.processInfo.environment) throws(AdapterError) -> ConnectionConfiguration {
        var configuration: ConnectionConfiguration
        do {
            if let url = environment["DREHSCHEIBE_AMQP_URL"], !url.isEmpty {
                configuration = try ConnectionConfiguration(url: url)
            } else if let broker {
                configuration = try ConnectionConfiguration(url: broker)
                guard let password = environment["DREHSCHEIBE_AMQP_PASSWORD"], !password.isEmpty else {
                    throw AdapterError(.configuration, "set DREHSCHEIBE_AMQP_PASSWORD (or DREHSCHEIBE_AMQP_URL) for \(brokerUser)")
                }
                configuration.authentication = .plain(username: brokerUser, password: password)
            } else {
                throw AdapterError(.configuration, "no broker: set DREHSCHEIBE_AMQP_URL or 'broker' in the configuration")
            }
        } catch let error as AdapterError {
            throw error
        } catch {
            throw AdapterError(.configuration, "the broker URL is invalid: \(error)")
        }
        if case .plain(let user, _) = configuration.authentication, user != brokerUser {
            throw AdapterError(.configuration, "the broker URL logs in as \(user), but \(agency) publishes as \(brokerUser)")
        }
        return configuration
    }
}
