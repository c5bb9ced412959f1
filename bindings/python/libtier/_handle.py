# SPDX-License-Identifier: MIT
"""The base of every class that owns a libtier pointer."""

import contextlib
import weakref
from typing import Any, Iterator, Optional, TypeVar

from ._display import Described

_H = TypeVar("_H", bound="Handle")


class Handle(Described):
    """Owns one C pointer: ``close()`` frees it, as do ``with`` and garbage collection.

    Subclasses set ``_free`` (the tier_*_free function), call ``_adopt(ptr)`` and configure the
    new object inside ``with self._closed_on_error():``.
    """

    _free: Any = None
    _ptr: Any = None
    _finalizer: Optional[weakref.finalize] = None

    def _adopt(self, ptr: Any) -> None:
        self._ptr = ptr
        self._finalizer = weakref.finalize(self, type(self)._free, ptr)

    @contextlib.contextmanager
    def _closed_on_error(self: _H) -> Iterator[_H]:
        """Closes the object when the block raises: a constructor never leaves a half-configured
        object behind."""
        try:
            yield self
        except BaseException:
            self.close()
            raise

    @property
    def _p(self) -> Any:
        """The live pointer; ValueError once closed."""
        if not self._ptr:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._ptr

    @property
    def closed(self) -> bool:
        """Whether close() has freed the C object."""
        return not self._ptr

    def close(self) -> None:
        """Frees the C object now (further use raises ValueError); safe to call twice."""
        if self._finalizer is not None:
            self._finalizer()
        self._ptr = None

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
