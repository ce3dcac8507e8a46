"""The review queue: a web page where a person fixes what the machine was unsure of.

    app.py          create_app(settings): the FastAPI app, its middleware and error pages
    deps.py         what the routes depend on: services, the reviewer, the CSRF check
    api.py, pages.py  the JSON API and the HTML pages (routers; neither imports app.py)
    corrections.py  decisions as events over the result store; the queue; the group view
    reviewed.py     pure functions: decisions applied to a record, the rules run again
    auth.py, crops.py  reviewer accounts and sessions; page images and cell crops
    commands.py     `extractor serve` and `extractor users` (registered as CLI commands)

The review tables and the reviewed-document read live in workers/store, so the
batch service (`extractor export`) never imports this package.
"""
