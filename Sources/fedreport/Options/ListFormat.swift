import ArgumentParser

/// Where a listing goes.
enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table
    case json
}
