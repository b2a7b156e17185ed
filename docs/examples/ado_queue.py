"""A doer that awaits an asyncio.Queue fed by an asyncio task.

The consumer is an ordinary doified generator: ``yield from awaiting(...)``
starts ``queue.get()`` on the loop and yields until it has an item, while
every other doer (here a heartbeat) keeps running. The producer is a plain
asyncio task in the same loop.

Run it: ``python ado_queue.py``.
"""

from __future__ import annotations

import asyncio

from hio.base import doing
from hio.base.adoing import awaiting
from hio.ending import UntilDoer


def consume(tymth=None, tock=0.0, queue=None, got=None, **opts):
    """Takes items from ``queue`` until None, recording (tyme, item) in ``got``."""
    while True:
        item = yield from awaiting(queue.get())
        if item is None:
            return True
        got.append((tymth(), item))


def beat(tymth=None, tock=0.0, beats=None, **opts):
    """Counts its runs in ``beats`` until the Doist closes it."""
    while True:
        yield tock
        beats.append(tymth())


async def produce(queue: asyncio.Queue, items: list) -> None:
    """Puts each item on the queue a little apart, then None."""
    for item in items:
        await asyncio.sleep(0.02)
        await queue.put(item)
    await queue.put(None)


async def main(items: tuple = ("one", "two", "three")) -> tuple[list, list]:
    """Runs the producer task and the Doist together; returns (what the consumer got, the heartbeat's tymes)."""
    queue: asyncio.Queue = asyncio.Queue()
    got, beats = [], []
    consumer = doing.doify(consume, queue=queue, got=got)
    heartbeat = doing.doify(beat, tock=0.03125, beats=beats)
    producer = asyncio.create_task(produce(queue, list(items)))
    doist = doing.Doist(tock=0.03125, real=True, limit=10.0)
    # done once the consumer is: the heartbeat, still running, is then closed
    await doist.ado(doers=[UntilDoer(doers=[consumer, heartbeat], until=lambda: consumer.done)])
    await producer
    return got, beats


if __name__ == "__main__":
    got, beats = asyncio.run(main())
    print(f"got {got}; the heartbeat ran {len(beats)} times meanwhile")
