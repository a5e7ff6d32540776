"""Errors a user can act on.  Each renders as one line naming the input and what to do."""

from __future__ import annotations


class IkedoctorError(Exception):
    """Base for errors shown to the user as one line with exit code 2."""

    exit_code = 2


class InputError(IkedoctorError):
    """An input could not be read or understood."""

    def __init__(self, path: str, problem: str, hint: str = "") -> None:
        self.path, self.problem, self.hint = path, problem, hint
        msg = f"{path}: {problem}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class CatalogError(IkedoctorError):
    """A catalog file is invalid; names the file and the key."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        super().__init__(f"{path}: {key}: {problem}")
