#!/usr/bin/python3
"""An 802.1Q access port in user space, for kernels without VLAN devices,
bridge VLAN filtering or tc actions (test_vlan.sh).

  vlan_relay.py TRUNK ACCESS VID READY_FILE [SECONDS]

Frames from ACCESS leave TRUNK tagged with VID; frames on TRUNK of VID go
to ACCESS untagged, any other (untagged, another VID) nowhere. A tag the receiving kernel moved into metadata comes back through
PACKET_AUXDATA. Ends after SECONDS (default 300) or on SIGTERM.
"""
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
AUX = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata


def open_dev(dev):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((dev, 0))
    return s


def recv(s):
    data, anc, _flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(AUX.size))
    tci = None
    for level, typ, cdata in anc:
        if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= AUX.size:
            status, _len, _snap, _mac, _net, vtci, _tpid = AUX.unpack(cdata[:AUX.size])
            if status & TP_STATUS_VLAN_VALID:
                tci = vtci
    return data, tci, addr[2]


def main():
    trunk_dev, access_dev, vid, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    life = float(sys.argv[5]) if len(sys.argv) > 5 else 300.0
    trunk, access = open_dev(trunk_dev), open_dev(access_dev)
    tag = struct.pack("!HH", 0x8100, vid)
    open(ready, "w").close()
    end = time.time() + life
    while time.time() < end:
        r, _, _ = select.select([trunk, access], [], [], 0.5)
        for s in r:
            data, tci, pkttype = recv(s)
            if pkttype == PACKET_OUTGOING or len(data) < 14:
                continue
            if s is access:
                trunk.send(data[:12] + tag + data[12:])
                continue
            if tci is None and data[12:14] == b"\x81\x00" and len(data) >= 18:
                tci = struct.unpack("!H", data[14:16])[0]
                data = data[:12] + data[16:]
            if tci is not None and tci & 0xfff == vid:
                access.send(data)


if __name__ == "__main__":
    main()
