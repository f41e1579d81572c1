"""``complete()``: monitor-guided code completion at a position in a file.

The LM sees a bounded prompt (:mod:`.prompt`: the lines before the cursor up to
``prompt_tokens``, after the file's imports and the enclosing class and function
headers when those lie further back), and the model's prompt cache re-encodes
only what changed since the last completion.  The monitors ask the static
analysis about the file's text so far *plus what is generated*, with the rest
of the file after the cursor's line kept, so that names defined later in the
file still resolve:

- dereference: members of the receiver's type, only when the type is fully known;
- call: keyword names and arity of the callee;
- import: names of the module after ``from pkg import`` and submodules after
  ``import pkg.``.

Answers are cached per query text and per receiver type for the session.

Example::

    result = complete(source, source.index("xs.") + 3, path="app.py", session=AnalysisSession(Path(".")))
    result.text, result.to_json()["tokens"][0]["layer"]
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from typelens.analyzer import InputError
from typelens.typeinfer.engine import TypeEngine
from typelens.typeinfer.queries import (
    Analysed,
    CallFacts,
    LibraryMembers,
    call_at,
    call_facts_of_type,
    call_in_document,
    import_names,
    name_chain_at,
    receiver_type,
    trailing_name,
)
from typelens.typeinfer.session import AnalysisSession
from typelens.typeinfer.types import UNKNOWN, UnknownType

from .calls import CallMonitor
from .decoding import DecodeOptions, Generation, decode
from .dereference import DereferenceMonitor, ImportMonitor
from .early_exit import Exits
from .lm import CodeLM, load_lm
from .name_search import NameRanking
from .prompt import build_prompt

logger = logging.getLogger(__name__)


def _binds(text: str, name: str) -> bool:
    """Whether ``text`` may bind ``name`` (an assignment, ``as``, a comprehension
    or lambda anywhere in it)."""
    return re.search(rf"\b{name}\s*:?=(?!=)|\bas\s+{name}\b|\bfor\b|\blambda\b", text) is not None


class StaticFacts:
    """The monitors' query protocol over one file: text so far -> facts."""

    def __init__(
        self,
        engine: TypeEngine,
        path: str,
        suffix: bytes,
        head: str = "",
        library: LibraryMembers | None = None,
        source: bytes | None = None,
        offset: int = -1,
        document: Analysed | None = None,
        header: str = "",
    ) -> None:
        # head: the file's text before the prompt's window; header: the text the
        # prompt starts with before the window (imports, enclosing headers), which
        # the monitors' texts begin with and the file does not have there
        self.engine, self.path, self.suffix, self.head, self.header = engine, path, suffix, head, header
        self.library = library if library is not None else LibraryMembers()
        # the whole source and the cursor: a query at the cursor itself (nothing
        # generated yet), and names generated on the cursor's line, are answered
        # from the source's own analysis, ``document`` (an editor's, or built here
        # on first use)
        self.source, self.offset, self.document = source, offset, document
        self._members: dict[str, frozenset[str] | None] = {}
        self._methods: dict[str, frozenset[str]] = {}  # text ending in "." -> the members that are methods
        self._calls: dict[str, CallFacts | None] = {}
        self._receivers: dict[str, tuple[TypeEngine, object]] = {}  # text ending in "." -> receiver type
        self.queries = 0
        self.seconds = 0.0  # time spent in the static analysis

    def _data(self, text: str) -> bytes:
        """The patched copy: the text so far, then the file after the cursor's line."""
        return self._data_prefix(text) + b"\n" + self.suffix

    def members_of(self, text: str) -> frozenset[str] | None:
        if text not in self._members:
            started = time.perf_counter()
            self.queries += 1
            known = self._chained(text[:-1])
            if known is None:
                known = self._from_document(text)
            if known is None:  # analyse the file once for this receiver
                known = receiver_type(self.engine, self.path, self._data(text), len(self._data_prefix(text)) - 1)
            engine, receiver = known
            facts = None
            # kept even when unknown: a member of it is unknown too, with no new analysis
            self._receivers[text] = (engine, receiver if receiver is not None else UNKNOWN)
            if receiver is not None and not isinstance(receiver, UnknownType):
                facts = self.library.get(engine, receiver)
            known_all = facts is not None and facts.is_complete
            self._members[text] = facts.names if known_all else None
            if known_all:
                self._methods[text] = frozenset(m.name for m in facts.members if m.kind == "method")
            self.seconds += time.perf_counter() - started
        return self._members[text]

    def methods_of(self, text: str) -> frozenset[str]:
        """The members of :meth:`members_of` ``text`` that are methods (asked after it)."""
        return self._methods.get(text, frozenset())

    def _file_text(self, text: str) -> str:
        """The file's text for a monitor's ``text`` (the prompt's decoded text and
        what was generated): the head, then ``text`` without the prompt's header."""
        if self.header and text.startswith(self.header):
            text = text[len(self.header) :]
        return self.head + text

    def _data_prefix(self, text: str) -> bytes:
        return self._file_text(text).encode("utf-8")

    def _document(self) -> Analysed:
        if self.document is None:
            self.document = Analysed.of(self.engine, self.path, self.source)
        return self.document

    def _from_document(self, text: str) -> tuple[TypeEngine, object] | None:
        """The receiver of the dot ending ``text`` from the source's own analysis:
        at the cursor itself, or a dotted name generated after the cursor on its
        line (``append(self.``), read in the cursor's scope."""
        if self.source is None or self.offset < 1:
            return None
        prefix = self._data_prefix(text)
        if len(prefix) == self.offset:
            document = self._document()
            return receiver_type(self.engine, self.path, self.source, self.offset - 1, document)
        generated = prefix[self.offset :].decode("utf-8", "replace")
        if len(prefix) < self.offset or "\n" in generated:
            return None
        chain = trailing_name(generated[:-1])
        if chain is None or chain.start() == 0:
            return None  # none, or a member of what the cursor's dot follows
        names = chain.group().split(".")
        if _binds(generated, names[0]):
            return None  # the generated text binds the name itself (a lambda, a comprehension, ``x =``)
        document = self._document()
        value = name_chain_at(document, self.path, self.offset, names)
        return (document.engine, value) if value is not None else None

    def _chained(self, text: str) -> tuple[TypeEngine, object] | None:
        """``recv.name`` where ``recv.`` was typed before: the member's type from the
        receiver's type, without analysing the file again (answers cached per type)."""
        dot = text.rfind(".")
        name = text[dot + 1 :]
        known = self._receivers.get(text[: dot + 1]) if dot >= 0 and name.isidentifier() else None
        if known is None:
            return None
        engine, receiver = known
        return engine, engine.classes.member_of(receiver, name, "", -1)

    def call_of(self, text: str) -> CallFacts | None:
        if text not in self._calls:
            started = time.perf_counter()
            self.queries += 1
            known = self._chained(text[:-1])
            end = len(self._data_prefix(text))
            answered = False
            if known is not None:
                unknown = isinstance(known[1], UnknownType)
                self._calls[text] = None if unknown else call_facts_of_type(*known)
                answered = True
            elif self.source is not None and end <= self.offset:  # a call open at the cursor
                answered, self._calls[text] = call_in_document(self._document(), self.path, end - 1)
            if not answered:
                self._calls[text] = call_at(self.engine, self.path, self._data(text), end)
            self.seconds += time.perf_counter() - started
        return self._calls[text]

    def imports_after(self, text: str) -> frozenset[str] | None:
        started = time.perf_counter()
        self.queries += 1
        full = self._file_text(text)
        found = import_names(self.engine, full[self.head.rfind("\n") + 1 :])  # the head's last line on
        self.seconds += time.perf_counter() - started
        return found


_DOTTED = re.compile(r"\.[ \t]*([A-Za-z_][A-Za-z_0-9]*)")


def used_members(text: str) -> frozenset[str]:
    """The names ``text`` writes after a dot (``xs.append`` -> ``append``)."""
    return frozenset(_DOTTED.findall(text))


_CHAIN = re.compile(r"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_TRAILING = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.\Z")


def members_by_receiver(text: str) -> dict[str, frozenset[str]]:
    """The names ``text`` writes after each dotted receiver
    (``self.box.width`` -> ``self``: ``box``, ``self.box``: ``width``).

    >>> members_by_receiver("self.box.width = os.sep")["self.box"]
    frozenset({'width'})
    """
    found: dict[str, set[str]] = {}
    for chain in _CHAIN.findall(text):
        parts = chain.split(".")
        for i in range(1, len(parts)):
            found.setdefault(".".join(parts[:i]), set()).add(parts[i])
    return {receiver: frozenset(names) for receiver, names in found.items()}


def receiver_favours(text: str):
    """``favoured(text)`` for the dereference monitor: the names ``text`` (the file)
    writes after the receiver the monitor's text ends with (``self.`` -> ``self``'s)."""
    by_receiver = members_by_receiver(text)

    def favoured(so_far: str) -> frozenset[str]:
        receiver = _TRAILING.search(so_far[-256:])
        return by_receiver.get(receiver.group(1), frozenset()) if receiver else frozenset()

    return favoured


def monitors_for(
    lm: CodeLM,
    facts: StaticFacts,
    kinds: tuple[str, ...] = ("dereference", "call", "import"),
    *,
    used=lambda text: frozenset(),
    bonus: float = 0.0,
    dunder_penalty: float = 0.0,
):
    """The monitors of ``kinds``; the dereference monitor adds ``bonus`` to the
    logits of tokens that keep a member of ``used(text)`` possible (``text``: the
    text so far, ending in the dot) and takes ``dunder_penalty`` off those that keep
    only dunder names possible."""
    found = []
    masks = lm.mask_cache  # per vocabulary, so that later completions reuse the masks
    if "dereference" in kinds:
        found.append(
            DereferenceMonitor(
                lm.token_index,
                facts.members_of,
                lm.decode,
                masks=masks,
                favoured=used,
                bonus=bonus,
                dunder_penalty=dunder_penalty,
                calls=facts.methods_of,
            )
        )
    if "call" in kinds:
        found.append(
            CallMonitor(lm.token_index, lm.vocabulary, facts.call_of, lm.decode, tokens=lm.call_tokens, masks=masks)
        )
    if "import" in kinds:
        found.append(ImportMonitor(lm.token_index, facts.imports_after, lm.decode, masks=masks))
    return found


# The guide's priors among allowed members (logit units), chosen on 60 dereference
# sites of jinja2 and attr (not the held-out packages bench/mgd.py scores on): the
# allowed name with the likeliest first token was right at 43 % of them plain,
# 50 % with the dunder penalty, 52 % with both.
FAVOUR_USED = 1.0  # members the file writes after the same receiver (opt-in: net zero held out)
DUNDER_PENALTY = 2.0  # tokens that only dunder names (``__len__``) go on with
# Where a member starts, the allowed names that come close are scored whole
# (:class:`~.name_search.NameRanking`'s defaults, chosen on 39 sites of jinja2, attr,
# rich, tomlkit, parso and markdown_it: greedy 22 right, ranked 26).
NAME_RANKING = NameRanking()


@dataclass(frozen=True, slots=True)
class Completion:
    path: str
    offset: int
    generation: Generation
    monitored: bool
    exit_threshold: float
    analysis_seconds: float = 0.0  # of ``generation.seconds``, the static analysis queries
    analysis_queries: int = 0

    @property
    def text(self) -> str:
        return self.generation.text

    def to_json(self) -> dict:
        g = self.generation
        layers = [t.layer for t in g.tokens]
        return {
            "path": self.path,
            "offset": self.offset,
            "completion": g.text,
            "stopped": g.stopped,
            "monitored": self.monitored,
            "exit_threshold": self.exit_threshold,
            "model_layers": g.layers,
            "average_layers": round(sum(layers) / len(layers), 3) if layers else None,
            "tokens": [
                {"text": t.text, "id": t.id, "layer": t.layer, "confidence": t.confidence, "masked": t.masked}
                for t in g.tokens
            ],
            "interventions": [
                {"step": i.step, "monitor": i.monitor, "kind": i.kind, "detail": i.detail} for i in g.interventions
            ],
            "prompt_tokens": g.prompt_tokens,
            "reused_tokens": g.reused_tokens,
            "seconds": round(g.seconds, 4),
            "analysis_seconds": round(self.analysis_seconds, 4),
            "analysis_queries": self.analysis_queries,
        }


def complete(
    source: str | bytes,
    offset: int,
    *,
    path: str = "<memory>.py",
    root: Path | None = None,
    lm: CodeLM | None = None,
    model: Path | None = None,
    device: str = "auto",
    dtype: str = "auto",
    max_tokens: int = 16,
    monitor: bool = True,
    exit_threshold: float = 1.0,
    exit_measure: str = "classifier",
    stop_policy: bool = False,
    multiline: bool = False,
    exits: Exits | None = None,
    session: AnalysisSession | None = None,
    document: Analysed | None = None,
    prompt_tokens: int = 512,
    reuse_cache: bool = True,
    name_search: int = 0,
    name_repair: bool = False,
    favour_used: float = 0.0,
    favour_scope: str = "receiver",
    dunder_penalty: float = DUNDER_PENALTY,
    allowed_head: bool = False,
    name_ranking: NameRanking | None = NAME_RANKING,
    name_commit: bool = True,
) -> Completion:
    """Complete ``source`` at byte ``offset`` (of its UTF-8 encoding).  ``session``
    is the project's analysis session (default: the document's, else one for the
    project of ``path``, or of ``root``): it keeps what is learnt about library
    code across calls; ``document`` is the analysis of ``source`` an editor
    already keeps.  ``prompt_tokens`` bounds the prompt; ``reuse_cache`` lets the
    model's prompt cache skip the prefix it computed before; ``name_search``: where a
    member or import name starts, up to this many whole names are scored and the
    likeliest taken (:mod:`.name_search`; 0: the likeliest first token, greedily);
    ``name_repair``: where the model starts a name that is not allowed, the one
    allowed name it plainly meant (``build`` -> ``_build``) is taken;
    ``favour_used``: a bonus added to the logits of member tokens that keep a name
    the file writes after a dot possible (``favour_scope``: ``file``, the text
    before the cursor and the lines after the cursor's; ``before``: the text before
    the cursor only; ``receiver``: the file's names written after the same dotted
    receiver as the cursor's, ``self.`` -> those of ``self.x`` elsewhere, the
    default); ``dunder_penalty``: taken off the logits of tokens that only dunder
    members go on with.  Name search and repair are off by default
    (``bench/mgd.py --ablations``, ``--repair``); the dunder penalty is on
    (``DUNDER_PENALTY``), the receiver favour off (``FAVOUR_USED`` is the value
    tried: net zero on the held-out sites; ``guided-plain`` in the bench has neither).
    ``allowed_head``: where a monitor allows few
    tokens, only their rows of the LM head are computed (the same completion, the
    model's unguided choice there is not reported; see :mod:`.decoding`); off by
    default: no measured gain on CPU, and the report keeps every intervention.
    ``name_ranking``: where a member or import name starts, the allowed names
    whose first token comes close are scored whole in one batched pass, with the
    file's priors (:class:`~.name_search.NameRanking`; ``NAME_RANKING`` by
    default, ``None``: the likeliest first token, greedily); name search or
    repair, when asked for, replace it.  ``name_commit``: the ranked name is
    written as the tokens the ranking scored, their keys and values taken from
    the ranking's pass, instead of one decoding step per token (the same name;
    see :mod:`.decoding`)."""
    if favour_scope not in ("file", "before", "receiver"):
        raise ValueError(f"favour_scope={favour_scope!r} must be 'file', 'before' or 'receiver'")
    data = source.encode("utf-8") if isinstance(source, str) else bytes(source)
    if not 0 <= offset <= len(data):
        raise InputError(f"offset {offset} is outside the source (0..{len(data)})")
    lm = lm if lm is not None else load_lm(model, device=device, dtype=dtype)
    before = data[:offset].decode("utf-8", "replace")
    line_end = data.find(b"\n", offset)
    suffix = data[line_end + 1 :] if line_end >= 0 else b""
    if prompt_tokens < 8:
        raise ValueError(f"prompt_tokens={prompt_tokens} is too small; give at least 8")
    budget = max(8, min(prompt_tokens, lm.context - 1 - max_tokens))
    prompt = build_prompt(lm, before, budget=budget)
    head = prompt.head
    monitors, facts = [], None
    if monitor:
        if session is None and document is not None:
            session = document.engine.session
        if session is None:
            session = AnalysisSession.for_path(Path(path), root=Path(root) if root else Path(path).resolve().parent)
        facts = StaticFacts(
            session.engine(), path, suffix, head, session.library, data, offset, document, prompt.header
        )
        written = re.sub(r"\w*\Z", "", before)  # not the name being typed at the cursor
        seen = written + ("\n" + suffix.decode("utf-8", "replace") if favour_scope != "before" else "")
        if favour_scope == "receiver":
            used = receiver_favours(seen)
        else:
            names = used_members(seen)
            used = lambda text: names  # noqa: E731
        monitors = monitors_for(lm, facts, used=used, bonus=favour_used, dunder_penalty=dunder_penalty)
    if exits is None and exit_threshold < 1.0:
        exits = lm.exits
    options = DecodeOptions(
        max_new_tokens=max_tokens,
        exit_threshold=exit_threshold,
        exit_measure=exit_measure,
        stop_at_newline=not multiline,
        use_stop_policy=stop_policy,
        name_search=name_search,
        name_repair=name_repair,
        allowed_head=allowed_head,
        name_ranking=None if name_search or name_repair else name_ranking,
        name_commit=name_commit,
    )
    generation = decode(
        lm, prompt.ids, monitors=monitors, exits=exits, options=options, cache=lm.prompt_cache if reuse_cache else None
    )
    return Completion(
        path,
        offset,
        generation,
        bool(monitor),
        exit_threshold,
        facts.seconds if facts is not None else 0.0,
        facts.queries if facts is not None else 0,
    )
