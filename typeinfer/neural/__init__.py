"""Neural type inference: a PYInfer-style classifier over token windows.

``encoding`` turns samples into fixed-shape integer arrays (hashed tokens: no
vocabulary file), ``model`` and ``train`` (torch) learn and calibrate it,
``export`` writes ONNX, ``runtime`` (onnxruntime, no torch) predicts, and
``evaluate`` reports accuracy by kind and frequency bucket.  Model folders hold
``config.json``, ``model.safetensors`` and ``model.onnx``: nothing is unpickled.
"""
