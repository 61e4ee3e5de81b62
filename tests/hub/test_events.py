import asyncio

from hub.events import Event, LocalBus


async def test_subscribers_hear_only_their_topics() -> None:
    bus = LocalBus()
    mine = bus.subscribe({"agency:1"})
    other = bus.subscribe({"agency:2"})
    await bus.publish(Event(topic="agency:1", kind="case.sent", data={"id": 5}))
    got = await mine.get(timeout=1)
    assert got is not None and got.kind == "case.sent" and got.data == {"id": 5}
    assert await other.get(timeout=0.05) is None


async def test_closing_the_bus_ends_every_subscription() -> None:
    bus = LocalBus()
    sub = bus.subscribe({"x"})
    await bus.close()
    assert await asyncio.wait_for(sub.get(), 1) is None
    assert sub.closed


async def test_a_slow_reader_loses_the_oldest_notices_not_the_bus() -> None:
    bus = LocalBus()
    sub = bus.subscribe({"t"})
    for i in range(300):
        await bus.publish(Event(topic="t", kind="k", data={"i": i}))
    assert sub.dropped == 300 - sub.queue.maxsize
    first = await sub.get(timeout=1)
    assert first is not None and first.data["i"] == 300 - sub.queue.maxsize


def test_events_survive_the_json_round_trip() -> None:
    event = Event(topic="user:3", kind="k", data={"名字": "李雷"}, actor_user_id=3)
    assert Event.from_json(event.to_json()) == event
