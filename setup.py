"""Build hook only; the project's metadata is in ``pyproject.toml``.

A wheel carries a copy of ``schemas/`` inside ``hub/codec/``, so that the publisher SDK
installed from it (``pip install casehub``) finds the catalog without a checkout; in a checkout
(and an editable install) ``hub.codec.catalog`` reads ``schemas/`` itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SCHEMAS = Path(__file__).resolve().parent / "schemas"


class BuildWithSchemas(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # the checkout's schemas/ is read in place
            return
        target = Path(self.build_lib) / "hub" / "codec" / "schemas"
        shutil.copytree(SCHEMAS, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithSchemas})
