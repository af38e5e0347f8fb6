import AMQP
import ArgumentParser

struct BenchAMQP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "amqp", abstract: "Swift client vs a plain C loop over librabbitmq.")
    func run() async throws { throw ValidationError("not yet implemented") }
}
