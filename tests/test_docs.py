"""The README's promises: the test command CI runs, every CLI command documented."""

from __future__ import annotations

from pathlib import Path

from reach import cli

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    assert command in readme and command in ci
    assert "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/reach demo" in readme


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in cli.app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert command.callback is not None and command.callback.__doc__, name
        assert f"reach {name}" in readme, name
