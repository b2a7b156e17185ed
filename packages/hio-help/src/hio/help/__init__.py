"""hio-help: placeholder, filled by its issue."""
