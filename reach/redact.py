"""Keep secrets out of every text `reach` shows or stores.

Settings register the YouTube API key when they are made; the HTTP layer registers every cookie
value it loads. :func:`redact` then replaces them with ``***`` in outcome messages (printed and
stored in ``run_outcomes``) and in CLI error lines, whatever the platform echoed back.
"""

from __future__ import annotations

_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret (API key, cookie value) so that :func:`redact` removes it from any text.

    Values shorter than 6 characters are not registered: they would blank out ordinary words.
    """
    if value and len(value) >= 6:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return text
