import FedTestHarness
import FedTestSupport
import Testing

@Suite("PostgreSQL is there for the store tests")
struct PostgresPresenceTests {
    @Test(
        "the PostgreSQL variants of the store tests run (needs apt-get install postgresql)",
        .enabled(if: TestBed.postgresAvailable || TestBed.isCI))
    func postgresInstalled() throws {
        #expect(StoreBackend.all.contains(.postgres))
        _ = try PostgresServer.require()
    }
}
