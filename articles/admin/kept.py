"""What a person typed, given back to them when a save was refused: the kept-changes page's text.

Only their own words from their own request: nothing is read from the story.
"""

from django.http import QueryDict

from .filters import is_small_number

# The story form's text fields and the inlines' text fields, as the kept-changes page labels them.
KEPT_FIELDS = {
    "headline": "Headline",
    "slug": "Address",
    "dek": "Standfirst",
    "body": "Text",
    "tags": "Tags",
    "source_headline": "Original headline",
    "source_dek": "Original standfirst",
    "source_body": "Original text",
    "interview-0-interviewee_name": "Interviewee",
    "interview-0-interviewee_description": "Interviewee's description",
}
KEPT_EXCHANGE_FIELDS = {
    "question": "Question",
    "answer": "Answer",
    "question_original": "Original question",
    "answer_original": "Original answer",
}


def kept_text(data: QueryDict) -> list[tuple[str, str]]:
    """What a person typed into the story form, labelled, for them to copy when it could not be
    saved. Only their own words from their own request: nothing is read from the story."""
    typed = [(label, str(data.get(name, ""))) for name, label in KEPT_FIELDS.items()]
    for key in data:
        prefix, _, name = key.rpartition("-")
        if prefix.startswith("exchanges-") and name in KEPT_EXCHANGE_FIELDS:
            number = prefix.removeprefix("exchanges-")
            if is_small_number(number):
                typed.append((f"{KEPT_EXCHANGE_FIELDS[name]} {int(number) + 1}", str(data[key])))
        elif prefix.startswith("corrections-") and name == "text":
            typed.append(("Correction", str(data[key])))
    return [(label, value) for label, value in typed if value.strip()]
