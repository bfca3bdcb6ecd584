"""Running a test's workers in real threads (test code only)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def run_threads(target: Callable[..., Any], args: Iterable[tuple], timeout: float = 30) -> None:
    """Start one thread per tuple of ``args`` running ``target(*args)``, then wait for
    all of them (each at most ``timeout`` seconds)."""
    threads = [threading.Thread(target=target, args=a) for a in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
