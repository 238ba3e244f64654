import Glibc
import RSHProtocol

/// `kill(2)` of a whole process group. A group that no longer exists is not an error.
public func signalProcessGroup(_ groupID: Int32, _ signal: Signal) {
    // ESRCH: every member has exited. EPERM: a member changed its credentials
    // (setuid); there is nothing more this process may do to it.
    _ = kill(-groupID, signal.rawValue)
}

/// `kill(2)` of one process.
public func signalProcess(_ processID: Int32, _ signal: Signal) throws(Errno) {
    _ = try retryingInterrupts { kill(processID, signal.rawValue) }
}
