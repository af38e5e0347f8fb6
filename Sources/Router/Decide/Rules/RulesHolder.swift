import Foundation
import Logging
import Synchronization

/// The rules in force. Workers read the current value per message; a reload replaces it
/// whole, so a message is always routed by one consistent set of rules and none is dropped.
public final class RulesHolder: Sendable {
    private let current: Mutex<Pipeline>

    public init(_ pipeline: Pipeline) { current = Mutex(pipeline) }

    public var pipeline: Pipeline { current.withLock { $0 } }

    /// Loads the rules again; on error the old rules stay and the error says why.
    @discardableResult
    public func reload(logger: Logger) -> Result<Void, RulesError> {
        let (directory, configuration) = current.withLock { ($0.rules.directory, $0.configuration) }
        do {
            let rules = try RouterRules.load(from: directory)
            current.withLock { $0 = Pipeline(rules: rules, configuration: configuration) }
            logger.notice("routing rules reloaded", metadata: ["rules.directory": "\(directory.path)"])
            return .success(())
        } catch let error as RulesError {
            logger.error("routing rules refused; the previous rules stay in force", metadata: ["rules.error": "\(error)"])
            return .failure(error)
        } catch {
            let wrapped = RulesError("\(error)")
            logger.error("routing rules refused; the previous rules stay in force", metadata: ["rules.error": "\(wrapped)"])
            return .failure(wrapped)
        }
    }
}
