// The relationship map: people as a graph around "us" (size = influence, edge = closeness), lists beside it.
(() => {
  const $ = (id) => document.getElementById(id);
  const esc = Copilot.esc;
  const id = $("handover").dataset.customerId;
  const ROLE_COLOURS = { decision_maker: "#b42318", champion: "#067647", blocker: "#7a2e0e",
    buyer: "#175cd3", technical_evaluator: "#6941c6", user: "#667085" };
  const cite = (ev) => (ev || []).slice(0, 2).map((e) =>
    `<span class="cite" title="${esc(e.quote)}">[${esc(e.kind)} ${esc(e.id)}${e.occurred_at ? " · " + esc(e.occurred_at.slice(0, 10)) : ""}]</span>`).join(" ");

  function drawGraph(people) {
    const svg = $("graph");
    const cx = 280, cy = 230, ns = "http://www.w3.org/2000/svg";
    const el = (tag, attrs, text) => { const e = document.createElementNS(ns, tag);
      Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, v)); if (text) e.textContent = text; svg.appendChild(e); return e; };
    svg.innerHTML = "";
    people.forEach((p, i) => {
      const angle = (2 * Math.PI * i) / Math.max(people.length, 1) - Math.PI / 2;
      const distance = 165 - 1.0 * p.closeness.score;  // closer people sit nearer to us
      const x = cx + distance * Math.cos(angle), y = cy + distance * Math.sin(angle);
      const width = p.never_met ? 1 : 1 + p.closeness.score / 12;
      el("line", { x1: cx, y1: cy, x2: x, y2: y, stroke: p.never_met ? "#d0d5dd" : "#12b76a",
        "stroke-width": width.toFixed(1), "stroke-dasharray": p.never_met ? "4 4" : "", class: "edge",
        "data-closeness": p.closeness.score });
      p._x = x; p._y = y;
    });
    el("circle", { cx, cy, r: 26, fill: "#101828" });
    el("text", { x: cx, y: cy + 5, "text-anchor": "middle", fill: "#fff", "font-size": 13 }, "我方 Us");
    people.forEach((p) => {
      const r = 12 + 28 * p.influence;
      const node = el("circle", { cx: p._x, cy: p._y, r: r.toFixed(1), fill: ROLE_COLOURS[p.role] || "#667085",
        "fill-opacity": 0.85, class: "node", "data-influence": p.influence, "data-name": p.name });
      const title = document.createElementNS(ns, "title");
      title.textContent = `${p.name} · ${p.role} · influence ${p.influence} · closeness ${p.closeness.score}`;
      node.appendChild(title);
      el("text", { x: p._x, y: p._y + r + 14, "text-anchor": "middle", "font-size": 13 }, p.name);
    });
    $("legend").innerHTML = Object.entries(ROLE_COLOURS).map(([role, c]) =>
      `<span class="dot" style="background:${c}"></span>${role}`).join(" ") + " · dashed line: never met";
  }

  async function load() {
    let m;
    try { m = await Copilot.api(`/handover/${id}/map`); }
    catch (e) { $("title").textContent = e.message; return; }
    $("title").textContent = `${m.customer_name} · 关系图谱 Relationship map`;
    $("subtitle").textContent = `generated ${Copilot.when(m.generated_at)} · rules ${m.rules_id}` +
      (m.tags.length ? ` · tags: ${m.tags.join(", ")}` : "");
    $("missing").innerHTML = [...m.missing, ...m.notes].map((x) => `<li>${esc(x)}</li>`).join("");
    drawGraph(m.people);
    $("people").innerHTML = m.people.map((p) => `<li class="person"><b>${esc(p.name)}</b> ${esc(p.title || "")}
      <span class="badge">${esc(p.role)}</span> influence ${p.influence} · closeness <b>${p.closeness.score}</b>
      ${p.never_met ? '<span class="badge warn">never met 未见过</span>' : ""}
      ${p.last_contact ? `<span class="muted">last ${Copilot.when(p.last_contact)}</span>` : ""}
      <br><span class="muted small">${esc(p.role_reason)}; ${p.closeness.reasons.map(esc).join("; ")}</span> ${cite(p.evidence)}</li>`).join("")
      || `<li class="muted">No people in the history.</li>`;
    $("conflicts").innerHTML = m.conflicts.map((c) => `<li><span class="badge ${c.resolved ? "" : "warn"}">${esc(c.kind)} · ${c.resolved ? "resolved 已解决" : "unresolved 未解决"}</span>
      ${Copilot.when(c.occurred_at)} ${esc(c.summary)} ${c.people.length ? `<span class="muted">(${c.people.map(esc).join(", ")})</span>` : ""}
      ${c.resolution ? `<br><span class="muted small">resolution: ${esc(c.resolution)}</span>` : ""} ${cite(c.evidence)}</li>`).join("")
      || `<li class="muted">No conflicts found.</li>`;
    $("promises").innerHTML = m.promises.map((p) => `<li><span class="badge ${p.status === "kept" ? "" : "warn"}">${esc(p.status)}</span>
      ${p.due ? `due ${esc(p.due.slice(0, 10))}` : "no date"} · ${esc(p.text)}<br><span class="muted small">${esc(p.status_reason)}</span> ${cite(p.evidence)}</li>`).join("")
      || `<li class="muted">No promises found.</li>`;
    $("opportunities").innerHTML = m.opportunities.map((o) => `<li><b>${esc(o.name)}</b> <span class="badge">${esc(o.stage)}</span>
      ¥${Number(o.amount).toLocaleString("zh-CN")} ${o.gate ? `<span class="muted">${esc(o.gate)}</span>` : o.days_in_stage !== null ? `<span class="muted">${o.days_in_stage} days in stage</span>` : ""} ${cite(o.evidence)}</li>`).join("")
      || `<li class="muted">No open opportunity.</li>`;
  }
  Copilot.start(load);
})();
