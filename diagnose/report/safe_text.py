"""Make log text harmless on a terminal and in Markdown: no escapes, no markup.

Log lines come from customers' machines.  A line holding ``\\x1b]0;...\\x07``
(OSC: retitle the terminal, or worse), ``\\x1b[2J`` (CSI: clear the screen), a
bidi override that makes ``alice`` display as ``ecila``, or ``[bold red]`` must
print as those characters, not act on the terminal or the renderer.  The
terminal renderer builds ``rich.Text`` objects (never markup strings) from
``printable`` text; the Markdown renderer puts log text in code spans sized by
``md_code`` and escapes prose with ``md_text``.  JSON output keeps every text
exact; only the human renderers use this module.
"""

from __future__ import annotations

import regex

#: C0 controls except TAB and LF, DEL and C1 (CSI/OSC introducers), bidi embeddings, overrides,
#: isolates and marks, zero-width characters, line/paragraph separators, BOM, lone surrogates
_UNSAFE = (r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff"
           r"\ud800-\udfff")
_CONTROL = regex.compile(f"[{_UNSAFE}]")
_CONTROL_NL = regex.compile(f"[{_UNSAFE}\n]")


def _escape(m: regex.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def printable(text: str, one_line: bool = False) -> str:
    """Replace control characters (ESC, BEL, CR, C1, bidi controls, surrogates) by visible escapes.

    ``one_line`` also escapes LF, for messages that must stay one line.
    """
    return (_CONTROL_NL if one_line else _CONTROL).sub(_escape, str(text))


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = regex.compile(r"([\\`*_\[\]<>|#~]|^[+\-=>]|&(?=[#\w]+;))", regex.MULTILINE)


def md_code(text: str) -> str:
    """Inline code that survives any backticks, controls and newlines inside ``text``."""
    body = printable(text, one_line=True)
    longest = max((len(r) for r in regex.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or not body.strip() else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def md_text(text: str) -> str:
    """Prose with Markdown/HTML meaning removed: ``<script>``, ``[x](y)``, ``|`` print literally."""
    return _MD_SPECIAL.sub(r"\\\1", printable(text))


def md_cell(text: str) -> str:
    """A table cell: one line, pipes escaped."""
    return md_text(text).replace("\n", " ")


def md_fence(text: str, lang: str = "") -> list[str]:
    """A fenced block longer than any backtick run inside ``text``."""
    body = printable(text.rstrip())
    longest = max((len(r) for r in regex.findall(r"`{3,}", body)), default=2)
    fence = "`" * (longest + 1)
    return [f"{fence}{regex.sub(r'[^A-Za-z0-9_.+-]', '', lang)}", body, fence]
