import FedCore
import Foundation
import Testing

@Suite("Locked values")
struct LockedTests {
    struct Refused: Error, Equatable {}

    @Test("increments from many threads are none of them lost")
    func concurrentIncrements() {
        let counter = Locked(0)
        // 8 threads × 10,000 increments: 80,000 when no update is lost.
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }

    @Test("withLock returns what its body returns and rethrows what it throws")
    func returnsAndRethrows() throws {
        let list = Locked([1, 2, 3])
        #expect(list.withLock { $0.removeLast() } == 3)
        #expect(list.withLock { $0 } == [1, 2])
        #expect(throws: Refused()) {
            try list.withLock { _ in throw Refused() }
        }
        // The lock was released by the throw: taking it again does not block.
        #expect(list.withLock { $0.count } == 2)
    }

    @Test("exchange sets the value and returns the one it replaced: only one thread sees a flag unset")
    func exchange() {
        let flag = Locked(false)
        let firsts = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            if !flag.exchange(true) { firsts.withLock { $0 += 1 } }
        }
        #expect(firsts.withLock { $0 } == 1)
        #expect(flag.exchange(false) == true)
        #expect(flag.withLock { $0 } == false)
    }
}
