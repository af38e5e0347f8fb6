import CaseModel
import Foundation

extension JSONObject {
    /// Sets the member at a `/`-separated path of member names; `*` applies the rest of the
    /// path to every array item. Objects on the way must exist (items without them are skipped).
    mutating func set(_ path: String, _ value: JSONValue) {
        let tokens = path.split(separator: "/").map(String.init)
        guard let value = JSONValue.object(self).setting(tokens[...], value), case .object(let object) = value else { return }
        self = object
    }

    /// Removes the member at a path (see ``set(_:_:)``).
    mutating func remove(_ path: String) {
        let tokens = path.split(separator: "/").map(String.init)
        guard let value = JSONValue.object(self).setting(tokens[...], nil), case .object(let object) = value else { return }
        self = object
    }
}

extension JSONValue {
    /// A copy with the value at `tokens` replaced (nil removes it); nil when the path does not exist.
    fileprivate func setting(_ tokens: ArraySlice<String>, _ value: JSONValue?) -> JSONValue? {
        guard let token = tokens.first else { return value }
        switch self {
        case .object(var object):
            if tokens.count == 1 {
                object[token] = value
                return .object(object)
            }
            guard let child = object[token], let updated = child.setting(tokens.dropFirst(), value) else { return .object(object) }
            object[token] = updated
            return .object(object)
        case .array(let items) where token == "*":
            return .array(items.map { $0.setting(tokens.dropFirst(), value) ?? $0 })
        default:
            return nil
        }
    }
}

extension CaseTraffic {
    /// The `data` of an example envelope of the contract (`Schemas/examples/<folder>/<file>`):
    /// the clerks start from the contract's own examples.
    func template(_ folder: String, _ file: String? = nil) throws -> JSONObject {
        let directory = schemas.directory.appendingPathComponent("examples/\(folder)")
        let name = try file ?? FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().first { $0.hasPrefix("valid-") }
        guard let name, case .object(let envelope) = try JSONParser().parse(Array(Data(contentsOf: directory.appendingPathComponent(name)))),
              case .object(let data)? = envelope["data"] else { throw FlowError("no example in \(folder)") }
        return data
    }
}
