"""hio-filing: placeholder, filled by its issue."""
