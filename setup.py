"""The wheel carries the rule pack and data files (``monitor.config.packaged``).

They live at the repository's root, where analysts edit them (``rules/``, ``data/``); a
package's data must lie inside the package, so the build copies them into ``monitor/pack/``.
Everything else about the package is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("rules", "data/sources.yaml", "data/elections.yaml", "data/countries.yaml")  # as monitor.config.packaged.SHIPPED


class BuildWithPack(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the repository
            return
        pack = Path(self.build_lib) / "monitor" / "pack"
        for relative in SHIPPED:
            source, target = Path(relative), pack / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithPack})
