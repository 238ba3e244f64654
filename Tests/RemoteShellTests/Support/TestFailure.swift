/// What a test helper throws when a test cannot go on: the client closed, a frame is not the one expected.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
