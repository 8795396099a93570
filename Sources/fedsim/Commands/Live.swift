import ArgumentParser
import FedTestSupport
import Foundation

/// Blocks until SIGTERM or SIGINT; servers started before keep the default handlers.
func waitForSignal() {
    let done = DispatchSemaphore(value: 0)
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGTERM, SIGINT] {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { done.signal() }
        source.resume()
        sources.append(source)
    }
    done.wait()
    sources.forEach { $0.cancel() }
}

extension FedSim {
    struct Exporter: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Serves a live cluster's /metrics: cAdvisor-shaped counters and gauges that advance with the clock, and cluster_version.",
            discussion: """
                Prints the URL on the first line of stdout and runs until SIGTERM or SIGINT. With \
                --upgrade-after, the cluster upgrades from 4.14.3 to 4.14.5 that many seconds after \
                the start, as the cluster-version operator reports it (updating for --updating-for \
                seconds, new pods, then completed).
                """)

        @Option(help: "Seconds after the start at which the cluster upgrades; none by default.")
        var upgradeAfter: Double?

        @Option(help: "Seconds the operator reports the upgrade as updating.")
        var updatingFor: Double = 20

        @Option(help: "The node label of the series.")
        var node = "live-master-0"

        func run() throws {
            let builds = upgradeAfter == nil ? [LiveBuild.steady] : [LiveBuild.steady, LiveBuild.upgraded]
            let exporter = try LiveExporter(
                builds: builds, node: node, upgradeAt: upgradeAfter.map { Date().addingTimeInterval($0) }, updatingFor: updatingFor)
            print("\(exporter.url)/metrics")
            fflush(nil)
            waitForSignal()
            exporter.stop()
        }
    }

    struct Pipeline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs the seed's pipeline on loopback: two clusters' exporters, platform and federating Prometheus, a hub.",
            discussion: """
                Each federating Prometheus runs the job `fedreport federation --format prometheus` \
                prints, and remote-writes into a hub Prometheus with its receiver on; live-b upgrades \
                --upgrade-after seconds after the start. Prints the hub's URL on the first line of \
                stdout, then runs until SIGTERM or SIGINT. Collect from it with collect.step 2s, \
                rate_window 10s, scrape_interval 2s.
                """)

        @Option(help: "The folder for the servers' data and logs.")
        var dir: String

        @Option(help: "The fedreport executable that prints the federation job (default: the one beside fedsim).")
        var fedreport: String?

        @Option(help: "Seconds after the start at which live-b upgrades.")
        var upgradeAfter: Double = 60

        func run() throws {
            let binary =
                fedreport
                ?? ((CommandLine.arguments[0] as NSString).deletingLastPathComponent as NSString).appendingPathComponent("fedreport")
            let a = try LiveExporter(builds: [.steady], node: "live-a-master-0")
            let b = try LiveExporter(
                builds: [.steady, .upgraded], node: "live-b-master-0", upgradeAt: Date().addingTimeInterval(upgradeAfter), updatingFor: 20)
            let pipeline = try LivePipeline(folder: dir, clusters: [("live-a", a), ("live-b", b)]) { name, writeURL in
                try Tools.run(binary, ["federation", "--cluster", name, "--remote-write-url", writeURL, "--format", "prometheus"])
            }
            print(pipeline.hub.url)
            fflush(nil)
            waitForSignal()
            pipeline.stop()
        }
    }
}
