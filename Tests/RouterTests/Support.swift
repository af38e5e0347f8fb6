import AMQP
import CaseModel
import Foundation
@testable import Router
import TestSupport

/// The repository's Schemas/ directory: the router is tested against the real contract.
let schemasDirectory = TestBroker.packageRoot.appendingPathComponent("Schemas")

/// Loaded once per test process: compiling every schema is the slow part.
let sharedRules: RouterRules = {
    do { return try RouterRules.load(from: schemasDirectory) } catch { fatalError("Schemas/ does not load: \(error)") }
}()

/// A valid example envelope from Schemas/examples, as a mutable JSON object.
func example(_ folder: String, _ file: String? = nil) throws -> JSONObject {
    let directory = schemasDirectory.appendingPathComponent("examples/\(folder)")
    let name = try file ?? FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().first { $0.hasPrefix("valid-") }!
    let value = try JSONValue(parsing: Array(Data(contentsOf: directory.appendingPathComponent(name))))
    guard case .object(let object) = value else { throw TestBrokerError(message: "\(name) is not an object") }
    return object
}

/// The sender an example was written for: its source URN's agency.
func sender(of envelope: JSONObject) -> String {
    AgencyID(urn: envelope["source"]!.stringValue!)!.rawValue
}

/// An envelope as an agency adapter would publish it: a fresh id, AMQP properties mirroring
/// the envelope, user_id = the sending agency.
func inbound(_ envelope: JSONObject, userID: String? = nil, freshID: Bool = true, body: [UInt8]? = nil, edit: (inout BasicProperties) -> Void = { _ in }) -> (Inbound, JSONObject) {
    var envelope = envelope
    if freshID { envelope["id"] = .string(UUID().uuidString.lowercased()) }
    var headers = FieldTable()
    headers["ce-subject"] = envelope["subject"]?.stringValue.map(FieldValue.string)
    headers["ce-source"] = envelope["source"]?.stringValue.map(FieldValue.string)
    var properties = BasicProperties(
        contentType: CaseEvent.contentType, headers: headers, messageID: envelope["id"]?.stringValue,
        type: envelope["type"]?.stringValue, userID: userID ?? sender(of: envelope))
    edit(&properties)
    let bytes = body ?? JSONValue.object(envelope).serialized()
    return (Inbound(body: bytes, properties: properties, exchange: "case.ingress", routingKey: envelope["type"]?.stringValue ?? "x", redelivered: false, receivedAt: Date()), envelope)
}

/// What the router's pipeline decides about `inbound`: admitted and routed, or refused.
func decide(_ inbound: Inbound, with pipeline: Pipeline) -> Decision {
    let (admitted, context) = pipeline.admit(inbound)
    switch admitted {
    case .failure(let failure): return Decision(inbound: inbound, context: context, kind: .failed(failure))
    case .success(let value):
        switch pipeline.route(value) {
        case .failure(let failure): return Decision(inbound: inbound, context: value.context, kind: .failed(failure))
        case .success(let routed): return Decision(inbound: inbound, context: routed.context, kind: .routed(routed))
        }
    }
}
