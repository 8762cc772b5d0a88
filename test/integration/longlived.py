#!/usr/bin/python3
"""Long-lived connections through a VIP, for the HA tests: N keep-alive TCP
connections each making a request every INTERVAL, and one UDP flow, until
SIGTERM. Every connection must stay on its first backend and never fail.

    longlived.py --host VIP --port 80 --udp-port 5353 --conns 100
                 --interval 0.1 --status FILE [--stall 10]

SIGUSR1 marks a moment (the test kills an appliance right after): the
status file then says how long after it the first request sent after it
was answered (on any connection: what the new master forwarded first),
and how many answers each connection has had since. The status file (JSON, rewritten every 0.2 s) and the final report
on standard output hold: established, requests, failures (each with why),
failed connections, backend changes, the longest gap between a
connection's answers, and per mark the first answer after it.
One thread, non-blocking sockets; every wait is bounded.
"""
import argparse
import errno
import json
import os
import selectors
import signal
import socket
import sys
import time


class Conn:
    def __init__(self, idx):
        self.idx = idx
        self.sock = None
        self.backend = None
        self.buf = b""
        self.sent_at = None      # monotonic time of the request in flight
        self.next_at = 0.0
        self.last_answer = None
        self.max_gap = 0.0
        self.answers = 0
        self.after_mark = 0      # answers since the last mark
        self.failed = None


def parse_response(buf):
    """(backend name, rest) for one complete response in buf, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    length = 0
    for line in buf[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if len(buf) < end + 4 + length:
        return None
    body = buf[end + 4:end + 4 + length]
    return body.split(b" ", 1)[0].decode(), buf[end + 4 + length:]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--udp-port", type=int, default=0)
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--stall", type=float, default=10.0,
                   help="a request unanswered this long fails its connection")
    p.add_argument("--status", required=True)
    p.add_argument("--budget", type=float, default=600.0,
                   help="stop after this many seconds whatever happens")
    a = p.parse_args()

    stop = []
    marks = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    conns = [Conn(i) for i in range(a.conns)]
    sel = selectors.DefaultSelector()
    start = time.monotonic()
    failures = []
    udp = {"sent": 0, "received": 0, "backend": None, "backend_changes": 0,
           "after_mark": 0}

    def on_mark(*_):
        marks.append({"at": time.monotonic(), "first_ms": None, "udp_first_ms": None})
        for c in conns:
            c.after_mark = 0
        udp["after_mark"] = 0

    signal.signal(signal.SIGUSR1, on_mark)

    def fail(c, why):
        if c.failed is None:
            c.failed = why
            failures.append("conn %d (%s): %s" % (c.idx, c.backend, why))
        if c.sock is not None:
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
            c.sock = None

    for c in conns:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        err = s.connect_ex((a.host, a.port))
        if err not in (0, errno.EINPROGRESS):
            failures.append("conn %d: connect: %s" % (c.idx, os.strerror(err)))
            c.failed = "connect"
            s.close()
            continue
        c.sock = s
        c.sent_at = None
        c.next_at = start + (c.idx % 10) * a.interval / 10
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    connected = set()

    us = None
    if a.udp_port:
        us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        us.connect((a.host, a.udp_port))
        us.setblocking(False)
        sel.register(us, selectors.EVENT_READ, None)
    udp_next = start
    udp_sent_at = 0.0

    last_status = 0.0
    req = ("GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % a.host).encode()

    def status(final=False):
        live = [c for c in conns if c.failed is None]
        st = {
            "conns": a.conns,
            "established": len(connected),
            "ready": all(c.answers > 0 for c in conns),
            "alive": len(live),
            "failed_conns": sum(1 for c in conns if c.failed is not None),
            "failures": failures[:20],
            "requests": sum(c.answers for c in conns),
            "backend_changes": sum(1 for f in failures if "backend" in f),
            "max_gap_ms": round(max((c.max_gap for c in conns), default=0) * 1000),
            "min_after_mark": min((c.after_mark for c in live), default=0),
            "marks": [{"first_ms": m["first_ms"], "udp_first_ms": m["udp_first_ms"]}
                      for m in marks],
            "udp": dict(udp),
            "by_backend": {},
            "final": final,
        }
        for c in conns:
            if c.backend:
                st["by_backend"][c.backend] = st["by_backend"].get(c.backend, 0) + 1
        return st

    while not stop and time.monotonic() - start < a.budget:
        now = time.monotonic()
        for c in conns:
            if c.sock is None:
                continue
            if c.sent_at is not None and now - c.sent_at > a.stall:
                fail(c, "no answer for %.1f s" % (now - c.sent_at))
            elif c.sent_at is None and now >= c.next_at and c.idx in connected:
                try:
                    c.sock.send(req)
                    c.sent_at = now
                except OSError as e:
                    fail(c, "send: %s" % e.strerror)
        if us is not None and now >= udp_next:
            try:
                us.send(b"ping %d" % udp["sent"])
                udp["sent"] += 1
                udp_sent_at = now
            except OSError:
                pass
            udp_next = now + a.interval
        for key, ev in sel.select(timeout=0.01):
            c = key.data
            if c is None:
                try:
                    data = us.recv(2048)
                except OSError:
                    continue
                name = data.split(b" ", 1)[0].decode()
                udp["received"] += 1
                udp["after_mark"] += 1
                if udp["backend"] is None:
                    udp["backend"] = name
                elif name != udp["backend"]:
                    udp["backend_changes"] += 1
                if marks and marks[-1]["udp_first_ms"] is None and udp_sent_at >= marks[-1]["at"]:
                    marks[-1]["udp_first_ms"] = round((time.monotonic() - marks[-1]["at"]) * 1000)
                continue
            if c.sock is None:
                continue
            if c.idx not in connected and ev & selectors.EVENT_WRITE:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(c, "connect: %s" % os.strerror(err))
                    continue
                connected.add(c.idx)
                sel.modify(c.sock, selectors.EVENT_READ, c)
                continue
            if not ev & selectors.EVENT_READ:
                continue
            try:
                data = c.sock.recv(65536)
            except ConnectionResetError:
                fail(c, "reset")
                continue
            except OSError as e:
                fail(c, "recv: %s" % e.strerror)
                continue
            if not data:
                fail(c, "closed by the other end")
                continue
            c.buf += data
            got = parse_response(c.buf)
            if got is None:
                continue
            name, c.buf = got
            t = time.monotonic()
            if c.backend is None:
                c.backend = name
            elif name != c.backend:
                fail(c, "backend changed to %s" % name)
                continue
            if c.last_answer is not None:
                c.max_gap = max(c.max_gap, t - c.last_answer)
            c.last_answer = t
            c.answers += 1
            c.after_mark += 1
            if marks and marks[-1]["first_ms"] is None and c.sent_at >= marks[-1]["at"]:
                marks[-1]["first_ms"] = round((t - marks[-1]["at"]) * 1000)
            c.sent_at = None
            c.next_at = t + a.interval
        if now - last_status >= 0.2:
            last_status = now
            tmp = a.status + ".tmp"
            with open(tmp, "w") as f:
                json.dump(status(), f)
            os.replace(tmp, a.status)
    st = status(final=True)
    with open(a.status + ".tmp", "w") as f:
        json.dump(st, f)
    os.replace(a.status + ".tmp", a.status)
    json.dump(st, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
