"""Gathering what a diagnosis needs into one bundle: ``collect_client`` (Mac) and ``collect_server``.

The library never prompts and never fails because one command is missing or
refused: each step's outcome is recorded in the bundle's ``manifest.json``.
The bundle is what ``ikedoctor diagnose`` reads (see :mod:`.bundle`).
"""

from .bundle import BundleMember, is_bundle, iter_bundle_members, read_manifest
from .client import collect_client, plan
from .common import PLATFORM_ENV, CollectError, NotAMacError
from .server import collect_server

__all__ = ["collect_client", "collect_server", "plan", "is_bundle", "iter_bundle_members", "read_manifest",
           "BundleMember", "CollectError", "NotAMacError", "PLATFORM_ENV"]
