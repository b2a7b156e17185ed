"""hio-doing: placeholder, filled by its issue."""
