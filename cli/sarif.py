"""SARIF 2.1.0 output for ``typelens analyze``: one run, one rule per registered
diagnostic code (with its help and a link to its section of ``docs/rules.md``),
1-based lines and columns (characters), file URIs relative to ``%SRCROOT%`` (the
working folder, given in ``originalUriBaseIds``) and percent-encoded, as GitHub
code scanning expects them.

Example (one result)::

    {"ruleId": "attr-defined", "ruleIndex": 10, "level": "error",
     "message": {"text": "'Order' has no attribute 'totl'"},
     "locations": [{"physicalLocation": {
        "artifactLocation": {"uri": "src/shop/service.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 40, "startColumn": 16, "endLine": 40, "endColumn": 20}}}]}
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path

from typelens.analyzer.codes import CODES

from .baseline import line_hash
from .findings import Finding
from .paths import SRCROOT, sarif_location, srcroot_uri
from .version import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def docs_uri() -> str | None:
    """Where ``docs/`` is published: the project's ``Documentation`` URL when its
    metadata has one, else this checkout's docs folder (a source or editable
    install), else ``None`` (the links are then left out)."""
    try:
        urls = metadata("typelens").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation":
            return url.strip().rstrip("/")
    checkout = Path(__file__).resolve().parent.parent / "docs"
    return checkout.as_uri() if (checkout / "rules.md").is_file() else None


def _rules(docs: str | None) -> list[dict]:
    rules = []
    for code in CODES.values():
        rule = {
            "id": code.name,
            "name": code.name,
            "shortDescription": {"text": code.description},
            "help": {"text": code.description},
            "defaultConfiguration": {"level": _LEVEL[code.severity.value], "enabled": code.is_default},
        }
        if docs is not None:
            rule["helpUri"] = f"{docs}/rules.md#{code.name}"
        rules.append(rule)
    return rules


def sarif_document(findings: list[Finding]) -> dict:
    """The SARIF log of ``findings``."""
    docs = docs_uri()
    index = {code: i for i, code in enumerate(CODES)}
    results = []
    for f in findings:
        region = {"startLine": f.line, "startColumn": f.col}
        if (f.end_line, f.end_col) > (f.line, f.col):
            region.update({"endLine": f.end_line, "endColumn": f.end_col})
        result = {
            "ruleId": f.code,
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": sarif_location(f.path), "region": region}}],
            "partialFingerprints": {"typelensLineHash/v1": f"{f.code}:{line_hash(f.line_text)}"},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    driver = {"name": "typelens", "version": __version__, "rules": _rules(docs)}
    if docs is not None:
        driver["informationUri"] = f"{docs}/rules.md"
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": srcroot_uri()}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
