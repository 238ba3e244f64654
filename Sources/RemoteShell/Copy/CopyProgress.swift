import RSHSystem

/// The progress line of `rsh cp` on a terminal: one line per file,
/// rewritten in place (at most ten times a second) with the file's name, the
/// bytes done and its size, the rate and the time left; when the file has
/// arrived and checked out, its final figures and a newline. Only for a
/// terminal: a log or a pipe gets none of it (nor does `-q`).
final class CopyProgress {
    private var name = ""
    private var size: Int64 = 0
    private var done: Int64 = 0
    private var startedAt = ContinuousClock.now
    private var drawnAt: ContinuousClock.Instant?
    /// A line is on the screen, without its newline.
    private var showing = false
    private let output = LocalOutput()

    /// How often the line is redrawn at most.
    static let interval: Duration = .milliseconds(100)

    /// A progress line when stderr is a terminal and `quiet` is not asked for.
    static func forTerminal(quiet: Bool) -> CopyProgress? {
        quiet || !FileDescriptor.standardError.isTerminal ? nil : CopyProgress()
    }

    func start(_ name: String, size: Int64) {
        clear()
        self.name = Self.printable(name)
        self.size = size
        done = 0
        startedAt = .now
        draw(final: false)
    }

    func update(_ bytes: Int64) {
        done = bytes
        if let drawnAt, drawnAt.duration(to: .now) < Self.interval { return }
        draw(final: false)
    }

    func finish() {
        done = size
        draw(final: true)
        try? output.write(.standardError, Array("\n".utf8))
        showing = false
        drawnAt = nil
    }

    /// Erases the line, for a message to take its place.
    func clear() {
        guard showing else { return }
        try? output.write(.standardError, Array("\r\u{1B}[K".utf8))
        showing = false
        drawnAt = nil
    }

    private func draw(final: Bool) {
        let now = ContinuousClock.now
        drawnAt = now
        let elapsed = Double(startedAt.duration(to: now).milliseconds) / 1000
        // A file that took under a millisecond went at least that fast.
        let rate = done > 0 ? Double(done) / max(elapsed, 0.001) : 0
        let percent = size > 0 ? done * 100 / size : 100
        let timing: String
        if final {
            timing = "in " + Self.clock(elapsed)
        } else if rate > 0 {
            timing = "ETA " + Self.clock(Double(size - done) / rate)
        } else {
            timing = "ETA --:--"
        }
        // Fixed widths, so that the figures of one line sit under those of the last.
        let figures = "  " + Self.padded("\(percent)%", 4) + "  " + Self.padded(Self.amount(done), 10) + " / "
            + Self.padded(Self.amount(size), 10) + "  " + Self.padded(Self.amount(Int64(rate)) + "/s", 12) + "  "
            + timing + String(repeating: " ", count: max(0, 12 - timing.count))
        let columns = Int((try? FileDescriptor.standardError.windowSize().columns) ?? 0)
        // Three columns spare: the terminal echoes "^C" after the line, and a
        // line that wrapped could not be erased with one carriage return.
        let room = max(12, (columns > 0 ? columns : 80) - figures.count - 3)
        var shown = name
        if shown.count > room { shown = "…" + shown.suffix(room - 1) }
        shown += String(repeating: " ", count: room - shown.count)
        try? output.write(.standardError, Array(("\r" + shown + figures + "\u{1B}[K").utf8))
        showing = true
    }

    /// `text` right-aligned in `width` characters.
    static func padded(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// A name on one line: control characters (a newline in a file's name) shown as `?`, as ls does.
    static func printable(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }

    /// 512 B, 1.5 KiB, 12.3 MiB, 1.0 GiB.
    static func amount(_ bytes: Int64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// 0:07, 12:34, 1:02:03.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(rest))" : "\(minutes):\(twoDigits(rest))"
    }
}
