"""An HTTPS proxy on 127.0.0.1 that is every service at once: it answers CONNECT for any host,
ends TLS itself with a certificate for the services' hosts signed by a test CA, and keeps each
request it is sent. It never connects anywhere. With HTTPS_PROXY and HTTP_PROXY pointed at it and
REQUESTS_CA_BUNDLE at the CA, a client's requests to hooks.slack.com or a Teams workflow land
here, exactly as the client wrote them, and so does any other request it makes."""

from __future__ import annotations

import json
import socketserver
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

# the hosts the certificate is made for: Slack's webhooks, Teams workflows (Logic Apps), PagerDuty's events
SERVICE_HOSTS = ("hooks.slack.com", "*.westus.logic.azure.com", "events.pagerduty.com")


def make_ca_and_certificate(folder: Path, hosts: tuple[str, ...] = SERVICE_HOSTS) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key), made with the openssl command."""
    ca, ca_key = folder / "ca.pem", folder / "ca-key.pem"
    cert, key, request = folder / "server.pem", folder / "server-key.pem", folder / "server.csr"
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Crisis Gateway test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        "-keyout", str(ca_key), "-out", str(ca))
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={hosts[0]}", "-keyout", str(key), "-out", str(request))
    extensions = folder / "server.ext"
    extensions.write_text("subjectAltName=" + ",".join(f"DNS:{h}" for h in hosts) + "\n"
                          "extendedKeyUsage=serverAuth\n", "ascii")
    run("x509", "-req", "-in", str(request), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-days", "2",
        "-extfile", str(extensions), "-out", str(cert))
    return ca, cert, key


@dataclass
class Seen:
    """One request as it reached the proxy: `host` from CONNECT (or the absolute URL's, for plain
    HTTP), then what was sent inside."""

    host: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    tls: bool

    def json(self):
        return json.loads(self.body)


@dataclass
class ServiceProxy:
    certificate: Path
    key: Path
    answers: list[tuple[int, bytes]] = field(default_factory=list)  # (status, body) per request, then 200 "ok"
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.certificate, self.key)
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 10

            def handle(self) -> None:
                method, target, headers = _head(self.rfile)
                if method != "CONNECT":  # plain HTTP through the proxy: kept, refused
                    proxy.seen.append(Seen(target.split("/")[2] if "://" in target else target, method, target,
                                           headers, _body(self.rfile, headers), tls=False))
                    self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                with proxy.context.wrap_socket(self.connection, server_side=True) as tls:
                    tls.settimeout(10)
                    reader, writer = tls.makefile("rb"), tls.makefile("wb")
                    inner, path, inner_headers = _head(reader)
                    proxy.seen.append(Seen(target.rpartition(":")[0], inner, path, inner_headers,
                                           _body(reader, inner_headers), tls=True))
                    status, body = proxy.answers.pop(0) if proxy.answers else (200, b"ok")
                    writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                                 f"Connection: close\r\n\r\n".encode() + body)
                    writer.flush()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "ServiceProxy":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _head(reader) -> tuple[str, str, dict[str, str]]:
    method, target, _ = reader.readline().decode("latin-1").split(" ", 2)
    headers = {}
    while (line := reader.readline().decode("latin-1").strip()):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _body(reader, headers: dict[str, str]) -> bytes:
    return reader.read(int(headers.get("content-length", "0") or 0))
