import RSHProtocol

/// How one host's part of a fan-out ended, with what it printed.
public struct HostReport: Sendable {
    public enum Ending: Hashable, Sendable {
        /// The command ran and ended (its outcome says how, timed out included).
        case finished(CommandOutcome)
        /// No command ran: the host could not be reached or refused the
        /// connection (`connection refused`, a failed handshake, ...).
        case unreachable(String)
        /// The connection broke or the server broke the protocol while the command ran.
        case failed(String)
        /// A copy went through to its end; `failures` files (or directories)
        /// could not be copied, each named as it failed.
        case copied(failures: Int)
    }

    public var host: String
    public var ending: Ending
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// From the first connection attempt to the end.
    public var duration: Duration

    public init(host: String, ending: Ending, stdout: [UInt8] = [], stderr: [UInt8] = [], duration: Duration = .zero) {
        self.host = host
        self.ending = ending
        self.stdout = stdout
        self.stderr = stderr
        self.duration = duration
    }

    /// The command ran and exited 0.
    public var succeeded: Bool {
        switch ending {
        case .finished(let outcome): return !outcome.timedOut && outcome.status == .exited(0)
        case .copied(let failures): return failures == 0
        case .unreachable, .failed: return false
        }
    }

    /// The status a shell would report for this host: the command's, 124
    /// when its timeout ended it (as for one host), 255 when no status came
    /// back; for a copy, 0, or 1 when something could not be copied.
    public var status: Int32 {
        switch ending {
        case .finished(let outcome): return outcome.timedOut ? 124 : outcome.status.shellStatus
        case .copied(let failures): return failures == 0 ? 0 : 1
        case .unreachable, .failed: return 255
        }
    }

    /// What the summary says of this host when it did not succeed, or `nil`.
    public var complaint: String? {
        switch ending {
        // Not how long each took: hosts that timed out are named together.
        case .finished(let outcome) where outcome.timedOut: return "timed out"
        case .finished(let outcome):
            switch outcome.status {
            case .exited(0): return nil
            case .exited(let code): return "exited with status \(code)"
            case .signaled(let signal): return "killed by signal \(signal.name)"
            }
        case .unreachable(let reason), .failed(let reason): return reason
        case .copied(let failures): return failures == 0 ? nil : failures == 1 ? "1 file not copied" : "\(failures) files not copied"
        }
    }
}
