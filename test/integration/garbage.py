#!/usr/bin/python3
"""Send a fixed set of malformed frames at a Sluice port (AF_PACKET, root).

  garbage.py --iface eth0 --dst-mac MAC --src-ip A --dst-ip VIP
             [--random N] [--seed S] [--pcap FILE] [--list]

Each targeted frame is wrong in exactly one way and names the drop counter
(/sluice/stats key) it must raise. Prints one JSON object:
  expect          {"drop_<reason>": frames sent for it}
  sent            frames sent in all (targeted + random)
  random_counted  random frames that must each raise some drop_* counter
  not_sent        [{name, why, frames}] frames the kernel refused to send
  kernel_held     [{name, why, frames}] frames sent that the kernel keeps
                  from the af_packet PMD (not counted anywhere)
The random frames (fixed seed, so the same every run) are for robustness: only
"still alive" and "some drop counter per frame" can be asserted about them.

What the kernel lets through, between this socket and Sluice's af_packet port:
- a frame shorter than an Ethernet header cannot be sent (EINVAL);
- the af_packet PMD joins its sockets to a PACKET_FANOUT group with
  PACKET_FANOUT_FLAG_DEFRAG, so the receiving kernel reassembles (or holds
  until timeout) every well-formed IPv4 fragment before the PMD sees it;
- a VLAN-tagged frame is untagged by the receiving kernel, and dropped if the
  tag is truncated.
--pcap writes the frames to a pcap file instead of sending (for tcpdump -r).
Standard library only.
"""
import argparse
import json
import random
import socket
import struct
import sys
import time

ETH_IP, ETH_ARP, ETH_VLAN, ETH_QINQ = 0x0800, 0x0806, 0x8100, 0x88A8
PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_GRE = 1, 6, 17, 47


def mac_bytes(mac):
    b = bytes(int(x, 16) for x in mac.split(":"))
    if len(b) != 6:
        raise SystemExit("garbage: bad MAC %r" % mac)
    return b


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, *, version=4, ihl=5, tot_len=None,
         frag=0, ttl=64, bad_csum=False, ident=0x5151):
    """An IPv4 header (+payload); every field can be made wrong on purpose."""
    if tot_len is None:
        tot_len = 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tot_len & 0xFFFF,
                      ident, frag, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    c = csum(hdr)
    if bad_csum:
        c ^= 0x5A5A
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def udp(sport, dport, data, *, length=None):
    if length is None:
        length = 8 + len(data)
    return struct.pack("!HHHH", sport, dport, length, 0) + data


def tcp(sport, dport, *, doff=5, flags=0x02):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, doff << 4, flags,
                       65535, 0, 0) + b"\0" * max(0, (doff - 5) * 4)


def arp(smac, sip, tip, *, htype=1, ptype=ETH_IP, hlen=6, plen=4, op=1):
    return struct.pack("!HHBBH6s4s6s4s", htype, ptype, hlen, plen, op, smac,
                       socket.inet_aton(sip), b"\0" * 6, socket.inet_aton(tip))


def targeted(a):
    """[(name, counter or None, frame bytes)] -- one defect per frame."""
    eth = mac_bytes(a.dst_mac) + mac_bytes(a.src_mac)

    def l2(etype, payload):
        return eth + struct.pack("!H", etype) + payload

    def ip(proto, payload, **kw):
        return l2(ETH_IP, ipv4(a.src_ip, a.dst_ip, proto, payload, **kw))

    good_udp = udp(40000, a.udp_port, b"garbage-test")
    f = [
        ("trunc_eth", "drop_trunc_eth", eth + b"\x08"),
        ("trunc_ip", "drop_trunc_ip", l2(ETH_IP, ipv4(a.src_ip, a.dst_ip, PROTO_UDP, b"")[:10])),
        ("ip_version_6_in_0800", "drop_bad_ip_version", ip(PROTO_UDP, good_udp, version=6)),
        ("ip_version_0", "drop_bad_ip_version", ip(PROTO_UDP, good_udp, version=0)),
        ("ip_ihl_4", "drop_bad_ip_hlen", ip(PROTO_UDP, good_udp, ihl=4)),
        ("ip_total_length_too_large", "drop_bad_ip_len", ip(PROTO_UDP, good_udp, tot_len=1400)),
        ("ip_total_length_below_header", "drop_bad_ip_len", ip(PROTO_UDP, good_udp, tot_len=12)),
        ("ip_bad_checksum", "drop_bad_ip_csum", ip(PROTO_UDP, good_udp, bad_csum=True)),
        ("ip_first_fragment", "drop_ip_fragment", ip(PROTO_UDP, good_udp, frag=0x2000)),
        ("ip_unsupported_protocol_gre", "drop_unsupp_l4", ip(PROTO_GRE, b"\0" * 8)),
        ("tcp_truncated_10_bytes", "drop_trunc_l4", ip(PROTO_TCP, tcp(40001, a.tcp_port)[:10])),
        ("udp_truncated_4_bytes", "drop_trunc_l4", ip(PROTO_UDP, good_udp[:4])),
        ("tcp_data_offset_4", "drop_bad_tcp_hlen", ip(PROTO_TCP, tcp(40002, a.tcp_port, doff=4))),
        ("udp_length_below_header", "drop_bad_udp_len", ip(PROTO_UDP, udp(40003, a.udp_port, b"x" * 12, length=4))),
        ("udp_length_beyond_ip", "drop_bad_udp_len", ip(PROTO_UDP, udp(40004, a.udp_port, b"x" * 12, length=200))),
        ("unknown_ethertype_88b5", "drop_unsupp_ethertype", l2(0x88B5, b"\0" * 46)),
        ("arp_truncated", "drop_trunc_arp", l2(ETH_ARP, arp(eth[6:], a.src_ip, a.dst_ip)[:10])),
        ("arp_hardware_type_6", "drop_bad_arp", l2(ETH_ARP, arp(eth[6:], a.src_ip, a.dst_ip, htype=6))),
        ("arp_protocol_ipv6", "drop_bad_arp", l2(ETH_ARP, arp(eth[6:], a.src_ip, a.dst_ip, ptype=0x86DD))),
    ]
    return [(n, c, fr) for n, c, fr in f for _ in range(a.repeat)]


def kernel_holds(frame):
    """Why the receiving kernel keeps this frame from the af_packet PMD, or ''.

    Mirrors ip_check_defrag() (PACKET_FANOUT_FLAG_DEFRAG) and VLAN untagging.
    """
    if len(frame) < 14:
        return ""
    etype = struct.unpack("!H", frame[12:14])[0]
    if etype in (ETH_VLAN, ETH_QINQ):
        return "VLAN frames are untagged (or dropped) by the receiving kernel"
    if etype != ETH_IP or len(frame) < 34:
        return ""
    vihl, tot_len, frag = frame[14], struct.unpack("!H", frame[16:18])[0], \
        struct.unpack("!H", frame[20:22])[0]
    ihl = vihl & 15
    if vihl >> 4 != 4 or ihl < 5:
        return ""
    if len(frame) - 14 < tot_len or tot_len < ihl * 4:
        return ""
    if frag & 0x3FFF:
        return ("IPv4 fragment: the af_packet PMD's fanout group has "
                "PACKET_FANOUT_FLAG_DEFRAG, the kernel reassembles or holds it")
    return ""


def random_frames(a):
    """Deterministic junk: random ethertype or IPv4 with random header bytes."""
    rng = random.Random(a.seed)
    eth = mac_bytes(a.dst_mac) + mac_bytes(a.src_mac)
    out = []
    for i in range(a.random):
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 120)))
        kind = i % 3
        if kind == 0:      # fully random ethertype
            etype = rng.getrandbits(16)
        elif kind == 1:    # ARP with random contents
            etype = ETH_ARP
        else:              # IPv4 ethertype, random header and payload
            etype = ETH_IP
        out.append(("random_%d" % i, eth + struct.pack("!H", etype) + body))
    return out


def note(table, name, why):
    """Count a frame that did not reach the appliance, by name and reason."""
    e = table.setdefault(name, {"name": name, "why": why, "frames": 0})
    e["frames"] += 1


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for _, fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)


def main():
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[2:]))
    p.add_argument("--iface", default="eth0")
    p.add_argument("--dst-mac", required=True, help="the Sluice port's MAC")
    p.add_argument("--src-mac", help="default: the interface's own MAC")
    p.add_argument("--src-ip", default="198.18.0.2")
    p.add_argument("--dst-ip", default="198.18.0.10")
    p.add_argument("--tcp-port", type=int, default=80)
    p.add_argument("--udp-port", type=int, default=5353)
    p.add_argument("--repeat", type=int, default=3, help="copies of each targeted frame")
    p.add_argument("--random", type=int, default=300, metavar="N")
    p.add_argument("--seed", type=int, default=20221122)
    p.add_argument("--pcap", metavar="FILE", help="write frames here instead of sending")
    p.add_argument("--list", action="store_true", help="print the frames in hex, send nothing")
    a = p.parse_args()
    if not a.src_mac:
        try:
            with open("/sys/class/net/%s/address" % a.iface) as f:
                a.src_mac = f.read().strip()
        except OSError:
            a.src_mac = "02:00:00:00:00:01"

    tgt = targeted(a)
    rnd = random_frames(a)
    frames = [(n, fr) for n, _, fr in tgt] + rnd
    if a.list:
        for n, fr in frames:
            print("%-32s %s" % (n, fr.hex()))
        return 0
    if a.pcap:
        write_pcap(a.pcap, [x for x in frames if len(x[1]) >= 14])
        return 0

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    counters = {n: c for n, c, _ in tgt}
    expect, not_sent, held = {}, {}, {}
    sent, random_counted = 0, 0
    for i, (name, fr) in enumerate(frames):
        group = name if name in counters else "random"
        try:
            s.send(fr)
        except OSError as e:
            note(not_sent, group, "%s (%d bytes)" % (e.strerror, len(fr)))
            continue
        sent += 1
        why = kernel_holds(fr)
        if why:
            note(held, group, why)
        elif name in counters:
            expect[counters[name]] = expect.get(counters[name], 0) + 1
        else:
            random_counted += 1
        if i % 32 == 31:
            time.sleep(0.002)  # stay far below the PMD's ring size
    s.close()
    print(json.dumps({"expect": expect, "sent": sent, "random_counted": random_counted,
                      "not_sent": list(not_sent.values()),
                      "kernel_held": list(held.values())}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
