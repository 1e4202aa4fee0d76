"""What to do about a failed post: the action staff read in ``reach failures`` and ``reach runs``.

:func:`advice` turns an outcome status (and the platform) into one sentence that names the fix:
where to put fresh cookies, whether to wait, that a deleted post stops being fetched.
"""

from __future__ import annotations

from pathlib import Path

from .config import Settings, default_config_path
from .store import UNAVAILABLE_AFTER


def cookie_path_hint(settings: Settings, platform: str) -> str:
    """Where the platform's cookies.txt is (configured) or should go (suggested)."""
    configured = settings.cookie_file(platform)
    if configured is not None:
        return str(configured)
    suggested = default_config_path().parent / "cookies" / f"{platform}.txt"
    return f"{suggested} and set [cookies] {platform} = {str(suggested)!r} in config.toml"


def advice(status: str, platform: str, settings: Settings, flag: str | None = None) -> str:
    """The action to take for a post of ``platform`` that ended in ``status`` (an outcome value)."""
    if status == "auth_required":
        if platform == "youtube":
            return (
                "the YouTube API key is missing, invalid or restricted: check youtube_api_key in config.toml "
                "(or REACH_YOUTUBE_API_KEY), or remove it to read the public pages instead"
            )
        return (
            f"cookies for {platform} are missing or expired: export fresh cookies (Netscape cookies.txt) from a "
            f"browser logged in to {platform} to {cookie_path_hint(settings, platform)}"
        )
    if status == "blocked":
        return (
            f"{platform} is refusing requests (captcha, risk control): wait a few hours, it is retried with a "
            f"growing pause; if it lasts, collect less often ([min_interval] {platform} = 10) or add browser cookies"
        )
    if status == "rate_limited":
        if platform == "youtube":
            return "the YouTube quota is used up: it resets at midnight Pacific time; nothing to do"
        return f"{platform} says too many requests: wait, the next runs retry by themselves"
    if status == "unavailable":
        if flag == "unavailable":
            return (
                f"deleted, private or region-locked {UNAVAILABLE_AFTER} times in a row: treated as deleted and no "
                "longer fetched (`reach collect --include-unavailable` tries it again; `reach add LINK` tracks it "
                "again)"
            )
        return (
            "deleted, private or region-locked: check the link in a browser; after "
            f"{UNAVAILABLE_AFTER} times in a row it is treated as deleted and no longer fetched"
        )
    if status == "parse_error":
        return (
            f"{platform} answered in a shape reach does not know (the page changed?): update reach; if it "
            "persists, save the answer and report it with `reach parse FILE --platform " + platform + "` output"
        )
    if status == "not_supported":
        return "no public counter for this post: enter the owner's numbers with `reach record` or `reach import`"
    if status == "network_error":
        return (
            "no usable answer (no connection, timeouts, server errors): check the internet connection or proxy "
            "(HTTPS_PROXY); the next run retries"
        )
    return "see the message"


def is_private_file(path: Path) -> bool:
    """Whether only the owner can read ``path`` (no group or other permission bits)."""
    try:
        return path.stat().st_mode & 0o077 == 0
    except OSError:
        return False
