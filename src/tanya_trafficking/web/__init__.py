"""The Gradio web chat (``tanya-trafficking serve``, ``python app.py``). Read in this order:

    service.py   ChatService: the loaded bot, the answer cache, the index hot-swap, uploads in
                 a spawned process, thumbs up/down. Talks only to ``pipeline``.
    render.py    the HTML of answers, sources, the documents panel, upload progress: Jinja2
                 templates (``templates/``) with autoescape on.
    page.py      build_ui: the Gradio page and its events, the theme, Gradio's strings in
                 Indonesian; style and script in ``static/``.
    guards.py    the ASGI middleware in front of Gradio: limits, foreign origins, the upload
                 guard, the password and its login throttle.
    sessions.py  idle Gradio sessions of plain HTTP callers swept (memory stays flat).
    server.py    create_app (the middleware stacked around the mounted page), allowed hosts,
                 prepare and launch.

It lives in the package (not only in the root ``app.py``) so that the installed
``tanya-trafficking serve`` works too; ``app.py`` is a three-line launcher.
"""
