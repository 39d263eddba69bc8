"""Time limits on per-article work, so that one pathological article cannot stall a batch.

In the main thread the limit is a SIGALRM timer (`signal.setitimer`): Python runs the handler
between bytecodes and inside long regular-expression matches, so a slow rule or a slow pattern
loop is interrupted. In other threads (the API's worker threads) a watchdog thread raises the
same exception in the coding thread with `PyThreadState_SetAsyncExc`; that also fires only
between bytecodes. Neither can stop a single C call that never returns to Python.

The interrupt is a `BaseException` so that no `except Exception` inside a component swallows it;
at this module's boundary it becomes the catalogued E100.
"""
from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Literal, Protocol, TypeVar

from chronik.errors import ChronikError, error
from chronik.model import Article, CodedArticle

T = TypeVar("T")
Result = CodedArticle | tuple[Article, ChronikError]


class _Expired(BaseException):
    """Raised inside the guarded block when its time is up (never leaves this module)."""


class ArticleCoder(Protocol):
    """What `code_guarded` needs of a coder (`chronik.pipeline.Coder` has both)."""

    def code(self, article: Article) -> CodedArticle: ...

    def code_many(self, articles: Iterable[Article], *, batch_size: int = 16) -> Iterator[CodedArticle]: ...


@contextmanager
def time_limit(seconds: float | None, *, article: str) -> Iterator[None]:
    """Run the block with a time limit; past it, raise E100 naming `article`. `None` means no limit."""
    if seconds is None:
        yield
        return
    if seconds <= 0:
        raise ValueError(f"time limit must be positive, got {seconds}")
    limiter = _signal_limit if _can_use_signal() else _thread_limit
    try:
        with limiter(seconds):
            yield
    except _Expired:
        raise error("E100", article=article, seconds=_fmt(seconds)) from None


def call_with_time_limit(fn: Callable[..., T], /, *args: object, seconds: float | None, article: str,
                         **kwargs: object) -> T:
    """`fn(*args, **kwargs)` under `time_limit(seconds, article=article)`."""
    with time_limit(seconds, article=article):
        return fn(*args, **kwargs)


def code_guarded(
    coder: ArticleCoder, articles: list[Article], *, seconds: float | None, batch_size: int = 16,
    on_error: Literal["skip", "raise"] = "skip",
) -> Iterator[Result]:
    """Code `articles` as one batch; if the batch fails or runs late, code what is left one by one.

    The batch gets `seconds` per article in total. When it runs out, or an article raises, the
    articles not yet coded are coded singly with `seconds` each, and the ones that still fail come
    out as `(article, error)`: E100 when too slow, their own catalogued error, or E101 for an
    unexpected exception (re-raised instead with `on_error="raise"`). Results keep input order.
    """
    if not articles:
        return
    done: list[CodedArticle] = []
    budget = None if seconds is None else seconds * len(articles)
    try:
        with time_limit(budget, article=f"batch of {len(articles)} starting with {articles[0].id}"):
            for coded in coder.code_many(articles, batch_size=batch_size):
                done.append(coded)
    except Exception as exc:  # noqa: BLE001 - any failure sends the rest of the batch down the single path
        if on_error == "raise" and not isinstance(exc, ChronikError):
            raise
    yield from done
    for article in articles[len(done):]:
        try:
            yield call_with_time_limit(coder.code, article, seconds=seconds, article=article.id)
        except ChronikError as exc:
            yield article, exc
        except Exception as exc:  # noqa: BLE001 - reported per article so the batch goes on
            if on_error == "raise":
                raise
            yield article, error("E101", article=article.id, detail=f"{type(exc).__name__}: {exc}"[:200])


def _fmt(seconds: float) -> str:
    return f"{seconds:g}"


def _can_use_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def _signal_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise _Expired()

    started = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, expire)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        except _Expired:
            pass  # the alarm rang just as the block ended: its work is done, keep it
        signal.signal(signal.SIGALRM, old_handler if old_handler is not None else signal.SIG_DFL)
        if old_delay:
            # An outer timer was running: give it back what is left of its time (at least a tick).
            signal.setitimer(signal.ITIMER_REAL, max(old_delay - (time.monotonic() - started), 1e-3))


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


@contextmanager
def _thread_limit(seconds: float) -> Iterator[None]:
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                _set_async_exc(target, _Expired)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    expired = False
    try:
        yield
    except _Expired:
        expired = True
    finally:
        # The watchdog may fire between the end of the block and here: whatever it set is taken
        # back, so the exception can never surface later in unrelated code.
        while True:
            try:
                with lock:
                    state["done"] = True
                timer.cancel()
                if state["fired"]:
                    _set_async_exc(target, None)
                break
            except _Expired:
                expired = True
    if expired:
        raise _Expired()
