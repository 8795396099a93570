import FedCore
import FedStoreCore
import Foundation
import Testing

/// The store's model, without a database: what `snapshots --format json` prints of a record.
@Suite("Store model")
struct StoreModelTests {
    /// Encoded with sorted keys as `printJSON` does, on one line.
    func json(_ record: SnapshotRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    @Test("a record is printed as one flat JSON object with every field under its own name")
    func recordJSON() throws {
        let record = SnapshotRecord(
            id: 7,
            metadata: SnapshotMetadata(
                cluster: "c", distribution: "ocp", build: "4.6.1", start: 0, end: 60_000, step: 30_000, querySetHash: "q",
                querierURL: "https://q/x", serverBuild: "2.42", fedreportVersion: "0.0.9",
                leftOut: LeftOutCounts(
                    noVersion: 1, multipleVersions: 2, settling: 3, upgrading: 4, nonFiniteSamples: 5, incompleteTotals: 6),
                warnings: ["w"], partial: true, collectedAt: 5, noData: ["n"], measurementHash: "m", offGridPoints: 8, payloadCreated: -1,
                nodes: NodeCount(count: 3, roles: ["master": 3], source: "s")),
            includedTimestamps: 2, included: GridMask([true, false, true]))
        // Written by hand: the keys sorted, nested values as their own types encode them.
        #expect(
            try json(record)
                == #"{"build":"4.6.1","cluster":"c","collectedAt":5,"distribution":"ocp","end":60000,"fedreportVersion":"0.0.9","#
                + #""id":7,"included":{"count":3,"ranges":[[0,0],[2,2]]},"includedTimestamps":2,"leftOut":{"incompleteTotals":6,"#
                + #""multipleVersions":2,"noVersion":1,"nonFiniteSamples":5,"settling":3,"upgrading":4},"measurementHash":"m","#
                + #""noData":["n"],"nodes":{"count":3,"roles":{"master":3},"source":"s"},"offGridPoints":8,"partial":true,"#
                + #""payloadCreated":-1,"querierURL":"https://q/x","querySetHash":"q","serverBuild":"2.42","start":0,"#
                + #""step":30000,"warnings":["w"]}"#)
        // What is unknown is left out, not null.
        let bare = SnapshotRecord(
            id: 1,
            metadata: SnapshotMetadata(cluster: "c", distribution: "ocp", build: "b", start: 0, end: 0, step: 1, fedreportVersion: "v"),
            includedTimestamps: 1)
        #expect(
            try json(bare)
                == #"{"build":"b","cluster":"c","collectedAt":0,"distribution":"ocp","end":0,"fedreportVersion":"v","#
                + #""id":1,"includedTimestamps":1,"leftOut":{"incompleteTotals":0,"multipleVersions":0,"noVersion":0,"#
                + #""nonFiniteSamples":0,"settling":0,"upgrading":0},"measurementHash":"","noData":[],"offGridPoints":0,"#
                + #""partial":false,"querierURL":"","querySetHash":"","start":0,"step":1,"warnings":[]}"#)
    }

    @Test("two locations are the same database when they name one file or one PostgreSQL database")
    func sameDatabase() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("same-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/real")
        // Links resolve on the way to a file that exists, as a push's source does.
        #expect(FileManager.default.createFile(atPath: folder + "/real/a.sqlite", contents: Data()))
        func same(_ a: String, _ b: String) throws -> Bool {
            try StoreLocation.parse(a).isSameDatabase(as: try StoreLocation.parse(b))
        }
        // One file, however the path spells it: `..`, `.`, a symbolic link, relative to here.
        #expect(try same(folder + "/real/a.sqlite", folder + "/real/../real/./a.sqlite"))
        #expect(try same(folder + "/real/a.sqlite", folder + "/link/a.sqlite"))
        #expect(try same("a.sqlite", FileManager.default.currentDirectoryPath + "/a.sqlite"))
        #expect(try !same(folder + "/real/a.sqlite", folder + "/real/b.sqlite"))
        // One database whoever connects and however; another database, port or host is another.
        #expect(try same("postgres://a@db:5432/fed", "postgresql://b@db/fed?sslmode=verify-full&application_name=x"))
        #expect(try !same("postgres://a@db/fed", "postgres://a@db/other"))
        #expect(try !same("postgres://a@db/fed", "postgres://a@db:5433/fed"))
        #expect(try !same("postgres://a@db/fed", "postgres://a@db2/fed"))
        // Different engines never are.
        #expect(try !same("fed", "postgres://a@localhost/fed"))
    }

    @Test("a save outcome reads the same in collect's and push's tables")
    func outcomeWording() {
        #expect(SaveOutcome.inserted(id: 12).description == "new #12")
        #expect(SaveOutcome.replaced(oldID: 3, newID: 12).description == "replaced #3 by #12")
        #expect(SaveOutcome.keptComplete(existingID: 3).description == "kept complete #3")
        #expect(SaveOutcome.alreadyStored(existingID: 3).description == "already there #3")
        #expect(SaveOutcome.keptNewer(existingID: 3).description == "kept newer #3")
    }
}
