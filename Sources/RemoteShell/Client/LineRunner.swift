/// Runs command lines one at a time: v1 (`CommandRunner`) or classic (`ClassicRunner`).
protocol LineRunner {
    mutating func run(_ line: String) throws(ClientError) -> LineOutcome
}
