"""The exceptions `reach` raises.

::

    ReachError                      base of everything below
    ├── InputError                  bad user input; nothing was written (CLI exit 2)
    │   ├── UnsupportedURL          no collector knows this link
    │   ├── NotFound                no such campaign / post in the database
    │   └── ConfigError             bad setting, time zone, path, cookie file
    ├── NeedsResolution             a short link that needs an HTTP redirect to identify
    ├── DatabaseBusy                another process holds the database (CLI exit 3)
    ├── StoreWriteError             the database cannot be written (disk full, read-only) mid-run
    └── CollectError                one post could not be collected; maps to an Outcome status
        ├── Unavailable             deleted / private / owner-only / region-locked
        ├── Blocked                 captcha, risk control, login wall, HTTP 403/412
        ├── AuthRequired            cookies or API key missing, invalid or expired
        ├── RateLimited             too many requests, quota used up
        ├── NotSupported            no public counter on this route
        ├── ParseError              the response is not in the shape we know
        └── NetworkError            no usable HTTP answer

A ``CollectError`` never becomes a snapshot: the engine records it as an
:class:`~reach.models.Outcome` with its ``status`` and ``message``.
"""

from __future__ import annotations

from .models import OutcomeStatus


class ReachError(Exception):
    """Base class of every error `reach` raises on purpose."""


class InputError(ReachError):
    """The user gave input we cannot use. The message says what was wrong and what to do."""


class UnsupportedURL(InputError):
    """No collector recognises the link or share text."""


class NotFound(InputError):
    """A campaign or post that is not in the database."""


class ConfigError(InputError):
    """A setting (time zone, database path, cookie file, API key) is not usable."""


class NeedsResolution(ReachError):
    """A short link (``b23.tv/xxxx``) whose post id is only known after following its redirect.

    Attributes:
        url: the short link.
        platform: the platform it belongs to.
    """

    def __init__(self, url: str, platform: str) -> None:
        super().__init__(
            f"{url} is a {platform} short link: its post id is only known after following the "
            "redirect (Tracker.add / `reach add` does this online)"
        )
        self.url = url
        self.platform = platform


class DatabaseBusy(ReachError):
    """Another process (usually a running ``reach collect``) holds the database file."""


class StoreWriteError(ReachError):
    """The database could not be written during a run (disk full, read-only file or folder); the message
    says how many collected results were lost and what to check."""


class CollectError(ReachError):
    """One post could not be collected. ``status`` is the outcome recorded for it.

    Attributes:
        retryable: whether trying again soon (same run) can help; used by the retry policy.
        http_status: the HTTP status of the response, when there was one.
    """

    status: OutcomeStatus = OutcomeStatus.PARSE_ERROR
    retryable: bool = False

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status


class Unavailable(CollectError):
    status = OutcomeStatus.UNAVAILABLE


class Blocked(CollectError):
    status = OutcomeStatus.BLOCKED


class AuthRequired(CollectError):
    status = OutcomeStatus.AUTH_REQUIRED


class RateLimited(CollectError):
    status = OutcomeStatus.RATE_LIMITED

    def __init__(self, message: str, *, http_status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, http_status=http_status)
        self.retry_after = retry_after


class NotSupported(CollectError):
    status = OutcomeStatus.NOT_SUPPORTED


class ParseError(CollectError):
    status = OutcomeStatus.PARSE_ERROR


class NetworkError(CollectError):
    status = OutcomeStatus.NETWORK_ERROR
    retryable = True
