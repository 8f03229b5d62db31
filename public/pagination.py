"""Pages of the public listings: search results counted, the others found without a count."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

# A page number past this is refused rather than turned into an OFFSET the database must walk.
MAX_PAGE = 10_000


class ListingPage:
    """One page of a listing, with links one page newer and one page older.

    Django's Paginator counts the whole listing on every page, and a deep page makes the database
    read and sort every full row before it: at 100,000 stories a big section cost a COUNT(*) of
    13,000 rows and deep pages over 100 ms. Readers only ever step a page newer or older, so this
    page asks for one row more than it shows (is there an older page?), and picks its rows by
    primary key first, a narrow walk of the listing's index, before fetching the few full rows.
    """

    paginator = None  # no total: templates show "Page N" without "of M"

    def __init__(self, queryset: QuerySet, number: int, per_page: int) -> None:
        self.number = number
        offset = (number - 1) * per_page
        window = queryset.values("pk")[offset : offset + per_page + 1]
        # One SQL statement: the window is a subquery, and the queryset keeps its order and its
        # prefetches.
        rows = list(queryset.filter(pk__in=window))
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(request: HttpRequest) -> int:
    """The ?page= asked for: 1 when missing or not a number; 404 past MAX_PAGE."""
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    if number > MAX_PAGE:
        raise Http404("No such page.")
    return max(number, 1)


def listing_page(request: HttpRequest, queryset: QuerySet, per_page: int) -> ListingPage:
    """The page of `queryset` that ?page= asks for; a page past the last answers 404."""
    page = ListingPage(queryset, page_number(request), per_page)
    if not page.object_list and page.number > 1:
        raise Http404("No such page.")
    return page


def counted_page(request: HttpRequest, queryset: QuerySet, per_page: int) -> Page:
    """The page of search results asked for by ?page=; a bad or too-high number gives the
    nearest. The count is of every match, which the full-text index answers (articles/search.py)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
