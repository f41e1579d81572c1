"""typelens.monitors: monitor-guided decoding.

So far: :class:`~.trie.TokenIndex` (which vocabulary tokens continue an allowed
name) and :class:`~.dereference.DereferenceMonitor` (a transformers
``LogitsProcessor`` that keeps ``obj.<member>`` to members of ``obj``'s type).
Model loading, the call and import monitors, early exit and ``typelens complete``
are still to come (issue 6).
"""
