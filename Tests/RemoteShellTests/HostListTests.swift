import RemoteShell
import Testing

/// Host lists as pdsh and ClusterShell write them, expanded and folded back.
@Suite("Host lists")
struct HostListTests {
    @Test("ranges expand in order, with their padding, and fold back to the same text", arguments: [
        ("node[01-03]", ["node01", "node02", "node03"]),
        ("node[1-3,7]", ["node1", "node2", "node3", "node7"]),
        ("node[08-10]", ["node08", "node09", "node10"]),
        ("node[8-10]", ["node8", "node9", "node10"]),
        ("10.0.0.[1-3]:9000", ["10.0.0.1:9000", "10.0.0.2:9000", "10.0.0.3:9000"]),
        ("[::1]:8080", ["[::1]:8080"]),
        ("[::1]", ["[::1]"]),
        ("rack[1-2]-node[1-2]", ["rack1-node1", "rack1-node2", "rack2-node1", "rack2-node2"]),
        ("alpha,beta", ["alpha", "beta"]),
        ("node[1-2]:8000,node7", ["node1:8000", "node2:8000", "node7"]),
    ])
    func expansion(_ text: String, _ names: [String]) throws {
        #expect(try HostList.expand(text) == names)
    }

    static let foldings: [([String], String)] = [
        (["node01", "node02", "node03", "node05"], "node[01-03,05]"),
        (["node40"] + (1...38).map { (number: Int) -> String in "node" + (number < 10 ? "0" : "") + String(number) }, "node[01-38,40]"),
        (["node10", "node9", "node8"], "node[8-10]"),
        (["node08", "node09", "node10"], "node[08-10]"),
        (["node1", "node01"], "node1,node01"),
        (["10.0.0.2:9000", "10.0.0.1:9000", "10.0.0.3:9001"], "10.0.0.[1-2]:9000,10.0.0.3:9001"),
        (["beta", "alpha"], "alpha,beta"),
        (["[::1]:8080", "[::1]:8081"], "[::1]:8080,[::1]:8081"),
        (["node7"], "node7"),
        (["a1b2", "a1b3", "a2b2"], "a1b[2-3],a2b2"),
    ]

    @Test("folding gives the shortest list, numbers in order, each padding on its own", arguments: foldings)
    func folding(_ names: [String], _ folded: String) throws {
        #expect(HostList.fold(names) == folded)
        #expect(Set(try HostList.expand(folded)) == Set(names), "folds back to the same hosts")
    }

    @Test("overlapping ranges and repeated names give each host once, in the order first written")
    func duplicates() throws {
        #expect(try HostList.expand("n[3-5],n[1-4],n2") == ["n3", "n4", "n5", "n1", "n2"])
        #expect(HostList.fold(["n3", "n3", "n1", "n2"]) == "n[1-3]")
    }

    @Test("a random set of hosts folds into a list that expands to exactly that set")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let names = Set((0..<Int.random(in: 1...40, using: &generator)).map { _ in
                let number = Int.random(in: 0...120, using: &generator)
                let zeros: String = number < 10 ? "00" : number < 100 ? "0" : ""
                let digits: String = Bool.random(using: &generator) ? zeros + String(number) : String(number)
                let prefix: String = ["node", "rack2-n", "10.1.0."].randomElement(using: &generator)!
                let port: String = Bool.random(using: &generator) ? "" : ":9000"
                return prefix + digits + port
            })
            let folded = HostList.fold(Array(names))
            let expanded = try HostList.expand(folded)
            #expect(Set(expanded) == names, "\(folded)")
            #expect(expanded.count == names.count, "\(folded) repeats a host")
        }
    }

    @Test("malformed lists are one-line errors that name the problem", arguments: [
        ("node[3-1]", "ends before it starts"),
        ("node[1-", "without"),
        ("node1-2]", "without"),
        ("node[a-b]", "bad range"),
        ("node[1-2-3]", "bad range"),
        ("node[]", "bad range"),
        ("node[[1-2]]", "nested"),
        ("a,,b", "empty name"),
        ("node[1-999999999]", "more than"),
        ("[::1]x", "expected [ADDRESS]"),
    ])
    func malformed(_ text: String, _ complaint: String) {
        do {
            let names = try HostList.expand(text)
            Issue.record("\(text) expanded to \(names.count) names")
        } catch {
            #expect(error.message.contains(complaint), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }
}
