"""Processes for load runs and benchmarks: gunicorn servers, nginx, wrk, Locust.

Every server gets a socket bound here on an ephemeral loopback port and handed over
by file descriptor (`gunicorn --bind fd://N`), so it is connectable the moment the
process starts (the kernel queues connections until a worker accepts): no port races
and no polling for readiness.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

LUA = Path(__file__).parent / "wrk_soap.lua"


def listening_socket(host: str = "127.0.0.1") -> socket.socket:
    """A bound, listening TCP socket on an ephemeral port (inheritable, for a child)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit TCP_NODELAY on Linux. Without it, gunicorn's separate writes
    # of headers and body meet the client's delayed ACK: every answer waits ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def free_port() -> int:
    """A currently free loopback port (for servers that cannot take a socket, like nginx)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_ACCESS_FORMAT = "%(D)s %(s)s %({server-timing}o)s"
"""Request time in µs (gunicorn's, from the request line read), status, Server-Timing."""


@dataclass
class Gunicorn:
    """gunicorn serving `app` (``module:callable`` or ``module:factory()``), by default with
    production's worker class (gthread reading requests under a deadline, debitorsim.gworker)."""

    app: str
    workers: int = 2
    threads: int = 8
    worker_class: str = "debitorsim.gworker.GuardedThreadWorker"
    env: dict[str, str] = field(default_factory=dict)
    access_log: Path | None = None
    log_file: Path | None = None
    sock: socket.socket | None = None
    """A listening socket to serve on (one is made on an ephemeral port when None)."""
    _proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the server."""
        assert self.sock is not None
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    @property
    def pid(self) -> int:
        """The gunicorn master's pid."""
        assert self._proc is not None
        return self._proc.pid

    def start(self) -> Gunicorn:
        """Bind the socket and start gunicorn on it."""
        self.sock = self.sock or listening_socket()
        fd = self.sock.fileno()
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:debitorsim.wsgi",
            "--bind",
            f"fd://{fd}",
            "--worker-class",
            self.worker_class,
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--keep-alive",
            "75",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        if self.access_log:
            cmd += ["--access-logfile", str(self.access_log), "--access-logformat", _ACCESS_FORMAT]
        cmd.append(self.app)
        out = self.log_file.open("ab") if self.log_file else subprocess.DEVNULL
        self._proc = subprocess.Popen(
            cmd,
            pass_fds=(fd,),
            env={**os.environ, **self.env},
            stdout=out,
            stderr=subprocess.STDOUT if self.log_file else None,
            start_new_session=True,
        )
        return self

    def wait_ready(self, path: str = "/", timeout: float = 60.0) -> None:
        """Block until a worker answers (any HTTP status); raise if gunicorn died."""
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout):
                pass
        except urllib.error.HTTPError:
            pass
        except OSError as exc:
            code = self._proc.poll() if self._proc else None
            raise RuntimeError(f"{self.app} did not come up (exit code {code}): {exc}") from exc

    def rss_bytes(self) -> int:
        """Resident memory of the master and its workers."""
        return sum(_rss(pid) for pid in [self.pid, *_children(self.pid)])

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL after 20 s."""
        if self._proc and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait()
        if self.sock:
            self.sock.close()

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its live children used so far, every thread."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def callgrind_instructions(module_args: list[str]) -> int | None:
    """User-space instructions of ``python -m MODULE_ARGS…`` counted by callgrind inside
    `functools.reduce` only (the module runs its measured loop there); None without valgrind.

    Instructions are deterministic for the same code and input, so a before/after comparison
    holds on a busy machine; kernel work (WAL writes) is not in them."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    cmd = [
        valgrind,
        "--tool=callgrind",
        "--collect-atstart=no",
        "--toggle-collect=functools_reduce",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        *module_args,
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env, timeout=3600)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(found.group(1))


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Nginx:
    """nginx in the foreground on loopback, answering every request with `answer` (when installed)."""

    def __init__(self, answer: bytes) -> None:
        self.port = free_port()
        self.answer = answer
        self._dir = tempfile.TemporaryDirectory(prefix="bench-nginx-")
        self._proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        """Whether an nginx binary is on this machine."""
        return _which("nginx") is not None

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Nginx:
        conf = Path(self._dir.name) / "nginx.conf"
        conf.write_text(nginx_conf(self.port, self._dir.name, self.answer))
        nginx = _which("nginx")
        assert nginx
        self._proc = subprocess.Popen(
            [nginx, "-c", str(conf), "-p", self._dir.name],
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_port(self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc:
            os.killpg(self._proc.pid, signal.SIGTERM)
            self._proc.wait(timeout=20)
        self._dir.cleanup()


def _which(name: str) -> str | None:
    return shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )


def _wait_port(port: int, attempts: int = 200) -> None:
    """Connect until the port answers (only for servers that bind their own socket)."""
    import time

    for _ in range(attempts):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def ensure_wrk() -> tuple[str | None, str]:
    """The wrk binary, installing Debian's package when missing and allowed; and what happened."""
    found = _which("wrk")
    if found:
        return found, "wrk found"
    if os.geteuid() == 0 and _which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        for cmd in (install, ["apt-get", "update", "-qq"], install):
            subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
            if _which("wrk"):
                return _which("wrk"), "wrk installed with apt-get"
    return None, "wrk not available (not root or apt-get failed): wrk figures skipped"


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured (latencies in ms)."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_2xx: int

    @property
    def failed(self) -> int:
        """Requests that did not get a 2xx answer: errors, timeouts and non-2xx statuses."""
        return self.errors + self.non_2xx

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, with `failed`."""
        return {**{k: getattr(self, k) for k in self.__dataclass_fields__}, "failed": self.failed}


def not_valid(figure: dict[str, Any]) -> str | None:
    """Why a measured figure cannot stand, or None: every request of a benchmark expects a
    2xx answer, so a rate that counts failed ones measures the failure path, not the work."""
    failed = figure.get("failed", 0)
    if not failed:
        return None
    return f"NOT VALID: {failed:,} of {figure.get('requests', 0):,} requests failed"


def wrk(
    url: str,
    *,
    connections: int,
    seconds: float,
    template: Path | None = None,
    threads: int = 2,
    extra: list[str] | None = None,
) -> WrkResult:
    """Run wrk against `url`; with a `template`, POST it with `__FID__` made unique per request."""
    binary = _which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed")
    threads = min(threads, connections)
    cmd = [
        binary,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(template or ""),
        *(extra or []),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 120)
    line = next(
        (ln for ln in out.stdout.splitlines() if ln.startswith('{"bench"')),
        None,
    )
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    d = json.loads(line)["bench"]
    secs = d["duration_us"] / 1e6
    return WrkResult(
        requests=d["requests"],
        seconds=round(secs, 2),
        rps=round(d["requests"] / secs, 1),
        p50_ms=round(d["p50"] / 1000, 2),
        p90_ms=round(d["p90"] / 1000, 2),
        p99_ms=round(d["p99"] / 1000, 2),
        max_ms=round(d["max"] / 1000, 2),
        errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        non_2xx=d["status"],
    )


def nginx_conf(port: int, prefix: str, answer: bytes) -> str:
    """An nginx config (foreground, loopback) answering every request with `answer`."""
    body = answer.decode().replace("\\", "\\\\").replace("'", "\\'")
    return f"""
daemon off;
worker_processes 2;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type text/xml;
            return 200 '{body}';
        }}
    }}
}}
"""
