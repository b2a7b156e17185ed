"""hio-serial: placeholder, filled by its issue."""
