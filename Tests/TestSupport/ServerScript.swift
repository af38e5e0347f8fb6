import Foundation

/// A private server the tests start through one of the project's scripts
/// (`deploy/local/broker`, `deploy/ops/postgres`: `start` prints the URL as its last line), or
/// the one an environment variable names when the test command started it already.
struct ServerScript: Sendable {
    /// The script, relative to the package root.
    var path: String
    /// The environment variable that selects the script's instance, and the instance.
    var instanceVariable: String
    var instance: String

    /// Runs the script with `arguments` for this instance; its output, or an error with stderr.
    func run(_ arguments: [String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment[instanceVariable] = instance
        let result = try Command.run(TestBroker.packageRoot.appendingPathComponent(path).path, arguments, environment: environment)
        guard result.status == 0 else {
            throw TestBrokerError(message: "\(path) \(arguments.joined(separator: " ")) exited \(result.status): \(result.errorOutput)")
        }
        return result.output
    }

    /// The URL in `variable` if set, else the one `start` prints (it must begin with `scheme`).
    func started(unless variable: String, scheme: String) -> Result<String, TestBrokerError> {
        if let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty {
            return .success(url)
        }
        do {
            let output = try run(["start"])
            guard let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix(scheme) else {
                return .failure(TestBrokerError(message: "\(path) start printed no URL:\n\(output)"))
            }
            return .success(url)
        } catch let error as TestBrokerError {
            return .failure(error)
        } catch {
            return .failure(TestBrokerError(message: "\(error)"))
        }
    }
}
