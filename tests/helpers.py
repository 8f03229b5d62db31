"""Small helpers several test modules share."""

from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_to_render(client, url: str) -> int:
    """How many SQL queries rendering `url` takes; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def stored_files(storage=default_storage, folder: str = "") -> set[str]:
    """Every file in media storage, found through the storage API alone (as on S3)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return set()
    prefix = f"{folder}/" if folder else ""
    found = {prefix + name for name in files}
    for name in folders:
        found |= stored_files(storage, prefix + name)
    return found
