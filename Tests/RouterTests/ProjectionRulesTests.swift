import CaseModel
import Foundation
@testable import Router
import Testing

/// Need-to-know that fails closed: grants allow fields, everything else is removed, and a copy
/// without a grant does not go out.
@Suite("Projection grants (pure)")
struct ProjectionRulesTests {
    static func rules(_ grants: String) throws -> ProjectionRules {
        try ProjectionRules(json: Array("{\"version\": 2, \"grants\": [\(grants)]}".utf8))
    }

    static let envelope: JSONValue = [
        "specversion": "1.0", "id": "x", "type": "de.migration.t.v1", "legalpurpose": "§ 73 AufenthG",
        "data": [
            "requestId": "r",
            "persons": [
                ["role": "applicant", "familyName": "A", "identifiers": ["azrNumber": "1", "passportNumber": "P1"]],
                ["role": "spouse", "familyName": "B", "identifiers": ["azrNumber": "2"]],
            ],
            "address": ["city": "Berlin"],
        ],
    ]

    @Test("only what a grant allows; wildcards over items; emptied objects dropped; its legal basis on the copy")
    func allowList() throws {
        let rules = try Self.rules("""
            {"name": "g", "recipients": ["bka"], "types": ["*"], "legalBasis": "§ 73 AufenthG", "reasoning": "r",
             "allow": ["/data/requestId", "/data/persons/*/role", "/data/persons/*/familyName", "/data/persons/*/identifiers/passportNumber"],
             "withhold": ["/data/address", "/data/persons/*/identifiers/azrNumber"]}
            """)
        let grant = try #require(rules.projection(for: "bka", type: "de.migration.t"))
        let copy = rules.apply(grant, to: Self.envelope)
        let expected: JSONValue = [
            "requestId": "r",
            "persons": [
                ["role": "applicant", "familyName": "A", "identifiers": ["passportNumber": "P1"]],
                ["role": "spouse", "familyName": "B"],
            ],
        ]
        #expect(copy["data"] == expected)
        #expect(copy["legalpurpose"] == "§ 73 AufenthG")
        #expect(copy["id"] == "x")
        #expect(!grant.keepsAllData)
    }

    @Test("keepItems after the allow-list; a grant of all data keeps it whole")
    func keepItemsAndWhole() throws {
        let rules = try Self.rules("""
            {"name": "consulted", "recipients": ["bfv"], "types": ["de.migration.t"], "legalBasis": "§ 73 AufenthG", "reasoning": "r",
             "allow": ["/data/persons"], "keepItems": [{"array": "/data/persons", "where": "/role", "in": ["applicant"]}]},
            {"name": "register", "recipients": ["bva"], "types": ["*"], "legalBasis": "§ 6 AZRG", "reasoning": "r", "allow": ["/data"]}
            """)
        let consulted = rules.apply(try #require(rules.projection(for: "bfv", type: "de.migration.t")), to: Self.envelope)
        #expect(consulted["data"]?["persons"]?.arrayValue?.count == 1)
        #expect(consulted["data"]?["requestId"] == nil)
        let register = try #require(rules.projection(for: "bva", type: "de.migration.other"))
        #expect(register.keepsAllData)
        #expect(rules.apply(register, to: Self.envelope)["data"] == Self.envelope["data"])
        #expect(rules.apply(register, to: Self.envelope)["legalpurpose"] == "§ 6 AZRG")
        // No grant: no copy.
        #expect(rules.projection(for: "bfv", type: "de.migration.other") == nil)
        #expect(rules.projection(for: "aa", type: "de.migration.t") == nil)
    }

    @Test("a bad rules file is refused, saying why", arguments: [
        ("{\"projections\": [], \"default\": \"full\"}", "version 2"),
        ("{\"version\": 2, \"grants\": [{\"name\": \"g\", \"recipients\": [\"bka\"], \"types\": [\"*\"], \"legalBasis\": \"§ 73 AufenthG\", \"reasoning\": \"r\", \"allow\": []}]}", "allows nothing"),
        ("{\"version\": 2, \"grants\": [{\"name\": \"g\", \"recipients\": [\"bka\"], \"types\": [\"*\"], \"legalBasis\": \"§ 73 AufenthG\", \"reasoning\": \"r\", \"allow\": [\"/data/persons\"], \"withhold\": [\"/data/persons/*/identifiers\"]}]}", "both withheld and allowed"),
        ("{\"version\": 2, \"grants\": [{\"name\": \"g\", \"recipients\": [\"bka\"], \"types\": [\"*\"], \"legalBasis\": \"§ 73 AufenthG\", \"reasoning\": \"r\", \"allow\": [\"/subject\"]}]}", "under /data"),
        ("{\"version\": 2, \"grants\": [{\"name\": \"g\", \"recipients\": [\"bka\"], \"types\": [\"*\"], \"reasoning\": \"r\", \"allow\": [\"/data\"]}]}", "legalBasis"),
    ])
    func refused(_ file: String, _ saying: String) {
        do {
            _ = try ProjectionRules(json: Array(file.utf8))
            Issue.record("accepted: \(file)")
        } catch {
            #expect(error.description.contains(saying), "\(error)")
        }
    }

    @Test("the rules are refused when a route reaches a recipient no grant covers, or a legal basis is not a code")
    func coverageAtLoad() throws {
        let complete = sharedRules.projections
        try RouterRules.checkGrants(complete, catalogue: sharedRules.catalogue, codeLists: sharedRules.schemas.codeLists)
        // Without the grants that cover foreigners' offices, a route to abh.* is uncovered.
        var partial = complete
        partial.projections.removeAll { grant in grant.recipients.contains { $0.description == "abh.*" } }
        #expect(throws: RulesError.self) { try RouterRules.checkGrants(partial, catalogue: sharedRules.catalogue, codeLists: sharedRules.schemas.codeLists) }
        var wrongBasis = complete
        wrongBasis.projections[0].legalBasis = "§ 999 XYZ"
        #expect(throws: RulesError.self) { try RouterRules.checkGrants(wrongBasis, catalogue: sharedRules.catalogue, codeLists: sharedRules.schemas.codeLists) }
    }

    @Test("a copy without a grant is not delivered: the message is unroutable, route.no-grant")
    func noGrantNoCopy() throws {
        var rules = sharedRules
        rules.projections.projections.removeAll { grant in grant.recipients.contains { $0.matches(AgencyID("aa")!) } }
        let pipeline = Pipeline(rules: rules)
        let decision = decide(inbound(try example("visa.application-submitted.v1")).0, with: pipeline)
        guard case .failed(let failure) = decision.kind else {
            Issue.record("routed without a grant for aa: \(decision.kind)")
            return
        }
        #expect(failure.detail == "route.no-grant")
        #expect(failure.retryable == false)
    }
}
