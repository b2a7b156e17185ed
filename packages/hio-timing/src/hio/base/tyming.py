"""hio-timing: placeholder, filled by its issue."""
