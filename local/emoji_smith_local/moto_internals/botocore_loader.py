"""botocore's model files parsed once per process, not once per session: the runtime's clients,
moto's parsers and each function's own clients all load the same JSON (~100 ms a run for S3's
endpoint rules alone), and each loader lists the data folders (~4 500 listdirs, ~19 000 stats).
Models are read-only once loaded. The cache outlives an embedded AWS (the next one reuses it);
the patch does not: `uninstall()` puts botocore's methods back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.loaders import Loader

from emoji_smith_local.moto_internals.fence import declared

SHARED = ("load_service_model", "load_data_with_path", "list_available_services")
_cache: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


def needed() -> dict[str, bool]:
    return {
        **{f"botocore Loader.{name}": callable(getattr(Loader, name, None)) for name in SHARED},
        "botocore Loader.search_paths": declared(Loader, "search_paths"),
        "botocore Loader.extras_types": declared(Loader, "extras_types"),
    }


def _shared(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    # Keyed by our name for the method: botocore's own decorator names all three `_wrapper`.
    def load(self: Loader, *args: Any, **options: Any) -> Any:
        paths, extras = tuple(self.search_paths), tuple(self.extras_types)
        key = (name, paths, extras, *args, *sorted(options.items()))
        with _lock:
            if key in _cache:
                return _cache[key]
        value = method(self, *args, **options)
        with _lock:
            return _cache.setdefault(key, value)

    return load


def patches() -> list[tuple[Any, str, Any]]:
    return [(Loader, name, _shared(name, getattr(Loader, name))) for name in SHARED]
