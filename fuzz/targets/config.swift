// libFuzzer target: the YAML loaders in FedCore (through Yams and libyaml).
//
// Input: YAML text, given to `Configuration.parse`, `ComponentMap.parse`,
// `QuerySet.parse` and `AckFile.parse` (acks.yaml). Any thrown error is an ordinary outcome (each should be a
// ConfigurationError or LabelMatcherError with a message); a crash, trap, hang or leak is a bug.

import FedCore
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let config = try Configuration.parse(yaml: text, source: "fuzz.yaml")
        _ = "\(config)"
    } catch {
        _ = (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }
    do {
        let map = try ComponentMap.parse(yaml: text, source: "fuzz.yaml")
        _ = "\(map)"
    } catch {
        _ = (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }
    do {
        let query = try QuerySet.parse(yaml: text, source: "fuzz.yaml")
        _ = "\(query)"
    } catch {
        _ = (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }
    do {
        let acks = try AckFile.parse(yaml: text, source: "fuzz.yaml")
        _ = acks.acks.map(\.summary)
    } catch {
        _ = (error as? LocalizedError)?.errorDescription ?? "\(error)"
    }
    return 0
}
