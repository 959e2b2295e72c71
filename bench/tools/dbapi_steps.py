"""db-api's `GET messages` request, step by step, inside a db-api container (`make bench`).

Piped to ``python - COOKIE SLUG`` in the db-api container, so it runs on that
image's exact libraries against the bench stack's real Redis and MariaDB.
Each step runs alone in a loop and reports the median CPU µs per call
(``time.process_time``, this thread) and wall µs: the parts a request is
made of, plus the whole request through Flask's test client (everything but
gunicorn's own per-request work and the socket), so the parts can be
compared with their sum. Prints one JSON line.
"""

import io
import json
import logging
import os
import statistics
import sys
import tempfile
import time

COOKIE, SLUG = sys.argv[1], sys.argv[2]
ROUNDS, CALLS = 7, 200


def timed(fn, calls=CALLS):
    fn()  # warm
    cpu, wall = [], []
    for _ in range(ROUNDS):
        c, w = time.process_time(), time.perf_counter()
        for _ in range(calls):
            fn()
        cpu.append((time.process_time() - c) / calls * 1e6)
        wall.append((time.perf_counter() - w) / calls * 1e6)
    return {"cpu_us": round(statistics.median(cpu), 1), "wall_us": round(statistics.median(wall), 1)}


def main() -> None:
    # prometheus_client's multiprocess mode, as under gunicorn (servicekit.gunicorn_conf).
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp())
    import structlog
    from flask import jsonify, request

    from dbapi import create_app, db
    from dbapi.messages import SELECT_MESSAGE
    from dbapi.rooms import find_room
    from dbapi.serialize import message_json
    from servicekit import metrics
    from servicekit.gunicorn_logging import JsonLogger

    app = create_app()
    path = f"/api/v1/rooms/{SLUG}/messages?limit=50"
    headers = {"Cookie": f"session={COOKIE}"}
    client = app.test_client()
    client.set_cookie("session", COOKIE)
    first = client.get(path)
    if first.status_code != 200:
        raise SystemExit(
            f"dbapi_steps: {path} answered {first.status_code}: {first.get_data(as_text=True)[:300]}"
        )
    logging.getLogger().handlers[0].setStream(io.StringIO())  # log lines are formatted, then dropped
    steps = {}
    steps["whole request (Flask test client)"] = timed(lambda: client.get(path), 50)

    with app.test_request_context(path, headers=headers):
        interface = app.session_interface
        steps["session: open_session (Redis GET, msgpack)"] = timed(
            lambda: interface.open_session(app, request)
        )
        steps["before_request hooks (request id, metrics timer, session guard, Flask-Limiter)"] = timed(
            app.preprocess_request
        )
        response = app.make_response(("{}", 200))
        steps["after_request hooks (metrics, request id, session save)"] = timed(
            lambda: app.process_response(response)
        )
        database = db.database()

        def checkout():
            database.checkin(database.checkout())

        steps["pool: checkout + checkin"] = timed(checkout)
        room = find_room(SLUG)
        steps["room lookup (find_room, 1 row)"] = timed(lambda: find_room(SLUG))
        query = SELECT_MESSAGE + "WHERE m.room_id = %s AND m.id < %s ORDER BY m.id DESC LIMIT %s"
        args = (room["id"], db.MAX_ID, 51)
        steps["query + row parsing (PyMySQL DictCursor, 51 rows)"] = timed(lambda: db.query_all(query, args))
        con = db.connection()

        def raw_query():
            with con.cursor(db.pymysql.cursors.Cursor) as cur:
                cur.execute(query, args)
                cur.fetchall()

        steps["same query, tuple cursor"] = timed(raw_query)

        def select_one():
            with con.cursor(db.pymysql.cursors.Cursor) as cur:
                cur.execute("SELECT 1")
                cur.fetchall()

        steps["round trip to MariaDB (SELECT 1)"] = timed(select_one)
        rows = db.query_all(query, args)[:50][::-1]
        steps["serialise: message_json x 50"] = timed(lambda: [message_json(r) for r in rows])
        body = {"items": [message_json(r) for r in rows], "next_before": None}
        steps["serialise: jsonify (Flask JSON provider)"] = timed(lambda: jsonify(body))
        steps["serialise: json.dumps alone"] = timed(lambda: json.dumps(body, ensure_ascii=False))

    logger = JsonLogger.__new__(JsonLogger)
    logger._access = structlog.get_logger("access")

    def access_line():
        logger._access.info(
            "request", request_id="abc", method="GET", path=path, route="/api/v1/rooms/<slug>/messages",
            user_id=1, status=200, duration_ms=1.23, bytes=9000, remote="10.0.0.1", user_agent="wrk",
        )  # fmt: skip

    steps["logging: one JSON access line (structlog → logging)"] = timed(access_line)

    def observe():
        metrics.REQUESTS.labels("db-api", "GET", "/api/v1/rooms/<slug>/messages", "200").inc()
        metrics.LATENCY.labels("db-api", "GET", "/api/v1/rooms/<slug>/messages").observe(0.002)

    steps["metrics: counter + histogram"] = timed(observe)
    print(json.dumps({"path": path, "steps": steps}))


if __name__ == "__main__":
    main()
