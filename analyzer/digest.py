"""``blake2b``, the hash every typelens key and digest uses, without OpenSSL.

``import hashlib`` loads ``_hashlib`` and with it OpenSSL's library (11
million instructions, 2% of a cold one-line ``analyze``) whatever hash one
asks for, yet ``hashlib.blake2b`` is never OpenSSL's: hashlib takes it from
CPython's own ``_blake2`` module, which this module imports directly (the
same object).  An interpreter without ``_blake2`` gets hashlib's.

Example::

    >>> from typelens.analyzer.digest import blake2b
    >>> blake2b(b"x = 1\\n", digest_size=8).hexdigest()
    '4953cdd5c411e895'
"""

try:
    from _blake2 import blake2b
except ImportError:  # not CPython: hashlib knows where its blake2b lives
    from hashlib import blake2b

__all__ = ["blake2b"]
