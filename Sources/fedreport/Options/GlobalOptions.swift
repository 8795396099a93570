import ArgumentParser
import FedCore
import FedRun
import Foundation
import Logging

/// Options every command that talks to the querier or the database shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: fedreport.yaml in the current folder, if present).")
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "SQLite file or postgres://user@host:port/db URL (overrides FEDREPORT_DATABASE_URL and database:).",
            discussion: "The PostgreSQL password comes from PGPASSWORD or database_password_file, never from here."))
    var database: String?

    @Option(name: .long, help: "Querier base URL (overrides querier.url).")
    var url: String?

    @Flag(name: .shortAndLong, help: "Log each request and decision on stderr.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Only errors on stderr.")
    var quiet = false

    func validate() throws {
        // Checked here, while the arguments are parsed, so that a bad value is a usage error of
        // the flag, not of a file.
        guard let url, let problem = Configuration.querierURLProblem(url) else { return }
        // A password is not echoed back.
        if Configuration.hasCredentials(url) { throw ValidationError("--url must be \(problem).") }
        throw ValidationError("--url '\(url)' is not \(problem).")
    }

    /// The configuration: file, then the environment (`FEDREPORT_DATABASE_URL`), then flags.
    func load() throws -> Configuration {
        var configuration: Configuration
        if let path = config {
            configuration = try Configuration.load(path: path)
        } else if FileManager.default.fileExists(atPath: "fedreport.yaml") {
            configuration = try Configuration.load(path: "fedreport.yaml")
        } else {
            configuration = Configuration()
        }
        if let url = ProcessInfo.processInfo.environment["FEDREPORT_DATABASE_URL"], !url.isEmpty {
            configuration.database = url
        }
        if let database { configuration.database = database }
        if let url { configuration.querier.url = url }
        warnAboutInlineSecrets(configPath: config ?? "fedreport.yaml")
        return configuration
    }

    /// What a run needs besides its own settings: the configuration as `load` reads it, changed
    /// by `adjust` (the flags of a command that override keys), this command's clock and logger.
    func context(adjusting adjust: (inout Configuration) -> Void = { _ in }) throws -> RunContext {
        var configuration = try load()
        adjust(&configuration)
        return RunContext(
            configuration: configuration, configPath: config, environment: ProcessInfo.processInfo.environment, now: Clock.now,
            applicationName: "fedreport \(commandName)", logger: logger())
    }

    /// Prints what a run says, as --quiet and --verbose ask.
    var printer: Printer { Printer(quiet: quiet && !verbose, verbose: verbose) }

    /// The command's name, for `application_name` on PostgreSQL (what `pg_stat_activity` and a
    /// refused claim show).
    private var commandName: String {
        CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") } ?? "fedreport"
    }

    func logger(_ label: String = "fedreport") -> Logger {
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: label)
        logger.logLevel = verbose ? .debug : (quiet ? .error : .notice)
        return logger
    }

    /// A config file readable by others that holds a token gets a warning.
    private func warnAboutInlineSecrets(configPath: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: configPath),
            let mode = attributes[.posixPermissions] as? Int, mode & 0o044 != 0,
            let text = try? String(contentsOfFile: configPath, encoding: .utf8),
            text.range(of: #"(?im)^\s*(bearer_token|token|password)\s*:\s*\S"#, options: .regularExpression) != nil
        else { return }
        printError(
            "warning: \(configPath) seems to hold a secret and is readable by other users; chmod 600 it, or use querier.bearer_token_file.")
    }
}
