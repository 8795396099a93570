// libFuzzer target: the PromQL label-selector parser (`LabelSelector(parsing:)`) and matching.
//
// Input: the selector text. Any LabelMatcherError is an ordinary outcome. For a selector that
// parses, these must hold (trap if not):
//   - its description parses again to the same matchers (name, operator, value);
//   - `!=` / `!~` are the exact complement of `=` / `=~` on the same value;
//   - `name="v"` matches a series whose `name` label is `v`; a missing label matches as "".
// Label values matched against regexes stay short so that a backtracking pattern cannot turn
// into an exponential search (ICU backtracks; PromQL's RE2 does not).

import FedCore

/// Traps with a message (`precondition` drops its message in -O builds).
@inline(__always)
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

func sameMatchers(_ a: LabelSelector, _ b: LabelSelector) -> Bool {
    a.matchers.count == b.matchers.count
        && zip(a.matchers, b.matchers).allSatisfy { $0.name == $1.name && $0.kind == $1.kind && $0.value == $1.value }
}

let fixedSets: [LabelSet] = [
    LabelSet([:]),
    LabelSet(["namespace": "openshift-etcd", "pod": "etcd-master-0", "container": "etcd"]),
    LabelSet(["namespace": "kube-system", "container": "", "id": "/kubepods.slice/x"]),
    LabelSet(["__name__": "container_cpu_usage_seconds_total", "job": "kubelet", "service": "é\u{1F600}"]),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSelector(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let selector = try? LabelSelector(parsing: text) else { return 0 }
    check(!selector.matchers.isEmpty, "a parsed selector without matchers")

    let printed = selector.description
    guard let again = try? LabelSelector(parsing: printed) else {
        fatalError("the description \(printed) of \(text.debugDescription) does not parse")
    }
    check(sameMatchers(selector, again), "\(printed) parses to \(again), not \(selector)")
    check(again.description == printed, "description is not stable: \(printed) vs \(again.description)")

    var sets = fixedSets
    // A series built from the selector's own values, so that matches are exercised positively.
    var own: [String: String] = [:]
    for m in selector.matchers where m.value.utf8.count <= 24 { own[m.name] = m.value }
    sets.append(LabelSet(own))

    for m in selector.matchers {
        let complement: LabelMatcher.Kind
        switch m.kind {
        case .equal: complement = .notEqual
        case .notEqual: complement = .equal
        case .regex: complement = .notRegex
        case .notRegex: complement = .regex
        }
        guard let opposite = try? LabelMatcher(name: m.name, kind: complement, value: m.value) else {
            fatalError("the complement of \(m) does not compile")
        }
        for labels in sets {
            let v = labels.value(m.name)
            guard v.utf8.count <= 24 else { continue }
            check(m.matches(v) != opposite.matches(v), "\(m) and \(opposite) agree on \(v.debugDescription)")
        }
        if m.kind == .equal {
            check(m.matches(m.value), "\(m) does not match its own value")
            check(LabelSelector(matchers: [m]).matches(LabelSet([m.name: m.value])), "\(m) does not match {\(m.name)=value}")
        }
    }
    for labels in sets {
        let all = selector.matchers.allSatisfy { m in
            let v = labels.value(m.name)
            return v.utf8.count > 24 ? true : m.matches(v)
        }
        if labels.pairs.allSatisfy({ $0.value.utf8.count <= 24 }) {
            check(selector.matches(labels) == all, "matches(\(labels)) disagrees with its matchers")
        }
    }
    return 0
}
