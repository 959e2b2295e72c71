"""db-api as it is, except that every request opens its own MariaDB connection.

The same app, routes, query, driver settings (``PooledDB``'s own connection
arguments, SteadyDB's tough cursor) and gunicorn settings; only
``Database.checkout`` differs: ``pool.steady_connection()`` gives an
unpooled connection that ``checkin``'s ``close()`` really closes. TLS follows
``DB_SSL_DISABLED`` as in db-api. Served by the bench override only.
"""

from dbapi import create_app as _create_app
from dbapi import db


class NewConnectionDatabase(db.Database):
    def checkout(self):
        if not self.gate.acquire(timeout=self.timeout):
            raise db.PoolTimeout(f"no database connection free within {self.timeout} s")
        try:
            return self.pool.steady_connection()
        except BaseException:
            self.gate.release()
            raise


def create_app():
    db.Database = NewConnectionDatabase
    return _create_app()
