import RSHSystem

/// One line per event on stderr. Each line is one write(2) of less than
/// PIPE_BUF bytes, so lines from different threads never interleave.
public struct Logger: Sendable {
    public let level: LogLevel

    public init(level: LogLevel) { self.level = level }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard level <= self.level else { return }
        var line = "rshd \(WallClock.timestamp()) \(level.name) \(message())"
        if line.utf8.count > 4000 { line = String(line.prefix(4000)) + "..." }
        line += "\n"
        try? FileDescriptor.standardError.writeAll(line.utf8)
    }

    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func notice(_ message: @autoclosure () -> String) { log(.notice, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
}
