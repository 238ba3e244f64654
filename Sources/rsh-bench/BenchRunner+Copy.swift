import RemoteShell
import RSHSpawn
import RSHSystem
import RSHTestSupport

/// `upload-1g` and `download-1g`: `rsh cp` of 1 GiB each way, mode by mode
/// on a fresh server, in interleaved rounds with what it is held against:
/// the 1 GiB stdout stream through the same `rsh` client (the limit), and
/// `scp` of the same file through a private sshd when there is one. The
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

        for mode in ServerMode.allCases where modes.contains(mode) {
            log("copies on \(mode.rawValue): \(rounds(3)) rounds of the stream, rsh cp up and down"
                + (openSSH == nil ? "" : ", scp up and down") + "...")
            let server = try ServerUnderTest.rshd(binaries + "/rshd", mode: mode, extra: serverArguments)
            defer { server.stop() }
            let rsh = binaries + "/rsh"
            let host = "\(server.address)"
            let stream = "head -c \(bytes) /dev/zero"
            // A first copy, so that no round meets a cold server.
            _ = try Self.timedCopy([rsh, "cp", "-q", source, "\(host):\(root)/received/warm-up"], removing: root + "/received/warm-up")
            let baselineRSS = server.statistics.residentBytes ?? 0

            enum Run: CaseIterable { case stream, upload, download, scpUpload, scpDownload }
            let runs = Run.allCases.filter { openSSH != nil || ($0 != .scpUpload && $0 != .scpDownload) }
            var rates: [Run: [Double]] = [:]
            var peakRSS = 0
            var serverCPU = 0.0
            for round in 0..<rounds(3) {
                let rotation = round % runs.count
                for run in runs[rotation...] + runs[..<rotation] {
                    let measuresServer = run == .upload || run == .download
                    let sampler = measuresServer ? try Sampler(processID: server.processID) : nil
                    let cpuBefore = server.statistics.cpuSeconds ?? 0
                    let seconds: Double
                    switch run {
                    case .stream:
                        seconds = Double(bytes) / (try ClientRuns.streamRate([rsh, host, stream], bytes: bytes))
                    case .upload:
                        seconds = try Self.timedCopy([rsh, "cp", "-q", source, "\(host):\(root)/received/up"], removing: root + "/received/up")
                    case .download:
                        seconds = try Self.timedCopy([rsh, "cp", "-q", "\(host):\(source)", root + "/down"], removing: root + "/down")
                    case .scpUpload:
                        seconds = try Self.timedCopy(openSSH!.copy(source, to: "\(OpenSSHPeer.hostAlias):\(root)/received/up"),
                                                     removing: root + "/received/up")
                    case .scpDownload:
                        seconds = try Self.timedCopy(openSSH!.copy("\(OpenSSHPeer.hostAlias):\(source)", to: root + "/down"),
                                                     removing: root + "/down")
                    }
                    if let peaks = sampler?.stop() {
                        peakRSS = max(peakRSS, peaks.resident, server.statistics.peakResidentBytes ?? 0)
                        serverCPU += (server.statistics.cpuSeconds ?? 0) - cpuBefore
                    }
                    rates[run, default: []].append(Double(bytes) / seconds)
                }
            }
            let streams = rates[.stream]!
            func result(_ workload: Workload, _ run: Run, _ scp: Run) -> BenchResult {
                let values = rates[run]!
                let ratios = zip(values, streams).map { $0 / $1 }
                var result = BenchResult(workload: workload, contender: .rsh(mode), value: values.median, unit: "bytes/s",
                                         limit: streams.median, ratio: ratios.median)
                result.serverCPUSeconds = serverCPU
                result.peakRSSMiB = Double(peakRSS) / 1_048_576
                result.rssGrowthMiB = Double(max(0, peakRSS - baselineRSS)) / 1_048_576
                if let scpRates = rates[scp] { result.peerRatios[.openSSH] = zip(values, scpRates).map { $0 / $1 }.median }
                result.note = "\(values.count) interleaved rounds of \(bytes >> 20) MiB on tmpfs, with the rsh stdout stream"
                    + (rates[scp] == nil ? "" : " and scp") + "; ratios to the stream " + ratios.map { String(format2: $0) }.joined(separator: ", ")
                result.judge()
                return result
            }
            if only.contains(.upload) { outcome.results.append(result(.upload, .upload, .scpUpload)) }
            if only.contains(.download) { outcome.results.append(result(.download, .download, .scpDownload)) }
            // scp's own rows, once (they do not depend on rshd's mode): against the same stream.
            if mode == modes.last, let up = rates[.scpUpload], let down = rates[.scpDownload] {
                for (workload, values) in [(Workload.upload, up), (.download, down)] where only.contains(workload) {
                    var row = BenchResult(workload: workload, contender: .openSSH, value: values.median, unit: "bytes/s",
                                          limit: streams.median, ratio: zip(values, streams).map { $0 / $1 }.median)
                    row.note = "scp (over the cipher of the OpenSSH notes) in the rounds of rshd \(mode.rawValue)"
                    outcome.results.append(row)
                }
            }
        }
    }

    /// One copy to its end, timed from spawn to reap; the copy is removed after.
    private static func timedCopy(_ arguments: [String], removing copy: String) throws -> Double {
        let seconds = try ClientRuns.latencies(arguments, count: 1)[0].seconds
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
