import RemoteShell
import RSHProtocol
import RSHSystem

/// The report: Markdown tables, a JSON file and an SVG bar chart, all made here.
struct Report {
    var outcome: BenchRunner.Outcome
    var machine: Machine
    var date: String
    /// What every rshd of the run was given besides mode and address (`--rshd-arg`).
    var serverArguments: [String]

    private var results: [BenchResult] { outcome.results }

    /// The line above the tables: when, where, and which server options
    /// besides the harness's own (BENCHMARKS.md, "Method").
    var heading: String {
        let extra = serverArguments.isEmpty ? "none" : serverArguments.joined(separator: " ")
        return "Measured \(date) on \(machine.summary); extra rshd options: \(extra)."
    }

    static func format(_ value: Double, _ unit: String) -> String {
        switch unit {
        case "bytes/s": return String(format1: value / 1_048_576) + " MiB/s"
        case "commands/s": return "\(Int(value.rounded())) cmd/s"
        case "s": return String(format2: value) + " s"
        case "ms median": return String(format2: value) + " ms"
        case "MiB resident": return String(format1: value) + " MiB"
        default: return "\(value) \(unit)"
        }
    }

    /// The peers that have a ratio in some row, in the order of `Peers.columns`.
    private var peersCompared: [Contender] {
        Peers.columns.filter { peer in results.contains { $0.peerRatios[peer] != nil } }
    }

    var markdown: String {
        var text = resultsTable
        if !peersCompared.isEmpty { text += "\n" + peersTable }
        if !outcome.spawnPaths.isEmpty { text += "\n" + spawnPathsTable }
        if !outcome.notes.isEmpty { text += "\n" + outcome.notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return text
    }

    private static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    var resultsTable: String {
        let header = ["workload", "server", "via", "result", "p50 ms", "p99 ms", "server CPU s", "peak RSS MiB", "RSS growth MiB",
                      "threads", "client CPU s/run", "client peak RSS MiB", "generator CPU", "raw limit", "ratio", "target", "met"]
        var lines = [Self.row(header), Self.row(header.map { _ in "---" })]
        for result in results {
            var cells: [String] = [result.workload.title, result.contender.server, result.contender.via, Self.format(result.value, result.unit)]
            cells.append(result.p50.map { String(format2: $0) } ?? "")
            cells.append(result.p99.map { String(format2: $0) } ?? "")
            cells.append(result.serverCPUSeconds.map { String(format2: $0) } ?? "")
            cells.append(result.peakRSSMiB.map { String(format1: $0) } ?? "")
            cells.append(result.rssGrowthMiB.map { String(format1: $0) } ?? "")
            cells.append(result.threads.map { String($0) } ?? "")
            cells.append(result.clientCPUSeconds.map { String(format2: $0) } ?? "")
            cells.append(result.clientPeakRSSMiB.map { String(format1: $0) } ?? "")
            cells.append(result.generatorShare.map { String(Int(($0 * 100).rounded())) + "%" } ?? "")
            cells.append(result.limit.map { Self.format($0, result.unit) + (result.limitPath.map { " (\($0))" } ?? "") } ?? "")
            // A TLS row is judged against the same run through `rsh --plain`,
            // not against the raw limit, and a row may also be held against
            // its workload's floor (TLS, copy or spawn): every ratio goes in
            // the cell.
            cells.append([result.ratio.map { String(ratio: $0) }, result.plainRatio.map { "x --plain " + String(ratio: $0) },
                          result.floorRatio.map { "x \(result.workload.floorName) " + String(ratio: $0) }].compactMap { $0 }.joined(separator: "; "))
            cells.append(result.target ?? "")
            cells.append(result.met.map { $0 ? "yes" : "**no**" } ?? "")
            lines.append(Self.row(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// rshd against each peer, measured in the same rounds: how many times
    /// the peer's rate (or how many times faster than the peer's time).
    var peersTable: String {
        let peers = peersCompared
        let header = ["workload", "server", "via"] + peers.map { "x " + $0.peerName } + ["target", "met"]
        var lines = [Self.row(header), Self.row(header.map { _ in "---" })]
        for result in results where !result.peerRatios.isEmpty || !result.peerTargets.isEmpty {
            var cells = [result.workload.title, result.contender.server, result.contender.via]
            cells += peers.map { peer in result.peerRatios[peer].map { String(ratio: $0) } ?? "" }
            cells.append(Peers.columns.filter { result.peerTargets[$0] != nil }.map { ">= \(String(format1: result.peerTargets[$0]!)) x \($0.peerName)" }
                .joined(separator: ", "))
            cells.append(result.peerTargets.isEmpty ? "" : result.peerTargetsMet.map { $0 ? "yes" : "**no**" } ?? "not measured")
            lines.append(Self.row(cells))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    var spawnPathsTable: String {
        let header = ["command", "direct exec", "sh -c", "direct / sh -c", "cheaper (rounds)", "rshd runs it by", "rshd's spawn layer", "agrees"]
        var lines = [Self.row(header), Self.row(header.map { _ in "---" })]
        for result in outcome.spawnPaths {
            lines.append(Self.row([
                "`\(result.command)`", result.direct.map { Self.format($0, "commands/s") } ?? "(no program)",
                Self.format(result.shell, "commands/s"), result.directOverShell.map { String(format2: $0) } ?? "",
                result.faster.rawValue + (result.fasterWins == result.rounds ? "" : " \(result.fasterWins)/\(result.rounds)"),
                result.spawnLayerPath.rawValue, Self.format(result.spawnLayer, "commands/s"),
                result.spawnLayerAgrees.map { $0 ? "yes" : "**no**" } ?? "unclear",
            ]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    var json: [UInt8] {
        var entries: [JSONValue] = []
        for result in results {
            var object: [String: JSONValue] = [
                "workload": .string(result.workload.rawValue), "server": .string(result.contender.server),
                "via": .string(result.contender.via), "value": .number(result.value), "unit": .string(result.unit),
            ]
            if let mode = result.mode { object["mode"] = .string(mode.rawValue) }
            if let cpu = result.serverCPUSeconds { object["server_cpu_seconds"] = .number(cpu) }
            if let peak = result.peakRSSMiB { object["peak_rss_mib"] = .number(peak) }
            if let growth = result.rssGrowthMiB { object["rss_growth_mib"] = .number(growth) }
            if let threads = result.threads { object["threads"] = .integer(Int64(threads)) }
            if let cpu = result.clientCPUSeconds { object["client_cpu_seconds_per_run"] = .number(cpu) }
            if let peak = result.clientPeakRSSMiB { object["client_peak_rss_mib"] = .number(peak) }
            if let share = result.generatorShare { object["generator_cpu_share"] = .number(share) }
            if let p50 = result.p50 { object["p50_ms"] = .number(p50) }
            if let p99 = result.p99 { object["p99_ms"] = .number(p99) }
            if let limit = result.limit { object["raw_limit"] = .number(limit) }
            if let path = result.limitPath { object["raw_limit_path"] = .string(path) }
            if let ratio = result.ratio { object["ratio"] = .number(ratio) }
            if let ratio = result.plainRatio { object["ratio_to_plain"] = .number(ratio) }
            if let ratio = result.floorRatio { object["ratio_to_" + result.workload.floorName.lowercased().replacingAll(" ", with: "_")] = .number(ratio) }
            if let target = result.target { object["target"] = .string(target) }
            if let met = result.met { object["met"] = .bool(met) }
            if !result.peerRatios.isEmpty {
                object["peer_ratios"] = .object(Dictionary(uniqueKeysWithValues: result.peerRatios.map { ($0.key.peerName, .number($0.value)) }))
            }
            if !result.peerTargets.isEmpty {
                object["peer_targets"] = .object(Dictionary(uniqueKeysWithValues: result.peerTargets.map { ($0.key.peerName, .number($0.value)) }))
                if let met = result.peerTargetsMet { object["peer_targets_met"] = .bool(met) }
            }
            if let note = result.note { object["note"] = .string(note) }
            entries.append(.object(object))
        }
        let spawnPaths: [JSONValue] = outcome.spawnPaths.map { result in
            var object: [String: JSONValue] = [
                "command": .string(result.command), "shell": .number(result.shell), "spawn_layer": .number(result.spawnLayer),
                "spawn_layer_path": .string(result.spawnLayerPath.rawValue), "faster": .string(result.faster.rawValue),
            ]
            if let direct = result.direct { object["direct"] = .number(direct) }
            if let ratio = result.directOverShell { object["direct_over_shell"] = .number(ratio) }
            object["direct_wins"] = .integer(Int64(result.directWins))
            object["rounds"] = .integer(Int64(result.rounds))
            return .object(object)
        }
        var output: [UInt8] = []
        JSONWriter.appendObject([
            ("date", .string(date)), ("machine", .string(machine.summary)),
            ("rshd_arguments", .array(serverArguments.map { .string($0) })), ("results", .array(entries)),
            ("spawn_paths", .array(spawnPaths)), ("notes", .array(outcome.notes.map { .string($0) })),
        ], to: &output)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    /// A horizontal bar chart: each row's result relative to its raw limit
    /// (rate / limit, or limit / time), peers beside rshd's modes, with the
    /// target marked; for the workloads without a raw limit, the ratio the
    /// table gives (floor / time, 100 MiB / RSS, 3 s / time).
    var svg: String {
        struct Bar {
            var group: String
            var label: String
            var color: String
            var value: Double
            var target: Double?
        }
        var bars: [Bar] = []
        for result in results where !result.contender.isRaw {
            var group = result.workload.title + ": result / raw limit"
            var value = result.ratio ?? 0
            var target: Double? = nil
            switch result.workload {
            case .sequentialEcho: target = result.contender.isRSHD ? 0.9 : nil
            case .concurrent16: target = result.target == nil ? nil : 0.85
            case .concurrent64: target = result.target == nil ? nil : 0.80
            case .stream: target = result.target == nil ? nil : 0.6
            case .oneShot:
                // The median's target (5 ms plain, 8 ms over TLS), as a fraction of the raw limit.
                if case .rsh(_, let transport) = result.contender { target = result.limit.map { $0 / (transport == .plain ? 5 : 8) } }
            case .burstTLS:
                group = "500 TLS clients at once: served / 500"
                target = 1.0
            case .sleep1000:
                group = "1,000 x sleep 1: floor / time taken"
                // The 1.5 s target, as a fraction of this machine's floor.
                target = result.target == nil ? nil : result.limit.map { $0 / 1.5 }
            case .idle:
                group = "10k idle: 100 MiB / RSS"
                value = 100.0 / max(result.peakRSSMiB ?? .infinity, 0.001)
                target = result.target == nil ? nil : 1.0
            case .idleTLS:
                group = "10k idle over TLS: 400 MiB / RSS"
                value = 400.0 / max(result.peakRSSMiB ?? .infinity, 0.001)
                target = result.target == nil ? nil : 1.0
            case .upload, .download:
                group = result.workload.title + ": copy / rsh stdout stream"
                target = result.target == nil ? nil : 0.7
            case .fanOut:
                // No raw limit: the 3 s target over the time taken, pdsh's rows beside rsh -w's.
                group = result.workload.title + ": 3 s / time taken"
                value = 3.0 / max(result.value, 0.001)
                target = result.target == nil ? nil : 1.0
            case .spawnPaths:
                continue
            }
            bars.append(Bar(group: group, label: "\(result.contender.server), \(result.contender.via)",
                            color: Self.color(result.contender), value: value, target: target))
        }
        let labelWidth = 250.0, barWidth = 420.0, rowHeight = 18.0, groupHeight = 30.0, scaleMax = 1.5
        var groups: [String] = []
        for bar in bars where !groups.contains(bar.group) { groups.append(bar.group) }
        let height = 70 + Double(bars.count) * rowHeight + Double(groups.count) * groupHeight
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(labelWidth + barWidth + 80))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <text x="8" y="18" font-size="13" font-weight="bold">rshd and its peers: result / limit (higher is better; | marks rshd's target)</text>
        <text x="8" y="34" fill="#555">\(machine.summary), \(date)</text>

        """
        var y = 48.0
        for group in groups {
            svg += "<text x=\"8\" y=\"\(y + 16)\" font-weight=\"bold\">\(escape(group))</text>\n"
            y += groupHeight - 8
            for bar in bars where bar.group == group {
                let width = min(bar.value, scaleMax) / scaleMax * barWidth
                svg += "<text x=\"16\" y=\"\(y + 12)\">\(escape(bar.label))</text>\n"
                svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(String(format1: width))\" height=\"\(rowHeight - 4)\" fill=\"\(bar.color)\"/>\n"
                // Peers far below the limit (OpenSSH's one-shot) keep a digit that is not zero.
                let figure = bar.value < 0.1 ? String(format3: bar.value) : String(format2: bar.value)
                svg += "<text x=\"\(String(format1: labelWidth + width + 4))\" y=\"\(y + 12)\">\(figure)</text>\n"
                if let target = bar.target {
                    let x = labelWidth + min(target, scaleMax) / scaleMax * barWidth
                    svg += "<line x1=\"\(String(format1: x))\" x2=\"\(String(format1: x))\" y1=\"\(y)\" y2=\"\(y + rowHeight)\" stroke=\"#000\" stroke-width=\"2\"/>\n"
                }
                y += rowHeight
            }
            y += 8
        }
        let one = labelWidth + 1.0 / scaleMax * barWidth
        svg += "<line x1=\"\(String(format1: one))\" x2=\"\(String(format1: one))\" y1=\"44\" y2=\"\(y)\" stroke=\"#bbb\" stroke-dasharray=\"3,3\"/>\n"
        svg += "<text x=\"\(String(format1: one - 8))\" y=\"\(y + 10)\" fill=\"#777\">1.0</text>\n</svg>\n"
        return svg
    }

    /// rshd's modes in grey, orange and blue (lighter on the classic
    /// protocol and through the rsh client, full through rsh -w), the peers
    /// in greens and purple, pdsh in brown.
    private static func color(_ contender: Contender) -> String {
        switch contender {
        case .rshd(.blocking, .v1): return "#8a8a8a"
        case .rshd(.threaded, .v1): return "#e07b39"
        case .rshd(.coroutine, .v1): return "#3a7dc9"
        case .rshd(.blocking, .classic), .rsh(.blocking, _): return "#bdbdbd"
        case .rshd(.threaded, .classic), .rsh(.threaded, _): return "#f0b48a"
        case .rshd(.coroutine, .classic), .rsh(.coroutine, _): return "#93bbe6"
        case .python(.blocking): return "#2e7d32"
        case .python(.threaded): return "#66bb6a"
        case .python(.gevent): return "#a5d6a7"
        case .openSSH: return "#7b1fa2"
        case .fanOut(.blocking, _): return "#8a8a8a"
        case .fanOut(.threaded, _): return "#e07b39"
        case .fanOut(.coroutine, _): return "#3a7dc9"
        case .pdsh: return "#8d6e63"
        case .tlsFloor, .copyFloor, .spawnFloor: return "#455a64"
        case .raw, .relay: return "#000000"
        }
    }

    private func escape(_ text: String) -> String {
        text.replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll("`", with: "")
    }
}
