import CaseModel
import Foundation
import Store

/// Checks an edited body before it may be replayed: an edit that fails stays unreplayable.
public protocol Revalidator: Sendable {
    func revalidate(_ body: [UInt8]) -> Revalidation
}

/// Revalidation the way the router validates: the envelope and the data against the schemas
/// of Schemas/ (`CaseSchemas`). Problems name locations and keywords, never values.
public struct CaseSchemaRevalidator: Revalidator {
    let schemas: CaseSchemas

    public init(schemas: CaseSchemas) {
        self.schemas = schemas
    }

    /// Loads the schemas from a Schemas/ directory.
    public init(directory: URL) throws {
        self.schemas = try CaseSchemas(directory: directory)
    }

    public func revalidate(_ body: [UInt8]) -> Revalidation {
        do {
            let result = try schemas.validate(bytes: body)
            if result.isValid { return Revalidation(status: .valid, validator: "case-schemas") }
            return Revalidation(
                status: .invalid, validator: "case-schemas",
                problems: result.errors.prefix(50).map { "\($0.instanceLocation.description.isEmpty ? "/" : $0.instanceLocation.description): \($0.keyword)" })
        } catch {
            return Revalidation(status: .invalid, validator: "case-schemas", problems: ["not JSON: \(error.code.rawValue)"])
        }
    }
}
