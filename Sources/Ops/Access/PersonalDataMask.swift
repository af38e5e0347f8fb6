import CaseModel

/// Hides personal data in message bodies for operators whose role may not see it.
///
/// Deny by default: every value under `data` is replaced by a mask, except members named in
/// `visibleDataMembers` (agency ids, request ids, roles: what operators need to route and
/// diagnose, never a person's data). Envelope attributes stay visible: the contract keeps
/// personal data out of them (the case id in `subject` must not contain any). Member names
/// stay visible too, so the shape of a message and a failure's JSON pointer can be followed.
public struct PersonalDataMask: Sendable {
    /// What replaces a hidden value.
    public static let mask = "•••"

    /// Envelope members shown as they are.
    public var visibleEnvelopeMembers: Set<String> = [
        "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "correlationid",
        "causationid", "traceparent", "legalpurpose", "dueat",
    ]

    /// Members under `data` shown as they are, wherever they occur: the fields the router
    /// routes on (agency ids; every `selectBy` of Schemas/catalogue.json, a test keeps them in
    /// step), request ids and roles.
    public var visibleDataMembers: Set<String> = [
        "responsibleOffice", "requester", "requestId", "previousOffice", "landPolice", "stateOffice", "consultedAgencies", "originalSender", "role",
        "actor", "addressees", "consentingOffice", "receptionCentre", "registeredBy", "registeringAgency", "reportTo", "requestedBy",
        "visaIssuedBy",
    ]

    public init() {}

    /// The body masked and pretty-printed, or a note when it is not JSON (then nothing of it
    /// is shown: a malformed body may hold anything).
    public func masked(_ body: [UInt8]) -> String {
        guard let document = try? JSONParser().parse(body) else {
            return "(\(body.count) bytes, not JSON: hidden)"
        }
        return masked(document).serializedString(pretty: true)
    }

    public func masked(_ document: JSONValue) -> JSONValue {
        guard case .object(let envelope) = document else { return hideAll(document) }
        var result = JSONObject()
        for (key, value) in envelope {
            if key == "data" {
                result[key] = maskData(value)
            } else {
                result[key] = visibleEnvelopeMembers.contains(key) ? value : hideAll(value)
            }
        }
        return .object(result)
    }

    /// Masks the value at a pointer into the envelope, e.g. a diff entry's before and after.
    public func masked(_ value: JSONValue, at pointer: String) -> JSONValue {
        guard let parsed = JSONPointer(pointer), let first = parsed.tokens.first else { return hideAll(value) }
        if first != "data" { return visibleEnvelopeMembers.contains(first) && parsed.tokens.count == 1 ? value : hideAll(value) }
        // Visible when any member on the way is visible (a whole `consultedAgencies` list).
        if parsed.tokens.dropFirst().contains(where: visibleDataMembers.contains) { return value }
        return maskData(value)
    }

    private func maskData(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object { result[key] = visibleDataMembers.contains(key) ? member : maskData(member) }
            return .object(result)
        case .array(let items):
            return .array(items.map(maskData))
        case .null:
            return .null
        default:
            return .string(Self.mask)
        }
    }

    private func hideAll(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for (key, member) in object { result[key] = hideAll(member) }
            return .object(result)
        case .array(let items): return .array(items.map(hideAll))
        case .null: return .null
        default: return .string(Self.mask)
        }
    }
}
