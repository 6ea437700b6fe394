// Weekly inspection: the server renders the report (same HTML as the file); every figure opens
// the rows behind it from GET /inspection/report/checks/{id}/rows.
(() => {
  const $ = (id) => document.getElementById(id);

  function drawRows(title, rows) {
    const cols = [...new Set(rows.slice(0, 20).flatMap((r) => Object.keys(r)))];
    $("drill").hidden = false;
    $("drill-title").textContent = title;
    $("drill-table").querySelector("thead").innerHTML = `<tr>${cols.map((c) => `<th>${Copilot.esc(c)}</th>`).join("")}</tr>`;
    $("drill-table").querySelector("tbody").innerHTML = rows.map((r) => `<tr>${cols.map((c) => {
      const v = r[c];
      if (c === "trace" && v) return `<td><a href="${Copilot.esc(v)}" data-json="1">${Copilot.esc(v)}</a></td>`;
      return `<td>${Copilot.esc(Array.isArray(v) ? v.join(", ") : v ?? "—")}</td>`;
    }).join("")}</tr>`).join("") || `<tr><td class="muted">No rows.</td></tr>`;
    $("drill").scrollIntoView();
  }

  async function drill(link) {
    const url = link.dataset.drill || link.getAttribute("href");
    const data = await Copilot.api(url);
    if (data.rows) drawRows(`${data.title}: ${data.display} — ${data.rows_total} rows`, data.rows);
    else if (data.leads) drawRows(`${data.step} · ${data.reason || ""} — ${data.total} leads`, data.leads.map((l) => ({ ...l, traces: l.traces.map((t) => `${t.mode} ${t.outcome} ${t.rule_id || ""}: ${t.summary || ""}`) })));
  }

  async function load() {
    const params = new URLSearchParams({ format: "html" });
    if ($("week").value.trim()) params.set("week", $("week").value.trim());
    const response = await fetch(`/inspection/report?${params}`, { headers: { Authorization: `Bearer ${localStorage.getItem("copilot_api_key")}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      $("error").textContent = body && body.error ? body.error.message : `HTTP ${response.status}`;
      return;
    }
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    $("error").textContent = "";
    $("report").innerHTML = [...doc.querySelectorAll("style")].map((s) => s.outerHTML).join("") + doc.body.innerHTML;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-drill], #report table.drops a, a[data-json]");
    if (!link) return;
    event.preventDefault();
    drill(link).catch((e) => { $("error").textContent = e.message; });
  });
  $("controls").onsubmit = (e) => { e.preventDefault(); load(); };
  Copilot.start(load);
})();
