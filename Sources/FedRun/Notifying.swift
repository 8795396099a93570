import FedClient
import FedCore
import FedReports
import Foundation

/// Tells webhooks what a report found. Each URL gets the same body through the querier's
/// transport (its timeouts and retries); a URL that cannot be reached is a warning, since a
/// notification that did not go out must never fail the job or lose its report.
package enum Notifying {
    /// POSTs `summary` to each of `urls`, when it has findings. Returns how many URLs took it.
    @discardableResult
    package static func send(
        _ summary: NotificationSummary, to urls: [String], context: RunContext, reporter: any RunReporter
    ) -> Int {
        guard !summary.findings.isEmpty, !urls.isEmpty else {
            if !urls.isEmpty { reporter.say(.detail, "nothing new to notify about") }
            return 0
        }
        let notifier = Notifier(options: NotifierOptions(querier: context.configuration.querier), logger: context.logger)
        let body = summary.payload()
        var sent = 0
        for url in urls {
            do {
                let status = try notifier.post(json: body, to: url)
                sent += 1
                reporter.say(.detail, "notified \(Notifier.redacted(url)) of \(summary.findings.count) finding(s): HTTP \(status)")
            } catch {
                reporter.say(
                    .warning,
                    "The notification of \(summary.findings.count) finding(s) did not go out: \(describe(error)) "
                        + "The report is written all the same.")
            }
        }
        return sent
    }
}
