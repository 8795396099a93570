import ArgumentParser
import FedCore
import FedReports
import Foundation

/// Exit codes, documented in the README; stable.
enum Exit {
    static let ok: Int32 = 0
    static let error: Int32 = 1
    static let usage: Int32 = 2
    static let regression: Int32 = 3
    static let noSnapshots: Int32 = 4
    static let partial: Int32 = 5
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

/// The exit code of a comparison error: 4 when a requested build or baseline has no snapshots.
func reportExit(_ error: any Error) -> Int32? {
    guard let e = error as? CompareError else { return nil }
    switch e {
    case .unknownBuild, .noSnapshots, .unknownBaselineBuild, .unknownDistribution: return Exit.noSnapshots
    default: return nil
    }
}

func describe(_ error: any Error) -> String {
    if let e = error as? LocalizedError, let text = e.errorDescription { return text }
    return "\(error)"
}

/// Parses RFC 3339, a plain date (midnight UTC), Unix seconds, `now` or `now±<duration>` into milliseconds.
func parseTime(_ text: String, option: String, now: TimestampMs = Int64(Date().timeIntervalSince1970 * 1000)) throws -> TimestampMs {
    if let seconds = Double(text), seconds.isFinite { return Int64((seconds * 1000).rounded()) }
    // `now`, `now-6h`, `now+30m`: relative to the moment the command runs.
    if text == "now" { return now }
    if text.hasPrefix("now-") || text.hasPrefix("now+"), let d = PromDuration.parse(String(text.dropFirst(4))) {
        return text.hasPrefix("now-") ? now - d.milliseconds : now + d.milliseconds
    }
    // A plain date is its midnight UTC.
    if text.count == 10, let d = ISO8601DateFormatter().date(from: text + "T00:00:00Z") {
        return Int64((d.timeIntervalSince1970 * 1000).rounded())
    }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = formatter.date(from: text) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    formatter.formatOptions = [.withInternetDateTime]
    if let d = formatter.date(from: text) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    throw ValidationError(
        "\(option) '\(text)' is not a time: give RFC 3339 (2026-11-01T00:00:00Z), a date (2026-11-01, midnight UTC), Unix seconds (1793491200), now or now-6h."
    )
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

/// Encodes `value` as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
