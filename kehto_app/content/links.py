"""Web addresses that say where they go: what a link may be, and its host as a person reads it.

A link passes only when a browser and `urllib.parse.urlsplit` agree on its host: no
backslashes, no user name before the host, no percent signs or odd characters in it, a
port a browser accepts, and host labels that are valid IDNA 2008, each in one alphabet
(or one of the combinations that writing systems use together, as in Japanese).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from enum import Enum
from urllib.parse import urlsplit

import idna

WEB = re.compile(r"https?://", re.IGNORECASE)
PORT = re.compile(r"[0-9]{1,5}")
NUMERIC = re.compile(r"[0-9]+|0x[0-9a-f]*")
# Shown as nothing, or as a blank, though they are not spaces (Unicode's default
# ignorables outside the format category, and the braille blank).
BLANKS = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x2800, 0x3164, 0xFFA0,
     *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
)  # fmt: skip
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp", "Zs"})
# Scripts that one name may mix (Unicode TS 39, "highly restrictive").
SCRIPT_SETS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


class Problem(Enum):
    """Why a link is refused, in words for the maintainer (the form has its own)."""

    NOT_WEB = "is not a web address (it must start with https:// or http://)"
    HIDDEN = "has an invisible or text-direction character"
    USERINFO = "has a user name before the host (user@host), which hides where it goes"
    HOST = "has no valid host name"
    MIXED_SCRIPT = "mixes alphabets in one part of the host name"
    PORT = "has a port outside 1-65535"


def hidden(char: str) -> bool:
    """A character a reader cannot see, or that reorders the text around it."""
    if char in " \t\r\n":
        return False
    return unicodedata.category(char) in HIDDEN_CATEGORIES or ord(char) in BLANKS


def problem(value: str) -> tuple[Problem, str] | None:
    """What is wrong with a link, and the part at fault; None for a good one. Never raises."""
    for char in value:
        if hidden(char):
            return Problem.HIDDEN, f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip()
    if not WEB.match(value) or any(c.isspace() or c == "\\" for c in value):
        return Problem.NOT_WEB, ""
    try:
        netloc = urlsplit(value).netloc
    except ValueError:
        return Problem.NOT_WEB, ""
    if "@" in netloc:
        return Problem.USERINFO, netloc.rsplit("@", 1)[0]
    host, port = _host_and_port(netloc)
    if port is not None and not (PORT.fullmatch(port) and 0 < int(port) <= 65535):
        return Problem.PORT, port
    return _host_problem(host)


def _host_and_port(netloc: str) -> tuple[str, str | None]:
    if netloc.startswith("["):
        host, _, rest = netloc[1:].partition("]")
        return f"[{host}]", rest[1:] if rest.startswith(":") else (rest or None)
    host, colon, port = netloc.partition(":")
    return host, port if colon else None


def _host_problem(host: str) -> tuple[Problem, str] | None:
    if not host or "%" in host:
        return Problem.HOST, host
    if host.startswith("["):
        return None if _is_ip(host[1:-1], ipaddress.IPv6Address) else (Problem.HOST, host)
    name = host.lower()
    if NUMERIC.fullmatch(name.rsplit(".", 1)[-1]):
        return None if _is_ip(name, ipaddress.IPv4Address) else (Problem.HOST, host)
    try:
        labels = idna.decode(idna.encode(name)).split(".")
    except (idna.IDNAError, UnicodeError, ValueError):
        return Problem.HOST, host
    if len(labels) < 2:
        return Problem.HOST, host
    for label in labels:
        if not _one_script(label):
            return Problem.MIXED_SCRIPT, label
    return None


def _is_ip(text: str, kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


def script(char: str) -> str | None:
    """The writing system of a letter, from its Unicode name; None for anything else."""
    if not unicodedata.category(char).startswith("L"):
        return None
    first = unicodedata.name(char, "").split(" ", 1)[0].split("-", 1)[0]
    return "HAN" if first == "CJK" else first or None


def _one_script(label: str) -> bool:
    scripts = {s for s in map(script, label) if s is not None}
    return len(scripts) <= 1 or any(scripts <= allowed for allowed in SCRIPT_SETS)


def shown(value: str) -> str:
    """The link as a person would type it: an IDNA host (xn--...) in its own letters."""
    try:
        netloc = urlsplit(value).netloc
        host, _ = _host_and_port(netloc.rsplit("@", 1)[-1])
        if "xn--" not in host.lower() or host.startswith("["):
            return value
        readable = idna.decode(host)
    except (idna.IDNAError, UnicodeError, ValueError):
        return value
    return value.replace(netloc, netloc.replace(host, readable, 1), 1)


def escaped(value: str) -> str:
    """The value with what a reader cannot see written as \\uXXXX (for messages)."""
    return "".join(f"\\u{ord(c):04x}" if hidden(c) else c for c in value)
