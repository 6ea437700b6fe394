"""Page routes. Pages live under /app/...; `/` sends a browser there.

Pages are shells rendered by Jinja2; their data comes from the same JSON API a script uses,
with the API key the person signed in with (kept in the browser's localStorage), so a page can
never show what the API would not.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))

# (path, template, title) of every page; domains add theirs here.
PAGES: list[tuple[str, str, str]] = [
    ("/app", "customers.html", "Customers"),
    ("/app/customers/{customer_id}", "customer.html", "Customer"),
    ("/app/stages", "stages_health.html", "Stage health"),
    ("/app/handover/{customer_id}", "handover_map.html", "Relationship map"),
    ("/app/handover/{customer_id}/practice", "handover_practice.html", "Practice"),
    ("/app/customers/{customer_id}/voice", "voice.html", "Voice notes"),
    ("/app/inspection", "inspection.html", "Weekly inspection"),
    ("/app/leads/flow", "lead_flow.html", "Lead flow"),
    ("/app/contracts", "contracts.html", "Contract review"),
    ("/app/contracts/{contract_id}", "contract.html", "Contract"),
]


def _page(template: str, title: str):  # type: ignore[no-untyped-def]
    def render(request: Request) -> HTMLResponse:
        settings = request.app.state.context.settings
        return templates.TemplateResponse(
            request, template, {"title": title, "params": request.path_params, "timezone": settings.timezone}
        )

    return render


def mount_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app")

    for path, template, title in PAGES:
        app.add_api_route(
            path,
            _page(template, title),
            methods=["GET"],
            include_in_schema=False,
            response_class=HTMLResponse,
        )
