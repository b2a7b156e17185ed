"""hio.demo.web package

Demo web applications that use hio.

- :mod:`hio.demo.web.demoing`: the demo falcon app: the static client app
  through a StaticSink, a JSON endpoint and a server sent events endpoint
  streaming server tyme.
- :mod:`hio.demo.web.demo_web`: :func:`~hio.demo.web.demo_web.run`, the demo
  web server under a real-time Doist.
"""
