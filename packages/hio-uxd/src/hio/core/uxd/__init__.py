"""hio-uxd: placeholder, filled by its issue."""
