"""The course's threaded classic server: a thread per client.
Usage: classic_threaded.py [PORT]"""
import threading

from classic_reply import listening_socket, serve

server = listening_socket()
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
