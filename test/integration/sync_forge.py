#!/usr/bin/python3
"""Bad session sync messages at an appliance, for test_ha.sh: each kind is
written from control/sync_proto.h's diagram, independently of Sluice's
codec, and sent once to HOST:PORT.

    sync_forge.py --host 198.18.1.22 --port 8848 --key HEX --group 1 KIND...

KIND: badkey (a CONNS whose MAC uses another key), truncated (a CONNS cut
short), version (version 2), replay (a good HELLO from node 77, twice),
unknown (a good CONNS from node 77, met by then, for port 81: no such
service), unmet (a good CONNS from node 78, which never said HELLO),
range (a good HELLO from node 79 with FULLNAT ports 2048-65535, then a good
CONNS from it). Prints what it
sent, one line per datagram.
"""
import argparse
import hashlib
import hmac
import socket
import struct
import sys
import time

HDR = struct.Struct(">2sBBHBBIIII")
REC = struct.Struct(">BBBBHHHHIIIIII")
HELLO = struct.Struct(">HHHH")
CONNS, BULK_REQ, BULK_END, T_HELLO = 1, 2, 3, 4


def ip(s):
    return struct.unpack(">I", socket.inet_aton(s))[0]


def message(key, group, sender, epoch, seq, mtype, body=b"", n=0, version=1):
    length = HDR.size + len(body) + 32
    head = HDR.pack(b"SY", version, mtype, length, n, 0, group, sender, epoch, seq)
    return head + body + hmac.new(key, head + body, hashlib.sha256).digest()


def a_record(vport=80):
    # tcp, nat, established: client 198.18.0.99:40000 -> VIP:80 -> b1:8080
    return REC.pack(6, 0, 1, 0, 40000, vport, 8080, 0, ip("198.18.0.99"),
                    ip("198.18.0.10"), ip("198.18.1.11"), 0, 60000, 0)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=8848)
    p.add_argument("--key", required=True)
    p.add_argument("--group", type=int, default=1)
    p.add_argument("kinds", nargs="+")
    a = p.parse_args()
    key = bytes.fromhex(a.key)
    epoch = int(time.time())
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dst = (a.host, a.port)
    for kind in a.kinds:
        if kind == "badkey":
            msgs = [message(b"not the key" * 3, a.group, 77, epoch, 1, CONNS, a_record(), 1)]
        elif kind == "truncated":
            msgs = [message(key, a.group, 77, epoch, 2, CONNS, a_record(), 1)[:-8]]
        elif kind == "version":
            msgs = [message(key, a.group, 77, epoch, 3, T_HELLO, HELLO.pack(1, 1024, 65535, 0),
                            version=2)]
        elif kind == "replay":
            m = message(key, a.group, 77, epoch, 4, T_HELLO, HELLO.pack(1, 1024, 65535, 0))
            msgs = [m, m]
        elif kind == "unknown":
            msgs = [message(key, a.group, 77, epoch, 5, CONNS, a_record(81), 1)]
        elif kind == "range":
            msgs = [message(key, a.group, 79, epoch, 1, T_HELLO, HELLO.pack(1, 2048, 65535, 0)),
                    message(key, a.group, 79, epoch, 2, CONNS, a_record(), 1)]
        elif kind == "unmet":
            msgs = [message(key, a.group, 78, epoch, 1, CONNS, a_record(), 1)]
        else:
            print("unknown kind %s" % kind, file=sys.stderr)
            return 2
        for m in msgs:
            s.sendto(m, dst)
            print("%s: %d bytes" % (kind, len(m)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
