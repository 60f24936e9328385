"""Benchmark: 1,000 claims living through 30 simulated days of the debtor systems' time behaviour.

    python -m load.bench.sim_time
    python -m load.bench.sim_time --claims 1000 --days 30 --municipalities 12

One simulator (`simulators.create_app`, with its behaviour over time, SQLite
WAL with the default ``synchronous=NORMAL``) runs in this process with a frozen
virtual clock; a recording FBS callback endpoint runs on its own loopback port,
so every callback is real SOAP over real HTTP. Municipalities are taken evenly
from the four systems (weekday nightly schedule: 5 batches a week, holidays
skipped). Each simulated day, claims are created and earlier ones are paid:
on the payment solution where the profile has one (`ForetagIndbetaling` semantics),
by payment slip (bank days) where not; some partially, some reversed. Unpaid
claims get reminders. The clock moves action by action and then to the end; every
job (nightly runs, deliveries, bank settlements, invoices, reminders) runs on the way.

The result checks itself: every reported event reached the endpoint exactly once as new.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

from oeir import model, soap
from oeir.services import DAEKNING_AFSKRIVNING
from simulators import SimConfig, create_app, sim_time_of, simulator_of
from simulators.callbacks import REPORTED
from simulators.clock import TZ, VirtualClock
from simulators.profiles import SYSTEMS
from simulators.store.time import TimeRepo
from wsgiserve import ServerThread

START = datetime(2026, 1, 5, 0, 0, tzinfo=TZ)  # a Monday
CPRS = ("0101901234", "1502851111", "3112700042", "0505800017", "2010754321")


class Receiver:
    """A recording FBS callback endpoint that deduplicates on HaendelseId."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.new = 0
        self.duplicates = 0
        self.messages = 0
        self._lock = threading.Lock()

    def app(self) -> Flask:
        """The endpoint's app."""
        app = Flask("bench_fbs")

        @app.post(DAEKNING_AFSKRIVNING.path)
        def callback() -> Response:
            req = soap.read_request(request.get_data(), DAEKNING_AFSKRIVNING)
            receipts = []
            with self._lock:
                self.messages += 1
                for h in req.message.haendelser:
                    dup = h.haendelse_id in self.seen
                    self.seen.add(h.haendelse_id)
                    self.duplicates += dup
                    self.new += not dup
                    status = (
                        model.KvitteringStatus.DUBLET if dup else model.KvitteringStatus.MODTAGET
                    )
                    receipts.append(
                        model.HaendelseKvittering(haendelse_id=h.haendelse_id, status=status)
                    )
            svar = model.RegistrerDaekningAfskrivningSvar(kvitteringer=tuple(receipts))
            return Response(soap.response_envelope(svar), content_type="text/xml; charset=utf-8")

        return app


def _fordring(kode: str, fid: str, cpr: str, created: date, beloeb: int) -> model.Fordring:
    due = created + timedelta(days=14)
    return model.Fordring(
        fordring_id=fid,
        fordring_type=model.FordringType.GEBYR,
        klassifikationskode="BIB-GEBYR",
        hovedstol=beloeb,
        stiftelsesdato=created,
        forfaldsdato=due,
        sidste_rettidige_betalingsdato=due,
        tekst="Gebyr (for sent)",
        debitor=model.Debitor(cpr_nummer=cpr, navn="Bench Person"),
        kreditor=model.Kreditor(agency_id=f"DK-7{kode}00", kommunekode=kode),
    )


def run(claims: int = 1_000, days: int = 30, municipalities: int = 12, seed: int = 1590) -> dict:
    """Run the benchmark; returns the figures (wall time in seconds, counts, checks)."""
    rng = random.Random(seed)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    receiver = Receiver()
    with tempfile.TemporaryDirectory() as tmp, ServerThread(receiver.app()) as fbs:
        clock = VirtualClock()
        clock.set(START)
        app = create_app(SimConfig(data_dir=Path(tmp), clock=clock))
        sim_time = sim_time_of(app)
        sim = simulator_of(app)
        per_system = max(1, municipalities // len(SYSTEMS))
        tenants = [t for s in SYSTEMS for t in sim.tenants.for_system(s)[:per_system]]
        for t in tenants:
            sim.tenants.patch(
                t.kode, {"callback_url": f"{fbs.base_url}{DAEKNING_AFSKRIVNING.path}"}
            )

        # The plan: (virtual time, action, args), claims spread over the days in office hours.
        plan: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
        for i in range(claims):
            t = tenants[i % len(tenants)]
            created = START + timedelta(
                days=rng.randrange(days), hours=rng.randint(8, 15), minutes=rng.randrange(60)
            )
            fid = f"B-{i:05d}"
            beloeb = rng.choice((2_000, 5_000, 7_500, 10_000, 25_000, 60_000))
            plan.append((created, i, "opret", (t.kode, fid, rng.choice(CPRS), beloeb)))
            roll = rng.random()
            if roll < 0.75:
                paid = created + timedelta(hours=rng.randint(1, 24 * 10))
                part = beloeb if roll < 0.6 else beloeb // 2
                plan.append((paid, i, "betal", (t.kode, fid, part, roll < 0.05)))
        plan.sort(key=lambda p: (p[0], p[1], p[2] != "opret"))
        end = START + timedelta(days=days)

        counts = {"opret": 0, "betal_web": 0, "betal_kort": 0, "tilbagefoert": 0, "skipped": 0}
        jobs_run = 0
        t0 = time.perf_counter()
        for when, _, action, args in plan:
            if when >= end:
                continue
            jobs_run += len(sim.set_time(when))
            if action == "opret":
                kode, fid, cpr, beloeb = args
                sim.ledger.opret_fordring(_fordring(kode, fid, cpr, when.date(), beloeb))
                counts["opret"] += 1
                continue
            kode, fid, part, reverse = args
            claim = sim.ledger.claim(kode, fid)
            if claim is None or not claim.aaben or claim.saldo <= 0:
                counts["skipped"] += 1
                continue
            amount = min(part, claim.saldo)
            tenant = sim.tenants.get(kode)
            assert tenant is not None
            if tenant.profile.payment_solution:
                account = sim.ledger.account(claim.konto)
                assert account is not None
                cpr = account.cpr_nummer or ""
                receipt = sim_time.payments.pay(
                    kode, cpr, (fid,), model.Betalingsmiddel.MOBILEPAY, amount
                )
                counts["betal_web"] += 1
                if reverse:
                    event = sim.ledger.events(kinds=["Daekning"], fordring_ider=[fid], limit=5)[-1]
                    sim.ledger.tilbagefoer_daekning(event.event_id, tekst="Chargeback")
                    counts["tilbagefoert"] += 1
                assert receipt.beloeb == amount
            else:
                sim_time.bank.post(kode, fid, amount, f"OCR-{fid}")
                counts["betal_kort"] += 1
        # Let the last batches, settlements and deliveries run.
        jobs_run += len(sim.set_time(end + timedelta(days=3)))
        wall = time.perf_counter() - t0

        reported = sim.ledger.events(kinds=[str(k) for k in REPORTED], limit=10**7)
        with sim.store.read() as tx:
            repo = TimeRepo(tx, write=False)
            batches = repo.batches(limit=10**6)
            attempts = repo.attempts(limit=10**6)
        reminders = len(sim.ledger.events(kinds=["Rykkergebyr"], limit=10**7))
        result = {
            "benchmark": "sim_time",
            "claims": counts["opret"],
            "simulated_days": days,
            "municipalities": len(tenants),
            "systems": {s: sum(1 for t in tenants if t.system == s) for s in SYSTEMS},
            "wall_seconds": round(wall, 3),
            "target_seconds": 10.0,
            "payments_on_solution": counts["betal_web"],
            "payment_slips": counts["betal_kort"],
            "reversals": counts["tilbagefoert"],
            "reminders": reminders,
            "jobs_run": jobs_run,
            "events_reported": len(reported),
            "callback_batches": len(batches),
            "delivery_attempts": len(attempts),
            "messages_received": receiver.messages,
            "received_new": receiver.new,
            "received_duplicates": receiver.duplicates,
            "all_delivered_once": receiver.new == len(reported)
            and receiver.seen == {e.event_id for e in reported},
            "sqlite_synchronous": sim.config.synchronous,
        }
        sim.close()
    return result


def main() -> None:
    """CLI entry: print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=1_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--municipalities", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1590)
    args = parser.parse_args()
    print(json.dumps(run(args.claims, args.days, args.municipalities, args.seed), indent=2))


if __name__ == "__main__":
    main()
