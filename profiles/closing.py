"""One definition of "use it in a with-block and it closes itself", for everything that holds files or locks."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """A mixin: ``with thing:`` returns the thing and calls its ``close()`` on the way out, even after an error."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["Closing"]
