import ArgumentParser

/// `drehscheibe dead …`: the dead-letter store.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "Inspect, edit, replay and discard dead letters.",
        discussion: """
            The store is --store or $DREHSCHEIBE_STORE (sqlite:PATH or postgres://…; default sqlite:.state/drehscheibe.sqlite). \
            Actions are audited as cli:$USER (or $DREHSCHEIBE_OPERATOR).
            """,
        subcommands: [DeadListCommand.self, DeadShowCommand.self, DeadReplayCommand.self, DeadEditCommand.self, DeadDiscardCommand.self])
}
