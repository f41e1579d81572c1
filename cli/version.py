"""The one version of typelens.

``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``), ``typelens --version``
prints it, the language server reports it as ``serverInfo.version`` and SARIF
output as the driver's version.  The module imports nothing, so that
``typelens --version`` costs no more than starting the CLI.

Example::

    >>> from typelens.cli.version import __version__
    >>> __version__
    '0.1.0'
"""

__version__ = "0.1.0"
