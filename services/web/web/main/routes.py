"""``/`` and permanent redirects from the addresses of the first version of the site."""

from flask import render_template

from web.main import bp


@bp.get("/")
def index():
    return render_template("main/index.html")


# Moved pages: the routing map itself answers 301 (see ``web.hooks.moved_permanently``),
# and the target is built from the endpoint, so it follows the route if it moves again.
bp.add_url_rule(
    "/login", endpoint="old_login", methods=["GET"], redirect_to=lambda adapter: adapter.build("auth.login")
)
bp.add_url_rule(
    "/register",
    endpoint="old_register",
    methods=["GET"],
    redirect_to=lambda adapter: adapter.build("auth.register"),
)
bp.add_url_rule(
    "/r/<slug>",
    endpoint="old_room",
    methods=["GET"],
    redirect_to=lambda adapter, slug: adapter.build("rooms.room", {"slug": slug}),
)
