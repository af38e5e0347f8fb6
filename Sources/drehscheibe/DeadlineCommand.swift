import ArgumentParser
import CaseModel
import Foundation

/// `drehscheibe deadline`: the statutory periods the hub keeps (Schemas/rules/deadlines.json).
struct DeadlineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deadline",
        abstract: "Statutory periods: compute a due date, list the rules with their legal basis, list the periods the hub keeps.",
        subcommands: [DeadlineCompute.self, DeadlineRulesList.self, DeadlineList.self]
    )

    static func rules(_ schemas: String?) throws -> DeadlineRules {
        guard let directory = schemas.map({ URL(fileURLWithPath: $0) }) ?? CaseSchemas.locate() else {
            throw ValidationError("no Schemas/ directory found here or above; pass --schemas DIR or set \(CaseSchemas.environmentVariable)")
        }
        do { return try DeadlineRules(directory: directory) } catch { throw ValidationError("\(error)") }
    }
}

/// `drehscheibe deadline compute --rule RULE --start TIMESTAMP --agency AGENCY`: one JSON object.
struct DeadlineCompute: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute",
        abstract: "When a period ends: the last day and instant (Europe/Berlin) and the days skipped (§ 193 BGB).",
        discussion: "Prints one JSON object: dueDate (YYYY-MM-DD), due (RFC 3339, Europe/Berlin), skipped days with their reason, the legal basis.")

    @Option(help: "The rule id, e.g. beschv-36-2 (drehscheibe deadline rules lists them).") var rule: String
    @Option(help: "When the hub received the request, RFC 3339 (e.g. 2026-03-05T10:15:00+01:00).") var start: String
    @Option(help: "The agency that must act, e.g. ba or abh.muenchen: its seat decides the holidays.") var agency: String
    @Option(help: ArgumentHelp("The contract directory (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).", valueName: "DIR")) var schemas: String?

    func run() throws {
        let rules = try DeadlineCommand.rules(schemas)
        guard let definition = rules.rule(rule) else {
            throw ValidationError("no rule \(rule) (known: \(rules.rules.map(\.id).joined(separator: ", ")))")
        }
        let parser = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let received = parser.date(from: start) ?? fractional.date(from: start) else {
            throw ValidationError("--start must be an RFC 3339 timestamp with an offset, e.g. 2026-03-05T10:15:00+01:00")
        }
        let seat = rules.seats.seat(of: agency)
        let period = LegalPeriod.compute(definition, received: received, seat: seat, holidays: rules.holidays)
        var object: JSONObject = [
            "rule": .string(definition.id),
            "legalBasis": .string(definition.legalBasis),
            "agency": .string(agency),
            "received": .string(LegalPeriod.berlinTimestamp(received)),
            "receivedOn": .string(period.receivedOn.description),
            "period": .string("\(definition.value) \(definition.unit.rawValue)"),
            "nominalLastDay": .string(period.nominalLastDay.description),
            "dueDate": .string(period.dueDate.description),
            "due": .string(LegalPeriod.berlinTimestamp(period.due)),
            "skipped": .array(period.skipped.map { .object(["date": .string($0.date.description), "reason": .string($0.reason)]) }),
            "effectOfSilence": .string(definition.effectOfSilence),
        ]
        if let seat {
            object["land"] = .string(seat.land)
            if let municipality = seat.municipality { object["municipality"] = .string(municipality) }
        } else {
            object["note"] = "the agency's seat is not in codelists/agency-seat.json: nationwide holidays only"
        }
        print(String(decoding: JSONValue.object(object).serialized(), as: UTF8.self))
    }
}

/// `drehscheibe deadline rules`: the rules with their period, actor and legal basis.
struct DeadlineRulesList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "List the statutory periods the hub keeps, with their legal basis.")

    @Option(help: ArgumentHelp("The contract directory (default: $DREHSCHEIBE_SCHEMAS or ./Schemas).", valueName: "DIR")) var schemas: String?

    func run() throws {
        for rule in try DeadlineCommand.rules(schemas).rules {
            print("\(rule.id): \(rule.value) \(rule.unit.rawValue), opened by \(rule.opensWith), to act: \(rule.actor)")
            print("  \(rule.procedure)")
            print("  silence: \(rule.effectOfSilence)")
            print("  legal basis: \(rule.legalBasis)")
        }
    }
}
