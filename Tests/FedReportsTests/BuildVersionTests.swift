import FedCore
import FedReports
import FedStoreCore
import Testing

@Suite("Build version ordering")
struct BuildVersionTests {
    /// Sorts `expected` from several starting orders and checks each comes out as `expected`.
    private func expectOrder(_ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let starts = [
            expected.reversed(), expected,
            expected.enumerated().sorted { ($0.offset * 7) % 5 < ($1.offset * 7) % 5 }.map(\.element),
        ]
        for start in starts {
            #expect(sortedBuilds(Array(start)) == expected, sourceLocation: sourceLocation)
        }
    }

    @Test func numbersCompareNumerically() {
        expectOrder(["4.6.1", "4.6.2", "4.6.9", "4.6.10", "4.6.20", "4.7.0", "4.10.0", "4.16.3"])
        #expect(BuildVersion("4.6.9") < BuildVersion("4.6.10"))
        #expect(BuildVersion("4.9.0") < BuildVersion("4.10.0"))
    }

    @Test func numbersOfAnyLength() {
        expectOrder(["4.6.10", "4.6.99999999999999999999", "4.6.100000000000000000000"])
        // Leading zeros do not change the value; the text breaks the tie.
        expectOrder(["4.6.09", "4.6.9", "4.6.10"])
    }

    @Test func k3sVersions() {
        expectOrder(["v1.26.5+k3s1", "v1.26.5+k3s2", "v1.26.10+k3s1", "v1.27.1-rc1+k3s1", "v1.27.1+k3s1", "v1.27.1+k3s10"])
    }

    @Test func buildMetadataAfterNone() {
        expectOrder(["1.26.5", "1.26.5+k3s1", "1.26.5+k3s2", "1.26.5+k3s10", "1.26.5+rke2r1"])
    }

    @Test func preReleaseBeforeRelease() {
        expectOrder(["4.6.20", "4.7.0-rc.1", "4.7.0-rc.2", "4.7.0-rc.10", "4.7.0", "4.7.1"])
        #expect(BuildVersion("4.7.0-rc.1") < BuildVersion("4.7.0"))
        #expect(!(BuildVersion("4.7.0") < BuildVersion("4.7.0-rc.1")))
    }

    /// The precedence example of semver.org, section 11.
    @Test func semverPrecedence() {
        expectOrder([
            "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
            "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
        ])
    }

    @Test func openShiftCandidates() {
        // Engineering, feature and release candidates, in the order OpenShift cuts them.
        expectOrder(["4.13.0-ec.1", "4.13.0-ec.4", "4.13.0-fc.0", "4.13.0-rc.0", "4.13.0-rc.8", "4.13.0"])
    }

    @Test func nightliesArePreReleasesByTimestamp() {
        expectOrder([
            "4.6.20",
            "4.7.0-0.nightly-2021-01-15-123456",
            "4.7.0-0.ci-2021-01-18-101010",
            "4.7.0-0.nightly-2021-01-20-000000",
            "4.7.0-0.okd-2021-02-25-144700",
            "4.7.0-fc.3",
            "4.7.0-rc.1",
            "4.7.0",
            "4.7.1-0.nightly-2021-01-01-000000",
            "4.7.1",
        ])
    }

    @Test func sameTimestampOrdersByStream() {
        expectOrder([
            "4.14.0-0.ci-2023-05-01-120000",
            "4.14.0-0.nightly-2023-05-01-120000",
            "4.14.0-0.nightly-arm64-2023-05-01-120000",
            "4.14.0-0.nightly-2023-05-01-120001",
        ])
    }

    @Test func namesThatAreNotVersionsComeLastByText() {
        expectOrder(["v1.26.5+k3s1", "4.7.0", "", "4", "4.6.9-x86_64", "4.x", "alpha-build", "latest", "zeta"])
        #expect(!BuildVersion("latest").isVersion)
        #expect(!BuildVersion("4").isVersion)
        #expect(!BuildVersion("4.7.0-").isVersion)
        #expect(!BuildVersion("4.7.0-rc..1").isVersion)
        #expect(!BuildVersion("4.7.0+").isVersion)
        #expect(!BuildVersion(".4.7").isVersion)
        #expect(BuildVersion("4.7").isVersion)
        #expect(BuildVersion("V4.7.0").isVersion)
    }

    @Test func equalVersionsSpeltDifferentlyOrderByText() {
        expectOrder(["1.27.1", "v1.27.1"])
        expectOrder(["4.7", "4.7.0", "4.7.0.0", "4.7.1"])
        #expect(BuildVersion("4.7") != BuildVersion("4.7.0"))
        #expect(BuildVersion("4.7.0") == BuildVersion("4.7.0"))
        #expect(Set([BuildVersion("4.7.0"), BuildVersion("4.7.0"), BuildVersion("4.7")]).count == 2)
    }

    /// For every pair exactly one of <, ==, > holds, and < is transitive: a total order.
    @Test func totalOrder() {
        let names = [
            "4.6.9", "4.6.10", "4.7", "4.7.0", "v4.7.0", "4.7.0-rc.1", "4.7.0-0.nightly-2021-01-15-123456",
            "4.7.0-0.ci-2021-01-15-123456", "1.26.5+k3s1", "v1.26.5+k3s1", "1.26.5+k3s2", "latest", "",
            "4.6.9-x86_64", "1.0.0-alpha", "1.0.0-alpha.1",
        ]
        let versions = names.map(BuildVersion.init)
        for a in versions {
            for b in versions {
                let relations = [a < b, a == b, b < a].filter { $0 }.count
                #expect(relations == 1, "\(a.text) vs \(b.text)")
                for c in versions where a < b && b < c {
                    #expect(a < c, "\(a.text) < \(b.text) < \(c.text)")
                }
            }
        }
    }

    @Test func emptyAndDuplicates() {
        #expect(sortedBuilds([]) == [])
        #expect(sortedBuilds(["4.7.0", "4.6.1", "4.7.0"]) == ["4.6.1", "4.7.0", "4.7.0"])
    }
}

@Suite("Build order with release payload dates")
struct PayloadOrderTests {
    func info(_ build: String, payload: TimestampMs?, first: TimestampMs = 0) -> BuildInfo {
        BuildInfo(build: build, distribution: "ocp", clusters: ["c"], snapshots: 1, first: first, last: first, payloadCreated: payload)
    }

    @Test("within a stream whose builds all have a payload date, the date decides; streams keep version order")
    func payloadDatesDecide() {
        // By hand: the 4.14.0 nightly was built after 4.14.12 shipped; 4.13.9 is in an older stream
        // even though its payload is newer than all of 4.14's.
        let infos = [
            info("4.14.0-0.nightly-2026-10-31-180000", payload: 300), info("4.14.12", payload: 200), info("4.14.0", payload: 100),
            info("4.13.9", payload: 900), info("4.15.0", payload: 50),
        ]
        #expect(orderedBuilds(infos) == ["4.13.9", "4.14.0", "4.14.12", "4.14.0-0.nightly-2026-10-31-180000", "4.15.0"])
    }

    @Test("a stream where one build lacks a payload date keeps version order; names that are no versions come last")
    func missingDateFallsBack() {
        let infos = [
            info("4.14.0-0.nightly-2026-10-31-180000", payload: 300), info("4.14.12", payload: nil), info("4.14.0", payload: 100),
            info("custom-build", payload: nil, first: 5),
        ]
        #expect(orderedBuilds(infos) == ["4.14.0-0.nightly-2026-10-31-180000", "4.14.0", "4.14.12", "custom-build"])
        #expect(BuildVersion("4.14.0-0.nightly-2026-10-31-180000").stream == "4.14")
        #expect(BuildVersion("v1.026.5+k3s1").stream == "1.26")
        #expect(BuildVersion("custom-build").stream == nil)
    }
}
