"""botocore's model files, parsed once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def share_botocore_models() -> None:
    """Parse each botocore model file once per process, not once per session: the runtime's
    clients, moto's parsers and each function's own clients all load the same JSON (~100 ms a
    run for S3's endpoint rules alone). Models are read-only once loaded."""
    from botocore import loaders

    if getattr(loaders.Loader, "_emoji_smith_shared", False):
        return
    cache: dict[tuple[Any, ...], Any] = {}
    lock = threading.Lock()
    load_service_model = loaders.Loader.load_service_model
    load_data_with_path = loaders.Loader.load_data_with_path
    list_available_services = loaders.Loader.list_available_services

    def shared(method: Callable[..., Any]) -> Callable[..., Any]:
        def load(self: Any, *args: Any, **options: Any) -> Any:
            paths, extras = tuple(self.search_paths), tuple(self.extras_types)
            key = (method.__name__, paths, extras, *args, *sorted(options.items()))
            with lock:
                if key in cache:
                    return cache[key]
            value = method(self, *args, **options)
            with lock:
                return cache.setdefault(key, value)

        return load

    loaders.Loader.load_service_model = shared(load_service_model)  # type: ignore[method-assign]
    loaders.Loader.load_data_with_path = shared(load_data_with_path)  # type: ignore[method-assign]
    # Each loader lists the data folders once (~4 500 listdirs, ~19 000 stats): once per process.
    loaders.Loader.list_available_services = shared(list_available_services)  # type: ignore[method-assign]
    loaders.Loader._emoji_smith_shared = True  # type: ignore[attr-defined]
