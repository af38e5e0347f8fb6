import ArgumentParser

/// The one command-line tool of Drehscheibe: router, adapters, operations and validation (the benchmarks are drehscheibe-bench).
@main
struct Drehscheibe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drehscheibe",
        abstract: "AMQP integration broker for German migration administration.",
        discussion: """
            Connection options default to the environment: DREHSCHEIBE_AMQP_URL \
            (amqp[s]://user:pass@host:port/vhost).
            """,
        subcommands: [
            RouterCommand.self,
            AdapterCommand.self,
            DemoCommand.self,
            Publish.self,
            Consume.self,
            Validate.self,
            Schemas.self,
            DeadlineCommand.self,
            QueuesCommand.self,
            DeadCommand.self,
            TraceCommand.self,
            AuditCommand.self,
            OpsCommand.self,
        ]
    )
}
