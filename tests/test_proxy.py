"""The production set-up (README, "Production"): Debian's nginx with
deploy/nginx.conf in front of `kg serve --config deploy/kg.toml`, both on
loopback, and the connection attacks repeated through it.

`make test` installs nginx when it is missing and it may (root with
apt-get, as CI is); elsewhere the test is skipped, saying so."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

from bench.connection_attack import attack, write_blob_data
from bench.servers import answers_ok, free_port, stop_process, wait_until_ready
from conftest import REPO, LiveServer
from server.headers import SECURITY_HEADERS

SITE = REPO / "deploy" / "nginx.conf"
KG_TOML = REPO / "deploy" / "kg.toml"


def nginx_executable() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        pytest.fail("Debian's nginx is missing: run `make nginx` (make test and CI install it)")
    pytest.skip("nginx is missing and cannot be installed here (not root with apt-get): `make nginx` as root installs it")


def site_on(listen_port: int, kg_port: int) -> str:
    """deploy/nginx.conf listening on loopback, proxying to ``kg_port``."""
    text = SITE.read_text()
    assert "listen 80;" in text and "server 127.0.0.1:5000;" in text, "deploy/nginx.conf changed shape"
    return text.replace("listen 80;", f"listen 127.0.0.1:{listen_port};").replace(
        "server 127.0.0.1:5000;", f"server 127.0.0.1:{kg_port};")


class Nginx:
    def __init__(self, folder, listen_port: int, kg_port: int):
        self.port = listen_port
        self.url = f"http://127.0.0.1:{listen_port}/"
        (folder / "site.conf").write_text(site_on(listen_port, kg_port))
        temp = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir()
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the test's private folder
        (folder / "nginx.conf").write_text(f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {temp['body']};
    proxy_temp_path {temp['proxy']};
    fastcgi_temp_path {temp['fastcgi']};
    uwsgi_temp_path {temp['uwsgi']};
    scgi_temp_path {temp['scgi']};
    include {folder}/site.conf;
}}
""")
        self.folder = folder
        self.proc = subprocess.Popen([nginx_executable(), "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                                     stdout=subprocess.DEVNULL, stderr=open(folder / "stderr.log", "wb"))
        wait_until_ready(self.proc, lambda: answers_ok(self.url + "healthz"), 20,
                         f"nginx in front of kg serve (see {folder / 'stderr.log'} and {folder / 'error.log'})")

    def stop(self) -> None:
        stop_process(self.proc)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    nginx_executable()
    data = tmp_path_factory.mktemp("proxy-data") / "blobs.nt"
    write_blob_data(data)
    kg = LiveServer(["--data", str(data), "--config", str(KG_TOML)])
    try:
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), free_port(), kg.port)
    except Exception:
        kg.stop()
        raise
    yield nginx, kg
    nginx.stop()
    kg.stop()


def test_the_site_file_matches_the_service_settings():
    """The figures nginx enforces are the service's own."""
    from server.config import load_config

    config = load_config(file=str(KG_TOML), environ={})
    site = SITE.read_text()
    assert f"client_max_body_size {config['MAX_BODY_BYTES'] // (1024 * 1024)}m;" in site
    assert f"client_header_timeout {config['REQUEST_TIMEOUT']:g}s;" in site
    assert f"client_body_timeout {config['REQUEST_TIMEOUT']:g}s;" in site
    assert f"send_timeout {config['SEND_TIMEOUT']:g}s;" in site
    assert f"limit_conn kg_per_client {config['CONNECTIONS_PER_CLIENT']};" in site
    assert f"proxy_max_temp_file_size {config['RESPONSE_BUFFER_MB']}m;" in site
    assert config["TRUSTED_PROXY"] == "127.0.0.1" and "X-Forwarded-For $remote_addr" in site
    for name, value in SECURITY_HEADERS.items():
        assert f'add_header {name} "{value}" always;' in site and f"proxy_hide_header {name};" in site


def test_idle_connections_and_slow_readers_through_nginx(proxied):
    nginx, _ = proxied
    result = attack(nginx.url, idle_count=150, slow_count=10, cheap=30)
    assert result["idle_opened"] == 150 and result["slow_opened"] == result["slow_answered_200"] == 10, result
    assert result["ok"] == result["cheap"] == 30, result
    assert result["p95_s"] < 1.0, result


def test_nginx_refuses_a_declared_body_over_the_limit_at_once(proxied):
    nginx, _ = proxied
    sock = socket.create_connection(("127.0.0.1", nginx.port), timeout=10, source_address=("127.0.0.8", 0))
    started = time.monotonic()
    try:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 600000000\r\n\r\n")
        answer = sock.recv(65536)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert time.monotonic() - started < 5
    head = answer.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")[1:]
    assert_security_headers([tuple(line.split(": ", 1)) for line in head])


def assert_security_headers(headers: list[tuple[str, str]]) -> None:
    """Each of the service's security headers, once, with its value."""
    for name, value in SECURITY_HEADERS.items():
        assert [v for k, v in headers if k.lower() == name.lower()] == [value], name


def test_answers_through_nginx_carry_the_service_headers(proxied):
    nginx, _ = proxied
    req = urllib.request.Request(nginx.url + "sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200 and b'"boolean":true' in resp.read()
        assert_security_headers(resp.headers.items())


RUNAWAY = "ASK { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(STRLEN(?c) + STRLEN(?f) + STRLEN(?i) < 0) }"


def query_from(port: int, source: str, query: str, timeout: str = "4") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query, "timeout": timeout}),
                     headers={"Accept": "application/sparql-results+json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_the_service_caps_the_client_nginx_names(proxied):
    """Through nginx every request comes from 127.0.0.1; with trusted_proxy
    the per-client query cap (1 with 2 workers) counts the real client: a
    client running a runaway gets 429 for a second query, another does not."""
    nginx, _ = proxied
    runaway = threading.Thread(target=query_from, args=(nginx.port, "127.0.0.21", RUNAWAY))
    runaway.start()
    try:
        time.sleep(1.0)
        assert query_from(nginx.port, "127.0.0.21", "ASK {}") == 429
        assert query_from(nginx.port, "127.0.0.22", "ASK {}") == 200
    finally:
        runaway.join(30)
