"""Which Host headers and which proxies the site believes (OWASP ASVS 5.0: 4.1.3, 13.4.x).

A forged Host header would decide absolute links (the certificate's QR code): only configured host
names are accepted, others get a 400. X-Forwarded-For/-Proto/-Host come only from configured proxies:
from anyone else they change nothing, so one attacker cannot pose as many addresses (or as another).
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_host

# Always answered: the machine itself (health checks, a trainer trying it on the server).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
ANY_ADDRESS = ("0.0.0.0", "::", "")  # nosec B104 # compared against, never bound


def configured_hosts(config) -> list[str]:
    """ELEARN_ALLOWED_HOSTS and the host of ELEARN_PUBLIC_URL (empty when neither is set)."""
    hosts = [host.lower() for host in config.get("ALLOWED_HOSTS") or ()]
    public_url = config.get("PUBLIC_URL")
    if public_url and urlsplit(public_url).hostname:
        hosts.append(urlsplit(public_url).hostname.lower())
    return hosts


def trusted_hosts(config) -> list[str]:
    hosts = configured_hosts(config) + list(LOOPBACK_HOSTS)
    server_name = config.get("SERVER_NAME")
    if server_name:
        hosts.append(server_name.partition(":")[0].lower())
    return list(dict.fromkeys(hosts))


def allow_bound_host(app: Flask, host: str) -> str | None:
    """`elearn serve --host H`: H itself is answered too. Returns advice for the operator when the
    server listens on every address and no public host name is configured."""
    if host in ANY_ADDRESS:
        if configured_hosts(app.config):
            return None
        return ("Listening on every address, but only localhost and 127.0.0.1 are accepted as Host: set "
                "ELEARN_PUBLIC_URL (e.g. https://hocso.example.vn) or ELEARN_ALLOWED_HOSTS (comma-separated "
                "names or addresses people type) so that others can open the site.")
    hosts = app.config["TRUSTED_HOSTS"]
    if host.lower() not in hosts:
        hosts.append(host.lower())
    return None


def parse_networks(entries) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(entry, strict=False) for entry in entries]
    except ValueError as error:
        raise ValueError(f"ELEARN_TRUSTED_PROXIES: {error} (give IP addresses or CIDRs, comma-separated)") from None


class TrustedProxies:
    """ProxyFix for requests whose direct peer is a trusted proxy; everyone else's headers are ignored."""

    def __init__(self, wsgi_app, networks):
        self.wsgi_app = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)
        self.networks = list(networks)

    def trusts(self, address: str | None) -> bool:
        try:
            peer = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusts(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.wsgi_app(environ, start_response)


WRONG_HOST_PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1"><title>400</title></head><body><h1>400</h1>'
    "<p>Trang này không được mở bằng địa chỉ (tên miền) vừa dùng. Hãy mở Học số bằng địa chỉ chính thức "
    "mà Tổ Công nghệ số cộng đồng đã đưa cho bạn.</p></body></html>"
).encode()


class HostCheck:
    """A Host header that is not one of TRUSTED_HOSTS gets a plain 400 page before Flask sees the
    request: Flask would refuse it as well, but its error page cannot build links for such a host."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        try:
            get_host(environ, self.app.config["TRUSTED_HOSTS"])
        except SecurityError:
            start_response("400 Bad Request", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(WRONG_HOST_PAGE))),
                                               ("Cache-Control", "no-store"),
                                               ("Content-Security-Policy", "default-src 'none'")])
            return [WRONG_HOST_PAGE]
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.wsgi_app = HostCheck(app.wsgi_app, app)  # type: ignore[method-assign] # Flask's way to add middleware
    networks = parse_networks(app.config.get("TRUSTED_PROXIES") or ())
    if networks:
        app.wsgi_app = TrustedProxies(app.wsgi_app, networks)  # type: ignore[method-assign] # outside: X-Forwarded-Host is checked too
