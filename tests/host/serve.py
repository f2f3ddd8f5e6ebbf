"""A Grafana stand-in for browser tests (test infrastructure, not a Grafana).

Serves what Grafana serves to the plugin: the frontend shell (tests/host/shell, built by
tests/host/build_shell.mjs), the plugin's dist/ under /public/plugins/<id>/, and the subset of
Grafana's HTTP API the plugin and @grafana/plugin-e2e use: login with a session cookie, plugin
settings (read for every org member, write for Admins only), datasource list and lookup by uid,
the datasource proxy the shell's datasources query through, and the plugin's resources and
health forwarded to the Go plugin host (tests/host/pluginhost), which runs the real backend.

Users (password = login): viewer (Viewer), editor (Editor), admin (Admin) in org 1, and
admin2 (Admin) in org 2.

    python tests/host/serve.py --listen 127.0.0.1:3500 --dist dist --state-dir .stack/host \
        --prometheus-url http://127.0.0.1:19590 --loki-url ... --tempo-url ... [--grafana-version 11.6]
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import mimetypes
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

HOST_DIR = Path(__file__).resolve().parent
REPO_ROOT = HOST_DIR.parent.parent
PLUGIN_ID = "rcp-reliability-app"
SESSION_COOKIE = "grafana_session"
# Requests and answers bigger than this are refused, as Grafana's server limits them.
MAX_BODY_BYTES = 16 * 1024 * 1024
PROXY_TIMEOUT_S = 30
# Icons and fonts served at Grafana's URLs, from npm packages (tests/host/assets/package.json).
ASSETS = HOST_DIR / "assets" / "node_modules"
# Grafana's theme asks for Roboto Mono under a hashed Google Fonts file name.
ROBOTO_MONO = ASSETS / "@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2"


@dataclass(frozen=True)
class User:
    id: int
    login: str
    name: str
    email: str
    org_id: int
    role: str


USERS = {
    u.login: u
    for u in (
        User(1, "admin", "Admin", "admin@localhost", 1, "Admin"),
        User(2, "editor", "Editor", "editor@localhost", 1, "Editor"),
        User(3, "viewer", "Viewer", "viewer@localhost", 1, "Viewer"),
        User(4, "admin2", "Admin of org 2", "admin2@localhost", 2, "Admin"),
    )
}
ORGS = {1: "Main Org.", 2: "Second Org."}

# The app's settings when an org first opens it, as provisioning/plugins/apps.yaml provisions
# them for the demo stack: the three datasources below and the OpenTelemetry names.
PROVISIONED_JSON_DATA = {
    "datasources": {"prometheusUid": "prometheus", "lokiUid": "loki", "tempoUid": "tempo"},
    "metrics": {
        "preset": "otel",
        "requestsMetric": "http_server_request_duration_seconds_count",
        "latencyBucketMetric": "http_server_request_duration_seconds_bucket",
        "serviceLabel": "service_name",
        "routeLabel": "http_route",
        "statusLabel": "http_response_status_code",
        "errorStatusRegex": "5..",
        "latencyUnit": "seconds",
    },
    "logs": {
        "serviceLabel": "service_name",
        "routeField": "route",
        "statusField": "status",
        "messageField": "message",
        "traceIdField": "trace_id",
    },
}

DATASOURCE_TYPES = {
    "prometheus": ("Prometheus", "public/app/plugins/datasource/prometheus/img/prometheus_logo.svg"),
    "loki": ("Loki", "public/app/plugins/datasource/loki/img/loki_icon.svg"),
    "tempo": ("Tempo", "public/app/plugins/datasource/tempo/img/tempo_logo.svg"),
}

GRAFANA_VERSIONS = {"11.6": "11.6.16", "latest": None}


@dataclass(frozen=True)
class Datasource:
    uid: str
    type: str
    name: str
    url: str


def datasource_records(datasources: list[Datasource], org_id: int) -> list[dict]:
    """The org's datasources in the shape of Grafana's GET /api/datasources/uid/:uid."""
    records = []
    for i, ds in enumerate(datasources, start=1):
        type_name, logo = DATASOURCE_TYPES[ds.type]
        records.append(
            {
                "id": org_id * 100 + i,
                "uid": ds.uid,
                "orgId": org_id,
                "name": ds.name,
                "type": ds.type,
                "typeName": type_name,
                "typeLogoUrl": logo,
                "access": "proxy",
                "url": ds.url,
                "user": "",
                "database": "",
                "basicAuth": False,
                "isDefault": ds.uid == "prometheus",
                "jsonData": {},
                "readOnly": True,
            }
        )
    return records


class State:
    """Sessions in memory; the app's settings per org in the state dir, surviving restarts."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.lock = threading.Lock()
        self.sessions: dict[str, User] = {}
        self.settings_file = state_dir / "plugin-settings.json"
        if self.settings_file.exists():
            self.settings = {int(k): v for k, v in json.loads(self.settings_file.read_text()).items()}
        else:
            now = int(time.time() * 1000)
            self.settings = {
                org: {"enabled": True, "pinned": True, "jsonData": PROVISIONED_JSON_DATA, "updated": now}
                for org in ORGS
            }

    def app_settings(self, org_id: int) -> dict:
        with self.lock:
            return json.loads(json.dumps(self.settings[org_id]))

    def save_app_settings(self, org_id: int, body: dict) -> None:
        with self.lock:
            current = self.settings[org_id]
            for key in ("enabled", "pinned", "jsonData"):
                if key in body:
                    current[key] = body[key]
            # Strictly increasing, so the SDK's instance manager sees every change.
            current["updated"] = max(int(time.time() * 1000), current["updated"] + 1)
            tmp = self.settings_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.settings, indent=2))
            tmp.replace(self.settings_file)


class PluginHost:
    """The Go plugin host process (tests/host/pluginhost), built on first use."""

    def __init__(self, args: argparse.Namespace, grafana_version: str) -> None:
        binary = Path(args.pluginhost) if args.pluginhost else args.state_dir / "bin" / "pluginhost"
        if not args.pluginhost:
            binary.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["go", "build", "-o", str(binary), "."],
                cwd=HOST_DIR / "pluginhost",
                check=True,
            )
        backend = Path(args.dist).resolve() / "gpx_reliability_linux_amd64"
        if not backend.exists():
            sys.exit(f"{backend} is missing: build the backend first (go tool mage -v)")
        data_dir = args.state_dir / "plugin-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        listen_host, _, listen_port = args.listen.rpartition(":")
        cmd = [
            str(binary),
            "-listen",
            "127.0.0.1:0",
            "-binary",
            str(backend),
            "-plugin-id",
            PLUGIN_ID,
            "-grafana-version",
            grafana_version,
            "-app-url",
            f"http://{listen_host}:{listen_port}/",
            "-setting",
            f"data_dir={data_dir}",
        ]
        log = open(args.state_dir / "pluginhost.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.PIPE)
        self.address = self._read_address(log)

    def _read_address(self, log) -> str:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            log.write(raw)
            log.flush()
            match = re.search(rb"pluginhost listening on (\S+)", raw)
            if match:
                # Keep copying the host's log to the file in the background.
                threading.Thread(target=self._copy_log, args=(log,), daemon=True).start()
                return match.group(1).decode()
        sys.exit("plugin host exited before listening; see pluginhost.log")

    def _copy_log(self, log) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            log.write(raw)
            log.flush()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def index_html(user: User | None, settings: dict, shell_version: str) -> bytes:
    boot = {
        "user": {
            "id": user.id if user else 0,
            "isSignedIn": user is not None,
            "login": user.login if user else "",
            "name": user.name if user else "",
            "email": user.email if user else "",
            "orgId": user.org_id if user else 0,
            "orgName": ORGS[user.org_id] if user else "",
            "orgRole": user.role if user else "",
            "isGrafanaAdmin": bool(user and user.login == "admin"),
            "timezone": "utc",
            "weekStart": "monday",
            "theme": "dark",
            "language": "en-US",
            "locale": "en-US",
        },
        "settings": settings,
        "navTree": [],
        "assets": {"jsFiles": [{"filePath": f"public/build/shell.js?v={shell_version}"}], "cssFiles": []},
    }
    # "</" is escaped so that no value can close the script element.
    boot_json = json.dumps(boot).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<base href="/">
<title>Grafana stand-in (test host)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="public/build/shell.css?v={shell_version}">
<script>window.grafanaBootData = {boot_json}; window.__grafana_public_path__ = "public/";</script>
</head>
<body class="theme-dark">
<div id="reactRoot"></div>
<script src="public/build/shell.js?v={shell_version}"></script>
</body>
</html>
""".encode()


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "grafana-test-host"
    protocol_version = "HTTP/1.1"

    # Set on the class by main().
    state: State
    plugin_host: PluginHost
    dist: Path
    shell_dir: Path
    static_roots: dict[str, Path]
    datasources: list[Datasource]
    plugin_meta: dict
    grafana_version: str
    plugin_version: str

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if os.environ.get("RCP_HOST_ACCESS_LOG"):
            super().log_message(format, *args)

    # --- plumbing -------------------------------------------------------------------------

    def _send(self, code: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, code: int, payload, headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(payload).encode(), "application/json", headers)

    def _read_body(self) -> bytes | None:
        """The request body, read once per request: an answer sent before the body was read
        would leave it on the kept-alive connection, where it would be parsed as the next request."""
        if hasattr(self, "_body"):
            return self._body
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            self._json(413, {"message": "request body too large"})
            self._body = None
            return None
        self._body = self.rfile.read(length) if length else b""
        return self._body

    def _user(self) -> User | None:
        cookies = self.headers.get("Cookie", "")
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE:
                with self.state.lock:
                    return self.state.sessions.get(value)
        return None

    def _require_user(self) -> User | None:
        user = self._user()
        if user is None:
            self._json(401, {"message": "Unauthorized"})
        return user

    def _frontend_settings(self) -> dict:
        datasources = {
            ds["name"]: {
                "id": ds["id"],
                "uid": ds["uid"],
                "name": ds["name"],
                "type": ds["type"],
                "url": f"/api/datasources/proxy/uid/{ds['uid']}",
                "isDefault": ds["isDefault"],
                "access": "proxy",
                "jsonData": ds["jsonData"],
                "readOnly": True,
                "meta": {"id": ds["type"], "name": ds["typeName"], "type": "datasource", "info": {"logos": {}}},
            }
            for ds in datasource_records(self.datasources, 1)
        }
        return {
            "appUrl": f"http://{self.headers.get('Host', '127.0.0.1')}/",
            "appSubUrl": "",
            "buildInfo": {
                "version": self.grafana_version,
                "commit": "test-host",
                "edition": "Open Source",
                "env": "production",
            },
            "datasources": datasources,
            "defaultDatasource": "Prometheus",
            "minRefreshInterval": "5s",
            "featureToggles": {},
            "namespace": "default",
            "theme2": {},
        }

    # --- routes ---------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if hasattr(self, "_body"):
            del self._body
        if self._read_body() is None:
            return
        try:
            if path == "/api/health":
                return self._json(200, {"commit": "test-host", "database": "ok", "version": self.grafana_version})
            if path == "/login" and method == "POST":
                return self._login()
            if path == "/logout":
                return self._logout()
            if path.startswith("/public/"):
                return self._static(path)
            if path.startswith("/api/"):
                return self._api(method, path, url.query)
            if method == "GET":
                return self._page(path, url.query)
            self._json(404, {"message": "Not found"})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away mid-answer (navigation, test teardown)

    def _login(self) -> None:
        body = self._read_body()
        if body is None:
            return
        try:
            creds = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return self._json(400, {"message": "bad request data"})
        login = str(creds.get("user", ""))
        user = USERS.get(login) or next((u for u in USERS.values() if u.email == login), None)
        # Password = login; these users exist only in tests and the local demo.
        if user is None or creds.get("password") != user.login:
            return self._json(401, {"message": "Invalid username or password"})
        token = secrets.token_hex(16)
        with self.state.lock:
            self.state.sessions[token] = user
        cookie = f"{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
        self._json(200, {"message": "Logged in", "redirectUrl": "/"}, {"Set-Cookie": cookie})

    def _logout(self) -> None:
        expired = f"{SESSION_COOKIE}=; Path=/; Max-Age=0"
        self._send(302, b"", "text/plain", {"Location": "/login", "Set-Cookie": expired})

    def _page(self, path: str, query: str) -> None:
        user = self._user()
        if user is None and path != "/login":
            target = urllib.parse.quote(path + (f"?{query}" if query else ""), safe="")
            return self._send(302, b"", "text/plain", {"Location": f"/login?redirectTo={target}"})
        shell_version = str(int((self.shell_dir / "shell.js").stat().st_mtime))
        self._send(200, index_html(user, self._frontend_settings(), shell_version), "text/html; charset=utf-8")

    def _static(self, path: str) -> None:
        rel = urllib.parse.unquote(path[len("/public/") :])
        if rel.startswith("fonts/roboto/"):
            return self._send(200, ROBOTO_MONO.read_bytes(), "font/woff2")
        for prefix, root in self.static_roots.items():
            if rel.startswith(prefix):
                file = (root / rel[len(prefix) :]).resolve()
                if root.resolve() in file.parents and file.is_file():
                    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    if file.suffix in (".js", ".mjs"):
                        content_type = "application/javascript"
                    return self._send(200, file.read_bytes(), content_type)
        self._json(404, {"message": "Not found"})

    def _api(self, method: str, path: str, query: str) -> None:
        user = self._require_user()
        if user is None:
            return
        if path == "/api/user" and method == "GET":
            return self._json(
                200,
                {
                    "id": user.id,
                    "login": user.login,
                    "email": user.email,
                    "name": user.name,
                    "orgId": user.org_id,
                    "isGrafanaAdmin": user.login == "admin",
                },
            )
        if path == "/api/frontend/settings":
            return self._json(200, self._frontend_settings())
        if path == "/api/datasources" and method == "GET":
            return self._json(200, datasource_records(self.datasources, user.org_id))
        match = re.fullmatch(r"/api/datasources/uid/([^/]+)", path)
        if match and method == "GET":
            found = [d for d in datasource_records(self.datasources, user.org_id) if d["uid"] == match.group(1)]
            return self._json(200, found[0]) if found else self._json(404, {"message": "Data source not found"})
        match = re.fullmatch(r"/api/datasources/proxy/uid/([^/]+)(/.*)?", path)
        if match:
            return self._datasource_proxy(method, match.group(1), match.group(2) or "/", query)
        prefix = f"/api/plugins/{PLUGIN_ID}/"
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            if rest == "settings":
                return self._plugin_settings(method, user)
            if rest == "health" and method == "GET":
                return self._forward_to_plugin(method, "/health", query, user)
            if rest.startswith("resources"):
                return self._forward_to_plugin(method, "/resources/" + rest[len("resources/") :], query, user)
        self._json(404, {"message": "Not found"})

    def _plugin_settings(self, method: str, user: User) -> None:
        if method == "GET":
            s = self.state.app_settings(user.org_id)
            return self._json(
                200,
                {
                    "name": "Reliability Control Plane",
                    "type": "app",
                    "id": PLUGIN_ID,
                    "enabled": s["enabled"],
                    "pinned": s["pinned"],
                    "autoEnabled": False,
                    "module": f"public/plugins/{PLUGIN_ID}/module.js",
                    "baseUrl": f"public/plugins/{PLUGIN_ID}",
                    "info": self.plugin_meta["info"],
                    "includes": self.plugin_meta.get("includes", []),
                    "dependencies": self.plugin_meta.get("dependencies", {}),
                    "jsonData": s["jsonData"],
                    "secureJsonFields": {},
                    "defaultNavUrl": f"/a/{PLUGIN_ID}/services",
                    "hasUpdate": False,
                    "state": "",
                    "signature": "unsigned",
                    "signatureType": "",
                    "signatureOrg": "",
                },
            )
        if method != "POST":
            return self._json(405, {"message": "Method not allowed"})
        if user.role != "Admin":
            # Grafana's access control answer to a write without plugins:write.
            return self._json(
                403,
                {
                    "accessErrorId": "ACE0000000001",
                    "message": "You'll need additional permissions to perform this action. "
                    "Permissions needed: plugins:write",
                    "title": "Access denied",
                },
            )
        body = self._read_body()
        if body is None:
            return
        try:
            payload = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return self._json(400, {"message": "bad request data"})
        if not isinstance(payload, dict):
            return self._json(400, {"message": "bad request data"})
        self.state.save_app_settings(user.org_id, payload)
        self._json(200, {"message": "Plugin settings updated"})

    def _forward_to_plugin(self, method: str, path: str, query: str, user: User) -> None:
        body = self._read_body()
        if body is None:
            return
        s = self.state.app_settings(user.org_id)
        if not s["enabled"]:
            return self._json(404, {"message": "Plugin not found"})
        context = {
            "orgId": user.org_id,
            "user": {"login": user.login, "name": user.name, "email": user.email, "role": user.role},
            "jsonData": s["jsonData"],
            "secureJsonData": {},
            "lastUpdatedMS": s["updated"],
        }
        headers = {"X-Rcp-Plugin-Context": json.dumps(context), "X-Grafana-Org-Id": str(user.org_id)}
        for name in ("Content-Type", "Accept"):
            if self.headers.get(name):
                headers[name] = self.headers[name]
        target = path + (f"?{query}" if query else "")
        self._relay(self.plugin_host.address, method, target, body, headers)

    def _datasource_proxy(self, method: str, uid: str, path: str, query: str) -> None:
        base = next((ds.url for ds in self.datasources if ds.uid == uid), None)
        if base is None:
            return self._json(404, {"message": "Data source not found"})
        body = self._read_body()
        if body is None:
            return
        upstream = urllib.parse.urlsplit(base)
        target = upstream.path.rstrip("/") + path + (f"?{query}" if query else "")
        headers = {}
        for name in ("Content-Type", "Accept"):
            if self.headers.get(name):
                headers[name] = self.headers[name]
        self._relay(upstream.netloc, method, target, body, headers)

    def _relay(self, netloc: str, method: str, target: str, body: bytes, headers: dict[str, str]) -> None:
        """Sends the request on and copies the answer back; an unreachable upstream is a 502 as
        Grafana's proxy answers, with the reason in the message."""
        conn = http.client.HTTPConnection(netloc, timeout=PROXY_TIMEOUT_S)
        try:
            conn.request(method, target, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read(MAX_BODY_BYTES + 1)
        except OSError as e:
            reason = e.strerror or str(e) or type(e).__name__
            return self._json(502, {"message": f"Bad Gateway: {method} {netloc}{target.partition('?')[0]}: {reason}"})
        finally:
            conn.close()
        if len(data) > MAX_BODY_BYTES:
            return self._json(502, {"message": "Bad Gateway: response too large"})
        content_type = response.getheader("Content-Type", "application/octet-stream")
        self._send(response.status, data, content_type)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        # A browser that drops a kept-alive connection while its request is read is not an error;
        # the default prints a traceback for it, which buried real errors in the e2e logs.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:3000")
    parser.add_argument("--dist", default=str(REPO_ROOT / "dist"))
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--prometheus-url", required=True)
    parser.add_argument("--loki-url", required=True)
    parser.add_argument("--tempo-url", required=True)
    parser.add_argument("--grafana-version", choices=sorted(GRAFANA_VERSIONS), default="11.6")
    parser.add_argument(
        "--unreachable-loki-url",
        help="also provision 'Loki (unreachable)' at this URL, for the browser tests' datasource-down flow",
    )
    parser.add_argument("--pluginhost", help="a built tests/host/pluginhost binary (default: go build it)")
    args = parser.parse_args(argv)
    args.state_dir = args.state_dir.resolve()
    args.state_dir.mkdir(parents=True, exist_ok=True)

    shell_dir = HOST_DIR / "build" / args.grafana_version
    if not (shell_dir / "shell.js").exists():
        sys.exit(f"{shell_dir}/shell.js is missing: run node tests/host/build_shell.mjs {args.grafana_version}")
    build_info = json.loads((shell_dir / "versions.json").read_text())
    dist = Path(args.dist).resolve()
    plugin_meta = json.loads((dist / "plugin.json").read_text())

    Handler.state = State(args.state_dir)
    Handler.dist = dist
    Handler.shell_dir = shell_dir
    Handler.plugin_meta = plugin_meta
    Handler.grafana_version = build_info["@grafana/runtime"]
    Handler.datasources = [
        Datasource("prometheus", "prometheus", "Prometheus", args.prometheus_url),
        Datasource("loki", "loki", "Loki", args.loki_url),
        Datasource("tempo", "tempo", "Tempo", args.tempo_url),
    ]
    if args.unreachable_loki_url:
        unreachable = Datasource("loki-unreachable", "loki", "Loki (unreachable)", args.unreachable_loki_url)
        Handler.datasources.append(unreachable)
    # First match wins: Grafana 12.4+ asks for icons under build/img/icons/, older under img/icons/.
    Handler.static_roots = {
        f"plugins/{PLUGIN_ID}/": dist,
        "img/icons/unicons/": ASSETS / "@iconscout/unicons/svg/line",
        "img/icons/solid/": ASSETS / "@iconscout/unicons/svg/solid",
        "build/img/icons/unicons/": ASSETS / "@iconscout/unicons/svg/line",
        "build/img/icons/solid/": ASSETS / "@iconscout/unicons/svg/solid",
        "build/": shell_dir,
        "fonts/inter/": ASSETS / "inter-ui/web",
    }
    Handler.plugin_host = PluginHost(args, Handler.grafana_version)

    host, _, port = args.listen.rpartition(":")
    server = Server((host, int(port)), Handler)

    def stop(*_args) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"test host (Grafana {Handler.grafana_version} packages) on http://{args.listen}/", flush=True)
    try:
        server.serve_forever()
    finally:
        Handler.plugin_host.stop()


if __name__ == "__main__":
    main()
