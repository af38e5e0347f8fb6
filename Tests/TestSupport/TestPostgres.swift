import Foundation

/// The PostgreSQL server the store tests run against: a private server the tests start
/// themselves through `deploy/ops/postgres` (instance `test`: its own port, data directory and
/// user), or the one `DREHSCHEIBE_TEST_POSTGRES_URL` names when the test command started it.
public enum TestPostgres {
    public static let instance = ProcessInfo.processInfo.environment["DREHSCHEIBE_POSTGRES_INSTANCE"] ?? "test"

    static let script = ServerScript(path: "deploy/ops/postgres", instanceVariable: "DREHSCHEIBE_POSTGRES_INSTANCE", instance: instance)

    private static let started = script.started(unless: "DREHSCHEIBE_TEST_POSTGRES_URL", scheme: "postgres://")

    /// The application user's URL (`postgres://drehscheibe:…@127.0.0.1:5695/drehscheibe`).
    /// Starts the server on first use.
    public static func url() throws -> String { try started.get() }

    /// The URL with a schema of its own (`?schema=…`), so every test starts from an empty store.
    public static func freshSchemaURL(prefix: String = "t") throws -> (url: String, schema: String) {
        let schema = "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        return ("\(try url())?schema=\(schema)", schema)
    }

    /// Runs SQL as the cluster superuser in the application database, the way an intruder with
    /// database access would (the tamper tests use it). Returns psql's unaligned output.
    @discardableResult
    public static func psql(_ sql: String) throws -> String {
        _ = try url()
        return try run(["psql", "-d", "drehscheibe", "-A", "-t", "-c", sql])
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> String { try script.run(arguments) }
}
