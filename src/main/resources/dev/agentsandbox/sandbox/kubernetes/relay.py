# The in-pod end of a socket relay (SocketRelay.java is the host's): listens on a Unix socket in a
# volume the sandbox's container sees, and carries each connection to it over this process's stdin
# and stdout, which the exec API joins to the host. Frames: type (1 byte), connection (4), length (4),
# data. 0 ready, 1 open, 2 data, 3 close (abort), 4 end of one direction (a half-close; the second
# ends the connection). The host's socket is never in the pod; only bytes are.
import os, socket, struct, sys, threading, time

path = sys.argv[1]
out = sys.stdout.buffer
inp = sys.stdin.buffer
lock = threading.Lock()  # the connections
wlock = threading.Lock()  # stdout
conns = {}
HEAD = struct.Struct(">BII")
MAX_CONNECTIONS = 64  # the host's limit too
SEND_TIMEOUT = struct.pack("ll", 60, 0)  # a connection that does not read for a minute is dropped, not waited on


def send(kind, cid, data=b""):
    with wlock:
        out.write(HEAD.pack(kind, cid, len(data)) + data)
        out.flush()


def finish(cid, c):
    """Counts one direction's end; after both (or an abort) the connection is gone."""
    with lock:
        entry = conns.get(cid)
        if entry is None:
            return
        entry[1] += 1
        if entry[1] < 2:
            return
        del conns[cid]
    c.close()


def abort(cid, c):
    with lock:
        known = conns.pop(cid, None) is not None
    if known:
        send(3, cid)
    try:
        c.shutdown(socket.SHUT_RDWR)  # wakes its reader too
    except OSError:
        pass
    c.close()


def pump(cid, c):
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            send(2, cid, d)
    except OSError:
        abort(cid, c)
        return
    send(4, cid)
    finish(cid, c)


def accept(srv):
    cid = 0
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            time.sleep(0.1)  # out of descriptors: keep serving the open ones
            continue
        with lock:
            full = len(conns) >= MAX_CONNECTIONS
        if full:
            c.close()
            continue
        cid += 1
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, SEND_TIMEOUT)
        with lock:
            conns[cid] = [c, 0]
        send(1, cid)
        try:
            threading.Thread(target=pump, args=(cid, c), daemon=True).start()
        except RuntimeError:
            abort(cid, c)


def read(n):
    b = inp.read(n)
    if b is None or len(b) < n:
        os._exit(0)  # the host went away: so does the relay
    return b


try:
    os.unlink(path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(64)
threading.Thread(target=accept, args=(srv,), daemon=True).start()
send(0, 0)
while True:
    kind, cid, n = HEAD.unpack(read(HEAD.size))
    data = read(n) if n else b""
    entry = conns.get(cid)
    if entry is None:
        continue
    c = entry[0]
    if kind == 2:
        try:
            c.sendall(data)
        except OSError:
            abort(cid, c)
    elif kind == 4:
        try:
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finish(cid, c)
    elif kind == 3:
        with lock:
            conns.pop(cid, None)
        try:
            c.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        c.close()
