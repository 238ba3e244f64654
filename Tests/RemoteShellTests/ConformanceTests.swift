import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// The same inputs give the same outputs in every mode, through real sockets and real processes.
@Suite("Conformance, in every mode")
struct ConformanceTests {
    @Test("stdout and stderr are kept apart", arguments: Setup.all)
    func separation(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let result = try client.run("echo out; echo err >&2; echo out2")
        #expect(result.stdoutText == "out\nout2\n")
        #expect(result.stderrText == "err\n")
        #expect(result.code == 0)
        #expect(result.exit?["signal"] == .null)
        #expect(result.exit?["timed_out"] == false)
    }

    @Test("the hello names the mode", arguments: Setup.all)
    func hello(_ setup: Setup) throws {
        let client = try setup.client()
        let hello = try client.handshake()
        #expect(hello["mode"]?.stringValue == setup.mode.rawValue)
        #expect(hello["version"] == 1)
        #expect(hello["auth"]?.stringValue == setup.expectedAuth)
    }

    @Test("exit codes and signals", arguments: Setup.all)
    func exitCodes(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        for code in [0, 1, 3, 255] {
            #expect(try client.run("exit \(code)").code == Int64(code))
        }
        let killed = try client.run("kill -KILL $$")
        #expect(killed.exit?["code"] == .null)
        #expect(killed.signal == "KILL")
        #expect(try client.run("kill -TERM $$").signal == "TERM")
        #expect(try client.run("no-such-program-rsh").code == 127)
    }

    @Test("real-time signals are named as kill -l names them; one without a name is its number", arguments: Setup.all)
    func realTimeSignals(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        for (number, name) in [(34, "RTMIN"), (35, "RTMIN+1"), (49, "RTMIN+15"), (50, "RTMAX-14"), (63, "RTMAX-1"), (64, "RTMAX"),
                               (33, "33")] {
            let killed = try client.run("kill -\(number) $$")
            #expect(killed.signal == name, "signal \(number)")
            #expect(killed.exit?["code"] == .null)
        }
    }

    @Test("8 MiB on stdout and 8 MiB on stderr at once", arguments: Setup.all)
    func bothStreams(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let size = 8 * 1_048_576
        let result = try client.run("seq 1 1200000 | head -c \(size) & seq 1 1200000 | head -c \(size) >&2; wait")
        let expected = Array((1...1_200_000).map { "\($0)\n" }.joined().utf8.prefix(size))
        #expect(result.stdout.count == size)
        #expect(result.stdout == expected)
        #expect(result.stderr == expected)
        #expect(result.code == 0)
    }

    @Test("stdin reaches the command and ends with eof", arguments: Setup.all)
    func stdin(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        var generator = SystemRandomNumberGenerator()
        let input = (0..<(2 * 1_048_576 + 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let result = try client.run("cat", stdin: input)
        #expect(result.stdout == input)
        #expect(try client.run("wc -c", stdin: []).stdoutText.trimmingCharacters(in: .whitespaces) == "0\n")
        // Without "stdin": true the command reads /dev/null.
        #expect(try client.run("cat").stdout.isEmpty)
    }

    @Test("env and cwd are applied; a missing cwd is bad_cwd", arguments: Setup.all)
    func environmentAndDirectory(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        #expect(try client.run("echo \"$A|$B\"", environment: ["A": "1", "B": "two words"]).stdoutText == "1|two words\n")
        #expect(try client.run("pwd", directory: "/usr/bin").stdoutText == "/usr/bin\n")
        let missing = try client.run("true", directory: "/no/such/dir")
        #expect(missing.error?["code"] == "bad_cwd")
        #expect(missing.exit == nil)
        #expect(try client.run("echo still here").stdoutText == "still here\n")
    }

    @Test("every command gets RSH_CONNECTION: client address and port, server address and port, as SSH_CONNECTION",
          arguments: Setup.all)
    func connectionVariable(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let clientPort = try #require(try client.socket.localAddress().port)
        let expected = "127.0.0.1 \(clientPort) 127.0.0.1 \(setup.server.port)\n"
        #expect(try client.run("echo \"$RSH_CONNECTION\"").stdoutText == expected)
        // Executed directly (no shell syntax), and with a value of the client's own: the server's still.
        #expect(try client.run("printenv RSH_CONNECTION", environment: ["RSH_CONNECTION": "forged"]).stdoutText == expected)
    }

    @Test("a NUL in an environment variable's name is bad_request naming the id; nothing runs", arguments: Setup.all)
    func environmentNameWithNUL(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let marker = Scratch.path("nul-name")
        let refused = try client.run("touch \(marker)", environment: ["A\u{0}B": "v"])
        #expect(refused.error?["code"] == "bad_request")
        #expect(refused.error?["id"] == 1)
        #expect(refused.exit == nil)
        #expect(try client.run("echo still here").stdoutText == "still here\n")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("several commands in flight on one connection finish in their own order", arguments: Setup.all)
    func concurrentCommands(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let slow = try client.exec("sleep 0.6; echo slow")
        let fast = try client.exec("echo fast")
        let middle = try client.exec("sleep 0.3; echo middle")
        var exitOrder: [Int64] = []
        var outputs: [Int64: String] = [:]
        while exitOrder.count < 3 {
            let frame = try client.readFrame()
            let id = try #require(frame["id"]?.integerValue)
            if frame.type == "stdout" { outputs[id, default: ""] += String(decoding: frame.body, as: UTF8.self) }
            if frame.type == "exit" { exitOrder.append(id) }
        }
        #expect(exitOrder == [fast, middle, slow])
        #expect(outputs == [slow: "slow\n", fast: "fast\n", middle: "middle\n"])
    }

    @Test("more commands than --max-execs are refused, and ids must be unique", arguments: Setup.all)
    func limits(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let ids = try (1...4).map { _ in try client.exec("sleep 0.5") }
        try client.exec("true", id: 99)
        try client.exec("true", id: ids[0])
        var errors: [Int64: String] = [:]
        var exits = 0
        while exits < 4 || errors.count < 2 {
            let frame = try client.readFrame()
            if frame.type == "error" { errors[frame["id"]!.integerValue!] = frame["code"]?.stringValue }
            if frame.type == "exit" { exits += 1 }
        }
        #expect(errors == [99: "too_many_execs", ids[0]: "duplicate_id"])
    }

    @Test("a signal request reaches the command's process group", arguments: Setup.all)
    func signalRequest(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        // exec: no fork for the signal to race with (see PROTOCOL.md, `signal`).
        let id = try client.exec("echo ready; exec sleep 100")
        #expect(try client.readFrame().body == Array("ready\n".utf8))
        try client.send(.signal(id: id, .interrupt))
        #expect(try client.collect([id])[id]?.signal == "INT")
        let stubborn = try client.exec("trap '' INT TERM; echo ready; exec sleep 100")
        #expect(try client.readFrame().body == Array("ready\n".utf8))
        try client.send(.signal(id: stubborn, .kill))
        #expect(try client.collect([stubborn], timeout: .seconds(10))[stubborn]?.signal == "KILL")
    }

    @Test("a timeout ends the command with timed_out", arguments: Setup.all)
    func timeout(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        let start = ContinuousClock.now
        let result = try client.run("echo started; sleep 100", timeoutMilliseconds: 300)
        #expect(result.exit?["timed_out"] == true)
        #expect(result.signal == "TERM")
        #expect(result.stdoutText == "started\n")
        #expect(start.duration(to: .now) < .seconds(10))
    }

    @Test("ping is answered with pong", arguments: Setup.all)
    func ping(_ setup: Setup) throws {
        let client = try setup.client()
        try client.handshake()
        try client.send(.ping)
        #expect(try client.readFrame().type == "pong")
    }

    @Test("a client that goes away gets its commands torn down", arguments: Setup.all, [false, true])
    func disconnect(_ setup: Setup, reset: Bool) throws {
        let server = setup.server
        var group: Int32 = 0
        do {
            let client = try setup.client()
            try client.handshake()
            try client.exec("echo $$; sleep 1000 & sleep 1000 & wait")
            let frame = try client.readFrame()
            group = try #require(Int32(String(decoding: frame.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(eventually { processesInGroup(group).count == 3 })
            if reset { try client.socket.setResetOnClose() }
        }
        #expect(eventually(timeout: .seconds(3)) { processesInGroup(group).isEmpty })
        #expect(eventually(timeout: .seconds(3)) { !server.statistics.children.contains { $0.state == "Z" } })
    }

    @Test("protocol errors are answered with the documented error frame, then a close", arguments: Setup.all, [
        ("bad length", [0, 0, 0, 0], "bad_frame", true),
        ("frame before hello", Array(ClientMessage.ping.encoded), "hello_required", false),
        ("wrong version", Array(ClientMessage.hello(version: 9, client: nil).encoded), "unsupported_version", false),
        ("unknown type", Array(FrameEncoder.encode(type: "bogus", [])), "unknown_type", true),
        ("header length over the limit", [0x01, 0x00, 0x01, 0x00], "bad_frame", true),
        ("total_size over the limit", rawFrame(#"{"type":"stdin","id":1,"total_size":1048577}"#), "bad_frame", true),
    ] as [(String, [UInt8], String, Bool)])
    func protocolErrors(_ setup: Setup, _ vector: (name: String, bytes: [UInt8], code: String, afterHello: Bool)) throws {
        let client = try setup.client()
        if vector.afterHello {
            try client.handshake()
            try client.send(vector.bytes)
        } else {
            try client.send(Limits.preface)
            try client.send(vector.bytes)
        }
        let frames = try client.readUntilClosed()
        #expect(frames.map(\.type) == ["error"], "\(vector.name)")
        #expect(frames.first?["code"]?.stringValue == vector.code)
        #expect(frames.first?["id"] == nil)
    }

    @Test("classic requests are answered in the classic format", arguments: Setup.plain)
    func classic(_ setup: Setup) throws {
        let client = try TestClient(port: setup.server.port, classic: true)
        try client.send(Array("echo out; echo err >&2; exit 3\n".utf8))
        let reply = try client.readFrame()
        #expect(reply.body == Array("err\nout\n".utf8))
        #expect(reply["exit_code"] == 3)
        #expect(reply["total_size"] == 8)
        try client.send(Array("echo again".utf8))
        #expect(try client.readFrame().body == Array("again\n".utf8))
    }

    @Test("classic replies come in the order of the commands, a command that is not UTF-8 included",
          arguments: Setup.plain)
    func classicOrder(_ setup: Setup) throws {
        let client = try TestClient(port: setup.server.port, classic: true)
        // Each read is one command: the pauses keep the three apart.
        try client.send(Array("sleep 1; echo first".utf8))
        Thread.sleep(forTimeInterval: 0.3)
        try client.send([0xC4, 0xE3, 0xBA, 0xC3])  // "你好" in GBK
        Thread.sleep(forTimeInterval: 0.3)
        try client.send(Array("echo third".utf8))
        let replies = try (0..<3).map { _ in try client.readFrame() }
        #expect(replies.map(\.body) == [Array("first\n".utf8), Array("rshd: the command is not valid UTF-8 text\n".utf8),
                                        Array("third\n".utf8)])
        #expect(replies.map { $0["exit_code"] } == [0, 255, 0])
    }

    @Test("the Python classic client from the courses works against rshd", arguments: Setup.plain)
    func pythonClassicClient(_ setup: Setup) throws {
        let script = """
        import json, socket, struct, sys
        phone = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        phone.connect(('127.0.0.1', int(sys.argv[1])))
        for cmd in ['echo hello', 'ls /no/such/file', 'seq 1 100000']:
            phone.send(cmd.encode('utf-8'))
            obj = phone.recv(4)
            header_size = struct.unpack('i', obj)[0]
            header_bytes = phone.recv(header_size)
            header_dic = json.loads(header_bytes.decode('utf-8'))
            total_size = header_dic['total_size']
            recv_size = 0
            recv_data = b''
            while recv_size < total_size:
                res = phone.recv(1024)
                recv_data += res
                recv_size += len(res)
            print(cmd, header_dic['exit_code'], len(recv_data), recv_data.decode('utf-8').splitlines()[-1])
        phone.close()
        """
        let process = try TestProcess.run(["python3", "-c", script, "\(setup.server.port)"])
        #expect(process.shellStatus == 0, "\(process.stderr)")
        let lines = process.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first == "echo hello 0 6 hello")
        #expect(lines.dropFirst().first?.hasPrefix("ls /no/such/file 2 ") == true)
        #expect(lines.last == "seq 1 100000 0 588895 100000")
    }
}

/// A length prefix and the given header text, as a peer might send it.
func rawFrame(_ header: String) -> [UInt8] {
    let bytes = Array(header.utf8)
    return withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) } + bytes
}
