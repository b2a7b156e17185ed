"""hio-tcp: placeholder, filled by its issue."""
