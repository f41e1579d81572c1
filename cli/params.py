"""The batch commands' parameters, declared once, and a reading of their usual
command lines that needs no typer.

``analyze``, ``infer`` and ``graph`` declare their parameters as typer
commands do, in the command function's signature, with this module's
:class:`Option` and :class:`Argument`: the arguments ``typer.Option`` and
``typer.Argument`` take, kept as given.  Two readers use the one declaration:

- typer, for the command tree (``cli/app.py``, :func:`typer_signature`):
  each default becomes the ``typer.Option`` or ``typer.Argument`` made from
  the same arguments, so help, errors and exit codes are typer's own;
- :func:`parse`, for the command line's own process of a batch command
  (``cli/main.py``): typer and its click cost a cold one-line ``analyze`` a
  fifth of its instructions.  It reads what it fully understands (a known
  command and its known options, ``--option value``, ``--option=value``,
  ``-o value``, flags, paths; ``-v`` before the command) and converts each
  value as typer would; anything else (``--help``, ``--``, an unknown or
  repeated-in-another-spelling option, a value typer might read otherwise or
  refuse, a shell-completion request) is left to typer, which parses it as
  it always did.  ``tests/test_cli_params.py`` checks over many command lines
  that whenever it reads one, typer gives the command the same parameters.

Example::

    >>> from typelens.cli.analyze_cmd import analyze_command
    >>> parse(analyze_command, ["src", "--format", "json", "-j", "2"])["jobs"]
    2
    >>> parse(analyze_command, ["src", "--jobs", "two"]) is None   # typer says why
    True
"""

from __future__ import annotations

import enum
import os
import types
from pathlib import Path
from typing import Any, Callable, Mapping

# The environment variable typer reads a shell-completion request from ends so
# (``_TYPELENS_COMPLETE``, named after the program).
_COMPLETION_SUFFIX = "_COMPLETE"
# The keyword arguments of typer.Option and typer.Argument that parse() knows the
# meaning of; a parameter declared with another is left to typer.
_KNOWN_SETTINGS = frozenset({"help", "show_default", "default_factory"})


class Option:
    """``typer.Option(*args, **kwargs)``, declared without typer: ``args`` are the
    default and the option's names (``"--format", "-f"``, or a flag's
    ``"--x/--no-x"``)."""

    __slots__ = ("args", "kwargs")
    typer_name = "Option"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def for_typer(self) -> Any:
        """The typer parameter made from the same arguments."""
        import typer

        return getattr(typer, self.typer_name)(*self.args, **self.kwargs)

    @property
    def default(self) -> Any:
        """The value a command line without this parameter gives."""
        factory = self.kwargs.get("default_factory")
        return factory() if factory is not None else self.args[0]


class Argument(Option):
    """``typer.Argument(*args, **kwargs)``, declared without typer."""

    __slots__ = ()
    typer_name = "Argument"


def declared(command: Callable[..., Any]) -> dict[str, tuple[Option, Any]]:
    """Each parameter of ``command``: its :class:`Option` or :class:`Argument` and
    its annotation (an object: the command's module does not postpone them)."""
    code = command.__code__
    names = code.co_varnames[: code.co_argcount]
    defaults = command.__defaults__ or ()
    if len(defaults) != len(names) or not all(isinstance(d, Option) for d in defaults):
        raise ValueError(f"{command.__name__}: every parameter needs an Option or an Argument as its default")
    return {name: (default, command.__annotations__[name]) for name, default in zip(names, defaults)}


def typer_signature(command: Callable[..., Any]) -> Any:
    """``command``'s signature with each :class:`Option` or :class:`Argument`
    replaced by typer's own: the ``__signature__`` typer reads the command's
    parameters from."""
    import inspect

    signature = inspect.signature(command)
    return signature.replace(
        parameters=[p.replace(default=p.default.for_typer()) for p in signature.parameters.values()]
    )


def is_completion_request(environ: Mapping[str, str]) -> bool:
    """Whether the environment may ask typer for shell completions (any
    ``_..._COMPLETE`` variable set): such a run is typer's."""
    return any(k.startswith("_") and k.endswith(_COMPLETION_SUFFIX) and v for k, v in environ.items())


def parse(command: Callable[..., Any], argv: list[str]) -> dict[str, Any] | None:
    """The keyword arguments typer calls ``command`` with for the words ``argv``
    after the command's name, or ``None`` when the line is not one this reads
    (see the module docstring): typer then parses it."""
    params = declared(command)
    if any(set(option.kwargs) - _KNOWN_SETTINGS for option, _ in params.values()):
        return None
    names, positional = _option_names(params)
    if names is None or positional is None:
        return None
    values: dict[str, Any] = {}
    words: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if not word.startswith("-"):
            words.append(word)
            continue
        name, _, attached = word.partition("=")
        found = names.get(name)
        if found is None or ("=" in word and not name.startswith("--")):
            return None  # unknown, `-`, `--`, or `-o=x` (click reads that as `-o` with `=x`)
        target, flag_value = found
        if flag_value is not None:
            if "=" in word:
                return None
            values[target] = flag_value
            continue
        if "=" not in word:
            if index == len(argv) or argv[index].startswith("-"):
                return None  # a missing value, or one click may read as an option
            attached = argv[index]
            index += 1
        value = _converted(attached, params[target][1])
        if value is _UNREAD:
            return None
        values[target] = value
    return _with_arguments(params, positional, values, words)


class _Unread:
    """Internal: a value :func:`_converted` leaves to typer."""


_UNREAD: Any = _Unread()


def _option_names(
    params: dict[str, tuple[Option, Any]],
) -> tuple[dict[str, tuple[str, bool | None]] | None, list[str] | None]:
    """Each option name (``--format``, ``-f``, ``--no-x``) to its parameter and,
    for a flag, the value it sets (``None`` for an option that takes one); the
    positional parameters in order.  ``(None, None)`` when a name is declared
    twice."""
    names: dict[str, tuple[str, bool | None]] = {}
    positional: list[str] = []
    for target, (option, annotation) in params.items():
        if isinstance(option, Argument):
            positional.append(target)
            continue
        for decl in option.args[1:]:
            on, slash, off = decl.partition("/")
            spellings = [(on, True), (off, False)] if slash else [(on, True)]
            for spelling, flag in spellings:
                if spelling in names:
                    return None, None
                names[spelling] = (target, flag if annotation is bool else None)
    return names, positional


def _with_arguments(
    params: dict[str, tuple[Option, Any]], positional: list[str], values: dict[str, Any], words: list[str]
) -> dict[str, Any] | None:
    """``values`` with the positional parameters read from ``words`` and every
    parameter the line leaves out at its default; ``None`` when the words do
    not fit (typer says so)."""
    for target in positional:
        option, annotation = params[target]
        many = getattr(annotation, "__origin__", None) is list
        taken = words if many else words[:1]
        if not taken and option.args[0] is ...:
            return None
        words = [] if many else words[1:]
        item = annotation.__args__[0] if many else annotation
        converted = [_converted(word, item) for word in taken]
        if _UNREAD in converted:
            return None
        values[target] = converted if many else converted[0]
    if words:
        return None
    for target, (option, _) in params.items():
        if target not in values:
            if option.args[0] is ... and "default_factory" not in option.kwargs:
                return None  # a required option left out
            values[target] = option.default
    return {target: values[target] for target in params}


def _converted(value: str, annotation: Any) -> Any:
    """``value`` as typer converts it for a parameter annotated ``annotation``,
    or ``_UNREAD`` for a value typer might read another way or refuse."""
    if isinstance(annotation, types.UnionType):
        rest = [arg for arg in annotation.__args__ if arg is not type(None)]
        if len(rest) != 1:
            return _UNREAD
        annotation = rest[0]
    if annotation is str:
        return value
    if annotation is int:
        # past 4,300 digits int() refuses the text (sys.set_int_max_str_digits): typer says why
        return int(value) if value.isascii() and value.isdigit() and len(value) <= 100 else _UNREAD
    if annotation is float:
        digits = value.replace(".", "", 1)
        return float(value) if value.isascii() and digits.isdigit() else _UNREAD
    if annotation is Path:
        return _path(value)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        member = {str(m.value): m for m in annotation}.get(value)
        return _UNREAD if member is None else member
    return _UNREAD


def _path(value: str) -> Any:
    """``Path(value)``, as typer's path type gives it: a path that exists but
    cannot be read is typer's error to report."""
    try:
        os.stat(value)
    except OSError:
        return Path(value)
    return Path(value) if os.access(value, os.R_OK) else _UNREAD
