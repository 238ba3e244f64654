import RemoteShell
import RSHSystem

/// `fanout-1000`: `true` on 1,000 hosts, 256 at a time, in interleaved
/// rounds of `rsh -w` (one client process, a coroutine per host) and pdsh
/// (`pdsh -R exec`, one `rsh` process per host), each over TLS and in clear.
/// The hosts are one coroutine rshd listening on 1,000 loopback addresses
/// (127.0.0.0/8 is all loopback), so every host is a connection of its own
/// and the server's work is the same for every contender.
extension BenchRunner {
    /// pdsh's and clush's window is a flag of theirs too; this one is the issue's.
    static let fanOutWindow = 256

    func runFanOut(into outcome: inout Outcome) throws {
        let workload = Workload.fanOut
        guard modes.contains(.coroutine) else {
            outcome.notes.append("\(workload.rawValue): skipped: it runs on rshd coroutine, which --modes leaves out")
            return
        }
        let hostCount = size(1000, 10)
        let hosts = Self.loopbackHosts(hostCount)
        // rshd holds a listener per host and, per connection in the window, a
        // socket, pipes and a process descriptor; rsh a socket per connection.
        let descriptorsNeeded = hostCount + min(hostCount, Self.fanOutWindow) * 8 + 64
        guard ProcessIdentity.openFilesLimit >= descriptorsNeeded else {
            throw BenchError("\(workload.rawValue) needs an open-files limit of \(descriptorsNeeded), and the hard limit is "
                             + "\(ProcessIdentity.openFilesLimit) (raise it: ulimit -Hn, /etc/security/limits.conf)")
        }
        let server = try startHostsServer(hosts)
        defer { server.stop() }
        guard let port = server.address.port else { throw BenchError("rshd on \(hosts) has no port") }
        try warmUp(server, .v1)

        let contenders = workload.contenders(modes: modes, peers: peers)
        let entrants = contenders.map { Rounds.Entrant($0, server: server) }
        let roundCount = rounds(5)
        log("\(workload.rawValue): \(roundCount) rounds of `true` on \(hostCount) hosts (\(hosts), port \(port)), -f \(Self.fanOutWindow): "
            + contenders.map(\.label).joined(separator: "; ") + "...")
        let measurement = Rounds(workload: workload, entrants: entrants, count: roundCount, unit: "s")
        try measurement.run { entrant in
            let run = try ClientRuns.silentRun(fanOutArguments(entrant.contender, hosts: hosts, port: port), environment: home.environment)
            return Rounds.Sample(value: run.elapsed.seconds, client: run)
        }
        func times(_ contender: Contender) -> [Double] { entrants.first { $0.contender == contender }?.values ?? [] }
        for var result in measurement.results() {
            var note = "\(hostCount) hosts (\(hosts)) on one rshd coroutine, -f \(Self.fanOutWindow); " + (result.note ?? "")
                + "; times " + times(result.contender).map { String(format2: $0) }.joined(separator: ", ") + " s"
            if case .fanOut(_, let transport) = result.contender, !times(.pdsh(transport)).isEmpty {
                note += "; pdsh / rsh -w " + zip(times(.pdsh(transport)), times(result.contender)).map { String(format2: $0 / $1) }
                    .joined(separator: ", ")
            }
            result.note = note
            result.judge()
            outcome.results.append(result)
        }
        if !peers.contains(.pdsh(.tls)), !outcome.notes.contains(where: { $0.hasPrefix("pdsh:") }) {
            outcome.notes.append("pdsh: skipped (--peers): \(workload.rawValue) has no pdsh rows")
        }
    }

    /// The command line of one fan-out run: `rsh -w` itself, or pdsh
    /// starting the same `rsh` once per host (`%h`). Both get the port with
    /// `-p`, so known_hosts names every host `[ADDRESS]:PORT`. Neither is
    /// given `-q`: a host that fails is then a line of output, which fails the run.
    private func fanOutArguments(_ contender: Contender, hosts: String, port: UInt16) throws -> [String] {
        let rsh = binaries + "/rsh"
        switch contender {
        case .fanOut(_, let transport):
            return [rsh] + (transport == .plain ? ["--plain"] : []) + ["-p", "\(port)", "-f", "\(Self.fanOutWindow)", "-w", hosts, "true"]
        case .pdsh(let transport):
            guard let pdsh = peers.pdsh else { throw BenchError("pdsh is not available") }
            // -S: pdsh exits with the largest status of its rsh processes, so a host that failed fails the run.
            return [pdsh, "-R", "exec", "-S", "-f", "\(Self.fanOutWindow)", "-w", hosts, rsh] + (transport == .plain ? ["--plain"] : [])
                + ["-p", "\(port)", "%h", "true"]
        default:
            throw BenchError("\(contender.label) in \(Workload.fanOut.rawValue)")
        }
    }

    /// rshd on every address of `hosts` at one port: a free port of
    /// 127.0.0.1, which another address may hold already (then a new one).
    private func startHostsServer(_ hosts: String) throws -> ServerUnderTest {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let probe = try FileDescriptor.listeningSocket(at: .ipv4(host: "127.0.0.1", port: 0))
            let port = try probe.localAddress().port ?? 0
            probe.closeAfterUse()
            do {
                return try ServerUnderTest.rshd(binaries + "/rshd", mode: .coroutine, hosts: hosts, port: port,
                                                extra: home.serverArguments + serverArguments)
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// `count` loopback addresses as one host range: 250 per /24 from
    /// 127.0.0.1 on (`127.0.[0-3].[1-250]` for 1,000), so that no address
    /// ends in 0 or 255.
    static func loopbackHosts(_ count: Int) -> String {
        let blocks = count / 250, rest = count % 250
        var ranges: [String] = []
        if blocks == 1 { ranges.append("127.0.0.[1-250]") }
        if blocks > 1 { ranges.append("127.0.[0-\(blocks - 1)].[1-250]") }
        if rest > 0 { ranges.append("127.0.\(blocks).[1-\(rest)]") }
        return ranges.joined(separator: ",")
    }
}
