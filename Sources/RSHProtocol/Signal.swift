/// A signal, by its number, named as `kill -l` names it ("TERM", "RTMIN+3").
/// The one signal type of every room: the protocol sends its name, the
/// system layer sends it to processes by number.
///
/// The numbers are Linux's generic ones (x86-64, arm64, riscv64; alpha,
/// MIPS, PA-RISC and SPARC number them otherwise and are not supported),
/// and the real-time range is glibc's, which keeps 32 and 33 for its
/// threads. A test checks both against the C library of the machine it runs on.
public struct Signal: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let hangup = Signal(rawValue: 1)
    public static let interrupt = Signal(rawValue: 2)
    public static let quit = Signal(rawValue: 3)
    public static let kill = Signal(rawValue: 9)
    public static let user1 = Signal(rawValue: 10)
    public static let user2 = Signal(rawValue: 12)
    public static let brokenPipe = Signal(rawValue: 13)
    public static let terminate = Signal(rawValue: 15)
    public static let child = Signal(rawValue: 17)
    /// SIGCONT and SIGSTOP: a stopped process holds still, whatever comes in.
    public static let resume = Signal(rawValue: 18)
    public static let stop = Signal(rawValue: 19)
    public static let windowChanged = Signal(rawValue: 28)

    /// The signals a client may send to a command's process group (`signal` frames).
    public static let requestable: [Signal] = [.interrupt, .terminate, .kill, .hangup, .quit, .user1, .user2]

    /// `SIGRTMIN` and `SIGRTMAX` as glibc has them.
    public static let realTimeRange: ClosedRange<Int32> = 34...64

    /// The names of signals 1 to 31, as `sigabbrev_np(3)` gives them.
    static let standardNames = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
                                "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
                                "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"]

    /// The name without "SIG", as `kill -l` prints it (bash and dash alike):
    /// "TERM"; a real-time signal counted from the nearer end, "RTMIN",
    /// "RTMIN+1" ... "RTMIN+15", "RTMAX-14" ... "RTMAX-1", "RTMAX"; and the
    /// number for a signal with no name (32, 33).
    public var name: String {
        if (1...Int32(Self.standardNames.count)).contains(rawValue) { return Self.standardNames[Int(rawValue) - 1] }
        let range = Self.realTimeRange
        guard range.contains(rawValue) else { return "\(rawValue)" }
        let fromStart = rawValue - range.lowerBound, fromEnd = range.upperBound - rawValue
        if fromStart == 0 { return "RTMIN" }
        if fromEnd == 0 { return "RTMAX" }
        return fromStart <= (range.upperBound - range.lowerBound) / 2 ? "RTMIN+\(fromStart)" : "RTMAX-\(fromEnd)"
    }

    public var description: String { "SIG\(name)" }

    /// The signal called `name`, with or without "SIG": a name `name` gives
    /// ("TERM", "RTMAX-14"), any other count from either end of the real-time
    /// signals ("RTMIN+20" is "RTMAX-10"), or a number ("33").
    public init?(name: String) {
        let bare = name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name
        if let index = Self.standardNames.firstIndex(of: bare) {
            self.init(rawValue: Int32(index) + 1)
            return
        }
        let range = Self.realTimeRange
        let number: Int32?, valid: ClosedRange<Int32>
        if let offset = Self.offset(in: bare, from: "RTMIN", sign: "+") {
            (number, valid) = (range.lowerBound + offset, range)
        } else if let offset = Self.offset(in: bare, from: "RTMAX", sign: "-") {
            (number, valid) = (range.upperBound - offset, range)
        } else {
            // Every number from 1 to SIGRTMAX is a signal, 32 and 33 included.
            (number, valid) = (Self.count(bare[...]), 1...range.upperBound)
        }
        guard let number, valid.contains(number) else { return nil }
        self.init(rawValue: number)
    }

    /// 0 for exactly `base` ("RTMIN"), N for `base`, `sign`, N ("RTMIN+3").
    private static func offset(in name: String, from base: String, sign: Character) -> Int32? {
        guard name.hasPrefix(base) else { return nil }
        let rest = name.dropFirst(base.count)
        if rest.isEmpty { return 0 }
        guard rest.first == sign else { return nil }
        return count(rest.dropFirst())
    }

    /// Decimal digits only (no sign, no blanks), and not absurdly many.
    private static func count(_ text: Substring) -> Int32? {
        guard !text.isEmpty, text.count <= 3, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int32(text)
    }
}
