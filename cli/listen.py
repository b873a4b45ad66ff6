"""The socket ``serve`` listens on, bound before anything else starts (servers, demo data, banner)."""

import argparse
import errno
import socket


def port_number(text: str) -> int:
    """``--port``'s type: 0 (any free port) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text!r}")
    return int(text)


class CannotListen(Exception):
    """The address is busy or not ours; the message says which setting or flag to change."""


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0: any free port), not yet listening: uvicorn
    listens on it once the app has started, so connections are refused rather than left waiting."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CannotListen(f"cannot listen on {host}: {exc.strerror}; set HOST (or --host)") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"port {port} on {host} is in use: set PORT or pass --port with a free one (e.g. --port 8001)"
            ) from None
        raise CannotListen(
            f"cannot listen on {host}:{port}: {exc.strerror}; change HOST / --host or PORT / --port"
        ) from None
    return sock
