"""A package's submodule read as an attribute (``asyncio.subprocess``) is the
submodule, not a module of the same name that the submodule imports: a star
import binds only the names in ``__all__``, and a stub re-exports an import
only when it is written ``import a as a``."""

import asyncio


def pid_of(process: asyncio.subprocess.Process):
    return process.pid


# ? pid: int
pid = pid_of(None)  # type: ignore[arg-type]
# ? process_class: type[Process]
process_class = asyncio.subprocess.Process
# ? pipe: int
pipe = asyncio.subprocess.PIPE
# ? run_result: ?
run_result = asyncio.subprocess.run
# ? loop_class: type[AbstractEventLoop]
loop_class = asyncio.events.AbstractEventLoop
