"""One walk over a paged list: every page, first to last, bounded.

Safe from a server that ignores ``page`` (it would answer page 1 forever).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from impilo_desk.contract import Page

T = TypeVar("T")


async def paginate(
    fetch_page: Callable[[int], Awaitable[Page[T]]],
    *,
    max_pages: int,
    size: int | None = None,
    too_many: Callable[[], Exception] | None = None,
) -> AsyncIterator[Page[T]]:
    """Yields the pages of a list (``page`` 1, 2, …) until its end.

    The end is the first of: ``last`` true, ``total`` items seen, an empty page, a short page
    (fewer items than ``size``, or than the page's own ``size`` when ``size`` is None), or a page
    repeated (the same items again, or a lower ``page`` number: the server ignores ``page``; the
    repeat is not yielded).

    Args:
        fetch_page: Fetches page ``n`` (1-based).
        max_pages: At most this many pages are fetched.
        size: The page size asked for, if the caller chose one.
        too_many: Raised (what it returns) if the list has not ended after ``max_pages``
            pages; None: the walk just stops there.
    """
    seen = 0
    previous: list[T] | None = None
    for number in range(1, max_pages + 1):
        page = await fetch_page(number)
        if page.content == previous or (page.page is not None and page.page < number):
            return  # the server ignores ``page`` and answered the same page again
        yield page
        seen += len(page.content)
        expected = size if size is not None else page.size
        short = expected is not None and len(page.content) < expected
        if not page.content or page.last or short:
            return
        if page.total is not None and seen >= page.total:
            return
        previous = page.content
    if too_many is not None:
        raise too_many()
