"""The pieces of a file transfer that need no stack: the deadline, the download headers."""

import time

import gevent
import pytest
from werkzeug.datastructures import Headers

from web.files.routes import TransferTimedOut, attachment, part_type, within


def test_a_client_that_stops_sending_is_cut_at_the_deadline():
    def pieces():
        yield b"a"
        gevent.sleep(30)  # blocked, as in a socket read that never returns
        yield b"b"

    started = time.monotonic()
    received = []
    with pytest.raises(TransferTimedOut):
        received.extend(within(0.2, pieces()))
    assert received == [b"a"]
    assert time.monotonic() - started < 10


def test_the_deadline_is_for_the_whole_transfer_not_each_piece():
    def trickle():
        while True:
            gevent.sleep(0.05)
            yield b"x"

    received = []
    with pytest.raises(TransferTimedOut):
        received.extend(within(0.5, trickle()))
    assert 2 <= len(received) < 100


def test_a_transfer_within_its_time_passes_unchanged():
    assert list(within(5, [b"a", b"b"])) == [b"a", b"b"]


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("report.pdf", "attachment; filename=report.pdf"),
        ("Quarterly report.pdf", 'attachment; filename="Quarterly report.pdf"'),
        ("naïve.txt", "attachment; filename=naive.txt; filename*=UTF-8''na%C3%AFve.txt"),
    ],
)
def test_attachment_header(name, header):
    assert attachment(name) == header


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/plain; charset=utf-8", "text/plain"),
        ("", "application/octet-stream"),
        ("tëxt/plain", "application/octet-stream"),
    ],
)
def test_part_type(value, expected):
    assert part_type(Headers({"Content-Type": value})) == expected
