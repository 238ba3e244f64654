"""What the classic servers of the network-programming courses share: run a
command through the shell and answer with one frame, a 4-byte little-endian
header length, a JSON header with `total_size`, and a body of the command's
stderr then stdout.

This is the course's server with two repairs, so that it is a fair peer
rather than a broken one: `communicate()` reads stdout and stderr together and
reaps the child (reading one pipe to its end and then the other deadlocks on
a command that fills the second pipe first, and leaves a zombie until the
next command), and the frame goes out in one `sendall` (three small `send`s
in a row meet Nagle's algorithm and the client's delayed ACK, up to 40 ms a
reply).
"""
import json
import socket
import struct
import subprocess
import sys


def listening_socket():
    """127.0.0.1, on the port given as the first argument (0: any free one,
    8080 without one), announced on stdout once it listens."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', port))
    server.listen(128)
    print('listening on 127.0.0.1:%d' % server.getsockname()[1], flush=True)
    return server


def serve(conn):
    """Runs each command the client sends, in turn, until it hangs up."""
    with conn:
        while True:
            try:
                cmd = conn.recv(8192)
            except ConnectionResetError:
                return
            if not cmd:
                return
            proc = subprocess.Popen(cmd.decode('utf-8'), shell=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            stdout, stderr = proc.communicate()
            header = json.dumps({'total_size': len(stderr) + len(stdout),
                                 'exit_code': proc.returncode}).encode('utf-8')
            try:
                conn.sendall(struct.pack('<i', len(header)) + header + stderr + stdout)
            except (BrokenPipeError, ConnectionResetError):
                return
