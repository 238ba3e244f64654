import RSHProtocol
import RSHSpawn
import Testing

/// `Signal` numbers and names signals itself, as the protocol needs them;
/// this machine's shell is the independent judge of both.
@Suite("Signal names")
struct SignalNameTests {
    /// `kill -l N` for every N, as bash prints it ("" for 32 and 33, which glibc keeps for itself).
    static let names: [Int32: String] = {
        let script = "for n in $(seq 1 64); do echo \"$n $(kill -l $n 2>/dev/null)\"; done"
        let collected = try! ChildProcess.run(CommandSpec(.argv(["bash", "-c", script])))
        var names: [Int32: String] = [:]
        for line in String(decoding: collected.stdout, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 1)
            names[Int32(fields[0])!] = fields.count > 1 ? String(fields[1]) : ""
        }
        return names
    }()

    @Test("every signal is named as kill -l names it, and every name leads back to its number",
          arguments: Array(Int32(1)...64))
    func name(_ number: Int32) throws {
        let expected = try #require(Self.names[number])
        let signal = Signal(rawValue: number)
        #expect(signal.name == (expected.isEmpty ? "\(number)" : expected))
        #expect(Signal(name: signal.name) == signal)
        #expect(Signal(name: "SIG" + signal.name) == signal)
    }

    @Test("a real-time signal may be counted from either end; other names are not signals")
    func otherNames() {
        let constants: [(Signal, String)] = [(.hangup, "HUP"), (.interrupt, "INT"), (.quit, "QUIT"), (.kill, "KILL"),
                                             (.user1, "USR1"), (.user2, "USR2"), (.brokenPipe, "PIPE"), (.terminate, "TERM"),
                                             (.child, "CHLD"), (.windowChanged, "WINCH")]
        for (signal, name) in constants { #expect(signal.name == name) }
        #expect(Signal(name: "RTMIN+16") == Signal(name: "RTMAX-14"))
        #expect(Signal(name: "RTMIN+30") == Signal(name: "RTMAX"))
        for name in ["RTMIN+31", "RTMAX-31", "65", "0", "-1", "RTMIN-1", "RTMAX+1", "TERMS", "", "SIG", "+3"] {
            #expect(Signal(name: name) == nil, "\(name)")
        }
    }
}
