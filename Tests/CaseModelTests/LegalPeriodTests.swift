import CaseModel
import Foundation
import Testing
import TestSupport

/// Statutory periods counted as §§ 187–193 BGB and VO 1182/71 count them, against worked
/// examples: year ends, Easter, holidays of one Land only, daylight-saving changes.
@Suite("Legal periods (pure)")
struct LegalPeriodTests {
    static let rules: DeadlineRules = {
        do { return try DeadlineRules(directory: TestBroker.packageRoot.appendingPathComponent("Schemas")) } catch { fatalError("\(error)") }
    }()

    func compute(_ rule: String, _ received: String, _ agency: String) throws -> LegalPeriod {
        let rules = Self.rules
        let formatter = ISO8601DateFormatter()
        let instant = try #require(formatter.date(from: received), "\(received)")
        return LegalPeriod.compute(try #require(rules.rule(rule)), received: instant, seat: rules.seats.seat(of: agency), holidays: rules.holidays)
    }

    @Test("Easter Sunday by the Gregorian computus", arguments: [
        (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"), (2038, "2038-04-25"),
        (2285, "2285-03-22"), (1943, "1943-04-25"), (2000, "2000-04-23"),
    ])
    func easter(year: Int, date: String) {
        #expect(CivilDate.easterSunday(year).description == date)
    }

    @Test("the four rules are read with their legal basis")
    func rules() {
        #expect(Set(Self.rules.rules.map(\.id)) == ["beschv-36-2", "beschv-36-2-fast-track", "aufenthv-31-1", "visakodex-22"])
        #expect(Self.rules.rule("beschv-36-2")?.days == 14)
        #expect(Self.rules.rule("beschv-36-2-fast-track")?.days == 7)
        #expect(Self.rules.rule("aufenthv-31-1")?.days == 10)
        #expect(Self.rules.rule("visakodex-22")?.counting == .eu118271)
        #expect(Self.rules.rules.allSatisfy { !$0.legalBasis.isEmpty })
    }

    @Test("two weeks from a Thursday end on the Thursday two weeks on, at midnight Berlin time")
    func plainWeeks() throws {
        let period = try compute("beschv-36-2", "2026-03-05T10:15:00+01:00", "ba")
        #expect(period.receivedOn.description == "2026-03-05")
        #expect(period.dueDate.description == "2026-03-19")
        #expect(LegalPeriod.berlinTimestamp(period.due) == "2026-03-19T23:59:59+01:00")
        #expect(period.skipped.isEmpty)
    }

    @Test("over the year's end: New Year's Day and the weekend after it move the end to Monday")
    func yearEnd() throws {
        let period = try compute("beschv-36-2", "2026-12-18T09:00:00+01:00", "ba")
        #expect(period.nominalLastDay.description == "2027-01-01")
        #expect(period.dueDate.description == "2027-01-04")
        #expect(period.skipped.map(\.date.description) == ["2027-01-01", "2027-01-02", "2027-01-03"])
        #expect(period.skipped.first?.reason == "Neujahr")
    }

    @Test("Easter: Good Friday, the weekend and Easter Monday")
    func easterWeekend() throws {
        let period = try compute("aufenthv-31-1", "2026-03-24T14:00:00+01:00", "abh.berlin")
        #expect(period.nominalLastDay.description == "2026-04-03")
        #expect(period.dueDate.description == "2026-04-07")
        #expect(period.skipped.map(\.reason) == ["Karfreitag", "Samstag", "Sonntag", "Ostermontag"])
        #expect(LegalPeriod.berlinTimestamp(period.due) == "2026-04-07T23:59:59+02:00")
    }

    @Test("Corpus Christi is a holiday in Bavaria but not in Berlin")
    func landOnly() throws {
        let munich = try compute("aufenthv-31-1", "2026-05-25T08:00:00+02:00", "abh.muenchen")
        let berlin = try compute("aufenthv-31-1", "2026-05-25T08:00:00+02:00", "abh.berlin")
        #expect(munich.nominalLastDay.description == "2026-06-04")
        #expect(munich.dueDate.description == "2026-06-05")
        #expect(munich.skipped.map(\.reason) == ["Fronleichnam"])
        #expect(berlin.dueDate.description == "2026-06-04")
    }

    @Test("holidays of a Land and of a municipality: Women's Day in Berlin, Assumption in Munich but not in Nuremberg")
    func municipalities() throws {
        #expect(try compute("aufenthv-31-1", "2027-02-26T10:00:00+01:00", "abh.berlin").dueDate.description == "2027-03-09")
        #expect(try compute("aufenthv-31-1", "2027-02-26T10:00:00+01:00", "abh.koeln").dueDate.description == "2027-03-08")
        #expect(try compute("aufenthv-31-1", "2029-08-05T10:00:00+02:00", "abh.muenchen").dueDate.description == "2029-08-16")
        #expect(try compute("beschv-36-2-fast-track", "2029-08-08T10:00:00+02:00", "ba").dueDate.description == "2029-08-15")
    }

    @Test("the day of receipt is the Berlin date: 00:30 in Berlin is the day before in UTC; daylight saving starts and ends")
    func daylightSaving() throws {
        // 2026-03-28T23:30:00Z is 00:30 on 29 March in Berlin (CET), the night the clocks go forward.
        let spring = try compute("visakodex-22", "2026-03-28T23:30:00Z", "bka")
        #expect(spring.receivedOn.description == "2026-03-29")
        #expect(spring.nominalLastDay.description == "2026-04-05")
        #expect(spring.dueDate.description == "2026-04-07")
        #expect(LegalPeriod.berlinTimestamp(spring.due) == "2026-04-07T23:59:59+02:00")
        // Received the evening before the clocks go back; the period ends in winter time.
        let autumn = try compute("visakodex-22", "2026-10-24T21:30:00Z", "bfv")
        #expect(autumn.receivedOn.description == "2026-10-24")
        #expect(autumn.dueDate.description == "2026-11-02")
        // All Saints fell on a Sunday: the holiday is named.
        #expect(autumn.skipped.map(\.reason) == ["Samstag", "Allerheiligen"])
        #expect(LegalPeriod.berlinTimestamp(autumn.due) == "2026-11-02T23:59:59+01:00")
    }

    @Test("an agency whose seat is unknown counts nationwide holidays only; a Landespolizei sits in its Land")
    func seats() throws {
        #expect(Self.rules.seats.seat(of: "lpol.by")?.land == "DE-BY")
        #expect(Self.rules.seats.seat(of: "av.lagos") == nil)
        #expect(try compute("aufenthv-31-1", "2026-05-25T08:00:00+02:00", "av.lagos").dueDate.description == "2026-06-04")
    }
}
