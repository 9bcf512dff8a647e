"""Pure functions from bytes to frozen values: MIME, file type, PDF text, OCR, e-invoice XML, fields."""
