import ArgumentParser
import FedCore

/// How a collect run behaves toward other runs and the clock, shared by `collect` and `nightly`.
struct RunOptions: ParsableArguments {
    @Flag(help: "Wait for a running collect to finish instead of exiting.")
    var wait = false

    @Option(help: "Give up on requests after this long, e.g. 4h (default: collect.deadline).", transform: Read.duration("--deadline"))
    var deadline: PromDuration?

    func apply(to configuration: inout Configuration) {
        if let deadline { configuration.collect.deadline = deadline }
    }
}
