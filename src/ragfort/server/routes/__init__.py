"""The API's routes, one `APIRouter` per kind (`create_app` includes them all).

* `operations`: ``/healthz``, ``/readyz``, ``/metrics``;
* `pages`: the web chat page and what it asks for first (``/v1/info``, ``/v1/examples``);
* `ask`: ``POST /v1/ask``;
* `feedback`: ``POST /v1/feedback`` and ``GET /v1/ab-report``;
* `sessions`: ``GET`` and ``DELETE /v1/sessions/{id}``.

Each reaches the app's shared objects through `ragfort.server.service`.
"""
