"""typelens.typeinfer: types for the program's names, static and predicted.

When a fresh mypyc build exists (:mod:`typelens.analyzer.compiled`), its folder
goes first on ``__path__``, as in ``typelens.analyzer``.
"""

from typelens.analyzer.compiled import extend_path

extend_path(__path__, "typeinfer")
