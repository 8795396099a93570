import FedCore
import FedRun
import Testing

@Suite("--fail-on lists")
struct FailOnTests {
    @Test("a list reads in any order, with spaces, and says itself in one order")
    func reads() throws {
        let list = try FailOn(parsing: "budget, regression")
        #expect(list.reasons == [.budget, .regression])
        #expect(list.description == "regression,budget")
        #expect(try FailOn(parsing: "change-point").reasons == [.changePoint])
        #expect(try FailOn(parsing: "none") == .none)
        #expect(FailOn.none.description == "none")
    }

    @Test("an unknown word names the likely one; none with a reason is refused")
    func refuses() {
        #expect(throws: UsageError.self) { try FailOn(parsing: "regresion") }
        do {
            _ = try FailOn(parsing: "changepoint")
            Issue.record("changepoint was read")
        } catch let error as UsageError {
            #expect(error.message.contains("did you mean 'change-point'?"), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
        #expect(throws: UsageError.self) { try FailOn(parsing: "none,budget") }
        #expect(throws: UsageError.self) { try FailOn(parsing: "") }
    }
}
