import Foundation
import PostgresNIO

/// Where the store lives: an SQLite file (embedded default, one hub machine) or a PostgreSQL
/// database (several hub instances).
///
/// Written as `sqlite:PATH` or `postgres://user:password@host:port/database?schema=NAME&sslmode=MODE`
/// (`sslmode` is `disable`, `prefer` (default) or `require`; `schema` defaults to `public`).
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// The default: `.state/drehscheibe.sqlite` under the current directory.
    public static let defaultSQLitePath = ".state/drehscheibe.sqlite"

    /// The environment variable the CLI and services read when no location is given.
    public static let environmentVariable = "DREHSCHEIBE_STORE"

    public init(parsing text: String) throws {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError(.invalidLocation, "sqlite: needs a path, e.g. sqlite:.state/drehscheibe.sqlite") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: text))
        } else {
            throw StoreError(.invalidLocation, "a store is sqlite:PATH or postgres://user:password@host:port/database")
        }
    }

    /// The location given, else `DREHSCHEIBE_STORE`, else the default SQLite file.
    public static func resolve(_ given: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreLocation {
        if let given, !given.isEmpty { return try StoreLocation(parsing: given) }
        if let configured = environment[environmentVariable], !configured.isEmpty { return try StoreLocation(parsing: configured) }
        return .sqlite(path: defaultSQLitePath)
    }

    /// The location without its password, fit for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL database and schema, parsed from a `postgres://` URL.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// The schema every table lives in (several stores can share one database).
    public var schema: String
    public var tls: TLSMode
    public var applicationName: String
    public var maximumConnections: Int
    /// How long an operation waits for a pooled connection before it fails (`connect_wait`,
    /// seconds). postgres-nio's pool waits forever for a server it cannot reach.
    public var connectionWait: Duration

    public init(url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw StoreError(.invalidLocation, "not a postgres:// URL")
        }
        guard let username = components.user, !username.isEmpty else {
            throw StoreError(.invalidLocation, "the postgres:// URL names no user")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.username : (path.removingPercentEncoding ?? path)
        var schema = "public"
        var tls = TLSMode.prefer
        var applicationName = "drehscheibe"
        var maximumConnections = 10
        var connectionWait = Duration.seconds(30)
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "schema": schema = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw StoreError(.invalidLocation, "sslmode is disable, prefer or require")
                }
                tls = mode
            case "application_name": applicationName = value
            case "max_connections":
                guard let count = Int(value), count > 0 else { throw StoreError(.invalidLocation, "max_connections is a positive number") }
                maximumConnections = count
            case "connect_wait":
                guard let seconds = Int(value), seconds > 0 else { throw StoreError(.invalidLocation, "connect_wait is a positive number of seconds") }
                connectionWait = .seconds(seconds)
            default:
                throw StoreError(.invalidLocation, "unknown postgres:// URL parameter \(item.name)")
            }
        }
        guard Self.isPlainIdentifier(schema) else {
            throw StoreError(.invalidLocation, "the schema is lowercase letters, digits and _ (at most 63), starting with a letter or _")
        }
        self.schema = schema
        self.tls = tls
        self.applicationName = applicationName
        self.maximumConnections = maximumConnections
        self.connectionWait = connectionWait
    }

    /// The URL without the password.
    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database)?schema=\(schema)&sslmode=\(tls.rawValue)"
    }

    /// Lowercase SQL identifiers only, so the schema can be quoted into DDL safely.
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, first == UInt8(ascii: "_") || (first >= 0x61 && first <= 0x7A) else {
            return false
        }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }
    }
}

extension PostgresLocation.TLSMode {
    var clientTLS: PostgresClient.Configuration.TLS {
        switch self {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }
}
