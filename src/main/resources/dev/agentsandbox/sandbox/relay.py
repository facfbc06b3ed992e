# A relay for a sandbox whose image has python3 but no socat: TCP to a Unix socket or back (SandboxScripts puts
# it into the bridge scripts; it holds no single quote, since they quote it so).
#   tcp ADDRESS PORT SOCKET: listen on ADDRESS:PORT, and connect each client to the Unix SOCKET
#   unix SOCKET PORT: listen on the Unix SOCKET, and connect each client to 127.0.0.1:PORT
import socket, sys, threading, time

def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)  # the peer sees the end; a close would wait for the other direction
    except OSError:
        pass

def relay(c):
    try:
        t = dial()
    except Exception:
        c.close()
        return
    other = threading.Thread(target=pump, args=(c, t), daemon=True)
    other.start()
    pump(t, c)
    other.join(60)  # the other way may go on a while after one has ended, not for ever
    c.close()
    t.close()

def dial_unix():
    u = socket.socket(socket.AF_UNIX)
    u.connect(sys.argv[4])
    return u

if sys.argv[1] == "tcp":
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((sys.argv[2], int(sys.argv[3])))
    dial = dial_unix
else:
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(sys.argv[2])
    dial = lambda: socket.create_connection(("127.0.0.1", int(sys.argv[3])))
srv.listen(64)
while True:
    # no error of one client (too many files, no thread to spare) ends the relay for the ones after it
    try:
        c, _ = srv.accept()
    except Exception:
        time.sleep(0.1)
        continue
    try:
        threading.Thread(target=relay, args=(c,), daemon=True).start()
    except Exception:
        c.close()
