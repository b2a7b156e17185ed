"""hio.demo package

Demo applications that use hio.

- :mod:`hio.demo.web`: the demo web app (a static client app, a JSON endpoint
  and a server sent events endpoint) on hio's own WSGI server.
- :mod:`hio.demo.quickstart`: the quick-start demo behind ``hio demo``: one
  Doist runs the demo web server and a hio HTTP client against it on loopback.
- :mod:`hio.demo.tutorial`: the runnable examples of the tutorial.
"""
