"""Reading a gateway's configuration, its certificates and the Apple profile.

``ikedoctor check`` and ``diagnose`` both need the same facts from these files
(what a connection proposes, which certificate the gateway sends, what the
profile asks for), so the readers normalise everything into the dataclasses of
``diagnose.config.model``; every value keeps the file and line it came from so
a finding can point at the exact line to change.
"""

from __future__ import annotations

from ..errors import InputError


class ConfigError(InputError):
    """A configuration, certificate or profile file could not be read.

    Renders as one line: ``<file>: <what is wrong> (<what to do>)``; the CLI
    exits with code 2.
    """

    def __init__(self, path: object, problem: str, hint: str = "") -> None:
        super().__init__(str(path), problem, hint)


__all__ = ["ConfigError"]
