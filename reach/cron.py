"""``reach schedule``: the crontab line and the systemd service/timer pair for this install.

Everything is spelled with absolute paths (the interpreter or ``reach`` script of the running
install, the database, the config file, the log), because cron and systemd start with an almost
empty environment and another working directory.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CronSetup:
    """What runs ``reach collect --due`` unattended.

    Attributes:
        command: the argument list (absolute paths).
        log: the log file output is appended to (``None``: cron mails it, systemd keeps it in the journal).
        every: minutes between runs.
    """

    command: tuple[str, ...]
    log: Path | None
    every: int = 15

    @property
    def shell_command(self) -> str:
        return " ".join(shlex.quote(part) for part in self.command)

    def crontab_line(self) -> str:
        """One crontab line (``crontab -e``); output is appended to the log file when one is given."""
        minutes = "*" if self.every == 1 else f"*/{self.every}"
        redirect = f" >> {shlex.quote(str(self.log))} 2>&1" if self.log else ""
        return f"{minutes} * * * * {self.shell_command}{redirect}"

    def service_unit(self) -> str:
        """``reach-collect.service`` (a oneshot run of the command)."""
        lines = [
            "[Unit]",
            "Description=reach: collect the posts that are due",
            "Wants=network-online.target",
            "After=network-online.target",
            "",
            "[Service]",
            "Type=oneshot",
            f"ExecStart={self.shell_command}",
            "TimeoutStartSec=50min",
        ]
        if self.log:
            lines += [f"StandardOutput=append:{self.log}", f"StandardError=append:{self.log}"]
        return "\n".join(lines) + "\n"

    def timer_unit(self) -> str:
        """``reach-collect.timer``; ``Persistent=true`` runs once after the machine was off, not N times."""
        return (
            "[Unit]\n"
            "Description=reach: collect the posts that are due, every "
            f"{self.every} minutes\n\n"
            "[Timer]\n"
            f"OnCalendar=*:0/{self.every}\n"
            "Persistent=true\n"
            "RandomizedDelaySec=30\n\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        )


def entry_point() -> tuple[str, ...]:
    """How to start this install of reach: its ``reach`` script beside the interpreter, else ``python -m reach``."""
    python = Path(sys.executable).absolute()
    script = python.parent / "reach"
    if script.is_file():
        return (str(script),)
    return (str(python), "-m", "reach")


def cron_setup(db: Path, config: Path | None = None, log: Path | None = None, every: int = 15) -> CronSetup:
    """The unattended command for database ``db`` (made absolute), run every ``every`` minutes."""
    command = [*entry_point(), "--db", str(db.expanduser().absolute())]
    if config is not None:
        command += ["--config", str(config.expanduser().absolute())]
    command += ["--quiet", "collect", "--due"]
    return CronSetup(tuple(command), log.expanduser().absolute() if log else None, every)


def render(setup: CronSetup, user_units: bool = True) -> str:
    """The text ``reach schedule`` prints: the crontab line, then the systemd pair with install steps."""
    where = "~/.config/systemd/user" if user_units else "/etc/systemd/system"
    ctl = "systemctl --user" if user_units else "sudo systemctl"
    log_note = (
        f"# output (only problems: --quiet) is appended to {setup.log}"
        if setup.log
        else "# cron mails the output (only problems: --quiet); add --log FILE to keep it in a file instead"
    )
    return "\n".join(
        [
            f"# cron: run `crontab -e` and add this line (every {setup.every} minutes; only due posts are fetched)",
            log_note,
            setup.crontab_line(),
            "",
            f"# or systemd: save the two files below in {where}/, then run:",
            f"#   {ctl} daemon-reload && {ctl} enable --now reach-collect.timer",
            f"#   {ctl} list-timers reach-collect.timer   # when it runs next",
            "",
            "# --- reach-collect.service ---",
            setup.service_unit(),
            "# --- reach-collect.timer ---",
            setup.timer_unit(),
        ]
    )
