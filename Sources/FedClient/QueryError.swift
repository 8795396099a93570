import FedCore
import Foundation

/// Why a request to the querier failed, with the fix a user is most likely to need.
package enum QueryError: Error, LocalizedError, Sendable {
    /// The server answered with an error status (JSON `status: error` or a proxy's page).
    case http(status: Int, errorType: String?, error: String?, body: String?, query: String, url: String)
    /// The exchange did not complete (refused, reset, timed out, TLS).
    case transport(code: Int, message: String, query: String, url: String, bytesReceived: Int)
    /// The body was not a valid Prometheus API response.
    case malformed(problem: String, offset: Int, query: String, url: String)
    /// `status: error` in a 200 answer, or a response without `status: success`.
    case apiError(errorType: String?, error: String?, query: String, url: String)
    /// The run's deadline passed before the request could be made or retried.
    case deadlineExceeded(query: String)
    /// Bad local settings (token file, URL).
    case setup(String)
    /// A 401 to the token from `file`, and the file still holds that token.
    case tokenRejected(file: String, query: String, url: String)
    /// A proxy refused the POST (403 or 405 without an API error) and `querier.method` is `post`.
    case methodRefused(status: Int, body: String?, query: String, url: String)
    /// The query does not fit in a GET URL, and GET is the only method left.
    case urlTooLong(bytes: Int, query: String, url: String, postRefused: Bool)

    package var query: String? {
        switch self {
        case .http(_, _, _, _, let q, _), .transport(_, _, let q, _, _), .malformed(_, _, let q, _),
            .apiError(_, _, let q, _), .deadlineExceeded(let q), .tokenRejected(_, let q, _), .methodRefused(_, _, let q, _),
            .urlTooLong(_, let q, _, _):
            q
        case .setup: nil
        }
    }

    /// The run's deadline passed: what completed is kept as partial.
    package var isDeadline: Bool {
        if case .deadlineExceeded = self { return true }
        return false
    }

    /// No complete answer within the request's timeout.
    package var isTimeout: Bool {
        if case .transport(let code, _, _, _, _) = self { return TransportFailure(code: code, message: "", bytesReceived: 0).isTimeout }
        return false
    }

    /// Whether a retry may succeed.
    package var isRetryable: Bool {
        switch self {
        case .http(let status, _, _, _, _, _): [429, 502, 503, 504].contains(status)
        case .transport(let code, _, _, _, _): TransportFailure(code: code, message: "", bytesReceived: 0).isRetryable
        default: false
        }
    }

    /// The cause in a few words, for the one-line notice of a retry: `could not connect`,
    /// `HTTP 503`, `timed out`. The full explanation with its fix is `errorDescription`.
    package var shortCause: String {
        switch self {
        case .http(let status, let errorType, _, _, _, _): return "HTTP \(status)\(errorType.map { " \($0)" } ?? "")"
        case .transport(let code, _, _, _, _): return QueryError.transportCause(code: code)
        case .malformed(_, let offset, _, _): return "malformed answer at byte \(offset)"
        case .apiError(let errorType, _, _, _): return "API error\(errorType.map { " \($0)" } ?? "")"
        case .deadlineExceeded: return "deadline passed"
        case .setup: return "bad settings"
        case .tokenRejected: return "token rejected (HTTP 401)"
        case .methodRefused(let status, _, _, _): return "POST refused (HTTP \(status))"
        case .urlTooLong(let bytes, _, _, _): return "GET URL of \(bytes) bytes too long"
        }
    }

    static func transportCause(code: Int) -> String {
        switch code {
        case 5: return "proxy host not resolved"
        case 6: return "host not resolved"
        case 7: return "could not connect"
        case 16, 92: return "HTTP/2 error"
        case 18: return "answer cut short"
        case 28: return "timed out"
        case 35: return "TLS handshake failed"
        case 52: return "empty reply"
        case 55: return "send failed"
        case 56: return "connection dropped"
        default: return "libcurl error \(code)"
        }
    }

    package var errorDescription: String? {
        switch self {
        case .http(let status, let errorType, let error, let body, let query, let url):
            var text = "The querier at \(url) answered HTTP \(status)"
            if let errorType { text += " (\(errorType))" }
            if let error { text += ": \(error)" } else if let body, !body.isEmpty { text += ": \(body)" }
            text += ". Query: \(abbreviate(query)). "
            text += QueryError.hint(status: status, errorType: errorType, error: error, isJSON: errorType != nil)
            return text
        case .transport(let code, let message, let query, let url, let bytes):
            var text = "The request to \(url) failed: \(message) (libcurl error \(code)"
            text += bytes > 0 ? ", after \(bytes) bytes of the body)" : ")"
            text += ". Query: \(abbreviate(query)). "
            text += QueryError.transportHint(code: code)
            return text
        case .malformed(let problem, let offset, let query, let url):
            return "The response from \(url) is not a valid Prometheus API answer at byte \(offset): \(problem). "
                + "Query: \(abbreviate(query)). Check that querier.url points at a Prometheus-compatible API "
                + "(Thanos querier, Prometheus, VictoriaMetrics) and that no proxy cut the response short."
        case .apiError(let errorType, let error, let query, let url):
            return "The querier at \(url) reported an error\(errorType.map { " (\($0))" } ?? ""): \(error ?? "no error text"). "
                + "Query: \(abbreviate(query)). "
                + QueryError.hint(status: 200, errorType: errorType, error: error, isJSON: true)
        case .deadlineExceeded(let query):
            return "The run's deadline passed before \(abbreviate(query)) could complete. Raise --deadline "
                + "(collect.deadline) or collect fewer clusters per run."
        case .setup(let text):
            return text
        case .tokenRejected(let file, let query, let url):
            return "The token in '\(file)' was rejected (HTTP 401) and the file has not changed: renew it "
                + "(e.g. `oc create token <service-account> -n <namespace> > \(file).new && mv \(file).new \(file)`; "
                + "the kubelet renews a projected service-account token itself). Querier: \(url). Query: \(abbreviate(query))."
        case .methodRefused(let status, let body, let query, let url):
            var text = "The querier at \(url) answered HTTP \(status) to a POST"
            if let body, !body.isEmpty { text += ": \(body)" }
            text += ". Query: \(abbreviate(query)). querier.method is post, so GET was not tried. If the querier or a proxy "
            text += "in front of it refuses POST (kube-rbac-proxy checks a POST as the `create` verb), set querier.method to auto or get."
            if status == 403 {
                text += " Otherwise the token's service account lacks a role on the querier: grant it cluster-monitoring-view."
            }
            return text
        case .urlTooLong(let bytes, let query, let url, let postRefused):
            return "The query \(abbreviate(query)) needs a GET URL of \(bytes) bytes, more than the "
                + "\(PrometheusClient.maxGETLength) bytes proxies and queriers accept, and "
                + (postRefused ? "the querier at \(url) refuses POST" : "querier.method is get")
                + ": shorten the query (fewer alternatives in a regex, or a recording rule) or allow POST "
                + (postRefused ? "on the querier's route or proxy." : "(querier.method auto or post).")
        }
    }

    static func hint(status: Int, errorType: String?, error: String?, isJSON: Bool) -> String {
        switch (status, errorType) {
        case (401, _):
            return "The bearer token expired or is wrong: get a new one (e.g. `oc create token <service-account> -n <namespace>`"
                + " or `oc whoami -t`) and put it in querier.bearer_token_file or FEDREPORT_TOKEN."
        case (403, _):
            return "The token is valid but its service account lacks a role on the querier: grant it "
                + "cluster-monitoring-view (`oc adm policy add-cluster-role-to-user cluster-monitoring-view -z <sa>`) "
                + "or the tenant's reader role."
        case (405, _):
            return "The querier, or a proxy in front of it, does not allow this HTTP method: set querier.method to auto, "
                + "or to get if it refuses POST."
        case (404, _):
            return "No Prometheus API at this address: check querier.url (it should be the querier's base URL, "
                + "without /api/v1)."
        case (429, _):
            return "The querier is rate-limiting: lower querier.max_concurrency."
        case (502, _) where !isJSON, (504, _) where !isJSON:
            return "A route or proxy in front of the querier timed out or lost the backend: raise its timeout "
                + "(on OpenShift, annotate the route with haproxy.router.openshift.io/timeout=5m) or shorten "
                + "querier.chunk so each request does less work."
        case (_, "bad_data"?):
            if let error, error.contains("11,000") || error.contains("resolution") {
                return "The range has too many points: fedreport splits at 11,000 steps; lower querier.chunk."
            }
            return "The PromQL is wrong: check the query file in queries/ (or the query you typed)."
        case (_, "execution"?):
            return "The query is too heavy for the querier (too many samples or series): shorten querier.chunk, "
                + "collect fewer clusters at once, or narrow the query."
        case (_, "timeout"?), (503, _):
            return "The querier timed out or is overloaded: shorten querier.chunk or lower querier.max_concurrency."
        default:
            return "Check the querier's logs."
        }
    }

    static func transportHint(code: Int) -> String {
        switch code {
        case 7: return "Nothing listens there: check querier.url and that the querier is up; a proxy is used if HTTPS_PROXY is set."
        case 6: return "The host name does not resolve: check querier.url."
        case 28: return "No complete answer within querier.timeout: raise it, or shorten querier.chunk."
        case 60, 77:
            return "The server's certificate is not signed by a trusted CA: set querier.ca_file to the CA bundle "
                + "that signed it (on OpenShift, the service CA or the ingress CA)."
        case 35, 58, 59, 83, 90, 91:
            return "TLS failed: check querier.ca_file, client_cert_file and client_key_file."
        case 51: return "The certificate does not match the host name in querier.url."
        case 52, 56, 55:
            return "The connection dropped: a proxy or the querier may have restarted (retried as often as querier.retries allows)."
        case 18:
            return "The body ended before the length the server announced: a proxy or the querier cut the answer short. "
                + "It was not retried (a short answer must not pass for data): check the proxy's timeouts and size limits, then collect again."
        default: return "Check the network path to the querier."
        }
    }
}

/// The query on one line, cut after `limit` characters.
func abbreviate(_ query: String, to limit: Int = 300) -> String {
    let flat = query.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
}
