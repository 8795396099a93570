import FedCore
import Foundation
import Logging

/// How a ``Notifier`` sends: the transport's TLS settings and timeouts, and how often it retries.
package struct NotifierOptions: Sendable {
    /// TLS (`caFile`, `clientCertFile`, `clientKeyFile`, `insecureSkipTLSVerify`), timeouts, extra
    /// headers and a bearer token, as for the querier.
    package var transport: TransportOptions
    /// Retries after a failure a retry may cure (0 to 20).
    package var retries: Int
    /// The ceiling of the first backoff delay, in seconds; it doubles up to 30 s.
    package var backoffBase = 0.5

    package init(transport: TransportOptions = TransportOptions(), retries: Int = 4) {
        self.transport = transport
        self.transport.gzip = false
        self.retries = retries
    }

    /// The querier's timeouts and retries. Not its token, headers or TLS files: a webhook is
    /// another server (Slack, a chat bridge) that must never see the querier's token and
    /// whose certificate the querier's CA (often the cluster's service CA) did not sign.
    package init(querier: Configuration.Querier) {
        var t = TransportOptions()
        t.connectTimeout = querier.connectTimeout
        t.timeout = querier.timeout
        self.init(transport: t, retries: querier.retries)
    }
}

/// POSTs JSON to webhooks (`report.notify`, `--notify`) through the querier client's libcurl
/// transport, with its TLS options and timeouts, retrying connection failures, 408, 429 and 5xx
/// with the same backoff. A failure is a ``NotifyError`` for the caller to print as a warning:
/// a notification that did not go out must never fail a job or lose its report.
package struct Notifier: Sendable {
    package let options: NotifierOptions
    private let logger: Logger

    package init(options: NotifierOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Statuses a later attempt may get past.
    static let retryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// POSTs `body` as `application/json` to `url` until a 2xx answer, and returns that status.
    /// Throws ``NotifyError`` once the attempts are spent or the failure is one a retry cannot
    /// cure (another 4xx, a TLS error). Messages show the URL without its path, where webhooks
    /// keep their secret.
    @discardableResult
    package func post(json body: [UInt8], to url: String) throws -> Int {
        let shown = Self.redacted(url)
        let schedule = Backoff(base: options.backoffBase)
        var failures = 0
        while true {
            var retryAfter: String?
            let error: NotifyError
            do {
                let handle = try CurlHandle()
                let response = try handle.perform(
                    url: url, method: "POST", body: body, contentType: "application/json", options: options.transport,
                    accept: { _, _ in false }, consume: { _ in })
                if (200..<300).contains(response.status) { return response.status }
                retryAfter = response.retryAfter
                error = .http(status: response.status, body: snippetText(response.snippet), url: shown, attempts: failures + 1)
            } catch let failure as TransportFailure {
                error = .transport(code: failure.code, message: failure.message, url: shown, attempts: failures + 1)
            }
            guard error.isRetryable, failures < options.retries else { throw error }
            failures += 1
            var delay = schedule.delay(failures)
            // A receiver that asks for more than the backoff's cap would hold the job up for it.
            if let retryAfter, let seconds = Backoff.retryAfter(retryAfter) { delay = min(seconds, schedule.cap) }
            logger.notice(
                "retrying the notification to \(shown) in \(String(format: "%.1f", delay)) s (\(failures + 1)/\(options.retries + 1)): \(error.shortCause)"
            )
            Thread.sleep(forTimeInterval: delay)
        }
    }

    /// `https://hooks.slack.com/…`: scheme, host and port only.
    package static func redacted(_ url: String) -> String {
        guard let c = URLComponents(string: url), let scheme = c.scheme, let host = c.host else { return "(the webhook URL)" }
        let port = c.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)" + (c.path.isEmpty || c.path == "/" ? "" : "/…")
    }
}

/// Why a notification was not delivered.
package enum NotifyError: Error, LocalizedError, Equatable {
    /// The receiver answered with a status outside 2xx.
    case http(status: Int, body: String, url: String, attempts: Int)
    /// The exchange did not complete (refused, timed out, TLS).
    case transport(code: Int, message: String, url: String, attempts: Int)

    package var isRetryable: Bool {
        switch self {
        case .http(let status, _, _, _): Notifier.retryableStatuses.contains(status)
        case .transport(let code, _, _, _): TransportFailure(code: code, message: "", bytesReceived: 0).isRetryable
        }
    }

    /// The cause in a few words: `HTTP 500`, `could not connect`, `timed out`.
    package var shortCause: String {
        switch self {
        case .http(let status, _, _, _): "HTTP \(status)"
        case .transport(let code, _, _, _): QueryError.transportCause(code: code)
        }
    }

    package var errorDescription: String? {
        switch self {
        case .http(let status, let body, let url, let attempts):
            "The notification to \(url) was not delivered: HTTP \(status)\(body.isEmpty ? "" : " (\(body))")"
                + "\(Self.after(attempts)). \(Self.hint(status: status))"
        case .transport(let code, let message, let url, let attempts):
            "The notification to \(url) was not delivered: \(message) (libcurl error \(code))\(Self.after(attempts)). "
                + Self.hint(code: code)
        }
    }

    private static func after(_ attempts: Int) -> String { attempts > 1 ? " after \(attempts) attempts" : "" }

    private static func hint(status: Int) -> String {
        switch status {
        case 404, 410: "The webhook does not exist (any more): check the URL in report.notify or --notify."
        case 400, 422: "The receiver refused the message: check that the URL is an incoming webhook that takes JSON."
        case 401, 403: "The receiver wants credentials the request did not carry: check the webhook URL."
        default: "The receiver is failing: the report is written; it can be sent again by running the report again."
        }
    }

    private static func hint(code: Int) -> String {
        switch code {
        case 6: "The host name does not resolve: check the URL in report.notify or --notify."
        case 7: "Nothing listens there: check the URL in report.notify or --notify, and HTTPS_PROXY if the job needs a proxy."
        case 28: "No answer within querier.timeout: the receiver is slow or unreachable."
        case 35, 51, 58, 59, 60, 77, 83, 90, 91: "TLS failed: the webhook's certificate is not one this host trusts."
        default: "Check the network path to the receiver."
        }
    }
}
