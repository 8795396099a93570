import ArgumentParser
import FedClient
import FedCollect
import FedCore
import FedStore
import Foundation
import Logging

/// Exit codes, documented in the README; stable.
enum Exit {
    static let ok: Int32 = 0
    static let error: Int32 = 1
    static let usage: Int32 = 2
    static let regression: Int32 = 3
    static let noSnapshots: Int32 = 4
    static let partial: Int32 = 5
}

/// Options every command that talks to the querier or the database shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: fedreport.yaml in the current folder, if present).")
    var config: String?

    @Option(name: .long, help: "SQLite database (overrides database: in the configuration).")
    var database: String?

    @Option(name: .long, help: "Querier base URL (overrides querier.url).")
    var url: String?

    @Flag(name: .shortAndLong, help: "Log each request and decision on stderr.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Only errors on stderr.")
    var quiet = false

    /// The configuration: file, then flags.
    func load() throws -> Configuration {
        var configuration: Configuration
        if let path = config {
            configuration = try Configuration.load(path: path)
        } else if FileManager.default.fileExists(atPath: "fedreport.yaml") {
            configuration = try Configuration.load(path: "fedreport.yaml")
        } else {
            configuration = Configuration()
        }
        if let database { configuration.database = database }
        if let url { configuration.querier.url = url }
        try configuration.validate(source: "the command line")
        warnAboutInlineSecrets(configPath: config ?? "fedreport.yaml")
        return configuration
    }

    func logger(_ label: String = "fedreport") -> Logger {
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: label)
        logger.logLevel = verbose ? .debug : (quiet ? .error : .warning)
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

extension LoggingSystem {
    private static let once: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }()

    static func bootstrapOnce() { _ = once }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs `body`, turning errors into a message on stderr and an exit code.
func guarded(_ body: () throws -> Int32) throws {
    let code: Int32
    do {
        code = try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        printError("error: \(describe(error))")
        throw ExitCode(reportExit(error) ?? Exit.error)
    }
    if code != Exit.ok { throw ExitCode(code) }
}

func describe(_ error: any Error) -> String {
    if let e = error as? LocalizedError, let text = e.errorDescription { return text }
    return "\(error)"
}

/// Parses RFC 3339 or Unix seconds into milliseconds.
func parseTime(_ text: String, option: String) throws -> TimestampMs {
    if let seconds = Double(text), seconds.isFinite { return Int64((seconds * 1000).rounded()) }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = formatter.date(from: text) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    formatter.formatOptions = [.withInternetDateTime]
    if let d = formatter.date(from: text) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    throw ValidationError("\(option) '\(text)' is not a time: give RFC 3339 (2026-11-01T00:00:00Z) or Unix seconds (1793491200).")
}

func parseDurationOption(_ text: String, option: String) throws -> PromDuration {
    guard let d = PromDuration.parse(text) else {
        throw ValidationError("\(option) '\(text)' is not a duration: write e.g. 30s, 5m, 24h or 1h30m.")
    }
    return d
}

func formatTime(_ ms: TimestampMs) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

/// A plain text table for the terminal.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
}

/// Encodes `value` as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
