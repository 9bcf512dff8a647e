"""Invoice fields read from a document's text: amounts, dates, identifiers, parties, totals, markers."""

from parsers.fields.extract import extract_fields

__all__ = ["extract_fields"]
