"""The demo loader: every app that has demo content adds a step, and ``load_demo`` runs them in order.

Everything is idempotent, so running the demo command twice keeps what is there. The steps are
registered from the apps' ``AppConfig.ready`` in ``INSTALLED_APPS`` order (``register_demo_step``):
the regions, units and accounts first (``kesu.accounts.demo``), then plans, reporting, indicators
and the survey. Core knows none of them (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_PASSWORD = "kesu-demo-2025"


@dataclass
class DemoAccounts:
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role, where)

    def add(self, username: str, role: str, where: str) -> None:
        self.rows.append((username, role, where))


DemoStep = Callable[[DemoAccounts], None]
DEMO_STEPS: list[DemoStep] = []
# Steps that work on what every other step made (the message centre spreads the day's messages the
# other steps' actions sent), whatever their app's place in INSTALLED_APPS.
LAST_STEPS: list[DemoStep] = []


def register_demo_step(step: DemoStep) -> DemoStep:
    DEMO_STEPS.append(step)
    return step


def register_last_demo_step(step: DemoStep) -> DemoStep:
    LAST_STEPS.append(step)
    return step


def load_demo(accounts: DemoAccounts) -> None:
    for step in [*DEMO_STEPS, *LAST_STEPS, seal_demo_trail]:
        step(accounts)


def seal_demo_trail(accounts: DemoAccounts) -> None:
    """The steps date their history back (a report submitted last June reads so in the trail), which
    changes events after they were chained: the chain is recomputed last, so that ``kesu
    verify_audit`` finds the demo's trail whole, as it would find a real one."""
    from kesu.core.audit import reseal_chain

    reseal_chain()
