"""The wheel's compiled core: with ``TYPELENS_WHEEL_COMPILED=1`` (set by the build
backend, tools/mypyc_build.py, after it compiled the core) the ``_mypyc`` folders of
analyzer/ and typeinfer/ go into the wheel, which becomes a platform wheel.  Everything
else is configured in pyproject.toml."""

import os
import shutil
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

COMPILED = os.environ.get("TYPELENS_WHEEL_COMPILED") == "1"


class BuildPyWithCompiledCore(build_py):
    def run(self) -> None:
        super().run()
        for package in ("analyzer", "typeinfer"):
            target = Path(self.build_lib, "typelens", package, "_mypyc")
            shutil.rmtree(target, ignore_errors=True)  # an earlier compiled build's, left in build/lib
            if COMPILED:
                shutil.copytree(Path(package, "_mypyc"), target)


class CompiledCoreDistribution(Distribution):
    def has_ext_modules(self) -> bool:
        return COMPILED


setup(cmdclass={"build_py": BuildPyWithCompiledCore}, distclass=CompiledCoreDistribution)
