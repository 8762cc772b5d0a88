#!/usr/bin/python3
"""Send well-formed frames a router, Linux or IPVS would refuse, at a Sluice
port (AF_PACKET, root), for test_hostile.sh.

  hostile.py frames --iface IF --dst-mac MAC --src-ip A --vip VIP
             --tcp-port P --udp-port U --subnet-bcast B --foreign-src F
             --port-ip LOCAL [--repeat N]
      Each frame is refused for one reason and names the counter
      (/sluice/stats key) it must raise. Prints one JSON object:
        expect  {"drop_<reason>": frames sent for it}
        sent    frames sent
  hostile.py rst --iface IF --dst-mac MAC --src SRC:PORT --dst DST:PORT
             --count N [--seed S]
      N RSTs with random sequence numbers (fixed seed), spoofing one side
      of a live connection: a blind reset attack. Prints {"sent": N}.
  hostile.py unreach --iface IF --dst-mac MAC --from A --src SRC:PORT
             --dst DST:PORT
      From A to SRC, an ICMP port unreachable quoting the TCP segment
      SRC:PORT -> DST:PORT, as a router on the path would send (a forged
      one must not end the connection). Prints {"sent": 1}.

Standard library only; frames are built with garbage.py's helpers.
"""
import argparse
import json
import os
import random
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from garbage import (ETH_ARP, ETH_IP, ETH_VLAN, PROTO_ICMP, PROTO_TCP, PROTO_UDP,  # noqa: E402
                     arp, csum, ipv4, mac_bytes, udp)

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def tcp_seg(src, dst, sport, dport, flags, seq=1, ack=0):
    """A TCP header with a correct checksum (no options, no payload)."""
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, PROTO_TCP, len(hdr))
    c = csum(pseudo + hdr)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:]


def icmp_echo(ident=7, seq=1):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"hostile"
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]


def frames(a):
    """[(name, counter, frame)] -- one refusal per frame."""
    me = mac_bytes(a.src_mac)
    port_mac = mac_bytes(a.dst_mac)

    def l2(etype, payload, *, dst=port_mac, src=me):
        return dst + src + struct.pack("!H", etype) + payload

    def syn(src, *, sport=40100, ttl=64, flags=TCP_SYN, mac_dst=port_mac):
        return l2(ETH_IP, ipv4(src, a.vip, PROTO_TCP,
                               tcp_seg(src, a.vip, sport, a.tcp_port, flags), ttl=ttl),
                  dst=mac_dst)

    def udp_to_vip(mac_src):
        return l2(ETH_IP, ipv4(a.src_ip, a.vip, PROTO_UDP, udp(40200, a.udp_port, b"hostile")),
                  src=mac_src)

    bogus_sha = bytes.fromhex("020000000066")
    f = [
        ("source MAC broadcast", "drop_bad_src_mac", udp_to_vip(b"\xff" * 6)),
        ("source MAC multicast", "drop_bad_src_mac", udp_to_vip(bytes.fromhex("01005e000001"))),
        ("source MAC zero", "drop_bad_src_mac", udp_to_vip(b"\0" * 6)),
        ("SYN to another host's MAC", "drop_other_mac",
         syn(a.src_ip, sport=40101, mac_dst=bytes.fromhex("020000000099"))),
        ("source 0/8", "drop_martian_src", syn("0.1.2.3")),
        ("source 127/8", "drop_martian_src", syn("127.0.0.1")),
        ("source multicast", "drop_martian_src", syn("224.0.0.5")),
        ("source 240/4", "drop_martian_src", syn("240.0.0.1")),
        ("source limited broadcast", "drop_martian_src", syn("255.255.255.255")),
        ("land (source = destination = VIP)", "drop_land", syn(a.vip)),
        ("TCP source port 0", "drop_port_zero", syn(a.src_ip, sport=0)),
        ("UDP source port 0", "drop_port_zero",
         l2(ETH_IP, ipv4(a.src_ip, a.vip, PROTO_UDP, udp(0, a.udp_port, b"hostile")))),
        ("SYN+FIN", "drop_bad_tcp_flags", syn(a.src_ip, sport=40102, flags=TCP_SYN | TCP_FIN)),
        ("SYN+FIN+PSH+URG", "drop_bad_tcp_flags",
         syn(a.src_ip, sport=40103, flags=TCP_SYN | TCP_FIN | TCP_PSH | TCP_URG)),
        ("SYN+RST", "drop_bad_tcp_flags", syn(a.src_ip, sport=40104, flags=TCP_SYN | TCP_RST)),
        ("SYN from the subnet's broadcast address", "drop_bcast_src", syn(a.subnet_bcast)),
        ("echo request from the subnet's broadcast address (smurf)", "drop_bcast_src",
         l2(ETH_IP, ipv4(a.subnet_bcast, a.vip, PROTO_ICMP, icmp_echo()))),
        ("SYN from a backend's address on the client side", "drop_rpf", syn(a.foreign_src)),
        ("SYN from the port's own address", "drop_local_src", syn(a.port_ip)),
        ("echo request to the VIP from the port's address", "drop_local_src",
         l2(ETH_IP, ipv4(a.port_ip, a.vip, PROTO_ICMP, icmp_echo()))),
        ("UDP to the port's address from the VIP", "drop_local_src",
         l2(ETH_IP, ipv4(a.vip, a.port_ip, PROTO_UDP, udp(40201, 9, b"hostile")))),
        ("802.1Q-tagged SYN on a port with no vlan (VLAN hopping)", "drop_vlan_on_untagged",
         l2(ETH_VLAN, struct.pack("!HH", 5, ETH_IP) +
            ipv4(a.src_ip, a.vip, PROTO_TCP, tcp_seg(a.src_ip, a.vip, 40106, a.tcp_port, TCP_SYN)))),
        ("SYN with TTL 1", "drop_ttl_exceeded", syn(a.src_ip, sport=40105, ttl=1)),
        ("ARP from a broadcast sender MAC", "drop_arp_bad_sender",
         l2(ETH_ARP, arp(b"\xff" * 6, a.src_ip, a.vip))),
        ("ARP claiming the subnet's broadcast address", "drop_arp_bad_sender",
         l2(ETH_ARP, arp(bogus_sha, a.subnet_bcast, a.vip, op=2))),
        ("gratuitous ARP claiming the VIP", "drop_arp_local_sender",
         l2(ETH_ARP, arp(bogus_sha, a.vip, a.vip, op=2), dst=b"\xff" * 6)),
        ("ARP reply claiming the port's address", "drop_arp_local_sender",
         l2(ETH_ARP, arp(bogus_sha, a.port_ip, a.port_ip, op=2))),
    ]
    return [(n, c, fr) for n, c, fr in f for _ in range(a.repeat)]


def endpoint(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def own_mac(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return f.read().strip()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    fp = sub.add_parser("frames")
    rp = sub.add_parser("rst")
    up = sub.add_parser("unreach")
    for q in (fp, rp, up):
        q.add_argument("--iface", default="eth0")
        q.add_argument("--dst-mac", required=True, help="the Sluice port's MAC")
        q.add_argument("--src-mac", help="default: the interface's own MAC")
    fp.add_argument("--src-ip", required=True)
    fp.add_argument("--vip", required=True)
    fp.add_argument("--tcp-port", type=int, default=80)
    fp.add_argument("--udp-port", type=int, default=5353)
    fp.add_argument("--subnet-bcast", required=True)
    fp.add_argument("--foreign-src", required=True, help="an address routed out of another port")
    fp.add_argument("--port-ip", required=True, help="the receiving port's own address")
    fp.add_argument("--repeat", type=int, default=3)
    rp.add_argument("--src", required=True, metavar="IP:PORT")
    rp.add_argument("--dst", required=True, metavar="IP:PORT")
    rp.add_argument("--count", type=int, default=100)
    rp.add_argument("--seed", type=int, default=5961)
    up.add_argument("--from", dest="frm", required=True, metavar="IP")
    up.add_argument("--src", required=True, metavar="IP:PORT")
    up.add_argument("--dst", required=True, metavar="IP:PORT")
    a = p.parse_args()
    if not a.src_mac:
        a.src_mac = own_mac(a.iface)

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    if a.cmd == "unreach":
        (src, sport), (dst, dport) = endpoint(a.src), endpoint(a.dst)
        quoted = ipv4(src, dst, PROTO_TCP, b"")[:20]
        quoted = quoted[:2] + struct.pack("!H", 40) + quoted[4:10] + b"\0\0" + quoted[12:]
        quoted = quoted[:10] + struct.pack("!H", csum(quoted)) + quoted[12:]
        quoted += struct.pack("!HHI", sport, dport, 12345)
        body = struct.pack("!BBHI", 3, 3, 0, 0) + quoted
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        eth = mac_bytes(a.dst_mac) + mac_bytes(a.src_mac) + struct.pack("!H", ETH_IP)
        s.send(eth + ipv4(a.frm, src, PROTO_ICMP, body))
        print(json.dumps({"sent": 1}))
        return 0
    if a.cmd == "rst":
        (src, sport), (dst, dport) = endpoint(a.src), endpoint(a.dst)
        rng = random.Random(a.seed)
        eth = mac_bytes(a.dst_mac) + mac_bytes(a.src_mac) + struct.pack("!H", ETH_IP)
        n = max(0, min(a.count, 100000))
        for _ in range(n):
            seg = tcp_seg(src, dst, sport, dport, TCP_RST, seq=rng.getrandbits(32))
            s.send(eth + ipv4(src, dst, PROTO_TCP, seg))
        print(json.dumps({"sent": n}))
        return 0
    expect, sent = {}, 0
    for _, counter, fr in frames(a):
        s.send(fr)
        sent += 1
        expect[counter] = expect.get(counter, 0) + 1
    print(json.dumps({"expect": expect, "sent": sent}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
