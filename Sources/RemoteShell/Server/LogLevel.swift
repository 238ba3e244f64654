/// How much the server logs (`--log-level`): lines of this level and of every more severe one.
public enum LogLevel: Int, Comparable, CaseIterable, Sendable {
    /// `notice` is for the few lines about the server itself: where it
    /// listens, and its shutdown. `info` adds one line per connection and per command.
    case error, warning, notice, info, debug

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public init?(name: String) {
        switch name {
        case "error": self = .error
        case "warning", "warn": self = .warning
        case "notice": self = .notice
        case "info": self = .info
        case "debug": self = .debug
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .error: return "error"
        case .warning: return "warning"
        case .notice: return "notice"
        case .info: return "info"
        case .debug: return "debug"
        }
    }
}
