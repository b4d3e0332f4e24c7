"""One long-lived event loop that synchronous code hands its coroutines to.

Remote backends keep HTTP connection pools across calls; a pool belongs to the loop it was
created on, so synchronous calls (``complete_batch``, every simulation step) all run on this one
loop instead of a fresh ``asyncio.run`` loop each time. The loop lives in a daemon thread that
starts on the first use (never at import).

Example:
    >>> import asyncio
    >>> async def answer():
    ...     await asyncio.sleep(0)
    ...     return 42
    >>> run_sync(answer())
    42
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import threading
import weakref
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_tracked: weakref.WeakSet[Any] = weakref.WeakSet()  # closables to close before the loop stops
_exit_hook_registered = False


def shared_loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use."""
    global _loop, _thread
    with _lock:
        if _loop is None or _loop.is_closed() or _thread is None or not _thread.is_alive():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="sdialog-event-loop", daemon=True
            )
            thread.start()
            _loop, _thread = loop, thread
            _register_exit_hook()
        return _loop


def track(closable: Any) -> None:
    """Close ``closable`` (an object with an async ``close()``, e.g. an HTTP session) at exit,
    before the shared loop stops, if nothing closed it earlier."""
    _tracked.add(closable)


def _register_exit_hook() -> None:
    global _exit_hook_registered
    if not _exit_hook_registered:  # at the first use of the loop, never at import
        atexit.register(_shutdown)
        _exit_hook_registered = True


def _shutdown() -> None:
    """At exit: close what is tracked, cancel the tasks libraries left running (e.g. litellm's
    logging worker) and stop the loop, so nothing is destroyed while pending."""
    loop = _loop
    if loop is None or loop.is_closed() or not loop.is_running():
        return

    close_soon([c for c in list(_tracked) if not getattr(c, "closed", False)])

    async def cancel_the_rest() -> None:
        current = asyncio.current_task()
        others = [t for t in asyncio.all_tasks() if t is not current]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(cancel_the_rest(), loop).result(timeout=5)
    loop.call_soon_threadsafe(loop.stop)
    # wait for the loop to stop, then close it: finalizers that run later (weakref.finalize's own
    # exit hook closes pooled sessions) see a closed loop and schedule nothing that would never
    # run ("coroutine ... was never awaited", "Task was destroyed but it is pending")
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout=5)
        if not loop.is_running():
            with contextlib.suppress(Exception):
                loop.close()


def on_shared_loop() -> bool:
    """Whether the caller runs inside the shared loop (its coroutines may keep loop resources)."""
    try:
        return asyncio.get_running_loop() is _loop
    except RuntimeError:
        return False


def close_soon(closers: list[Any]) -> None:
    """Run the ``close()`` coroutines of ``closers`` (e.g. HTTP sessions) on the shared loop.

    Waits for them (a few seconds at most) unless called from the loop's own thread, e.g. by a
    garbage collection that happened there; used by finalizers, also at interpreter exit.
    """
    loop = _loop
    closers = [c for c in closers if not getattr(c, "closed", False)]
    if not closers or loop is None or loop.is_closed() or not loop.is_running():
        return

    async def close_all() -> None:
        await asyncio.gather(*(c.close() for c in closers), return_exceptions=True)

    future = asyncio.run_coroutine_threadsafe(close_all(), loop)
    if threading.current_thread() is not _thread:
        with contextlib.suppress(Exception):  # best effort: never raise from a finalizer
            future.result(timeout=5)


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on the shared loop and return its result.

    Works from plain synchronous code and from inside another running loop (e.g. Jupyter), which
    it blocks while waiting. Calling it from a coroutine already on the shared loop would wait
    for itself, so that raises ``RuntimeError``.
    """
    if on_shared_loop():
        coro.close()
        raise RuntimeError("run_sync was called from the shared loop; await the coroutine instead")
    return asyncio.run_coroutine_threadsafe(coro, shared_loop()).result()
