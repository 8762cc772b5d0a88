#!/usr/bin/python3
"""Small DPDK telemetry (v2) client for Sluice tests and the demo.

  telemetry.py [--prefix P] CMD              print CMD's reply value as JSON
  telemetry.py [--prefix P] get CMD PATH     print one value (JSON)
  telemetry.py [--prefix P] wait CMD --cond 'PATH OP [VALUE]' ...
               [--deadline S] [--interval S]
      poll CMD until every condition holds (exit 0) or the deadline passes
      (exit 1, last reply and the failing conditions on stderr)

CMD is a telemetry command, e.g. /sluice/stats or /ethdev/stats,0.
PATH walks nested dicts with '.', preferring the longest key that exists at
each level, so '198.18.1.11' and '0.rx_packets' both work; a number indexes
a list; '.' alone is the whole reply.
OP: exists, missing, ==, !=, >, >=, <, <=, len>= (compare as numbers when
both sides are numbers), mentions (VALUE is a key or a string value anywhere
below PATH).

Socket: /var/run/dpdk/<prefix>/dpdk_telemetry.v2 (SOCK_SEQPACKET); the server
sends a JSON greeting on connect, then one JSON reply per command.
Standard library only.
"""
import argparse
import json
import os
import socket
import sys
import time

BUF = 1 << 20
OPS = ("exists", "missing", "==", "!=", ">", ">=", "<", "<=", "len>=",
       "mentions")


class TelemetryError(Exception):
    pass


class Telemetry:
    def __init__(self, prefix, runtime_dir="/var/run/dpdk", timeout=2.0):
        self.path = os.path.join(runtime_dir, prefix, "dpdk_telemetry.v2")
        self.timeout = timeout
        self.sock = None
        self.greeting = None

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(self.timeout)
        try:
            s.connect(self.path)
            self.greeting = json.loads(s.recv(BUF).decode())
        except (OSError, ValueError) as e:
            s.close()
            raise TelemetryError("%s: %s" % (self.path, e)) from e
        self.sock = s

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def query(self, cmd):
        """Send CMD, return the reply's value (the dict under CMD's name)."""
        if self.sock is None:
            self.connect()
        try:
            self.sock.send(cmd.encode())
            raw = self.sock.recv(BUF)
        except OSError as e:
            self.close()
            raise TelemetryError("%s: %s" % (cmd, e)) from e
        if not raw:
            self.close()
            raise TelemetryError("%s: connection closed" % cmd)
        try:
            reply = json.loads(raw.decode())
        except ValueError as e:
            raise TelemetryError("%s: bad JSON %r" % (cmd, raw[:200])) from e
        name = cmd.split(",", 1)[0]
        if not isinstance(reply, dict) or name not in reply:
            raise TelemetryError("%s: unexpected reply %r" % (cmd, reply))
        if reply[name] is None:
            raise TelemetryError("%s: unknown command or bad parameter" % cmd)
        return reply[name]


_MISSING = object()


def lookup(value, path):
    """Walk PATH ('.'-separated, longest existing key first) into value.
    A list is indexed by a number."""
    parts = path.split(".") if path not in ("", ".") else []
    i = 0
    while i < len(parts):
        if isinstance(value, list):
            if not parts[i].isdigit() or int(parts[i]) >= len(value):
                return _MISSING
            value, i = value[int(parts[i])], i + 1
            continue
        if not isinstance(value, dict):
            return _MISSING
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in value:
                value, i = value[key], j
                break
        else:
            return _MISSING
    return value


def mentions(value, text):
    if isinstance(value, dict):
        return any(k == text or mentions(v, text) for k, v in value.items())
    if isinstance(value, list):
        return any(mentions(v, text) for v in value)
    return isinstance(value, str) and value == text


def _num(x):
    if isinstance(x, bool):
        return None
    if isinstance(x, (int, float)):
        return x
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def check(value, cond):
    """True if cond ('PATH OP [VALUE]') holds for value."""
    parts = cond.split(None, 2)
    if len(parts) < 2 or parts[1] not in OPS:
        raise SystemExit("telemetry: bad condition %r (PATH OP [VALUE], OP in %s)"
                         % (cond, ", ".join(OPS)))
    path, op = parts[0], parts[1]
    want = parts[2] if len(parts) > 2 else None
    got = lookup(value, path)
    if op == "exists":
        return got is not _MISSING
    if op == "missing":
        return got is _MISSING
    if want is None:
        raise SystemExit("telemetry: condition %r needs a value" % cond)
    if got is _MISSING:
        return False
    if op == "mentions":
        return mentions(got, want)
    if op == "len>=":
        return hasattr(got, "__len__") and len(got) >= int(want)
    a, b = _num(got), _num(want)
    if a is None or b is None:
        a, b = str(got), want
        if op not in ("==", "!="):
            return False
    return {"==": a == b, "!=": a != b, ">": a > b, ">=": a >= b,
            "<": a < b, "<=": a <= b}[op]


def wait(tel, cmd, conds, deadline, interval):
    end = time.monotonic() + deadline
    last, err = None, None
    while True:
        try:
            last = tel.query(cmd)
            err = None
            failing = [c for c in conds if not check(last, c)]
            if not failing:
                print(json.dumps(last, sort_keys=True))
                return 0
        except TelemetryError as e:
            err, failing = e, conds
        if time.monotonic() >= end:
            break
        time.sleep(interval)
    print("telemetry: %s: after %.1f s still not %s; last reply: %s"
          % (cmd, deadline, " and ".join(failing),
             err if err else json.dumps(last, sort_keys=True)),
          file=sys.stderr)
    return 1


def main(argv):
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--prefix", default="slc-it", help="EAL --file-prefix")
    p.add_argument("--runtime-dir", default="/var/run/dpdk")
    p.add_argument("--timeout", type=float, default=2.0,
                   help="per-query socket timeout")
    p.add_argument("words", nargs="+", metavar="CMD | get CMD PATH | wait CMD")
    p.add_argument("--cond", action="append", default=[],
                   help="wait: 'PATH OP [VALUE]'; repeat for several")
    p.add_argument("--deadline", type=float, default=10.0)
    p.add_argument("--interval", type=float, default=0.2)
    a = p.parse_args(argv)

    tel = Telemetry(a.prefix, a.runtime_dir, a.timeout)
    w = a.words
    try:
        if w[0] == "wait" and len(w) == 2:
            if not a.cond:
                p.error("wait needs at least one --cond")
            return wait(tel, w[1], a.cond, a.deadline, a.interval)
        if w[0] == "get" and len(w) == 3:
            v = lookup(tel.query(w[1]), w[2])
            if v is _MISSING:
                print("telemetry: %s has no %s" % (w[1], w[2]), file=sys.stderr)
                return 1
            print(json.dumps(v, sort_keys=True))
            return 0
        if len(w) == 1 and w[0].startswith("/"):
            print(json.dumps(tel.query(w[0]), sort_keys=True))
            return 0
        p.error("expected CMD, 'get CMD PATH' or 'wait CMD --cond ...'")
    except TelemetryError as e:
        print("telemetry: %s" % e, file=sys.stderr)
        return 1
    finally:
        tel.close()
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
