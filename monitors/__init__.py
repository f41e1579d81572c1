"""typelens.monitors: code-LM decoding guided by the static analysis.

- :mod:`.lm` loads a model (a folder, a GGUF file, the pretrained SmolLM2 that
  :mod:`.pretrained` finds and converts into the cache, or the tiny shipped LM);
- :mod:`.prompt` builds the bounded prompt and :mod:`.prompt_cache` keeps recent
  prompts' keys and values for the next keystroke;
- :mod:`.dereference` and :mod:`.calls` are the monitors (transformers
  ``LogitsProcessor``\\ s over :mod:`.trie`'s token index);
- :mod:`.decoding` is the greedy loop that composes monitors with early exit,
  running :mod:`.layered`'s layer-by-layer GPT-2 and Llama views and the exits of
  :mod:`.early_exit` / :mod:`.exit_sampled`;
- :mod:`.complete` is the façade (``complete(source, offset, ...)``) the CLI and
  the language server call, :mod:`.ranking` orders member completions.

Example::

    from typelens.monitors.complete import complete
    complete(source, source.index("path.") + 5, path="service.py").text   # 'write_text(json.dumps('
"""
