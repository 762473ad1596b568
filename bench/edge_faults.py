"""Faults at the edge for bench/reliability.py: stalled request headers and huge chunked bodies.

Each runs in a thread until `stop` is set and returns what happened to its own connections; the
run's load (wrk) measures what they did to everyone else (failed requests, p99, worker memory).
"""

from __future__ import annotations

import socket
import threading
import time

MIB = 2**20


def slowloris(port: int, count: int, stop: threading.Event) -> dict:
    """Keep `count` connections that sent a request line and one header and then stall; open a
    new one for every connection the server closes. Return how many it closed, how many it
    answered (it should answer none)."""
    head = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
    stats = {"stalled": count, "closed_by_server": 0, "answered": 0, "refused": 0}
    open_socks: list[socket.socket] = []

    def connect() -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(head)
            sock.setblocking(False)
            open_socks.append(sock)
        except OSError:
            stats["refused"] += 1

    while len(open_socks) < count:
        connect()
    while not stop.wait(0.1):
        for sock in list(open_socks):
            try:
                data = sock.recv(4096)
            except BlockingIOError:
                continue  # still open, still unanswered
            except OSError:
                data = b""
            if data.startswith(b"HTTP/"):
                stats["answered"] += 1
            stats["closed_by_server"] += 1
            open_socks.remove(sock)
            sock.close()
            connect()
    for sock in open_socks:
        sock.close()
    return stats


def chunked_bodies(port: int, stop: threading.Event, mib: int = 300,
                   paths: tuple[str, ...] = ("/edit/login", "/collections/projects/items")) -> dict:
    """Send `mib`-MiB chunked POST bodies, one after the other, to each path in turn. Return the
    answers' status lines (counted) and the most MiB the server took before it answered."""
    frame = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
    stats: dict = {"bodies": 0, "statuses": {}, "max_taken_mib": 0.0, "seconds_per_body": []}
    n = 0
    while not stop.is_set():
        path = paths[n % len(paths)]
        n += 1
        started, sent = time.monotonic(), 0
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            stats["statuses"]["refused"] = stats["statuses"].get("refused", 0) + 1
            continue
        with sock:
            try:
                sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                             "Content-Type: application/x-www-form-urlencoded\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n".encode())
                for _ in range(mib * 16):
                    if stop.is_set():
                        break
                    sock.sendall(frame)
                    sent += len(frame)
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # answered and closed: the rest is not read
            try:
                status = sock.recv(64).split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
            except OSError as exc:
                status = type(exc).__name__
        stats["bodies"] += 1
        stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
        stats["max_taken_mib"] = max(stats["max_taken_mib"], round(sent / MIB, 1))
        stats["seconds_per_body"].append(round(time.monotonic() - started, 3))
    times = sorted(stats.pop("seconds_per_body")) or [0.0]
    stats["median_s_per_body"] = times[len(times) // 2]
    return stats
