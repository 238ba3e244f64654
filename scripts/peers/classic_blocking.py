"""The course's blocking classic server: one accept loop, one client at a
time; the others wait in the listen backlog. Usage: classic_blocking.py [PORT]"""
from classic_reply import listening_socket, serve

server = listening_socket()
while True:
    conn, _ = server.accept()
    serve(conn)
