import CRSHSystem

/// A pseudo-terminal pair (pty(7)): the master end, and the path of the
/// slave end, which a child opens as its terminal.
public enum PseudoTerminal {
    public static func open() throws(Errno) -> (master: FileDescriptor, slavePath: String) {
        var name = [CChar](repeating: 0, count: 256)
        let master = try retryingInterrupts { crsh_open_pseudo_terminal(&name, name.count) }
        return (FileDescriptor(rawValue: master), String(decoding: name.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
    }
}
