// Lead flow: GET /leads/flow draws the steps and their drops; a drop's count opens its leads and
// their routing traces (GET /leads/flow/leads).
(() => {
  const $ = (id) => document.getElementById(id);

  async function openDrop(url) {
    const data = await Copilot.api(url);
    $("drill").hidden = false;
    $("drill-title").textContent = `${data.step}: ${data.reason || "all drops"} — ${data.total} leads`;
    $("drill-table").querySelector("tbody").innerHTML = data.leads.map((l) => `
      <tr><td>${Copilot.esc(l.external_id || l.lead_id)}</td><td>${Copilot.esc(l.company)}</td><td>${Copilot.esc(l.source)}</td>
      <td>${Copilot.when(l.created_at)}</td><td>${Copilot.esc(l.reason)}${l.recovered_later ? ' <span class="badge ok">recovered later</span>' : ""}</td>
      <td>${Copilot.esc(l.rule || "—")}</td>
      <td>${l.traces.map((t) => `${Copilot.when(t.at)} · ${Copilot.esc(t.mode)} · ${Copilot.esc(t.outcome)} · ${Copilot.esc(t.summary || "")}`).join("<br>") || "—"}</td></tr>`).join("");
    $("drill").scrollIntoView();
  }

  async function load() {
    const params = new URLSearchParams();
    if ($("since").value) params.set("since", $("since").value);
    const flow = await Copilot.api(`/leads/flow?${params}`);
    $("notes").textContent = flow.notes.join(" · ");
    drawStranded(flow.first_routing_failures);
    const top = Math.max(1, ...flow.steps.map((s) => s.count));
    $("funnel").innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="${flow.steps.length * 32 + 6}">` + flow.steps.map((s, i) => {
      const w = Math.max(2, (420 * s.count) / top), y = 4 + i * 32;
      const dropped = s.drops.reduce((n, d) => n + d.count, 0);
      return `<text x="4" y="${y + 17}" font-size="12">${Copilot.esc(s.label)}</text><rect x="180" y="${y}" width="${w}" height="26" fill="#4a7bd0"/>` +
        `<text x="${186 + w}" y="${y + 17}" font-size="12">${s.count}${dropped ? ` (−${dropped})` : ""}</text>`;
    }).join("") + "</svg>";
    $("drops").querySelector("tbody").innerHTML = flow.steps.flatMap((s) => s.drops.map((d) => `
      <tr><td>${Copilot.esc(s.label)}</td><td><a href="${Copilot.esc(d.drill)}" class="drop">${d.count}</a></td>
      <td>${Copilot.esc(d.reason)}</td><td>${Copilot.esc(d.rule || "—")}</td><td>${d.recovered_later}</td></tr>`)).join("") || `<tr><td colspan="5" class="muted">No drops.</td></tr>`;
  }

  function drawStranded(items) {
    $("stranded").querySelector("tbody").innerHTML = items.map((f) => `
      <tr><td>${f.count}</td><td>${Copilot.esc(f.reason)}</td><td>${Copilot.esc(f.rule || "—")}</td><td>${f.dropped_earlier}</td><td>${f.recovered_later}</td></tr>`).join("")
      || `<tr><td colspan="5" class="muted">Every first routing decision assigned the lead.</td></tr>`;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.drop");
    if (!link) return;
    event.preventDefault();
    openDrop(link.getAttribute("href"));
  });
  $("controls").onsubmit = (e) => { e.preventDefault(); load(); };
  Copilot.start(load);
})();
