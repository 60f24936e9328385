"""A test bed for load runs: simulator and core under gunicorn on ephemeral loopback ports.

Both listening sockets are bound first, so each app knows the other's URL before either
starts (the core sends SOAP to the simulator; the simulator calls the core back).
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from load.support.runner import Gunicorn, listening_socket


@dataclass
class TestBed:
    """Simulator + core as gunicorn subprocesses with their own SQLite files in `workdir`."""

    __test__ = False  # not a pytest class

    workdir: Path | None = None
    sim_workers: int = 2
    """As `debitorsim.wsgi` serves the simulator: 2 x 128 threads, 1 work slot per worker.
    Payment sessions and fault rules are in its store, so any worker may take any call.
    See docs/load.md."""
    sim_threads: int = 128
    core_workers: int = 1
    core_threads: int = 8
    journal: bool = True
    with_core: bool = True
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment for both servers (e.g. DEBITORSIM_FAULTS)."""
    sim_access_log: Path | None = None
    """Simulator access log with gunicorn's own request time (µs) per line, for benchmarks."""
    servers: list[Gunicorn] = field(default_factory=list)
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def sim_url(self) -> str:
        """Base URL of the simulator."""
        return self.servers[0].url

    @property
    def core_url(self) -> str:
        """Base URL of the core ('' when started without it)."""
        return self.servers[1].url if len(self.servers) > 1 else ""

    def start(self) -> TestBed:
        """Start both servers and wait until each answers."""
        if self.workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="debitorsim-load-")
            self.workdir = Path(self._tmp.name)
        self.workdir.mkdir(parents=True, exist_ok=True)
        sim_sock, core_sock = listening_socket(), listening_socket()
        sim_url = f"http://127.0.0.1:{sim_sock.getsockname()[1]}"
        core_url = f"http://127.0.0.1:{core_sock.getsockname()[1]}"
        env = {
            "DEBITORSIM_SIM_DB": str(self.workdir / "simulator.db"),
            "DEBITORSIM_CORE_DB": str(self.workdir / "core.db"),
            "DEBITORSIM_SIM_URL": sim_url,
            "DEBITORSIM_CORE_URL": core_url if self.with_core else "",
            "DEBITORSIM_JOURNAL": "on" if self.journal else "off",
            **self.env,
        }
        self.servers.append(
            Gunicorn(
                "debitorsim.wsgi:simulator()",
                workers=self.sim_workers,
                threads=self.sim_threads,
                env=env,
                sock=sim_sock,
                log_file=self.workdir / "simulator.log",
                access_log=self.sim_access_log,
            ).start()
        )
        if self.with_core:
            self.servers.append(
                Gunicorn(
                    "debitorsim.wsgi:core()",
                    workers=self.core_workers,
                    threads=self.core_threads,
                    env=env,
                    sock=core_sock,
                    log_file=self.workdir / "core.log",
                ).start()
            )
        else:
            core_sock.close()
        for server in self.servers:
            server.wait_ready()
        self._warm_up()
        return self

    def _warm_up(self) -> None:
        """One SOAP call per simulator thread pool: the XSDs compile on first use, not in a run."""
        import urllib.request

        from load.support.traffic import Traffic
        from oeir import kommuner

        call = Traffic(seed=0).hent_debitorkonto(kommuner.alle()[0], kontonummer="0-0")
        for _ in range(self.sim_workers * 2):
            req = urllib.request.Request(
                self.sim_url + call.path, data=call.body, headers=call.headers
            )
            # a Fault (HTTP 500: no such account) is the expected answer
            with contextlib.suppress(OSError):
                urllib.request.urlopen(req, timeout=60).close()

    def stop(self) -> None:
        """Stop the servers and remove a temporary work directory."""
        for server in reversed(self.servers):
            server.stop()
        self.servers.clear()
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> TestBed:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
