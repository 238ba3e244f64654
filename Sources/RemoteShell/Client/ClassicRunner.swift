import RSHProtocol
import RSHSystem

/// Talks to a classic mini-SSH server (the Python ones from network
/// programming courses, or rshd): send the command's bytes, read one frame
/// (4-byte length, a JSON header with `total_size`, the body), print the body.
final class ClassicRunner: LineRunner {
    private let socket: FileDescriptor
    private var decoder = ClassicReply.decoder()
    private let output = LocalOutput()
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)

    init(target: String, address: SocketAddress) throws(ClientError) {
        do {
            socket = try FileDescriptor.connectedSocket(to: address)
        } catch {
            throw .cannotConnect(target, error)
        }
    }

    deinit {
        socket.closeAfterUse()
        buffer.deallocate()
    }

    func run(_ line: String) throws(ClientError) -> LineOutcome {
        do {
            try socket.sendAll(Array(line.utf8))
        } catch {
            throw .connectionLost("\(error)")
        }
        while true {
            let frame: Frame?
            do {
                frame = try decoder.next()
            } catch {
                throw .protocolViolation(error)
            }
            if let frame {
                let reply: ClassicReply
                do {
                    reply = try ClassicReply(frame)
                } catch {
                    throw .protocolViolation(ProtocolError(error.code, "the server broke the protocol: \(error.message)"))
                }
                try output.write(.standardOutput, reply.body)
                let code = reply.exitCode ?? 0
                return LineOutcome(status: reply.status, note: code == 0 ? nil : "[exit \(code)]"
                                   + (reply.truncated ? " [output truncated]" : ""))
            }
            let count: Int
            do {
                count = try socket.read(into: buffer)
            } catch {
                throw .connectionLost("\(error)")
            }
            guard count > 0 else { throw .connectionLost("the server closed the connection") }
            decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }
}

/// How one line ran: the status `rsh` would exit with, and what to show at the prompt if it failed.
struct LineOutcome {
    var status: Int32
    var note: String?
}

/// Runs command lines one at a time: v1 (`CommandRunner`) or classic (`ClassicRunner`).
protocol LineRunner {
    mutating func run(_ line: String) throws(ClientError) -> LineOutcome
}
