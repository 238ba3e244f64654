import RemoteShell
import RSHSystem
import RSHTestSupport

// rsh-bench: starts rshd in each mode on loopback, and the servers a user
// might run instead (the courses' Python servers, OpenSSH); drives them with
// its own load generator or the real clients; measures the raw limits in the
// same interleaved rounds; and writes Markdown tables, a JSON file and an SVG
// chart. See BENCHMARKS.md.

let usage = """
usage: rsh-bench [--smoke] [--only WORKLOAD,...] [--modes MODE,...] [--peers PEER,...|none]
                 [--spawn-command CMD]... [--rounds N] [--rshd-arg ARG]... [--output DIR]

  --smoke              tiny sizes: checks that the harness works (seconds), measures nothing
  --only LIST          workloads: \(Workload.allCases.map(\.rawValue).joined(separator: ", "))
  --modes LIST         blocking, threaded, coroutine (default: all)
  --peers LIST         \(Peers.choices.map(\.name).joined(separator: ", ")) (default: all), or none
  --spawn-command CMD  a command spawn-paths measures (repeat for more; default: \(SpawnPaths.defaultCommands.count) commands)
  --rounds N           interleaved rounds per workload (default: 5, 3 for stream-1g; 2 with --smoke);
                       an odd number gives every median a round of its own
  --rshd-arg ARG       pass ARG to every rshd started (repeat for more: --rshd-arg --loops --rshd-arg 1)
  --output DIR         where latest.md, latest.json and latest.svg go (default: scripts/bench/results)

rshd and rsh are taken from the directory of this executable: build them
first (swift build -c release), or use scripts/bench.sh, which does. The
Python peers are scripts/peers/*.py (gevent is installed with pip into
.build/bench-python when it is missing); OpenSSH's rows need sshd. A peer
that cannot run is left out, with a note in the report.
"""

var smoke = false
var only = Set(Workload.allCases)
var modes = ServerMode.allCases
var output = "scripts/bench/results"
var serverArguments: [String] = []
var wantedPeers = Set(Peers.choices.map(\.contender))
var spawnCommands: [String] = []
var rounds: Int?
var scanner = ArgumentScanner(CommandLine.arguments.dropFirst())
do {
    while let flag = scanner.next() {
        switch flag {
        case "--smoke": smoke = true
        case "--only":
            let names = try scanner.value(for: flag).split(separator: ",").map(String.init)
            only = Set(try names.map { name throws(UsageError) in
                guard let workload = Workload(rawValue: name) else { throw UsageError("unknown workload \(name)") }
                return workload
            })
        case "--modes":
            let names = try scanner.value(for: flag).split(separator: ",").map(String.init)
            modes = try names.map { name throws(UsageError) in
                guard let mode = ServerMode(rawValue: name) else { throw UsageError("unknown mode \(name)") }
                return mode
            }
        case "--peers":
            let names = try scanner.value(for: flag).split(separator: ",").map(String.init)
            wantedPeers = names == ["none"] ? [] : Set(try names.map { name throws(UsageError) in
                guard let peer = Peers.choices.first(where: { $0.name == name }) else { throw UsageError("unknown peer \(name)") }
                return peer.contender
            })
        case "--spawn-command": spawnCommands.append(try scanner.value(for: flag))
        case "--rounds":
            let text = try scanner.value(for: flag)
            guard let count = Int(text), count > 0 else { throw UsageError("--rounds takes a positive number, not \(text)") }
            rounds = count
        case "--output": output = try scanner.value(for: flag)
        case "--rshd-arg": serverArguments.append(try scanner.value(for: flag))
        case "--help", "-h":
            print(usage)
            exitProcess(0)
        default: throw UsageError("unknown option \(flag)")
        }
    }
} catch let error as UsageError {
    print("rsh-bench: \(error.message)\nTry 'rsh-bench --help'.")
    exitProcess(2)
} catch {
    print("rsh-bench: \(error)")
    exitProcess(2)
}

let executable = readLinkTarget("/proc/self/exe") ?? ""
let binaries = String(executable[..<(executable.lastIndex(of: "/") ?? executable.endIndex)])
for name in ["rshd", "rsh"] where !FileDescriptor.isExecutable(binaries + "/" + name) {
    print("rsh-bench: \(binaries)/\(name) is missing; run swift build -c release (or scripts/bench.sh)")
    exitProcess(1)
}

SignalDisposition.ignoreBrokenPipe()
do {
    let log = { (line: String) -> Void in _ = try? FileDescriptor.standardError.writeAll(("rsh-bench: " + line + "\n").utf8) }
    // The load generator holds 10,000 connections, and rshd and rsh (which
    // inherit the limit) a thousand hosts' worth each in fanout-1000.
    let softLimit = ProcessIdentity.openFilesLimit
    if let raised = try? ProcessIdentity.raiseOpenFilesLimit(), raised > softLimit {
        log("open-files limit raised from \(softLimit) to \(raised) (the hard limit), for rsh-bench and the servers and clients it starts")
    }
    let generator = try LoadGenerator()
    let peers = Peers(wanted: wantedPeers, repository: Peers.repositoryRoot(binaries: binaries),
                      floorsFor: only, log: log)
    for note in peers.notes { log(note) }
    let home = try BenchHome()
    defer { home.remove() }
    let runner = BenchRunner(binaries: binaries, smoke: smoke, generator: generator, only: only, modes: modes,
                             serverArguments: serverArguments, peers: peers, roundCount: rounds,
                             spawnCommands: spawnCommands.isEmpty ? SpawnPaths.defaultCommands : spawnCommands, home: home, log: log)
    let outcome = try runner.runAll()
    generator.stop()
    let report = Report(outcome: outcome, machine: Machine(), date: WallClock.timestamp(), serverArguments: serverArguments)
    try createDirectory(output)
    try writeFile(output + "/latest.md", Array((report.heading + "\n\n" + report.markdown).utf8))
    try writeFile(output + "/latest.json", report.json)
    try writeFile(output + "/latest.svg", Array(report.svg.utf8))
    print(report.markdown)
    print("written: \(output)/latest.md, latest.json, latest.svg")
} catch {
    print("rsh-bench: \(error)")
    exitProcess(1)
}
