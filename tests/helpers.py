"""Small helpers several test modules share."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_to_render(client, url: str) -> int:
    """How many SQL queries rendering `url` takes; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def edit(article, *, by, **fields):
    """Change story fields as a person does, through the door; returns the story as saved."""
    from articles import changes

    saved, _ = changes.edit_story(article, changes.StoryChanges(fields=fields), by=by)
    return saved
