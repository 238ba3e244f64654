import RemoteShell
import RSHProtocol
import RSHSystem

/// The report: a Markdown table, a JSON file and an SVG bar chart, all made here.
struct Report {
    var results: [BenchResult]
    var machine: Machine
    var date: String
    /// What every rshd of the run was given besides mode and address (`--rshd-arg`).
    var serverArguments: [String]

    /// The line above the table: when, where, and which server options
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

    var markdown: String {
        var lines = [
            "| workload | mode | result | p50 ms | p99 ms | server CPU s | peak RSS MiB | RSS growth MiB | threads | generator CPU | raw limit | ratio | target | met |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for result in results {
            var cells: [String] = [result.workload.title, result.mode.rawValue, Self.format(result.value, result.unit)]
            cells.append(result.p50.map { String(format2: $0) } ?? "")
            cells.append(result.p99.map { String(format2: $0) } ?? "")
            cells.append(String(format2: result.serverCPUSeconds))
            cells.append(String(format1: result.peakRSSMiB))
            cells.append(String(format1: result.rssGrowthMiB))
            cells.append(String(result.threads))
            cells.append(String(Int((result.generatorShare * 100).rounded())) + "%")
            cells.append(result.limit.map { Self.format($0, result.unit) } ?? "")
            cells.append(result.ratio.map { String(format2: $0) } ?? "")
            cells.append(result.target ?? "")
            cells.append(result.met.map { $0 ? "yes" : "**no**" } ?? "")
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    var json: [UInt8] {
        var entries: [JSONValue] = []
        for result in results {
            var object: [String: JSONValue] = [
                "workload": .string(result.workload.rawValue), "mode": .string(result.mode.rawValue),
                "value": .number(result.value), "unit": .string(result.unit),
                "server_cpu_seconds": .number(result.serverCPUSeconds), "peak_rss_mib": .number(result.peakRSSMiB),
                "rss_growth_mib": .number(result.rssGrowthMiB), "threads": .integer(Int64(result.threads)),
                "generator_cpu_share": .number(result.generatorShare),
            ]
            if let p50 = result.p50 { object["p50_ms"] = .number(p50) }
            if let p99 = result.p99 { object["p99_ms"] = .number(p99) }
            if let limit = result.limit { object["raw_limit"] = .number(limit) }
            if let ratio = result.ratio { object["ratio"] = .number(ratio) }
            if let target = result.target { object["target"] = .string(target) }
            if let met = result.met { object["met"] = .bool(met) }
            if let note = result.note { object["note"] = .string(note) }
            entries.append(.object(object))
        }
        var output: [UInt8] = []
        JSONWriter.appendObject([
            ("date", .string(date)), ("machine", .string(machine.summary)),
            ("rshd_arguments", .array(serverArguments.map { .string($0) })), ("results", .array(entries)),
        ], to: &output)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    /// A horizontal bar chart of each mode's ratio to its raw limit (or, for
    /// the workloads without one, of target / result), with the target marked.
    var svg: String {
        let colors: [ServerMode: String] = [.blocking: "#9a9a9a", .threaded: "#e07b39", .coroutine: "#3a7dc9"]
        let rows = results.compactMap { result -> (String, ServerMode, Double, Double?)? in
            switch result.workload {
            case .sequentialEcho: return (result.workload.title, result.mode, result.ratio ?? 0, 0.85)
            case .concurrent16, .concurrent64: return (result.workload.title, result.mode, result.ratio ?? 0, result.mode == .blocking ? nil : 0.80)
            case .stream: return (result.workload.title, result.mode, result.ratio ?? 0, 0.6)
            case .streamTLS: return ("1 GiB through rsh: TLS / plain", result.mode, result.ratio ?? 0, 0.75)
            case .sleep1000:
                // The 1.5 s target, as a fraction of this machine's floor.
                return ("1,000 x sleep 1: floor / time taken", result.mode, result.ratio ?? 0,
                        result.mode == .coroutine ? result.limit.map { $0 / 1.5 } : nil)
            case .oneShot: return ("one-shot rsh over TLS: 8 ms / median", result.mode, 8.0 / max(result.value, 0.001), 1.0)
            case .oneShotPlain: return ("one-shot rsh --plain: 5 ms / median", result.mode, 5.0 / max(result.value, 0.001), 1.0)
            case .idle: return ("10k idle: 100 MiB / RSS", result.mode, 100.0 / max(result.peakRSSMiB, 0.001), result.mode == .coroutine ? 1.0 : nil)
            case .idleTLS: return ("10k idle TLS: 400 MiB / RSS", result.mode, 400.0 / max(result.peakRSSMiB, 0.001),
                                   result.mode == .coroutine ? 1.0 : nil)
            case .burstTLS: return ("500 TLS clients at once: served / 500", result.mode, result.ratio ?? 0, 1.0)
            }
        }
        let labelWidth = 330.0, barWidth = 420.0, rowHeight = 18.0, scaleMax = 1.5
        var groupTitles: [String] = []
        for row in rows where !groupTitles.contains(row.0) { groupTitles.append(row.0) }
        let height = 60 + Double(rows.count) * rowHeight + Double(groupTitles.count) * 10
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(labelWidth + barWidth + 80))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <text x="8" y="18" font-size="13" font-weight="bold">rshd: result / limit (higher is better; | marks the target)</text>
        <text x="8" y="34" fill="#555">\(machine.summary), \(date)</text>

        """
        var y = 48.0
        for title in groupTitles {
            for row in rows where row.0 == title {
                let width = min(row.2, scaleMax) / scaleMax * barWidth
                svg += "<text x=\"8\" y=\"\(y + 12)\">\(escape(row.0)) (\(row.1.rawValue))</text>\n"
                svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(String(format1: width))\" height=\"\(rowHeight - 4)\" fill=\"\(colors[row.1]!)\"/>\n"
                svg += "<text x=\"\(String(format1: labelWidth + width + 4))\" y=\"\(y + 12)\">\(String(format2: row.2))</text>\n"
                if let target = row.3 {
                    let x = labelWidth + min(target, scaleMax) / scaleMax * barWidth
                    svg += "<line x1=\"\(String(format1: x))\" x2=\"\(String(format1: x))\" y1=\"\(y)\" y2=\"\(y + rowHeight)\" stroke=\"#000\" stroke-width=\"2\"/>\n"
                }
                y += rowHeight
            }
            y += 10
        }
        let one = labelWidth + 1.0 / scaleMax * barWidth
        svg += "<line x1=\"\(String(format1: one))\" x2=\"\(String(format1: one))\" y1=\"44\" y2=\"\(y)\" stroke=\"#bbb\" stroke-dasharray=\"3,3\"/>\n"
        svg += "<text x=\"\(String(format1: one - 8))\" y=\"\(y + 10)\" fill=\"#777\">1.0</text>\n</svg>\n"
        return svg
    }

    private func escape(_ text: String) -> String {
        text.replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll("`", with: "")
    }
}
