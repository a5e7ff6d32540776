"""The ``ikedoctor`` command line: a thin typer layer over ``diagnose.api``.

Each sub-command lives in its own module and registers itself on ``app``;
the modules only translate options into library calls and exit codes.

Exit codes: 0 no failure found, 1 failure(s) found, 2 usage or input error,
3 internal error (the traceback goes to a file, ``--debug`` prints it).
"""

from __future__ import annotations

import typer

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3

EXIT_CODES_HELP = (
    "Exit codes: 0 = no failure found, 1 = failure(s) found, "
    "2 = usage or input error, 3 = internal error."
)

app = typer.Typer(
    name="ikedoctor",
    help="Explain why an iPhone or Mac cannot connect to a strongSwan VPN gateway. " + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__
        print(f"ikedoctor {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                       help="Print the version and exit.")) -> None:
    """Explain why an iPhone or Mac cannot connect to a strongSwan VPN gateway."""


def _register() -> None:
    # Imported for their side effect of adding commands to ``app``, in the order --help lists them.
    from . import diagnose_cmd  # noqa: F401
    from . import timeline_cmd  # noqa: F401
    from . import batch_cmd  # noqa: F401
    from . import check_cmd  # noqa: F401
    from . import catalog_cmd  # noqa: F401
    from . import collect_cmd  # noqa: F401
    from . import watch_cmd  # noqa: F401


def main() -> None:
    from .common import run_app

    _register()
    run_app(app)
