"""Gets the observability servers' binaries into the cache, building them when missing.

- Prometheus: the Debian package's binary (2.42, which has --web.enable-remote-write-receiver),
  fetched with `apt-get download` and unpacked into the cache: no daemon is installed or started.
  `RCP_PROMETHEUS_BIN` or a `prometheus` on PATH is used instead when given.
- promtool: from the same Debian package, for checking and unit-testing rule files.
- Jaeger v2: its Go module (Apache-2.0) at a pinned version, downloaded from the Go module proxy
  and built in a writable copy of the module (which honours the module's replace directive, which
  `go install pkg@version` refuses). Builds run under `nice`, with `-p 2`, one at a time (a lock
  file), and record their wall time and size in `<cache>/bin/<name>-<version>.json`.
- Loki and Tempo are not built: their code is AGPL, which this project does not use. The native
  stack runs our Python API doubles of them instead (doubles/); Docker runs the real servers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Jaeger v2 (cmd/jaeger) is published on the Go module proxy under its v1 numbering: the
# module path has no /v2 suffix, so v1.76.0 is the same commit as the v2.13.0 release.
JAEGER_VERSION = "v1.76.0"
PROMETHEUS_DEB = "prometheus"


@dataclass(frozen=True)
class GoBinary:
    name: str
    module: str
    version: str
    package: str


# Jaeger's go.mod has a replace directive, which `go install pkg@version` refuses: build it in a
# writable copy of the module instead.
JAEGER = GoBinary("jaeger", "github.com/jaegertracing/jaeger", JAEGER_VERSION, "./cmd/jaeger")


def log(msg: str) -> None:
    print(f"[stack] {msg}", file=sys.stderr, flush=True)


def go_env(cache: Path, binary: GoBinary) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "CGO_ENABLED": "0",
            "GOTOOLCHAIN": "local",
            "GOFLAGS": f"-p={os.environ.get('RCP_BUILD_PARALLELISM', '2')} -mod=readonly -buildvcs=false",
            "GOCACHE": str(cache / "go-build"),
        }
    )
    return env


def _go_download(module: str, version: str, env: dict[str, str]) -> Path:
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    try:
        info = json.loads(out.stdout)
    except ValueError:
        raise RuntimeError(f"go mod download {module}@{version} failed: {out.stderr.strip()}") from None
    if info.get("Error") or not info.get("Dir"):
        raise RuntimeError(f"go mod download {module}@{version} failed: {info.get('Error') or out.stderr.strip()}")
    return Path(info["Dir"])


def dir_size(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, f)).st_size
    return total


class BuildLock:
    """One build at a time on the machine, across clones and processes."""

    def __init__(self, cache: Path) -> None:
        cache.mkdir(parents=True, exist_ok=True)
        self.path = cache / "build.lock"

    def __enter__(self) -> BuildLock:
        self._f = open(self.path, "w")
        fcntl.flock(self._f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._f, fcntl.LOCK_UN)
        self._f.close()


def binary_path(cache: Path, binary: GoBinary) -> Path:
    return cache / "bin" / f"{binary.name}-{binary.version}"


def ensure_go_binary(cache: Path, binary: GoBinary, build_log: Path) -> Path:
    target = binary_path(cache, binary)
    if target.exists():
        return target
    with BuildLock(cache):
        if target.exists():  # built by someone else while we waited
            return target
        if not shutil.which("go"):
            raise RuntimeError(f"{binary.name} {binary.version} is not built and there is no Go toolchain to build it")
        env = go_env(cache, binary)
        log(f"building {binary.name} {binary.version} (first run only; several minutes; log: {build_log})")
        started = time.monotonic()
        src = cache / "src" / f"{binary.name}-{binary.version}"
        if src.exists():
            shutil.rmtree(src)
        src.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(_go_download(binary.module, binary.version, env), src)
        for root, dirs, files in os.walk(src):  # the module cache is read-only
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o755 if n in dirs else 0o644)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        cmd = ["nice", "-n", "10", "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(tmp), binary.package]
        build_log.parent.mkdir(parents=True, exist_ok=True)
        with open(build_log, "a") as out:
            out.write(f"$ (cd {src} && {' '.join(cmd)})\n")
            out.flush()
            rc = subprocess.run(cmd, cwd=src, env=env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
        if rc != 0:
            raise RuntimeError(f"building {binary.name} failed (exit {rc}); see {build_log}")
        tmp.rename(target)
        shutil.rmtree(src, ignore_errors=True)
        record = {
            "name": binary.name,
            "module": binary.module,
            "version": binary.version,
            "build_seconds": round(time.monotonic() - started, 1),
            "binary_bytes": target.stat().st_size,
            "go_build_cache_bytes": dir_size(cache / "go-build"),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        target.with_name(target.name + ".json").write_text(json.dumps(record, indent=2) + "\n")
        log(f"built {binary.name} in {record['build_seconds']}s -> {target}")
        return target


# The binaries taken from Debian's prometheus package, each overridable by RCP_<NAME>_BIN.
PROMETHEUS_TOOLS = ("prometheus", "promtool")


def ensure_prometheus_tool(cache: Path, tool: str = "prometheus") -> Path:
    """`prometheus` or `promtool` from Debian's package, unpacked into the cache (no daemon installed)."""
    if tool not in PROMETHEUS_TOOLS:
        raise ValueError(f"{tool} is not in Debian's prometheus package")
    explicit = os.environ.get(f"RCP_{tool.upper()}_BIN")
    if explicit:
        return Path(explicit)

    def cached() -> Path | None:
        found = [p for p in sorted((cache / "bin").glob(f"{tool}-*")) if not p.name.endswith(".json")]
        return found[-1] if found else None

    if (hit := cached()) is not None:
        return hit
    on_path = shutil.which(tool)
    if on_path:
        return Path(on_path)
    with BuildLock(cache):
        if (hit := cached()) is not None:  # fetched by someone else while we waited
            return hit
        log(f"fetching Debian's {PROMETHEUS_DEB} package into the cache for {tool} (no daemon is installed)")
        with tempfile.TemporaryDirectory() as tmp:
            cmd = ["apt-get", "download", "-q", PROMETHEUS_DEB]
            if subprocess.run(cmd, cwd=tmp, capture_output=True, check=False).returncode != 0:
                subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
                subprocess.run(cmd, cwd=tmp, check=True, capture_output=True)
            deb = next(Path(tmp).glob("prometheus_*.deb"))
            subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True)
            version = deb.name.split("_")[1].replace("+", "-").replace(":", "-")
            (cache / "bin").mkdir(parents=True, exist_ok=True)
            for name in PROMETHEUS_TOOLS:
                shutil.copy2(Path(tmp) / "x" / "usr" / "bin" / name, cache / "bin" / f"{name}-{version}")
        return cache / "bin" / f"{tool}-{version}"


def ensure_all(cache: Path, build_logs: Path) -> dict[str, Path]:
    return {
        "prometheus": ensure_prometheus_tool(cache, "prometheus"),
        "jaeger": ensure_go_binary(cache, JAEGER, build_logs / "build-jaeger.log"),
    }
