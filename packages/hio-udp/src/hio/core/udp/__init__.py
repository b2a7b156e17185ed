"""hio-udp: placeholder, filled by its issue."""
