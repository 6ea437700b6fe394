// The pre-visit brief on the customer page: shown from the offline brief at once, then
// LLM-written sections replace questions and talk tracks as they stream in (NDJSON).
// Every claim carries citation marks that jump to its evidence (quote, source, dates, link).
// Spans of calls, contracts and voice notes come from the search index with their time span or page.
(() => {
  const $ = (id) => document.getElementById(id);
  const esc = (v) => Copilot.esc(v);
  const day = (iso) => (iso ? String(iso).slice(0, 10) : "");
  let evidence = new Map();

  function cite(refs) {
    return (refs || []).map((r) => {
      const key = `${r.kind}-${r.id}`.replace(/[^\w-]/g, "_"); // an element id and a CSS selector (ids like "file.pdf#3")
      if (!evidence.has(key)) evidence.set(key, { n: evidence.size + 1, ref: r });
      const n = evidence.get(key).n;
      return `<a class="cite" href="#ev-${esc(key)}" title="${esc(r.quote)}">[${n}]</a>`;
    }).join("");
  }

  function gen(item) {
    const by = item.generated_by || "offline";
    const title = item.fallback_reason ? ` title="${esc(item.fallback_reason)}"` : "";
    return `<span class="gen ${esc(by)}"${title}>${by === "llm" ? "LLM" : "offline"}</span>`;
  }

  function span(ref) {
    if (ref.page != null) return ` · p. ${ref.page}`;
    if (ref.start == null) return "";
    const mmss = (x) => `${Math.floor(x / 60)}:${String(Math.floor(x % 60)).padStart(2, "0")}`;
    return ref.kind === "transcript_span" ? ` · ${mmss(ref.start)}–${mmss(ref.end ?? ref.start)}` : ` · chars ${ref.start}–${ref.end}`;
  }

  function renderMaterial(brief) {
    const index = (brief.generation || {}).index || {};
    const status = index.status || "";
    $("brief-material-status").textContent = status && status !== "ok" ? `· ${status}` : "";
    $("brief-material").innerHTML = (brief.from_calls_and_contracts || []).map((f) => {
      const ref = f.evidence[0] || {};
      return `<li class="finding"><span class="badge">${esc(f.topic_label)}</span> ${esc(f.text)}${cite(f.evidence)}
        <div class="quote"><q>${esc(ref.quote)}</q> <span class="muted">${esc(ref.source || "")}${span(ref)} · ${day(ref.occurred_at)} · ${esc(f.how)}</span></div></li>`;
    }).join("") || `<li class="muted">没有相关通话或合同条款 Nothing on these topics in calls, contracts or voice notes.</li>`;
  }

  function renderEvidence() {
    $("brief-evidence").innerHTML = [...evidence.entries()].map(([key, { n, ref }]) => {
      const link = ref.url && /^https?:|^\/app\//.test(ref.url) ? ` <a href="${esc(ref.url)}" target="_blank" rel="noopener">open</a>` : "";
      const file = (ref.file ? ` · ${esc(ref.file)}` : "") + span(ref);
      const dates = [ref.occurred_at && `occurred ${day(ref.occurred_at)}`, ref.ingested_at && `ingested ${day(ref.ingested_at)}`].filter(Boolean).join(", ");
      return `<li id="ev-${esc(key)}" value="${n}"><b>${esc(ref.kind)}:${esc(ref.id)}</b> · ${esc(ref.source || "")}${file}${dates ? " · " + dates : ""} — <q>${esc(ref.quote)}</q>${link}</li>`;
    }).join("");
  }

  function renderQuestions(items) {
    $("brief-questions").innerHTML = items.map((q) => `<li>${esc(q.text)} ${gen(q)}${cite(q.evidence)}</li>`).join("");
  }

  function renderTracks(items) {
    $("brief-tracks").innerHTML = items.map((t) =>
      `<li><b>${esc(t.title)}</b> ${gen(t)}<br>${esc(t.text)}${cite(t.evidence)}<br><span class="muted">适用 When: ${esc(t.when_to_use)} · 佐证 Proof: ${t.proof_points.map(esc).join(" / ")}</span></li>`).join("");
  }

  function render(brief) {
    evidence = new Map();
    const p = brief.profile;
    const tags = p.tags.map((t) => `<span class="tag">${esc(t.tag)}${cite(t.evidence)}</span>`).join("");
    const deals = p.opportunities.map((d) => `${esc(d.name)} · ${esc(d.stage)} ${d.days_in_stage}d${cite(d.evidence)}`).join(";");
    $("brief-profile").innerHTML = [
      p.owner ? `负责人 Owner: <b>${esc(p.owner)}</b>` : "",
      deals ? `在途商机 Open deals: ${deals}` : "",
      tags ? `标签 Tags: ${tags}` : "",
      p.last_touches.length ? `最近接触 Last touch: ${esc(p.last_touches[0].when)} ${esc(p.last_touches[0].kind)}${cite(p.last_touches[0].evidence)}` : "",
    ].filter(Boolean).join(" · ");
    $("brief-triggers").innerHTML = brief.triggers.map((t) =>
      `<li class="trigger"><span class="badge sev-${esc(t.severity)}">${esc(t.severity)}</span> <b>${esc(t.title)}</b>${cite(t.evidence)}
        <div class="why">${esc(t.why)}</div><div class="action">→ ${esc(t.action)}</div>
        ${t.related && t.related.length ? `<div class="related muted">通话/合同里 In calls and contracts:${cite(t.related)}</div>` : ""}
        <details><summary class="muted">why it fired</summary><ul class="reasons">${t.reasons.map((r) => `<li>${esc(r)}</li>`).join("")}</ul></details></li>`).join("")
      || `<li class="muted">没有触发的规则 No trigger fired.</li>`;
    renderQuestions(brief.questions);
    renderTracks(brief.talk_tracks);
    renderMaterial(brief);
    $("brief-signals").innerHTML = brief.signals.map((s) =>
      `<li><span class="date">${day(s.occurred_at)}</span><span class="badge">${esc(s.type)}</span> <span>${esc(s.title)}${cite(s.evidence)}
        ${s.topics.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}${s.flags.map((f) => ` <span class="flag">⚠ ${esc(f)}</span>`).join("")}</span></li>`).join("")
      || `<li class="muted">暂无信号 No signals yet.</li>`;
    renderEvidence();
    const sections = brief.generation.sections || {};
    $("brief-status").textContent = sections.questions === "pending" ? "· 正在生成 writing with the LLM…" : `· ${day(brief.generated_at)}`;
  }

  function apply(event, state) {
    if (event.event === "brief") { state.brief = event.brief; render(state.brief); }
    else if (event.event === "section") { state.brief[event.section] = event.items; render(state.brief); $("brief-status").textContent = "· 正在生成 writing with the LLM…"; }
    else if (event.event === "done") { if (event.generation) state.brief.generation = event.generation; render(state.brief); $("brief").setAttribute("aria-busy", "false"); }
  }

  async function load(customer) {
    const state = {};
    $("brief-status").textContent = "· loading…";
    const response = await fetch(`/customers/${customer.id}/brief/stream`, { headers: { Authorization: `Bearer ${localStorage.getItem("copilot_api_key")}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      $("brief-status").textContent = body && body.error ? body.error.message : `HTTP ${response.status}`;
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl); buffer = buffer.slice(nl + 1);
        if (line.trim()) apply(JSON.parse(line), state);
      }
    }
    $("brief").setAttribute("aria-busy", "false");
  }

  document.addEventListener("customer:loaded", (e) => load(e.detail).catch((err) => { $("brief-status").textContent = err.message; }));
})();
