import CaseModel
import Foundation

/// Everything the pipeline decides by, loaded from the Schemas/ directory: the catalogue
/// (producers, routing rules, upcasts), the compiled schemas and code lists, and the
/// projection rules, the statutory periods the hub keeps. Immutable; a reload builds a new value
/// and swaps it in whole.
public struct RouterRules: Sendable {
    public var schemas: CaseSchemas
    public var projections: ProjectionRules
    /// Which requests open a deadline and which answers close one (rules/deadlines.json).
    public var deadlines: DeadlineRules
    public var catalogue: EventCatalogue { schemas.catalogue }
    public var upcaster: Upcaster
    public let loadedAt: Date
    public let directory: URL

    public init(schemas: CaseSchemas, projections: ProjectionRules, deadlines: DeadlineRules, directory: URL) {
        self.schemas = schemas
        self.projections = projections
        self.deadlines = deadlines
        self.upcaster = Upcaster(catalogue: schemas.catalogue)
        self.loadedAt = Date()
        self.directory = directory
    }

    /// Loads and checks everything; throws a `RulesError` saying what is wrong, so a broken
    /// file is refused and the rules in force stay.
    public static func load(from directory: URL) throws -> RouterRules {
        let schemas: CaseSchemas
        do {
            schemas = try CaseSchemas(directory: directory)
        } catch {
            throw RulesError("Schemas in \(directory.path): \(error)")
        }
        let projectionFile = directory.appendingPathComponent("rules/projections.json")
        let projections: ProjectionRules
        do {
            projections = try ProjectionRules(json: Array(try Data(contentsOf: projectionFile)))
        } catch let error as RulesError {
            throw RulesError("\(projectionFile.path): \(error)")
        } catch {
            throw RulesError("\(projectionFile.path): cannot read (\(error))")
        }
        try checkGrants(projections, catalogue: schemas.catalogue, codeLists: schemas.codeLists)
        let deadlines: DeadlineRules
        do {
            deadlines = try DeadlineRules(directory: directory)
        } catch {
            throw RulesError("Deadline rules in \(directory.path): \(error)")
        }
        for rule in deadlines.rules {
            for name in [rule.opensWith] + rule.stoppedBy + rule.withdrawnBy where schemas.catalogue.entry(named: name) == nil {
                throw RulesError("rules/deadlines.json: \(rule.id) names \(name), which the catalogue lacks")
            }
            guard let deemed = EventTypeName(rule.deemedEvent), schemas.catalogue.version(of: deemed) != nil else { throw RulesError("rules/deadlines.json: \(rule.id) names the deemed event \(rule.deemedEvent), which the catalogue lacks") }
        }
        return RouterRules(schemas: schemas, projections: projections, deadlines: deadlines, directory: directory)
    }

    /// Fail closed at load: every grant's legal basis is a code of the legal-purpose list, and
    /// every recipient a route of the catalogue can reach has a grant for the type (a route to
    /// `abh.*` needs a grant covering every office, not one of them).
    static func checkGrants(_ projections: ProjectionRules, catalogue: EventCatalogue, codeLists: CodeLists) throws {
        guard let purposes = codeLists["legal-purpose"] else { throw RulesError("codelists/legal-purpose.json is missing") }
        for grant in projections.projections where !purposes.contains(grant.legalBasis) {
            throw RulesError("rules/projections.json: the legal basis '\(grant.legalBasis)' of grant \(grant.name) is not in codelists/legal-purpose.json")
        }
        for entry in catalogue.entries {
            for route in entry.routing {
                // A wildcard route is checked with an office no grant names by itself, and with
                // every Land for lpol.*, lfv.* and ae.* (their instances are the Länder).
                let samples = route.to.agency.map { [$0.rawValue] }
                    ?? (AgencyID.landKinds.contains(route.to.kind) ? AgencyID.laender.sorted().map { "\(route.to.kind).\($0)" } : ["\(route.to.kind).zz-any"])
                for sample in samples where projections.projection(for: sample, type: entry.current.type.name) == nil {
                    throw RulesError("rules/projections.json: no grant lets \(sample) receive \(entry.current.type.name), which the catalogue routes to \(route.to)")
                }
            }
        }
    }
}
