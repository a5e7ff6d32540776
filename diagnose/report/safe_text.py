"""Make log text harmless on a terminal: no escape sequences, no rich markup.

Log lines come from customers' machines; a line holding ``\\x1b]0;...`` or
``[bold red]`` must print as those characters, not act on the terminal.
JSON output keeps the text exact; only the human renderers use this.
"""

from __future__ import annotations

import regex

_CONTROL = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Replace control characters (ESC, BEL, CR, C1, bidi overrides) by visible escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)
