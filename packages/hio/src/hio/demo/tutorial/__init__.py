"""hio.demo.tutorial package

The runnable examples of the tutorial, one module a step. Each has a
``main()`` that runs it on artificial tyme over loopback, prints what happens
and returns what it got, so the tutorial's code is tested code:

- ``echo``: a TCP echo server and a client under one Doist
- ``wsgi``: a falcon app on hio's WSGI server, called by the hio HTTP client
- ``sse``: server sent events from a WSGI app, read by the hio HTTP client

Run one with ``python -m hio.demo.tutorial.echo``.
"""
