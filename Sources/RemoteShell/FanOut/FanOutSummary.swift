import RSHProtocol

/// What a fan-out says once every host is done: the gathered blocks
/// (`-b`, as `clush -b` and `dshbak -c` print them), the summary lines,
/// one JSON object per host (`--json`), and the exit status.
public enum FanOutSummary {
    /// The line above and below a block's hosts.
    static let rule = String(repeating: "-", count: 15)

    /// Hosts grouped by identical output and identical status, each group
    /// once under a header naming its hosts folded into ranges; a status
    /// other than 0 is named in the header, so that two blocks with the same
    /// output tell why they are apart. Unreachable hosts print nothing here
    /// (the summary names them).
    public static func gathered(_ reports: [HostReport], includingStderr: Bool) -> [UInt8] {
        struct Key: Hashable {
            var output: [UInt8]
            var ending: HostReport.Ending
        }
        var groups: [Key: [String]] = [:]
        for report in reports {
            if case .unreachable = report.ending { continue }
            var ending = report.ending
            // Only the status decides: how long each host took does not split a group.
            if case .finished(var outcome) = ending {
                outcome.duration = .zero
                ending = .finished(outcome)
            }
            let output = includingStderr ? report.stdout + report.stderr : report.stdout
            groups[Key(output: output, ending: ending), default: []].append(report.host)
        }
        let blocks = groups.map { (key: $0.key, hosts: $0.value.sorted(by: HostList.precedes)) }
            .sorted { HostList.precedes($0.hosts[0], $1.hosts[0]) }
        var text: [UInt8] = []
        for block in blocks {
            var header = HostList.fold(block.hosts)
            let sample = HostReport(host: "", ending: block.key.ending)
            if let complaint = sample.complaint { header += " (\(complaint))" }
            text += Array("\(rule)\n\(header)\n\(rule)\n".utf8)
            text += block.key.output
            if let last = block.key.output.last, last != UInt8(ascii: "\n") { text.append(UInt8(ascii: "\n")) }
        }
        return text
    }

    /// One line per reason a host did not succeed, its hosts folded:
    /// `node[07,12]: exited with status 1`, `node33: connection refused`.
    /// Failed commands come first, by status, then unreachable hosts.
    public static func complaints(_ reports: [HostReport]) -> [String] {
        var hostsByComplaint: [String: [String]] = [:]
        var rank: [String: (Int, Int32)] = [:]
        for report in reports {
            guard let complaint = report.complaint else { continue }
            hostsByComplaint[complaint, default: []].append(report.host)
            let order: Int
            switch report.ending {
            case .finished, .copied: order = 0
            case .failed: order = 1
            case .unreachable: order = 2
            }
            rank[complaint] = (order, report.status)
        }
        return hostsByComplaint.keys.sorted { rank[$0]! != rank[$1]! ? rank[$0]! < rank[$1]! : $0 < $1 }
            .map { "\(HostList.fold(hostsByComplaint[$0]!)): \($0)" }
    }

    /// The exit status of the whole fan-out. 0 when every host's command
    /// exited 0. With `worst` (`-S`, as pdsh's): the largest status of the
    /// commands, but 255 when a host was unreachable or failed. Otherwise 1
    /// when any host did not succeed.
    public static func exitStatus(_ reports: [HostReport], worst: Bool) -> Int32 {
        guard !reports.allSatisfy(\.succeeded) else { return 0 }
        guard worst else { return 1 }
        return reports.map(\.status).max() ?? 0
    }

    /// One host as one line of JSON: `host`, `exit`, `signal`, `timed_out`,
    /// `ms`, `stdout`, `stderr`, `error`. Output that is not UTF-8 is base64,
    /// with `stdout_encoding` (or `stderr_encoding`) saying so.
    public static func jsonLine(_ report: HostReport) -> [UInt8] {
        var members: [(String, JSONValue)] = [("host", .string(report.host))]
        var outcome: CommandOutcome?
        var error: String?
        switch report.ending {
        case .finished(let finished): outcome = finished
        case .copied: outcome = CommandOutcome(status: .exited(report.status), duration: report.duration)
        case .unreachable(let reason), .failed(let reason): error = reason
        }
        members.append(("exit", outcome?.status.code.map { .integer(Int64($0)) } ?? .null))
        members.append(("signal", outcome?.status.signal.map { .string($0.name) } ?? .null))
        members.append(("timed_out", .bool(outcome?.timedOut ?? false)))
        members.append(("ms", .integer(report.duration.milliseconds)))
        for (name, bytes) in [("stdout", report.stdout), ("stderr", report.stderr)] {
            if let text = String(validating: bytes, as: UTF8.self) {
                members.append((name, .string(text)))
            } else {
                members.append((name, .string(Base64.encode(bytes))))
                members.append((name + "_encoding", .string("base64")))
            }
        }
        members.append(("error", error.map { .string($0) } ?? .null))
        var line: [UInt8] = []
        JSONWriter.appendObject(members, to: &line)
        line.append(UInt8(ascii: "\n"))
        return line
    }
}
