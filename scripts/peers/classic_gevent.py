"""The course's gevent classic server: the standard library patched to
cooperate (`monkey.patch_all()`, before anything imports socket or
subprocess), and a greenlet per client. Usage: classic_gevent.py [PORT]"""
from gevent import monkey

monkey.patch_all()

import gevent  # noqa: E402

from classic_reply import listening_socket, serve  # noqa: E402

server = listening_socket()
while True:
    conn, _ = server.accept()
    gevent.spawn(serve, conn)
