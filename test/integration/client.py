#!/usr/bin/python3
"""Test client for Sluice: counts which backend answered each request.

Runs inside the client namespace:
  client.py http --url http://198.18.0.10/ --count N [--keepalive]
            [--source IP ...] [--timeout S] [--warmup N]
  client.py udp --host 198.18.0.10 --port 5353 --count N
            [--source IP ...] [--timeout S] [--warmup N]

Backends answer "NAME PEERIP:PEERPORT" (backend.py). Prints one JSON object:
  ok, failed            requests that got / did not get a valid answer
  by_backend            {name: count}
  by_source             {source: {name: count}} (source "" = kernel's choice)
  peer_ips              distinct peer addresses the backends reported
  peers                 distinct "ip:port" peers (at most PEERS_CAP)
  errors                the first few failure messages
  one_connection        (http --keepalive) every request used one TCP connection
  warmup                {"attempts": n, "ok": bool} when --warmup was given
  spread, max_rel_dev   with --weights b1=3,b2=2,b3=1: per backend its weight,
                        expected share (weight/sum), actual share of the ok
                        requests and relative deviation |share-exp|/exp;
                        max_rel_dev is the largest (1.0 if nothing succeeded)

Every request is tried once: a failure is counted, never retried; requests
not sent when the --budget (seconds, whole run) is used up count as failed. --warmup N
is the explicit exception: before the counted run, up to N requests (timeout
0.5 s) are sent until one succeeds, e.g. to let the appliance resolve ARP;
they are reported apart and not counted. New TCP connection and new UDP
socket (so new source port) per request, unless --keepalive.
Standard library only.
"""
import argparse
import http.client
import json
import socket
import sys
import time
import urllib.parse

PEERS_CAP = 32
ERRORS_CAP = 5
WARMUP_TIMEOUT = 0.5


class Tally:
    def __init__(self):
        self.ok = 0
        self.failed = 0
        self.by_backend = {}
        self.by_source = {}
        self.peers = set()
        self.peer_ips = set()
        self.errors = []

    def success(self, source, reply):
        name, _, peer = reply.strip().partition(" ")
        if not name or not peer:
            self.failure("malformed reply %r" % reply[:80])
            return
        self.ok += 1
        self.by_backend[name] = self.by_backend.get(name, 0) + 1
        per = self.by_source.setdefault(source, {})
        per[name] = per.get(name, 0) + 1
        self.peers.add(peer)
        self.peer_ips.add(peer.rpartition(":")[0])

    def failure(self, msg):
        self.failed += 1
        if len(self.errors) < ERRORS_CAP:
            self.errors.append(msg)

    def result(self):
        return {
            "ok": self.ok,
            "failed": self.failed,
            "by_backend": dict(sorted(self.by_backend.items())),
            "by_source": self.by_source,
            "peer_ips": sorted(self.peer_ips),
            "peers": sorted(self.peers)[:PEERS_CAP],
            "errors": self.errors,
        }


class HTTPClient:
    def __init__(self, url, timeout, keepalive):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http" or not u.hostname:
            raise SystemExit("client: only http://HOST[:PORT]/PATH URLs")
        self.host, self.port = u.hostname, u.port or 80
        self.path = u.path or "/"
        self.timeout = timeout
        self.keepalive = keepalive
        self.conns = {}          # source -> kept-alive connection
        self.local_ports = set()  # every local port a request went out from

    def _conn(self, source, timeout):
        conn = self.conns.get(source) if self.keepalive else None
        if conn is None:
            conn = http.client.HTTPConnection(
                self.host, self.port, timeout=timeout,
                source_address=(source, 0) if source else None)
            if self.keepalive:
                self.conns[source] = conn
        return conn

    def request(self, source, timeout=None):
        """One GET; returns the body text or raises OSError/HTTPException."""
        conn = self._conn(source, timeout or self.timeout)
        try:
            conn.request("GET", self.path, headers={"Host": self.host})
            if conn.sock is not None:
                self.local_ports.add(conn.sock.getsockname()[1])
            resp = conn.getresponse()
            body = resp.read().decode(errors="replace")
            if resp.status != 200:
                raise http.client.HTTPException("HTTP status %d" % resp.status)
            return body
        except BaseException:
            conn.close()
            self.conns.pop(source, None)
            raise
        finally:
            if not self.keepalive:
                conn.close()

    def close(self):
        for c in self.conns.values():
            c.close()


class UDPClient:
    def __init__(self, host, port, timeout):
        self.addr = (host, port)
        self.timeout = timeout

    def request(self, source, timeout=None):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout or self.timeout)
            s.bind((source or "0.0.0.0", 0))
            s.connect(self.addr)  # only replies from the VIP are accepted
            s.send(b"sluice-test")
            return s.recv(512).decode(errors="replace")

    def close(self):
        pass


def warmup(client, sources, attempts):
    for i in range(1, attempts + 1):
        try:
            client.request(sources[(i - 1) % len(sources)], WARMUP_TIMEOUT)
            return {"attempts": i, "ok": True}
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    return {"attempts": attempts, "ok": False}


def spread(by_backend, weights):
    total_w = sum(weights.values())
    ok = sum(by_backend.values())
    out = {}
    for name in sorted(set(weights) | set(by_backend)):
        w = weights.get(name, 0)
        exp = w / total_w if total_w else 0.0
        share = by_backend.get(name, 0) / ok if ok else 0.0
        dev = abs(share - exp) / exp if exp else (1.0 if share else 0.0)
        out[name] = {"weight": w, "count": by_backend.get(name, 0),
                     "expected": round(exp, 4), "share": round(share, 4),
                     "rel_dev": round(dev, 4)}
    worst = max((v["rel_dev"] for v in out.values()), default=1.0)
    return out, (worst if ok else 1.0)


def parse_weights(text):
    try:
        return {k: int(v) for k, v in (kv.split("=") for kv in text.split(","))}
    except ValueError:
        raise SystemExit("client: --weights wants NAME=W,NAME=W,...")


def run(client, sources, count, n_warmup, budget):
    out = {}
    if n_warmup:
        out["warmup"] = warmup(client, sources, n_warmup)
    if isinstance(client, HTTPClient):
        client.local_ports.clear()
    tally = Tally()
    end = time.monotonic() + budget
    for i in range(count):
        src = sources[i % len(sources)]
        if time.monotonic() >= end:
            tally.failure("requests %d..%d not sent: --budget %.0f s used up"
                          % (i, count - 1, budget))
            tally.failed += count - i - 1
            break
        try:
            tally.success(src, client.request(src))
        except (OSError, http.client.HTTPException) as e:
            tally.failure("request %d from %s: %s: %s"
                          % (i, src or "default", type(e).__name__, e))
    client.close()
    out.update(tally.result())
    if isinstance(client, HTTPClient) and client.keepalive:
        out["one_connection"] = (tally.failed == 0
                                 and len(client.local_ports) == len(sources))
        out["local_ports"] = len(client.local_ports)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("http", "udp"):
        s = sub.add_parser(name)
        s.add_argument("--count", type=int, required=True)
        s.add_argument("--source", action="append", default=[],
                       help="bind to this address; repeat to rotate sources")
        s.add_argument("--timeout", type=float, default=2.0)
        s.add_argument("--warmup", type=int, default=0, metavar="N")
        s.add_argument("--budget", type=float, default=120.0, metavar="S",
                       help="time for the whole run; requests left then count as failed")
        s.add_argument("--weights", metavar="b1=3,b2=2,...",
                       help="report the spread against these weights")
        if name == "http":
            s.add_argument("--url", required=True)
            s.add_argument("--keepalive", action="store_true")
        else:
            s.add_argument("--host", required=True)
            s.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    if a.count < 0 or a.warmup < 0 or a.timeout <= 0:
        p.error("count and warmup must be >= 0, timeout > 0")
    sources = a.source or [""]
    if a.cmd == "http":
        client = HTTPClient(a.url, a.timeout, a.keepalive)
    else:
        client = UDPClient(a.host, a.port, a.timeout)
    out = run(client, sources, a.count, a.warmup, a.budget)
    if a.weights:
        out["spread"], out["max_rel_dev"] = spread(out["by_backend"],
                                                   parse_weights(a.weights))
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
