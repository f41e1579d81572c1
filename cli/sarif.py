"""SARIF 2.1.0 output for ``typelens analyze``: one run, one rule per registered
diagnostic code, 1-based lines and columns (characters)."""

from __future__ import annotations

from typelens.analyzer import Diagnostic
from typelens.analyzer.codes import CODES

from .version import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def sarif_document(diagnostics: list[Diagnostic], positions) -> dict:
    """``positions(diagnostic)`` gives ``(line, col, end_line, end_col)``, 1-based."""
    rules = [{"id": code.name, "name": code.name, "shortDescription": {"text": code.description},
              "defaultConfiguration": {"level": _LEVEL[code.severity.value]}} for code in CODES.values()]
    index = {code: i for i, code in enumerate(CODES)}
    results = []
    for d in diagnostics:
        line, col, end_line, end_col = positions(d)
        region = {"startLine": line, "startColumn": col}
        if (end_line, end_col) > (line, col):
            region.update({"endLine": end_line, "endColumn": end_col})
        results.append({
            "ruleId": d.code, "ruleIndex": index[d.code], "level": _LEVEL.get(d.severity, "warning"),
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": d.path.replace("\\", "/")},
                                                "region": region}}],
        })
    return {
        "$schema": SARIF_SCHEMA, "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "typelens", "version": __version__,
                                      "informationUri": "https://example.invalid/typelens", "rules": rules}},
                  "results": results, "columnKind": "unicodeCodePoints"}],
    }
