"""Re-render a real log the way it arrives when someone pastes it into a mail, forum or issue.

Like ``charon_styles``, nothing here writes log text: every rendering keeps the
real lines and only adds the damage or decoration a paste suffers (issue 13):
hard wrapping by a mail client (``fold -w 72``) or word wrapping at 72 columns,
non-breaking spaces from a web page, markdown backticks, ``> `` quoting, and
charon's prefix cut down to ``NN[GRP] msg``.
"""

from __future__ import annotations

import re
import textwrap

WIDTH = 72


def fold(lines: list[str], width: int = WIDTH) -> list[str]:
    """``fold -w width``: every line cut into pieces of exactly ``width`` characters."""
    out: list[str] = []
    for line in lines:
        if not line:
            out.append(line)
        while line:
            out.append(line[:width])
            line = line[width:]
    return out


def word_wrap(lines: list[str], width: int = WIDTH) -> list[str]:
    """A mail client's wrapping: break at the last space before ``width``, the space dropped."""
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        out.extend(textwrap.wrap(line, width=width, expand_tabs=False, replace_whitespace=False,
                                 drop_whitespace=True, break_on_hyphens=False, break_long_words=True))
    return out


def nbsp(lines: list[str]) -> list[str]:
    """A web page's rendering: every space a non-breaking one."""
    return [line.replace(" ", "\u00a0") for line in lines]


def backticks(lines: list[str]) -> list[str]:
    """Each line wrapped in markdown inline-code backticks."""
    return [f"`{line}`" if line.strip() else line for line in lines]


def fenced(lines: list[str]) -> list[str]:
    """The whole log in a markdown code fence."""
    return ["```", *lines, "```"]


def quoted(lines: list[str], depth: int = 1) -> list[str]:
    """Mail quoting: ``> `` before each line, ``depth`` times."""
    return [("> " * depth + line).rstrip() if line else ">" * depth for line in lines]


def bullets(lines: list[str]) -> list[str]:
    return [f"- {line}" if line.strip() else line for line in lines]


def numbered(lines: list[str]) -> list[str]:
    """Line numbers in front, as a code viewer copies them: ``12 | line``."""
    return [f"{i:>4} | {line}" for i, line in enumerate(lines, start=1)]


_NN_GRP = re.compile(r"^.*?(?=\b\d{2,}\[[A-Z]{3}\d?\] )")
_IKE_SA_CTX = re.compile(r"^(\d{2,}\[[A-Z]{3}\d?\]) <[^>]*> ")


def nn_grp(lines: list[str]) -> list[str]:
    """charon lines cut down to ``NN[GRP] msg``: time, host, tag and the ``<name|N>`` context removed.

    Lines without an ``NN[GRP]`` mark (not charon's) are left as they are.
    """
    out = []
    for line in lines:
        cut = _NN_GRP.sub("", line, count=1)
        out.append(_IKE_SA_CTX.sub(r"\1 ", cut, count=1))
    return out


RENDERINGS = {
    "fold72": fold,
    "fold80": lambda lines: fold(lines, 80),
    "wrap72": word_wrap,
    "nbsp": nbsp,
    "backticks": backticks,
    "quoted": quoted,
    "nn-grp": nn_grp,
    # damage combined as it happens: a wrapped mail quoted in a reply; a web page's copy of a
    # code block (non-breaking spaces, every line in backticks) cut-wrapped by a forum
    "mail-reply": lambda lines: quoted(word_wrap(lines)),
    "web-forum": lambda lines: fold(backticks(nbsp(lines)), 80),
}
