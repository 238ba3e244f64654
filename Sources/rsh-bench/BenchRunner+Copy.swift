import RemoteShell
import RSHSpawn
import RSHSystem
import RSHTestSupport

/// `upload-1g` and `download-1g`: `rsh cp` of 1 GiB each way, mode by mode
/// on a fresh server, in interleaved rounds with what it is held against:
/// the 1 GiB stdout stream through the same `rsh` client (the limit), the
/// copy floor (`scripts/bench/copy-floor.c`: what any verified, atomic copy
/// costs here), and `scp` of the same file through a private sshd when
/// there is one. The
/// files live on tmpfs (/dev/shm), so that the figures are rsh's and not
/// the disk's: there `fsync` costs nothing, where on this machine's disk it
/// costs ~3 s per GiB, for rsh cp and scp alike.
extension BenchRunner {
    func runCopies(into outcome: inout Outcome) throws {
        let bytes = size(1 << 30, 8 << 20)
        let root = ((try? FileStatus(path: "/dev/shm"))?.isDirectory == true ? "/dev/shm" : "/tmp") + "/rsh-bench-\(ProcessIdentity.processID)-copy"
        _ = try? ChildProcess.run(CommandSpec(.argv(["rm", "-rf", root])))
        try createDirectory(root + "/received")
        defer { _ = try? ChildProcess.run(CommandSpec(.argv(["rm", "-rf", root]))) }
        let source = root + "/source.bin"
        try Self.writeRandomFile(source, bytes: bytes)

        var openSSH: OpenSSHPeer?
        if peers.contains(.openSSH) {
            do {
                openSSH = try OpenSSHPeer(sshd: peers.sshd ?? "sshd")
            } catch {
                outcome.notes.append("OpenSSH on the copies: skipped: \(error)")
            }
        }
        defer { openSSH?.stop() }
        // Each round's copy floor and plain stream, over every mode's rounds:
        // whether the stream's 0.7 can be reached by any copy at all.
        var floorRounds: [(floor: Double, stream: Double)] = []

        for mode in ServerMode.allCases where modes.contains(mode) {
            log("copies on \(mode.rawValue): \(rounds(5)) rounds of the stream, rsh cp up and down, over TLS and --plain"
                + (peers.copyFloor == nil ? "" : ", the copy floor") + (openSSH == nil ? "" : ", scp up and down") + "...")
            let server = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode, extra: home.serverArguments + serverArguments)
            defer { server.stop() }
            let host = "\(server.address)"
            func rsh(_ transport: ClientTransport, _ arguments: [String]) -> [String] {
                let plain = transport == .plain ? ["--plain"] : []
                // `rsh cp` takes its options after `cp`: before it, rsh would read `cp` as the host.
                if arguments.first == "cp" { return [binaries + "/rsh", "cp"] + plain + arguments.dropFirst() }
                return [binaries + "/rsh"] + plain + arguments
            }
            // A first copy, so that no round meets a cold server.
            _ = try timedCopy(rsh(.tls, ["cp", "-q", source, "\(host):\(root)/received/warm-up"]), removing: root + "/received/warm-up")
            let baselineRSS = server.statistics.residentBytes ?? 0

            enum Run: Hashable { case stream(ClientTransport), upload(ClientTransport), download(ClientTransport), scpUpload, scpDownload, floor }
            var runs: [Run] = ClientTransport.allCases.flatMap { [Run.stream($0), .upload($0), .download($0)] }
            if peers.copyFloor != nil { runs.append(.floor) }
            if openSSH != nil { runs += [.scpUpload, .scpDownload] }
            var rates: [Run: [Double]] = [:]
            var peakRSS = 0
            var serverCPU = 0.0
            for round in 0..<rounds(5) {
                let rotation = round % runs.count
                for run in runs[rotation...] + runs[..<rotation] {
                    var measuresServer = false
                    if case .upload = run { measuresServer = true }
                    if case .download = run { measuresServer = true }
                    let sampler = measuresServer ? try Sampler(processID: server.processID) : nil
                    let cpuBefore = server.statistics.cpuSeconds ?? 0
                    let seconds: Double
                    switch run {
                    case .stream(let transport):
                        seconds = Double(bytes) / (try ClientRuns.streamRate(rsh(transport, [host, "head -c \(bytes) /dev/zero"]), bytes: bytes,
                                                                            environment: home.environment))
                    case .upload(let transport):
                        seconds = try timedCopy(rsh(transport, ["cp", "-q", source, "\(host):\(root)/received/up"]),
                                                removing: root + "/received/up")
                    case .download(let transport):
                        seconds = try timedCopy(rsh(transport, ["cp", "-q", "\(host):\(source)", root + "/down"]), removing: root + "/down")
                    case .scpUpload:
                        seconds = try timedCopy(openSSH!.copy(source, to: "\(OpenSSHPeer.hostAlias):\(root)/received/up"),
                                                removing: root + "/received/up")
                    case .scpDownload:
                        seconds = try timedCopy(openSSH!.copy("\(OpenSSHPeer.hostAlias):\(source)", to: root + "/down"),
                                                removing: root + "/down")
                    case .floor:
                        seconds = try timedCopy([peers.copyFloor!, source, root + "/received/floor"], removing: root + "/received/floor")
                    }
                    if let peaks = sampler?.stop() {
                        peakRSS = max(peakRSS, peaks.resident, server.statistics.peakResidentBytes ?? 0)
                        serverCPU += (server.statistics.cpuSeconds ?? 0) - cpuBefore
                    }
                    rates[run, default: []].append(Double(bytes) / seconds)
                }
            }
            func result(_ workload: Workload, _ run: Run, _ transport: ClientTransport, _ scp: Run) -> BenchResult {
                let values = rates[run]!
                let streams = rates[.stream(transport)]!
                let ratios = zip(values, streams).map { $0 / $1 }
                var result = BenchResult(workload: workload, contender: .rsh(mode, transport), value: values.median, unit: "bytes/s",
                                         limit: streams.median, ratio: ratios.median)
                result.serverCPUSeconds = serverCPU
                result.peakRSSMiB = Double(peakRSS) / 1_048_576
                result.rssGrowthMiB = Double(max(0, peakRSS - baselineRSS)) / 1_048_576
                if let scpRates = rates[scp] { result.peerRatios[.openSSH] = zip(values, scpRates).map { $0 / $1 }.median }
                // The floor has no TLS: it is a floor for the copies in clear only.
                if transport == .plain, let floors = rates[.floor] { result.floorRatio = zip(values, floors).map { $0 / $1 }.median }
                result.note = "\(values.count) interleaved rounds of \(bytes >> 20) MiB on tmpfs, with the rsh stdout stream of the same transport"
                    + (rates[.floor] == nil ? "" : ", the copy floor") + (rates[scp] == nil ? "" : " and scp")
                    + "; ratios to the stream " + ratios.map { String(format2: $0) }.joined(separator: ", ")
                    + "; server CPU, RSS: all the copies of this mode"
                result.judge()
                return result
            }
            for transport in ClientTransport.allCases {
                if only.contains(.upload) { outcome.results.append(result(.upload, .upload(transport), transport, .scpUpload)) }
                if only.contains(.download) { outcome.results.append(result(.download, .download(transport), transport, .scpDownload)) }
            }
            if let floors = rates[.floor] { floorRounds += zip(floors, rates[.stream(.plain)]!).map { ($0, $1) } }
            // scp's own rows, once (they do not depend on rshd's mode): against the stream over TLS.
            if mode == modes.last, let up = rates[.scpUpload], let down = rates[.scpDownload], let streams = rates[.stream(.tls)] {
                for (workload, values) in [(Workload.upload, up), (.download, down)] where only.contains(workload) {
                    var row = BenchResult(workload: workload, contender: .openSSH, value: values.median, unit: "bytes/s",
                                          limit: streams.median, ratio: zip(values, streams).map { $0 / $1 }.median)
                    row.note = "scp (over the cipher of the OpenSSH notes) in the rounds of rshd \(mode.rawValue), against rsh's TLS stream"
                    outcome.results.append(row)
                }
            }
        }
        // The floor's own rows, against the plain stream, as rsh cp is
        // judged: one measurement serves both ways, a copy being the same
        // work whichever end is the server.
        if !floorRounds.isEmpty {
            for workload in [Workload.upload, .download] where only.contains(workload) {
                var row = BenchResult(workload: workload, contender: .copyFloor, value: floorRounds.map(\.floor).median, unit: "bytes/s",
                                      limit: floorRounds.map(\.stream).median, ratio: floorRounds.map { $0.floor / $0.stream }.median)
                row.note = "\(floorRounds.count) rounds (every mode's) of the bare copy in C, against rsh --plain's stream of the same round;"
                    + " one measurement for both ways"
                outcome.results.append(row)
            }
        }
    }

    /// One copy to its end, timed from spawn to reap; the copy is removed after.
    private func timedCopy(_ arguments: [String], removing copy: String) throws -> Double {
        let seconds = try ClientRuns.latencies(arguments, count: 1, environment: home.environment)[0].seconds
        try? removeFile(atPath: copy)
        return seconds
    }

    /// `bytes` that no run of zeros shortens (a copy would skip them as
    /// holes): a random MiB, over and over.
    private static func writeRandomFile(_ path: String, bytes: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let block = (0..<min(bytes, 1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let fd = try FileDescriptor.open(path, .writeOnly, options: [.create, .truncate], permissions: 0o644)
        defer { fd.closeAfterUse() }
        var written = 0
        while written < bytes {
            let count = min(block.count, bytes - written)
            try fd.writeAll(block[..<count])
            written += count
        }
    }
}
