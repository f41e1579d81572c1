"""The neural side for scripts: the script classifier behind ``hybrid`` answers.

Filled in by the script model (see :func:`script_assistant`); without an
installed model, hybrid answers for scripts are the static ones.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def script_assistant(session):
    """The session's script classifier, or ``None`` when none is installed."""
    return None
