#!/usr/bin/python3
"""Ask a UDP service through the VIP, then send the VIP "fragmentation needed"
about each reply, as a router on the client's path would (root: raw socket).

  icmp_err.py --vip A --port P [--count N] [--mtu M] [--timeout S]

For each of N flows (a socket of its own, so a port of its own): one request,
its reply read, then an ICMP type 3 code 4 with the given next-hop MTU from
this host to the VIP, quoting the reply's IPv4 header and its 8-byte UDP
header (VIP:P -> this host:port, the UDP checksum the reply carried
recomputed from its payload). Prints one JSON object:
  flows   [{"port": client port, "backend": name that answered}]
  failed  requests that got no reply
Standard library only.
"""
import argparse
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from garbage import csum  # noqa: E402


def quoted_reply(vip, vport, cip, cport, payload):
    """The reply as it reached us: IPv4 header and the UDP header."""
    ulen = 8 + len(payload)
    src, dst = socket.inet_aton(vip), socket.inet_aton(cip)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
    uc = csum(pseudo + struct.pack("!HHHH", vport, cport, ulen, 0) + payload) or 0xffff
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 63, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + struct.pack("!HHHH", vport, cport, ulen, uc)


def frag_needed(mtu, quote):
    msg = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vip", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--mtu", type=int, default=1400)
    p.add_argument("--timeout", type=float, default=2.0)
    args = p.parse_args()

    flows, failed = [], 0
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for _ in range(args.count):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(args.timeout)
            s.connect((args.vip, args.port))
            s.send(b"sluice-icmp")
            try:
                reply = s.recv(512)
            except socket.timeout:
                failed += 1
                continue
            cip, cport = s.getsockname()
            quote = quoted_reply(args.vip, args.port, cip, cport, reply)
            raw.sendto(frag_needed(args.mtu, quote), (args.vip, 0))
            flows.append({"port": cport, "backend": reply.decode(errors="replace").split()[0]})
    raw.close()
    json.dump({"flows": flows, "failed": failed}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
