"""The registry of diagnostic codes.

Every diagnostic typelens reports carries one of these stable kebab-case codes.
They are the SARIF ``ruleId``, the keys of ``--select``/``--ignore`` and what tests
assert on.  Message templates live here too, so wording never drifts between the
places that emit the same problem.

Example::

    >>> CODES["syntax-error"].severity
    <Severity.ERROR: 'error'>
    >>> SYNTAX_ERROR.format(snippet="def")
    "syntax error near 'def'"
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Code:
    """One registered diagnostic code."""

    name: str
    severity: Severity
    description: str
    is_default: bool = True  # reported unless deselected; False: only when selected


_ALL = (
    Code("syntax-error", Severity.ERROR, "The parser could not make sense of this code."),
    Code("missing-token", Severity.ERROR, "The parser inserted a token that is missing here."),
    Code(
        "decode-error",
        Severity.WARNING,
        "The file is not valid in its declared encoding; undecodable bytes were replaced.",
    ),
    Code("binary-file", Severity.WARNING, "The file looks binary and was not analysed."),
    Code("nul-byte", Severity.WARNING, "The file contains NUL bytes; they were read as spaces."),
    Code("file-too-large", Severity.WARNING, "The file exceeds the size limit; only its beginning was analysed."),
    Code(
        "nesting-too-deep",
        Severity.WARNING,
        "Statements are nested deeper than the analysis limit; deeper code has no control flow.",
    ),
    Code(
        "parser-limit",
        Severity.WARNING,
        "Input that would crash or stall the parser was left out; blocks nested deeper than CPython's 100 "
        "levels, too many indentation widths, thousands of empty continuation lines.",
    ),
    Code(
        "analysis-budget",
        Severity.WARNING,
        "The file needs more analysis than one file's budget; answers past it were left out.",
    ),
    Code("unreadable-file", Severity.ERROR, "The file could not be read, or is not a regular file."),
    Code("internal-error", Severity.ERROR, "typelens failed on this file; the rest of the run went on."),
    Code(
        "unresolved-import",
        Severity.WARNING,
        "The imported module could not be found in the project, installed packages or stubs.",
    ),
    Code("attr-defined", Severity.ERROR, "The attribute does not exist on the (fully known) type of the object."),
    Code(
        "call-arg",
        Severity.ERROR,
        "Wrong number of arguments, or an unknown keyword, for a declared callable (project code, "
        "installed packages, builtins and stubs).",
    ),
    Code(
        "union-attr",
        Severity.ERROR,
        "The attribute does not exist on some member of the (fully known) union type of the object.",
    ),
    Code("module-attr", Severity.ERROR, "The module defines no such attribute, under any condition."),
    Code("call-none", Severity.ERROR, "A value that is None on every path is called."),
    Code("operator", Severity.ERROR, "A binary operator is applied to two builtin values that do not support it."),
    Code(
        "arg-type",
        Severity.ERROR,
        "A value of a certain builtin type is passed where a parameter declares other builtin types.",
    ),
    Code("optional-member-access", Severity.WARNING, "An attribute is read on a value that may be None."),
    Code(
        "unused-ignore",
        Severity.WARNING,
        "A suppression comment (`# type: ignore`, `# typelens: ignore`) that suppresses nothing.",
        is_default=False,
    ),
)

CODES: dict[str, Code] = {code.name: code for code in _ALL}

# Message templates: the only place where diagnostic wording lives.
SYNTAX_ERROR = "syntax error near {snippet!r}"
MISSING_TOKEN = "missing {token!r}"
MISSING_MEMBER = "missing a name after '.'"
DECODE_ERROR = "{count} undecodable byte(s) in {encoding}; replaced with U+FFFD"
BAD_ENCODING = "the declared encoding cannot be used ({reason}); read as UTF-8"
BINARY_FILE = "file looks binary ({reason}); skipped"
NUL_BYTE = "{count} NUL byte(s) read as spaces"
FILE_TOO_LARGE = "file has {size} bytes, over the limit of {limit}; analysed the first {kept} bytes"
NESTING_TOO_DEEP = "statements nested deeper than {limit} levels; no control flow below this point"
TOO_DEEP_TO_PARSE = (
    "blocks nested deeper than {limit} levels (CPython's limit too); {count} logical line(s) left out from here"
)
TOO_WIDE_TO_PARSE = "{count} indentation(s) of {limit} columns or more read as none (too many widths for the parser)"
TOO_MANY_CONTINUATIONS = (
    "{count} run(s) of more than {limit} empty continuation lines left out (the parser would stall)"
)
ANALYSIS_BUDGET = "the {what} of this file ran past its budget of {steps} engine questions; later answers are left out"
UNREADABLE_FILE = "cannot read file: {reason}"
INTERNAL_ERROR = "internal error while analysing this file: {reason}"
UNRESOLVED_IMPORT = "cannot resolve import {module!r}"
ATTR_DEFINED = "{type!r} has no attribute {attr!r}"
OPTIONAL_MEMBER = "{expr!r} may be None here ({type}); reading {attr!r} would fail"
CALL_TOO_MANY = "{callee}() takes at most {maximum} positional argument(s), {given} given"
CALL_MISSING = "{callee}() is missing argument(s): {names}"
CALL_KEYWORD = "{callee}() has no parameter named {name!r}"
CALL_POSITIONAL_ONLY = "{callee}() takes {name!r} by position only"
CALL_TWICE = "{callee}() got multiple values for argument {name!r}"
CALL_NO_OVERLOAD = "no overload of {callee}() accepts these arguments ({count} overloads)"
UNION_ATTR = "{members} (of {type}) has no attribute {attr!r}"
MODULE_ATTR = "module {module!r} has no attribute {attr!r}"
CALL_NONE = "{expr!r} is None here; calling it would fail"
OPERATOR = "unsupported operand types for {op}: {left!r} and {right!r}"
ARG_TYPE = "{callee}() argument {name!r} expects {expected}, got {actual!r}"
UNUSED_IGNORE = "unused suppression: {what}"


def code_named(name: str) -> Code:
    """The registered code called ``name``; ``ValueError`` names the known codes otherwise."""
    try:
        return CODES[name]
    except KeyError:
        known = ", ".join(sorted(CODES))
        raise ValueError(f"code={name!r} is not a registered diagnostic code; use one of: {known}") from None
