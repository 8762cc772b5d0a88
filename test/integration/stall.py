#!/usr/bin/python3
"""Stall a management endpoint, then time one request made meanwhile.

Opens --idle connections that never send, and with --drip one that sends a
byte every --drip-interval seconds of a request that never ends. Once all
are connected (and --settle has let the server see them), it writes
--ready-file and times one request (--probe http|api): connect, send, read
to EOF, measured here, after start-up. It keeps the stallers open for
--hold seconds, noting when the server closes each, and prints JSON:

  {"connected": N, "wanted": N, "probe_s": 0.004 | null, "probe_ok": true,
   "probe_head": "HTTP/1.1 200 OK", "drip_closed_s": 3.0 | null,
   "drip_bytes": 3, "idle_closed_s": [0.0, 3.0, null, ...]}

Close times count from that connection's own connect; null: still open at
the end of --hold.

  stall.py --tcp 127.0.0.1:19273 --idle 20 --drip --probe http --hold 6
  stall.py --unix /run/sluice/sluice.sock --idle 14 --drip --probe api
  stall.py --silent-unix PATH   # accept and never answer (until killed)
"""
import argparse
import json
import os
import select
import socket
import sys
import threading
import time


def connect(args, timeout):
    if args.tcp:
        host, port = args.tcp.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (host, int(port))
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = args.unix
    s.settimeout(timeout)
    # A full UNIX listen queue fails a non-blocking connect (EAGAIN) at once
    # where a blocking one would wait: wait, as a blocking client does.
    end = time.monotonic() + timeout
    while True:
        try:
            s.connect(addr)
            return s
        except BlockingIOError:
            if time.monotonic() >= end:
                s.close()
                raise TimeoutError("connect timed out")
            time.sleep(0.01)


def probe(args, out):
    req = (b"GET /metrics HTTP/1.0\r\nHost: sluice\r\n\r\n" if args.probe == "http"
           else b"list\n\n")
    t0 = time.monotonic()
    try:
        s = connect(args, args.probe_timeout)
        s.sendall(req)
        data = b""
        while True:
            left = args.probe_timeout - (time.monotonic() - t0)
            if left <= 0:
                raise TimeoutError("probe timed out")
            s.settimeout(left)
            k = s.recv(65536)
            if not k:
                break
            data += k
        s.close()
        out["probe_s"] = round(time.monotonic() - t0, 4)
        head = data.split(b"\n", 1)[0].decode(errors="replace").strip()
        out["probe_head"] = head
        out["probe_ok"] = head.startswith("HTTP/1.1 200") if args.probe == "http" else head == "ok"
        out["probe_bytes"] = len(data)
    except OSError as e:
        out["probe_s"] = None
        out["probe_ok"] = False
        out["probe_error"] = "%s after %.2f s" % (e, time.monotonic() - t0)


def silent(path):
    """Accept and say nothing: a server that never answers."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(8)
    held = []
    print("listening", flush=True)
    while True:
        c, _ = ls.accept()
        held.append(c)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp")
    ap.add_argument("--unix")
    ap.add_argument("--silent-unix")
    ap.add_argument("--idle", type=int, default=0)
    ap.add_argument("--drip", action="store_true")
    ap.add_argument("--drip-interval", type=float, default=1.0)
    ap.add_argument("--probe", choices=["http", "api", "none"], default="none")
    ap.add_argument("--probe-timeout", type=float, default=10.0)
    ap.add_argument("--connect-timeout", type=float, default=3.0)
    ap.add_argument("--settle", type=float, default=0.3)
    ap.add_argument("--hold", type=float, default=5.0)
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    if args.silent_unix:
        silent(args.silent_unix)
    if not (args.tcp or args.unix):
        ap.error("--tcp or --unix")

    out = {"wanted": args.idle + (1 if args.drip else 0)}
    socks = []   # [socket, connected_at, closed_at or None, is_drip]
    for _ in range(args.idle):
        try:
            socks.append([connect(args, args.connect_timeout), time.monotonic(), None, False])
        except OSError:
            pass
    drip = None
    if args.drip:
        try:
            drip = [connect(args, args.connect_timeout), time.monotonic(), None, True]
            drip[0].send(b"a")
            socks.append(drip)
        except OSError:
            drip = None
    out["connected"] = len(socks)
    for s in socks:
        s[0].setblocking(False)
    drip_bytes = 1 if drip else 0
    next_drip = time.monotonic() + args.drip_interval

    def watch_until(t_end):
        nonlocal drip_bytes, next_drip
        while True:
            now = time.monotonic()
            if now >= t_end:
                return
            open_ = [s for s in socks if s[2] is None]
            if not open_:
                time.sleep(min(0.05, t_end - now))
                continue
            wait = min(t_end, next_drip) - now
            r, _, _ = select.select([s[0] for s in open_], [], [], max(0.0, wait))
            now = time.monotonic()
            for s in open_:
                if s[0] in r:
                    try:
                        gone = s[0].recv(4096) == b""
                    except OSError:
                        gone = True
                    if gone:
                        s[2] = now
            if drip and drip[2] is None and now >= next_drip:
                try:
                    drip[0].send(b"a")
                    drip_bytes += 1
                except OSError:
                    drip[2] = now
                next_drip = now + args.drip_interval

    start = time.monotonic()
    watch_until(start + args.settle)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")
    th = None
    if args.probe != "none":
        th = threading.Thread(target=probe, args=(args, out))
        th.start()
    watch_until(start + args.settle + args.hold)
    if th:
        th.join()
    out["drip_bytes"] = drip_bytes
    rel = lambda s: None if s[2] is None else round(s[2] - s[1], 2)
    out["drip_closed_s"] = rel(drip) if drip else None
    out["idle_closed_s"] = [rel(s) for s in socks if not s[3]]
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
