#!/usr/bin/python3
"""Test backend for Sluice: tells every client who it is and whom it saw.

Runs inside a backend namespace:
  backend.py --name b1 [--http-port 8080] [--udp-port 5353] [--ready-file F]
    HTTP/1.1 keep-alive on 0.0.0.0:HTTP_PORT: GET / -> "b1 PEERIP:PEERPORT\\n"
    UDP on 0.0.0.0:UDP_PORT: each datagram -> "b1 PEERIP:PEERPORT"
    F, once both sockets listen: the wall-clock ms of that moment, so a
    test can time from the server's readiness, not from its start-up.
  backend.py --probe [--http-port P] [--udp-port P] [--deadline S]
    Polls (bounded) until a local server answers both; exit 0 when it does.
Standard library only. Exits cleanly on SIGTERM/SIGINT.
"""
import argparse
import http.client
import http.server
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sluice-test-backend"
    # Headers and body go out in two writes; with Nagle the body would wait
    # for the client's delayed ACK (~40 ms per keep-alive request).
    disable_nagle_algorithm = True

    def do_GET(self):  # noqa: N802 (http.server naming)
        peer = "%s:%d" % self.client_address[:2]
        body = ("%s %s\n" % (self.server.backend_name, peer)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # quiet
        pass


class HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        pass  # a client that resets or times out is normal here: stay quiet


IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
PKTINFO = struct.Struct("=I4s4s")  # struct in_pktinfo: ifindex, spec_dst, addr


class UDPServer(socketserver.UDPServer):
    """Answers from the address each datagram was sent to (IP_PKTINFO), as a
    DR backend must: there the VIP on lo, not the address of eth0."""
    allow_reuse_address = True
    max_packet_size = 2048

    def server_bind(self):
        super().server_bind()
        self.socket.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)

    def get_request(self):
        data, anc, _flags, addr = self.socket.recvmsg(
            self.max_packet_size, socket.CMSG_SPACE(PKTINFO.size))
        local = None
        for level, typ, cdata in anc:
            if level == socket.IPPROTO_IP and typ == IP_PKTINFO:
                local = PKTINFO.unpack(cdata[:PKTINFO.size])[2]  # ipi_addr
        return (data, local), addr

    def process_request(self, request, client_address):
        _data, local = request
        peer = "%s:%d" % client_address[:2]
        anc = []
        if local is not None:
            anc = [(socket.IPPROTO_IP, IP_PKTINFO, PKTINFO.pack(0, local, b"\0" * 4))]
        self.socket.sendmsg([("%s %s" % (self.backend_name, peer)).encode()],
                           anc, 0, client_address)


def serve(args):
    httpd = HTTPServer(("0.0.0.0", args.http_port), Handler)
    udpd = UDPServer(("0.0.0.0", args.udp_port), None)
    httpd.backend_name = udpd.backend_name = args.name
    threads = [threading.Thread(target=s.serve_forever, daemon=True)
               for s in (httpd, udpd)]
    for t in threads:
        t.start()
    if args.ready_file:
        # Listening since the constructors bound: that is the readiness.
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % int(time.time() * 1000))
        os.rename(tmp, args.ready_file)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    httpd.shutdown()
    udpd.shutdown()
    httpd.server_close()
    udpd.server_close()
    return 0


def probe_once(http_port, udp_port):
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=1)
    try:
        conn.request("GET", "/")
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise OSError("HTTP status %d" % resp.status)
    except http.client.HTTPException as e:
        raise OSError("bad HTTP reply: %s" % e) from e
    finally:
        conn.close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.settimeout(1)
        u.sendto(b"probe", ("127.0.0.1", udp_port))
        u.recvfrom(256)


def probe(args):
    end = time.monotonic() + args.deadline
    last = None
    while time.monotonic() < end:
        try:
            probe_once(args.http_port, args.udp_port)
            return 0
        except OSError as e:
            last = e
            time.sleep(0.1)
    print("backend probe: not serving after %.0f s: %s" % (args.deadline, last),
          file=sys.stderr)
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", default="backend")
    p.add_argument("--http-port", type=int, default=8080)
    p.add_argument("--udp-port", type=int, default=5353)
    p.add_argument("--probe", action="store_true",
                   help="wait until a local server answers, then exit")
    p.add_argument("--deadline", type=float, default=10.0)
    p.add_argument("--ready-file",
                   help="write the ms time of readiness here (serving mode)")
    args = p.parse_args()
    return probe(args) if args.probe else serve(args)


if __name__ == "__main__":
    sys.exit(main())
