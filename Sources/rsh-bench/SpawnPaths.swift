import RSHSpawn
import RSHSystem

/// For each command, the two ways to run it with no server (`RawSpawn`:
/// its words executed directly, or `/bin/sh -c`), and the way rshd's spawn
/// layer picks (`ShellFastPath`), measured in interleaved rounds: which way
/// is cheaper on this machine, and whether the spawn layer takes it.
struct SpawnPaths {
    let commands: [String]
    let rounds: Int
    /// Spawns per path per round.
    let count: Int

    struct Result {
        let command: String
        /// Commands per second: medians over the rounds.
        let direct: Double?
        let shell: Double
        let spawnLayer: Double
        /// The way the spawn layer runs the command.
        let spawnLayerPath: RawSpawn.Path
        /// Direct over shell, the median of the per-round ratios.
        let directOverShell: Double?
        /// In how many of the rounds the direct exec was the faster.
        let directWins: Int
        let rounds: Int

        /// The way that was faster in more rounds.
        var faster: RawSpawn.Path { 2 * directWins > rounds ? .direct : .shell }

        /// In how many rounds `faster` was the faster.
        var fasterWins: Int { faster == .direct ? directWins : rounds - directWins }

        /// Whether the spawn layer takes the cheaper way: `nil` when the
        /// rounds do not say which one is (either won fewer than 4 in 5).
        var spawnLayerAgrees: Bool? {
            if spawnLayerPath == faster { return true }
            return 5 * fasterWins >= 4 * rounds ? false : nil
        }
    }

    func run() throws -> [Result] {
        try commands.map { command in
            let shell = RawSpawn(command, .shell)!
            let direct = RawSpawn(command, .direct)
            var directRates: [Double] = [], shellRates: [Double] = [], layerRates: [Double] = []
            for round in 0..<rounds {
                // The order turns each round, so that no path always goes first.
                var steps: [() throws -> Void] = [
                    { shellRates.append(try shell.sequentialRate(count: count)) },
                    { layerRates.append(try Self.spawnLayerRate(command, count: count)) },
                ]
                if let direct { steps.append { directRates.append(try direct.sequentialRate(count: count)) } }
                for index in 0..<steps.count { try steps[(index + round) % steps.count]() }
            }
            let ratios = zip(directRates, shellRates).map { $0 / $1 }
            return Result(command: command, direct: direct == nil ? nil : directRates.median, shell: shellRates.median,
                          spawnLayer: layerRates.median,
                          spawnLayerPath: ShellFastPath.directArguments(for: command) == nil ? .shell : .direct,
                          directOverShell: ratios.isEmpty ? nil : ratios.median,
                          directWins: ratios.filter { $0 > 1 }.count, rounds: rounds)
        }
    }

    /// The command as rshd runs it, through `ChildProcess` (the fast path,
    /// its environment, pipes, process descriptor, `poll`); commands per second.
    /// Every run must end as a first, untimed one did.
    private static func spawnLayerRate(_ command: String, count: Int) throws -> Double {
        let expected = try ChildProcess.run(CommandSpec(.shell(command))).result.status
        let start = ContinuousClock.now
        for _ in 0..<count {
            let run = try ChildProcess.run(CommandSpec(.shell(command)))
            guard run.result.status == expected else { throw BenchError("\(command): \(run.result.status), then \(expected)") }
        }
        return Double(count) / start.duration(to: .now).seconds
    }

    /// The commands measured when `--spawn-command` names none: builtins of
    /// dash that have a program twin in `PATH`, and programs that are no builtin.
    static let defaultCommands = [
        "echo hi", "printf hi", "true", "test -d /", "pwd", "kill -l 9",
        "/bin/echo hi", "uname -s", "cat /etc/hostname", "date +%s", "ls -d /",
    ]
}
