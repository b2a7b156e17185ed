"""hio.deploying package

``hio serve APP`` and ``hiod``: hio's WSGI server as a command to deploy an
application with, on every core. One supervising process opens the
listening sockets and keeps worker processes serving on them, each a
real-time Doist; signals stop them gracefully or replace them one at a time.

Modules, one job each:

- :mod:`~hio.deploying.apping`: find the application ``MODULE:APP`` names
- :mod:`~hio.deploying.binding`: parse ``--bind`` and open the listening sockets
- :mod:`~hio.deploying.configuring`: the options, from the command line or ``HIO_*``
- :mod:`~hio.deploying.accessing`: the access log in the common log format
- :mod:`~hio.deploying.working`: one worker process
- :mod:`~hio.deploying.balancing`: the connections each worker holds, shared
- :mod:`~hio.deploying.supervising`: the supervising process
"""
