"""hio-http: placeholder, filled by its issue."""
