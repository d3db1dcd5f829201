"""Real local servers for tests, on free loopback ports: a fake Slack Web API
(:mod:`tests.servers.fake_slack`) and an SMTP server (:mod:`tests.servers.smtp`)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for servers that cannot bind port 0 themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
