import ArgumentParser
import FedCore
import FedStore
import FedStoreCore
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
        try configuration.validate(source: "the command line")
        warnAboutInlineSecrets(configPath: config ?? "fedreport.yaml")
        return configuration
    }

    /// Opens the configured snapshot store, SQLite or PostgreSQL.
    func openStore(_ configuration: Configuration, readOnly: Bool) throws -> any SnapshotStoring {
        try Stores.open(
            configuration.database, readOnly: readOnly, passwordFile: configuration.databasePasswordFile,
            applicationName: "fedreport \(commandName)")
    }

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
