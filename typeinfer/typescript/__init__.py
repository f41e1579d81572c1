"""typelens.typeinfer.typescript: types for TypeScript and JavaScript.

A tour, in the order a question travels:

* :mod:`.session` is where an ``AnalysisSession`` sends a script (by suffix);
  :mod:`.analysis` answers predictions, diagnostics, hover, inlay hints,
  annotation edits, completion and definitions in byte offsets;
* :mod:`.engine` is the static engine: :mod:`.expressions`, :mod:`.members`,
  :mod:`.calls` (generics from arguments, contextual typing),
  :mod:`.functions` (returns, parameters), :mod:`.narrowing`, over the type
  algebra of :mod:`.types`; declared types come from :mod:`.declared`
  (annotations) and :mod:`.jsdoc` (``.js`` files), library names from
  TypeScript's ``lib.*.d.ts`` (:mod:`.lib`);
* :mod:`.targets` lists what gets a type, for :mod:`.predictions`,
  :mod:`.edits` (``--apply``: annotations in TypeScript, JSDoc in JavaScript)
  and :mod:`.features` (the neural samples, :mod:`.neural`).

Example::

    >>> from typelens.typeinfer.typescript.types import ArrayOf, NUMBER, render
    >>> render(ArrayOf(NUMBER))
    'number[]'

Nothing here imports torch or pygls, and nothing runs the code it reads.
"""
