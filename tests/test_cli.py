"""Command-line tools."""

import pytest
from flask.cli import AppGroup
from sqlalchemy import func, select

from alliance.auth.models import User
from alliance.cli import register_commands
from alliance.extensions import db


def test_create_admin_from_stdin(runner, app):
    result = runner.invoke(
        args=["create-admin", "Boss@Example.org", "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_normalized == "boss@example.org"))
        assert user.is_secretariat
        assert user.check_password("a long enough passphrase")


def test_create_admin_refuses_weak_password(runner, app):
    result = runner.invoke(
        args=["create-admin", "boss@example.org", "--password-stdin"], input="password\n"
    )
    assert result.exit_code != 0
    assert "12" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_admin_refuses_bad_email(runner):
    result = runner.invoke(
        args=["create-admin", "not-an-email", "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code != 0


def test_create_admin_prompts_for_password(runner, app):
    result = runner.invoke(
        args=["create-admin", "boss@example.org"],
        input="a long enough passphrase\na long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_data_is_idempotent_and_prints_logins_once(runner, app, monkeypatch, tmp_path):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "secretariat@demo.xmsoa.example.org" in first.output
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0, second.output
    assert "secretariat@demo.xmsoa.example.org" not in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == count
    assert "secretariat@demo.xmsoa.example.org" in (tmp_path / "demo-logins.txt").read_text()
    third = runner.invoke(args=["demo-data", "--if-empty"])
    assert "not loaded" in third.output


DOCUMENTED = (
    "backup",
    "restore",
    "check-deploy",
    "demo-data",
    "create-admin",
    "verify-election",
    "expire-listings",
)


def test_documented_commands_come_from_the_features_cli_modules(app):
    """One style: every command is declared in an AppGroup in a cli.py, under its old name."""
    for name in DOCUMENTED:
        command = app.cli.commands[name]
        assert command.callback.__module__.endswith(".cli"), name
        assert not command.hidden


def test_two_commands_with_one_name_are_refused(app):
    clash = AppGroup("clash")

    @clash.command("backup")
    def backup() -> None:
        """Clash."""

    with pytest.raises(RuntimeError, match="backup"):
        register_commands(app, clash)
