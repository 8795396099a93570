import FedCore
import FedTestSupport

/// The scenario these tests collect: an HA OpenShift cluster upgraded mid-window as the
/// cluster-version operator reports it (40 minutes of `updating`), whose first replica sends NaN
/// for a while; a second OpenShift cluster with a scrape gap, NaN samples, one container's NaN
/// and version trouble; a third upgraded one whose querier has only `type="current"`; and a
/// k3s baseline.
package enum CollectScenario {
    package static let end = Scenarios.fixedEnd
    package static let start = end - 3 * 3_600_000
    package static let upgrade = start + 90 * 60_000
    package static let nanTimes: [TimestampMs] = [start + 100 * 60_000, start + 101 * 60_000]
    package static let gap: ClosedRange<TimestampMs> = (start + 120 * 60_000)...(start + 140 * 60_000)
    package static let versionMissing: ClosedRange<TimestampMs> = (start + 30 * 60_000)...(start + 35 * 60_000)
    package static let versionDouble: ClosedRange<TimestampMs> = (start + 50 * 60_000)...(start + 52 * 60_000)
    /// it-ocp-0's first replica (the one a querier lists first) sends NaN for every memory series.
    package static let replicaNaN: ClosedRange<TimestampMs> = (start + 40 * 60_000)...(start + 42 * 60_000)
    /// it-ocp-1's largest container (by memory) sends NaN.
    package static let memberNaN: ClosedRange<TimestampMs> = (start + 60 * 60_000)...(start + 75 * 60_000)

    package static let scenario: Scenario = {
        var a = Scenarios.ocp(name: "it-ocp-0", builds: [("4.6.1", start), ("4.6.8", upgrade)], maxPods: 60)
        a.haReplicas = true
        a.replicaFaults = [ScenarioReplicaFault(replica: 0, nanDuring: [replicaNaN])]
        var b = Scenarios.ocp(name: "it-ocp-1", builds: [("4.6.16", start)], maxPods: 12)
        b.nanAt = nanTimes
        b.gaps = [gap]
        b.versionMissing = [versionMissing]
        b.versionDouble = [versionDouble]
        let largest = b.workloads.max { ($0.usage["4.6.16"]?.memoryBytes ?? 0) < ($1.usage["4.6.16"]?.memoryBytes ?? 0) }!
        b.memberFaults = [
            ScenarioMemberFault(namespace: largest.namespace, pod: largest.pod, container: largest.container, nanDuring: memberNaN)
        ]
        var c = Scenarios.ocp(name: "it-ocp-2", builds: [("4.6.1", start), ("4.6.8", upgrade)], maxPods: 8)
        c.versionReporting = .currentOnly
        let k = Scenarios.k3s(name: "it-k3s-0", version: "v1.26.5+k3s1", from: start)
        return Scenario(dataStart: start, dataEnd: end, clusters: [a, b, c, k])
    }()

    /// The collected window: from 10 minutes after the first sample to the last one.
    package static var window: ClosedRange<TimestampMs> { scenario.collectableWindow }
}
