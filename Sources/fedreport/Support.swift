import ArgumentParser
import FedCore
import FedRun
import Foundation

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs a command's body and ends the command as its outcome says (README, "Exit codes").
///
/// An error thrown by the body is printed as `error: <message>` and exits with the code of its
/// outcome (``RunOutcome/init(error:)``: 4 for what is not stored, else 1). A usage error
/// (``UsageError`` or `ValidationError`) is left to `Fedreport.main`, which prints it with the
/// command's usage and exits 2.
func guarded(_ body: () throws -> RunOutcome) throws {
    let outcome: RunOutcome
    do {
        outcome = try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        let failed = RunOutcome(error: error)
        if failed == .usage { throw ValidationError(describe(error)) }
        printError("error: \(describe(error))")
        throw ExitCode(failed.exitCode)
    }
    if outcome != .ok { throw ExitCode(outcome.exitCode) }
}

/// Encodes `value` as pretty, key-sorted JSON on stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
