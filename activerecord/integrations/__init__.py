"""Integrations with web frameworks: :mod:`.flask` (the ``ActiveRecord`` extension),
:mod:`.wsgi` and :mod:`.asgi` (middleware for any other framework). Each makes sure a
request leaves no connection checked out and no transaction open (docs/web.md)."""
