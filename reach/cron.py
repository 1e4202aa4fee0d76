"""``reach schedule``: the crontab line and the systemd service/timer pair for this install.

Everything is spelled with absolute paths (the interpreter or ``reach`` script of the running
install, the database, the config file, the log), because cron and systemd start with an almost
empty environment and another working directory.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping, Sequence
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
        """One crontab line (``crontab -e``); output is appended to the log file when one is given.

        ``%`` is escaped (``\\%``): in a crontab command an unescaped ``%`` ends the command and starts its input.
        """
        minutes = "*" if self.every == 1 else f"*/{self.every}"
        redirect = f" >> {shlex.quote(str(self.log))} 2>&1" if self.log else ""
        return f"{minutes} * * * * {self.shell_command}{redirect}".replace("%", "\\%")

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
            f"ExecStart={self.shell_command.replace('%', '%%')}",  # % starts a systemd specifier
            "TimeoutStartSec=50min",
        ]
        if self.log:
            log = str(self.log).replace("%", "%%")
            lines += [f"StandardOutput=append:{log}", f"StandardError=append:{log}"]
        return "\n".join(lines) + "\n"

    def timer_unit(self) -> str:
        """``reach-collect.timer``; ``Persistent=true`` runs once after the machine was off, not N times."""
        return (
            "[Unit]\n"
            "Description=reach: collect the posts that are due, every "
            f"{_minutes(self.every)}\n\n"
            "[Timer]\n"
            f"OnCalendar=*:0/{self.every}\n"
            "Persistent=true\n"
            "RandomizedDelaySec=30\n\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        )


def _minutes(every: int) -> str:
    return "minute" if every == 1 else f"{every} minutes"


def entry_point() -> tuple[str, ...]:
    """How to start this install of reach: its ``reach`` script beside the interpreter, else ``python -m reach``."""
    python = Path(sys.executable).absolute()
    script = python.parent / "reach"
    if script.is_file():
        return (str(script),)
    return (str(python), "-m", "reach")


def cron_setup(db: Path, config: Path | None = None, log: Path | None = None, every: int = 15) -> CronSetup:
    """The unattended command for database ``db`` (made absolute), run every ``every`` minutes."""
    from .lake import is_lake, parse_target

    # a lake target is not a file name: keep it (a SQLite catalog's path made absolute)
    target = str(parse_target(db)) if is_lake(db) else str(db.expanduser().absolute())
    command = [*entry_point(), "--db", target]
    if config is not None:
        command += ["--config", str(config.expanduser().absolute())]
    command += ["--quiet", "collect", "--due"]
    return CronSetup(tuple(command), log.expanduser().absolute() if log else None, every)


NETWORK_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR")
"""Variables the HTTP client reads (proxies, CA bundle): cron and systemd do not inherit them from a shell."""
_PASSED_ON = frozenset({"REACH_DB", "REACH_CONFIG", "REACH_DEBUG", "REACH_ALERT_URL", "REACH_ALERT_SECRET"})
"""Not warned about: written into the command as paths, or read only by interactive commands (`reach alerts add`)."""


def unseen_environment(environ: Mapping[str, str]) -> list[str]:
    """Names (never values) of the variables set here that change what reach does, but that cron and
    systemd will not see: ``REACH_*`` settings (``REACH_DB`` / ``REACH_CONFIG`` are written into the
    command as paths) and the proxy / CA variables, in either case."""
    names = [n for n in environ if n.startswith("REACH_") and n not in _PASSED_ON and environ[n]]
    names += [n for n in environ if n.upper() in NETWORK_VARIABLES and environ[n]]
    return sorted(set(names))


def render(setup: CronSetup, user_units: bool = True, unseen: Sequence[str] = ()) -> str:
    """The text ``reach schedule`` prints: the crontab line, then the systemd pair with install steps.

    ``unseen``: :func:`unseen_environment`; named in a warning comment with where to put them instead.
    """
    where = "~/.config/systemd/user" if user_units else "/etc/systemd/system"
    ctl = "systemctl --user" if user_units else "sudo systemctl"
    log_note = (
        f"# output (only problems: --quiet) is appended to {setup.log}"
        if setup.log
        else "# cron mails the output (only problems: --quiet); add --log FILE to keep it in a file instead"
    )
    env_note = []
    reach_vars = [n for n in unseen if n.startswith("REACH_")]
    net_vars = [n for n in unseen if not n.startswith("REACH_")]
    if reach_vars:
        env_note.append(
            f"# warning: {', '.join(reach_vars)} set in this shell are NOT seen by cron or systemd: "
            "put those settings in config.toml (see `reach --help`)"
        )
    if net_vars:
        env_note.append(
            f"# warning: {', '.join(net_vars)} set in this shell are NOT seen by cron or systemd: add NAME=value "
            "lines above the line in the crontab (Environment=NAME=value in the service)"
        )
    return "\n".join(
        [
            *env_note,
            f"# cron: run `crontab -e` and add this line (every {_minutes(setup.every)}; only due posts are fetched)",
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
