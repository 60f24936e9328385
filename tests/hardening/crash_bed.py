"""The crash harness: the simulator, the core's worker and the core's web app as REAL processes.

`CrashBed` starts ``debitorsim sim`` (its clock in real mode, so backoffs run out
without anyone moving it; or frozen, to show leases run out in real time regardless), ``debitorsim core-worker`` and
``debitorsim core --no-worker`` (the callback receiver), creates fees through
`FbsService.create_fees` (the code path that writes each fee and its outbox row
in one transaction), kills processes with SIGKILL and restarts them, and reads
both ledgers for the checks. Nothing sleeps: waits are bounded polls on state,
paced by waiting on the watched process (which also notices it dying).
On PostgreSQL both stores share one database (schemas ``sim`` and ``core``).
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from integration.clock import RemoteClock
from integration.core import Core
from integration.domain.model import FeeType
from integration.fbs.service import NewFee
from integration.settings import config_from_options
from oeir import testdata
from oeir.services import DAEKNING_AFSKRIVNING
from simulators.config import SimConfig
from simulators.ledger.records import EventKind
from simulators.store import open_store

KOMMUNER = ("101", "147", "561", "621")
"""One municipality of each debtor system (EG, Opus, Prisme 2009, Prisme 2015)."""
FORDRING_ID = re.compile(r"<(?:\w+:)?FordringId>([^<]+)</")
DEBITORSIM = str(Path(sys.executable).with_name("debitorsim"))
CORE_TOML = """
[outbox]
lease_s = 6.0
backoff_base_s = 0.1
backoff_cap_s = 1.0
jitter = 0.2
http_timeout_s = 5.0
batch_size = 20
"""


def free_port() -> int:
    """A free loopback port (the simulator restarts on the same one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Stuck(AssertionError):
    """A bounded wait ran out, or a watched process died."""


@dataclass
class CrashBed:
    """Real processes on one data directory (SQLite files) or one PostgreSQL database."""

    root: Path
    database_url: str | None = None
    journal: bool = False
    """Keep the simulator's request journal (every SOAP call; for counting sends)."""
    clock: str = "real"
    """The simulator's clock mode (the workers follow it through ``--clock-url``)."""
    sim_port: int = field(default_factory=free_port)
    core_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: Counter[str] = field(default_factory=Counter)
    _core: Core | None = None
    http: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.http.trust_env = False
        (self.root / "core.toml").write_text(CORE_TOML, encoding="utf-8")

    # -- processes ------------------------------------------------------------------
    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    @property
    def core_url(self) -> str:
        return f"http://127.0.0.1:{self.core_port}"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DEBITORSIM_DATABASE_URL"}
        if self.database_url:
            env["DEBITORSIM_DATABASE_URL"] = self.database_url
        return env

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.root / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            [DEBITORSIM, *args], stdout=log, stderr=subprocess.STDOUT, env=self._env()
        )
        log.close()
        self.procs[name] = proc
        return proc

    def _core_args(self) -> list[str]:
        return [
            "--data-dir",
            str(self.root / "core"),
            "--sp-url",
            self.sim_url,
            "--clock-url",
            f"{self.sim_url}/admin/clock",
            "--config",
            str(self.root / "core.toml"),
        ]

    def start_sim(self) -> None:
        """Start (or restart) the simulator on its port; returns when it answers."""
        self._spawn(
            "sim",
            [
                "sim",
                "--port",
                str(self.sim_port),
                "--data-dir",
                str(self.root / "sim"),
                "--clock",
                self.clock,
                "--factor",
                "1",
                *(["--journal-max-rows", "10000000"] if self.journal else ["--no-journal"]),
            ],
        )
        self.wait_until(lambda: self._answers(f"{self.sim_url}/admin/clock"), "sim", 60)

    def start_worker(self, name: str = "worker") -> None:
        """Start (or restart) an outbox worker."""
        self._spawn(name, ["core-worker", *self._core_args(), "--poll", "0.05"])

    def start_core_web(self) -> None:
        """Start (or restart) the core's web app (callback receiver) without a worker."""
        self._spawn(
            "core",
            ["core", "--port", str(self.core_port), "--no-worker", *self._core_args()],
        )
        self.wait_until(lambda: self._answers(f"{self.core_url}/harness/openapi.json"), "core", 60)

    def kill(self, name: str) -> None:
        """SIGKILL a process and reap it."""
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.kills[name] += 1

    def stop(self) -> None:
        """End every process (SIGKILL: nothing here relies on a clean shutdown)."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self._core is not None:
            self._core.close()

    def _answers(self, url: str) -> bool:
        try:
            return self.http.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_until(self, ready: Callable[[], bool], watch: str, deadline_s: float = 120) -> None:
        """Poll `ready` until true; each pause is a wait on process `watch` (fails if it dies)."""
        end = time.monotonic() + deadline_s
        proc = self.procs[watch]
        while not ready():
            if time.monotonic() > end:
                raise Stuck(f"not ready within {deadline_s} s; see {self.root}/*.log")
            try:
                code = proc.wait(timeout=0.03)
            except subprocess.TimeoutExpired:
                continue
            raise Stuck(f"{watch} exited with {code}; see {self.root}/{watch}.log")

    # -- the core, in this process --------------------------------------------------
    @property
    def core(self) -> Core:
        """The core on the same database as the processes (for fees, counts, reconciliation)."""
        if self._core is None:
            config = config_from_options(
                data_dir=self.root / "core",
                sp_url=self.sim_url,
                config_file=self.root / "core.toml",
                database_url=self.database_url,
                clock=RemoteClock(f"{self.sim_url}/admin/clock"),
            )
            self._core = Core.build(config)
        return self._core

    def create_fees(self, n: int, seed: int) -> list[Any]:
        """`n` fees over the four municipalities, ~4 per patron, in ONE FBS batch transaction."""
        fake = testdata.faker(seed)
        cprs = [fake.cpr() for _ in range(max(1, n // 4))]
        rng = random.Random(seed)
        batch = []
        for i in range(n):
            kode = KOMMUNER[i % len(KOMMUNER)]
            batch.append(
                NewFee(
                    agency_id=f"DK-7{kode}00",
                    type=FeeType.FEE,
                    reason_message="Gebyr (for sent)",
                    amount=rng.randrange(1_000, 50_000),
                    cpr=cprs[rng.randrange(len(cprs))],
                    name="Crash Testsen",
                )
            )
        return self.core.service.create_fees(batch)

    def outbox(self) -> dict[str, int]:
        """The outbox's counts by state."""
        with self.core.store.read() as repo:
            return repo.outbox_counts()

    def leased(self) -> int:
        """Pending messages that carry a lease (a killed worker's are left behind)."""
        with self.core.store.read() as repo:
            row = repo.conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE state='pending' AND lease_until IS NOT NULL"
            ).fetchone()
        return int(row[0])

    def sent(self) -> int:
        """Messages delivered so far."""
        return self.outbox()["sent"]

    def kill_at_random_moments(
        self, name: str, kills: int, total: int, seed: int, restart: Callable[[], None]
    ) -> None:
        """SIGKILL `name` each time the sent count passes one of `kills` random marks; restart it."""
        marks = sorted(random.Random(seed).sample(range(1, total), kills))
        for mark in marks:
            self.wait_until(lambda m=mark: self.sent() >= m, "worker")  # type: ignore[misc]
            self.kill(name)
            restart()

    # -- the debtor side ------------------------------------------------------------
    def sim_ledger(self) -> Iterator[Any]:
        """A read snapshot of the simulator's store (opened from this process)."""
        store = open_store(SimConfig(data_dir=self.root / "sim", database_url=self.database_url))
        try:
            with store.read() as tx:
                yield tx
        finally:
            store.close()

    def ledger_check(self, fees: list[Any]) -> dict[str, Any]:
        """Every fee's claim in the debtor ledger exactly once, with the fee's amount."""
        problems: list[str] = []
        found: Counter[str] = Counter()
        for tx in self.sim_ledger():
            for kode in KOMMUNER:
                after = None
                while page := tx.claims_page(kode, after, 1000):
                    for c in page:
                        found[c.fordring_id] += 1
                    after = page[-1].fordring_id
            created = Counter(
                e.fordring_id
                for e in tx.events(kinds=[str(EventKind.FORDRING_OPRETTET)], limit=10**7)
            )
            for fee in fees:
                claim = tx.claim(fee.kommunekode, fee.fordring_id)
                if claim is None:
                    problems.append(f"{fee.fordring_id} missing")
                elif claim.hovedstol != fee.amount:
                    problems.append(f"{fee.fordring_id} amount {claim.hovedstol} != {fee.amount}")
                if created[fee.fordring_id] != 1:
                    problems.append(f"{fee.fordring_id} created {created[fee.fordring_id]} times")
            accounts = Counter(
                (a.kommunekode, a.ident) for kode in KOMMUNER for a in _all_accounts(tx, kode)
            )
            problems += [f"account {k[0]} twice" for k, n in accounts.items() if n != 1]
        extra = set(found) - {f.fordring_id for f in fees}
        problems += [f"unexpected claim {fid}" for fid in sorted(extra)]
        return {"claims": sum(found.values()), "problems": problems}

    def sends_per_claim(self) -> Counter[str]:
        """How often each FordringId went out in a claim-creating call (the simulator's journal).

        The simulator writes its journal from a background thread; any journal query through
        its admin API flushes that queue first, so ask once before reading the table directly.
        """
        self.http.get(f"{self.sim_url}/admin/journal?limit=1", timeout=30).raise_for_status()
        sent: Counter[str] = Counter()
        for tx in self.sim_ledger():
            for op in ("OpretDebitorkonto", "OpretFordring"):
                for entry in tx.journal(
                    kommunekode=None,
                    operation=op,
                    verdict=None,
                    fejlkode=None,
                    before=None,
                    limit=10**8,
                ):
                    sent.update(FORDRING_ID.findall(entry.request))
        return sent

    def reconcile(self) -> dict[str, int]:
        """Differences per municipality, by the core's own reconciliation."""
        from integration.reconcile import reconcile

        core = self.core
        return {
            kode: len(
                reconcile(core.store, core.client, kode, core.config.clock.now(), 200).differences
            )
            for kode in KOMMUNER
        }

    # -- callbacks ------------------------------------------------------------------
    def route_callbacks(self) -> None:
        """Point every municipality's nightly callbacks at the core's receiver."""
        url = self.core_url + DAEKNING_AFSKRIVNING.path
        for kode in KOMMUNER:
            r = self.http.patch(
                f"{self.sim_url}/admin/tenants/{kode}", json={"callback_url": url}, timeout=10
            )
            r.raise_for_status()

    def pay(self, fee: Any, ref: str) -> None:
        """Pay a claim in full by payment slip (bank-settled after the profile's bank days)."""
        r = self.http.post(
            f"{self.sim_url}/admin/indbetalingskort",
            json={
                "kommunekode": fee.kommunekode,
                "fordring_id": fee.fordring_id,
                "beloeb": fee.amount,
                "indbetaling_id": ref,
            },
            timeout=10,
        )
        assert r.status_code == 202, r.text[:500]

    def clock_now(self) -> str:
        """The simulator's virtual time (ISO 8601), as every process reads it."""
        r = self.http.get(f"{self.sim_url}/admin/clock", timeout=10)
        r.raise_for_status()
        now: str = r.json()["now"]
        return now

    def advance(self, duration: str) -> dict[str, Any]:
        """Move the simulator's clock (runs the nightly jobs: callbacks)."""
        r = self.http.post(f"{self.sim_url}/admin/clock", json={"advance": duration}, timeout=120)
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out

    def callbacks_pending(self) -> int:
        """Callback batches the simulator has not delivered yet."""
        r = self.http.get(f"{self.sim_url}/admin/callbacks?status=pending&limit=1000", timeout=10)
        r.raise_for_status()
        return len(r.json().get("batches", []))

    def core_haendelser(self, fees: list[Any]) -> tuple[Counter[str], dict[str, int]]:
        """Applied callback events per id (must be 1 each) and each fee's covered amount."""
        seen: Counter[str] = Counter()
        daekket: dict[str, int] = {}
        with self.core.store.read() as repo:
            for fee in fees:
                for e in repo.haendelser(fee.fordring_id):
                    seen[e.haendelse_id] += 1
                current = repo.fee(fee.fee_id)
                daekket[fee.fordring_id] = current.daekket if current else -1
        return seen, daekket


def _all_accounts(tx: Any, kode: str) -> list[Any]:
    out, after = [], None
    while page := tx.accounts_page(kode, after, 1000):
        out += page
        after = page[-1].nummer
    return out
