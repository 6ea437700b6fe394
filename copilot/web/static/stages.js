// Stage health: draws GET /stages/health (heat map of days in stage, the stuck list) and the
// forecast's headline next to it. Colours compare a cell's average days with the stage timeout.
(() => {
  const $ = (id) => document.getElementById(id);
  const wan = (v) => `${(v / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 1 })}万`;

  function heatClass(avg, timeout) {
    if (!timeout) return "hn";
    const r = avg / timeout;
    return r <= 0.5 ? "h0" : r <= 1 ? "h1" : r <= 2 ? "h2" : "h3";
  }

  function drawHeat(map) {
    const head = `<tr><th>${Copilot.esc(map.dimension)}</th>` + map.stages.map((s) =>
      `<th>${Copilot.esc(s)}<br><span class="muted">${map.timeouts[s] ? map.timeouts[s] + "天" : "—"}</span></th>`).join("") + "<th>合计</th></tr>";
    $("heatmap").querySelector("thead").innerHTML = head;
    $("heatmap").querySelector("tbody").innerHTML = map.rows.map((row) => `<tr><th>${Copilot.esc(row.label)}</th>` +
      map.stages.map((s) => {
        const c = row.cells[s];
        if (!c) return `<td class="heat empty"></td>`;
        const title = `${row.label} · ${s}: ${c.count} 个, 平均 ${c.avg_days} 天, 最长 ${c.max_days} 天, 超期 ${c.over_timeout}`;
        return `<td class="heat ${heatClass(c.avg_days, map.timeouts[s])}" title="${Copilot.esc(title)}">${c.avg_days.toFixed(0)}d<small> / ${c.count}${c.over_timeout ? ` · ${c.over_timeout}超` : ""}</small></td>`;
      }).join("") + `<td>${row.total}</td></tr>`).join("") || `<tr><td class="muted">No open opportunity.</td></tr>`;
  }

  function drawStuck(items) {
    $("stuck-count").textContent = `(${items.length})`;
    $("stuck").querySelector("tbody").innerHTML = items.slice(0, 200).map((s) => `
      <tr>
        <td>${Copilot.esc(s.name)}<br><span class="muted">${Copilot.esc(s.external_id || s.id)} · ${wan(s.amount)}</span></td>
        <td>${Copilot.esc(s.stage)}</td><td>${s.days_in_stage.toFixed(0)}</td><td>+${s.over_by_days.toFixed(0)}</td>
        <td>${Copilot.esc(s.owner || "—")}</td><td>${Copilot.esc(s.department || "—")}</td>
        <td>${s.last_activity_at ? Copilot.when(s.last_activity_at) : "—"}<br><span class="muted">${s.days_since_activity.toFixed(0)} 天前</span></td>
        <td>${s.frozen ? '<span class="badge fail">冻结 frozen</span>' : ""} ${s.downgraded ? '<span class="badge warn">降级 downgraded</span>' : ""}</td>
      </tr>`).join("") || `<tr><td colspan="8" class="muted">Nothing stuck.</td></tr>`;
  }

  async function load() {
    const params = new URLSearchParams({ dimension: $("dimension").value });
    if ($("days").value) params.set("days", $("days").value);
    const [health, forecast] = await Promise.all([Copilot.api(`/stages/health?${params}`), Copilot.api("/forecast")]);
    $("summary").innerHTML = [
      ["开放商机", health.open_total], ["卡住", health.stuck.length],
      ["加权预测 weighted", wan(forecast.weighted_pipeline)], ["冻结未计入", `${forecast.frozen_count} · ${wan(forecast.frozen_amount)}`],
      ["确认回款 confirmed", wan(forecast.confirmed_revenue)], ["标记赢单未回款", `${forecast.won_unconfirmed_count} · ${wan(forecast.won_unconfirmed_amount)}`],
    ].map(([k, v]) => `<div class="stat"><div class="muted">${k}</div><div class="stat-value">${Copilot.esc(v)}</div></div>`).join("");
    drawHeat(health.heat_map);
    drawStuck(health.stuck);
  }

  $("controls").onsubmit = (e) => { e.preventDefault(); load(); };
  Copilot.start(load);
})();
