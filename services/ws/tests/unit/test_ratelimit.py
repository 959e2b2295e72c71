from ws.ratelimit import TokenBucket


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_burst_then_refused():
    bucket = TokenBucket(rate=20, burst=40, clock=Clock())
    assert all(bucket.allow() for _ in range(40))
    assert not bucket.allow()


def test_refills_at_the_rate_and_caps_at_the_burst():
    clock = Clock()
    bucket = TokenBucket(rate=20, burst=40, clock=clock)
    for _ in range(40):
        bucket.allow()
    clock.now += 0.5
    assert sum(bucket.allow() for _ in range(100)) == 10
    clock.now += 3600
    assert sum(bucket.allow() for _ in range(100)) == 40


def test_retry_after_is_the_whole_seconds_until_a_token_is_back():
    clock = Clock()
    fast = TokenBucket(rate=20, burst=1, clock=clock)
    fast.allow()
    assert not fast.allow()
    assert fast.retry_after() == 1
    slow = TokenBucket(rate=0.25, burst=1, clock=clock)
    slow.allow()
    clock.now += 1
    assert not slow.allow()
    assert slow.retry_after() == 3
