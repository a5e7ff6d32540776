"""Reading a gateway's configuration, its certificates and the Apple profile.

``ikedoctor check`` and ``diagnose`` both need the same facts from these files
(what a connection proposes, which certificate the gateway sends, what the
profile asks for), so the readers normalise everything into the dataclasses of
``diagnose.config.model``; every value keeps the file and line it came from so
a finding can point at the exact line to change.
"""

from __future__ import annotations

try:  # the project's user-facing error base, when present
    from diagnose.errors import InputError as _InputError
except ImportError:  # pragma: no cover - errors.py is being written concurrently

    class _InputError(Exception):  # type: ignore[no-redef]
        exit_code = 2

        def __init__(self, path: str, problem: str, hint: str = "") -> None:
            self.path, self.problem, self.hint = path, problem, hint
            msg = f"{path}: {problem}"
            if hint:
                msg += f" ({hint})"
            super().__init__(msg)


class ConfigError(_InputError):
    """A configuration, certificate or profile file could not be read.

    Renders as one line: ``<file>: <what is wrong> (<what to do>)``; the CLI
    exits with code 2.
    """

    exit_code = 2

    def __init__(self, path: object, problem: str, hint: str = "") -> None:
        super().__init__(str(path), problem, hint)


__all__ = ["ConfigError"]
