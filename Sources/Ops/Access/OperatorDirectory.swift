import Foundation
import Store

/// The operators who may log in, with their roles and password hashes, read from a JSON file:
///
/// ```json
/// {"operators": [{"name": "alice", "role": "admin", "passwordHash": "pbkdf2-sha256$600000$…$…"}]}
/// ```
///
/// Hashes come from `drehscheibe ops hash-password`; the file holds no plaintext secret, but
/// keep it readable by the service only all the same (mode 600).
public struct OperatorDirectory: Sendable {
    public struct Entry: Sendable, Codable, Hashable {
        public var name: String
        public var role: OperatorRole
        public var passwordHash: String

        public init(name: String, role: OperatorRole, passwordHash: String) {
            self.name = name
            self.role = role
            self.passwordHash = passwordHash
        }
    }

    private struct File: Codable {
        var operators: [Entry]
    }

    public let entries: [String: Entry]
    /// Checked when the name is unknown, at the cost of the dearest real hash, so a login takes
    /// as long whether the name exists or not (keep every hash at the same cost, as
    /// `hash-password` makes them, or a cheaper one stands out).
    private let decoy: String

    public init(_ entries: [Entry]) throws {
        var byName: [String: Entry] = [:]
        for entry in entries {
            guard !entry.name.isEmpty, entry.name.count <= 64, entry.name.allSatisfy({ $0.isLetter || $0.isNumber || "._-@".contains($0) }) else {
                throw OpsError(.configuration, "operator names are 1–64 letters, digits and . _ - @")
            }
            guard byName[entry.name] == nil else { throw OpsError(.configuration, "operator \(entry.name) is listed twice") }
            guard entry.passwordHash.hasPrefix("pbkdf2-sha256$"), entry.passwordHash.split(separator: "$").count == 4 else {
                throw OpsError(.configuration, "operator \(entry.name): passwordHash must be pbkdf2-sha256$ITERATIONS$SALT$HASH (drehscheibe ops hash-password)")
            }
            byName[entry.name] = entry
        }
        self.entries = byName
        let cost = byName.values.compactMap { PasswordHash.iterations(of: $0.passwordHash) }.max() ?? PasswordHash.defaultIterations
        self.decoy = PasswordHash.decoy(iterations: cost)
    }

    /// Reads the operators file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw OpsError(.configuration, "cannot read the operators file \(url.path)")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw OpsError(.configuration, "the operators file \(url.path) is not {\"operators\": [{\"name\", \"role\", \"passwordHash\"}]}: \(error)")
        }
        try self.init(file.operators)
    }

    /// The PBKDF2 iterations a login for `name` costs: the same for every name not listed.
    public func loginCost(for name: String) -> Int? {
        PasswordHash.iterations(of: entries[name]?.passwordHash ?? decoy)
    }

    /// The operator, if the name exists and the password matches. Runs PBKDF2 (hundreds of
    /// milliseconds at the default cost) on the calling thread: the server calls it through
    /// ``PasswordHashing``, never on the concurrency pool.
    public func authenticate(name: String, password: String) -> Operator? {
        guard let entry = entries[name] else {
            _ = PasswordHash.verify(password, against: decoy)
            return nil
        }
        guard PasswordHash.verify(password, against: entry.passwordHash) else { return nil }
        return Operator(name: entry.name, role: entry.role)
    }
}
