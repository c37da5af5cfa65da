"""Demonstration data. Each feature adds a `load(ctx)` step in its own `demo.py`, which reads
its data from files in the feature's `demo_data/` folder (shipped as package data)."""

import importlib
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from alliance.extensions import db

# Order matters: later steps use what earlier ones created.
STEPS = (
    "alliance.auth.demo",
    "alliance.members.demo",
    "alliance.membership.demo",
    "alliance.elections.demo",
    "alliance.resources.demo",
)


@dataclass
class DemoContext:
    """What the steps share: the logins created in this run and a password maker."""

    extra_members: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # One password for every account this run creates: DEMO_PASSWORD, or a random one.
    shared_password: str = field(
        default_factory=lambda: os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
    )

    def password(self) -> str:
        return self.shared_password


def read_data(package: str, name: str) -> bytes:
    """Return a data file shipped in the package's demo_data/ folder."""
    return resources.files(package).joinpath("demo_data", name).read_bytes()


def read_toml(package: str, name: str) -> dict:
    """Return a TOML file of the package's demo_data/ folder as a dict."""
    return tomllib.loads(read_data(package, name).decode())


def database_is_empty() -> bool:
    """Tell whether no account exists yet (the demo loads only into an empty site)."""
    users = db.metadata.tables["users"]
    return not db.session.scalar(select(func.count()).select_from(users))


def load(extra_members: int = 0) -> list[tuple[str, str, str]]:
    """Run every feature's demo step; return the logins created."""
    ctx = DemoContext(extra_members=extra_members)
    for name in STEPS:
        importlib.import_module(name).load(ctx)
        db.session.flush()
    return ctx.logins


def write_logins(logins: list[tuple[str, str, str]]) -> Path:
    """Append new demo logins to instance/demo-logins.txt (readable by the owner only)."""
    path = Path(current_app.instance_path) / "demo-logins.txt"
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as fh:
        for role, email, password in logins:
            fh.write(f"{role}\t{email}\t{password}\n")
    return path
