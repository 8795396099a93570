import FedCore
import Testing

@testable import FedClient

@Suite("Client settings")
struct ClientSettingsTests {
    @Test("compression: auto asks for gzip except on loopback")
    func compression() {
        #expect(PrometheusClient.wantsGzip(.auto, url: "https://thanos.example.com"))
        #expect(!PrometheusClient.wantsGzip(.auto, url: "http://127.0.0.1:9090"))
        #expect(!PrometheusClient.wantsGzip(.auto, url: "http://localhost:9090"))
        #expect(PrometheusClient.wantsGzip(.gzip, url: "http://127.0.0.1:9090"))
        #expect(!PrometheusClient.wantsGzip(.none, url: "https://thanos.example.com"))
    }

    @Test("chunks are aligned to the step with no timestamp repeated or lost")
    func chunks() throws {
        var querier = Configuration.Querier()
        querier.chunk = .hours(1)
        let client = try PrometheusClient(querier: querier, environment: [:], logger: .init(label: "test"))
        // 3 h 30 s at 30 s = 361 points; 1 h chunks hold 120 points: 120, 120, 120, 1.
        let grid = TimeGrid(start: 1_000_000_020_000 - 1_000_000_020_000 % 30_000, step: 30_000, count: 361)
        let parts = client.chunks(for: grid)
        #expect(parts.map(\.count) == [120, 120, 120, 1])
        #expect(parts[1].start == parts[0].end + 30_000)
        #expect(parts.last?.end == grid.end)
    }
}
