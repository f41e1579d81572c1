"""Run-wide and per-file settings of one command line, as ruff splits them.

A setting that concerns one file (``select``, ``ignore``, ``exclude``,
``per-file-ignores``, ``python``: the analysed project's environment) follows
that file's nearest ``[tool.typelens]``.  A setting that concerns the whole run
(one model, one threshold, one cache) comes from the command line, else from
the configuration of the working folder (found from it upwards), never from
whichever path happens to be named first: ``typelens infer a/ b/`` and
``typelens infer b/ a/`` are the same run.  The run-wide values are pinned as
command-line values, so every per-file layer sees the same ones.

Example::

    # ./pyproject.toml: min-confidence = 0.9;  a/pyproject.toml: min-confidence = 0.1
    tree = run_tree({"min-confidence": None}, INFER_RUN_WIDE)
    tree.default.min_confidence                            # 0.9
    tree.for_path(Path("a/x.py").resolve()).min_confidence  # 0.9 as well
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typelens.typeinfer.settings import SettingsTree

logger = logging.getLogger(__name__)

# [tool.typelens] keys that hold for a whole run, by command; the other keys are per file.
INFER_RUN_WIDE = ("min-confidence", "model-path", "cache", "cache-dir")
ANALYZE_RUN_WIDE = ("cache", "cache-dir")


def run_tree(cli: dict, run_wide: tuple[str, ...], cwd: Path | None = None) -> SettingsTree:
    """The settings tree of a run: ``cli`` over each file's configuration, with the
    ``run_wide`` keys the command line leaves unset taken from the working folder's."""
    from typelens.typeinfer.settings import SettingsTree

    cwd = cwd or Path.cwd()
    run = SettingsTree(cwd, cli=cli).default
    pinned = {key: _cli_value(key, getattr(run, key.replace("-", "_"))) for key in run_wide if cli.get(key) is None}
    logger.info("run-wide settings from %s: %s", run.source or "the defaults", pinned)
    return SettingsTree(cwd, cli={**cli, **pinned})


def _cli_value(key: str, value: object) -> object:
    """A settings value as the command-line layer reads it (paths are absolute
    already); an unset ``cache-dir`` is pinned to the default folder, so that a
    nested project's own ``cache-dir`` does not apply either."""
    if key == "cache-dir" and value is None:
        from typelens.analyzer.cache import cache_root

        value = cache_root()
    return str(value) if isinstance(value, Path) else value
