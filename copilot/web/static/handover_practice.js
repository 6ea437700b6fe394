// Practice chat with the simulated customer, then the rubric feedback and progress over attempts.
(() => {
  const $ = (id) => document.getElementById(id);
  const esc = Copilot.esc;
  const customerId = $("practice").dataset.customerId;
  let session = null;
  const wanted = new URLSearchParams(location.search).get("scenario");
  if (wanted) $("scenario").value = wanted;

  function bubble(speaker, text, extra = "") {
    const div = document.createElement("div");
    div.className = `bubble ${speaker}`;
    div.innerHTML = `<b>${esc(speaker === "rep" ? "你 You" : session.persona.name)}</b> ${esc(text)}${extra}`;
    $("chat").appendChild(div);
    div.scrollIntoView({ block: "end" });
  }

  // Who worded a persona reply: the LLM, or the offline engine because the model's wording failed its check.
  function wording(reply) {
    if (reply.generated_by === "llm") return ` <span class="cite">[LLM]</span>`;
    return reply.fallback_reason ? ` <span class="cite" title="${esc(reply.fallback_reason)}">[offline: ${esc(reply.fallback_reason)}]</span>` : "";
  }

  async function start() {
    $("error").textContent = ""; $("chat").innerHTML = ""; $("feedback").hidden = true;
    try {
      session = await Copilot.api(`/handover/${customerId}/sessions`, { method: "POST", body: { scenario: $("scenario").value } });
    } catch (e) { $("error").textContent = e.message; return; }
    $("title").textContent = `${session.customer} · ${session.scenario} · attempt ${session.attempt}`;
    $("goal").textContent = `目标 Goal: ${session.goal}  ·  ${session.persona.name} (${session.persona.role}${session.persona.title ? ", " + session.persona.title : ""})`;
    session.turns.forEach((t) => bubble(t.speaker, t.text, t.speaker === "rep" ? "" : wording(t)));
    $("turn-form").hidden = false; $("turn").focus();
  }

  async function send(event) {
    event.preventDefault();
    const text = $("turn").value;
    $("error").textContent = "";
    try {
      const result = await Copilot.api(`/sessions/${session.id}/turns`, { method: "POST", body: { text } });
      bubble("rep", text);
      const cites = (result.reply.facts || []).length ? ` <span class="cite">[${result.reply.facts.length} cited]</span>` : "";
      bubble("customer", result.reply.text, cites + wording(result.reply));
      $("turn").value = "";
    } catch (e) { $("error").textContent = e.message; }
  }

  async function finish() {
    let done;
    try { done = await Copilot.api(`/sessions/${session.id}/finish`, { method: "POST" }); }
    catch (e) { $("error").textContent = e.message; return; }
    $("turn-form").hidden = true; $("feedback").hidden = false;
    $("score").textContent = `${done.score}/100 · ${done.passed ? "通过 passed" : "未通过 not passed"}`;
    $("score").className = done.passed ? "ok" : "warn";
    $("criteria").innerHTML = done.result.criteria.map((c) => `<tr class="${c.grade}"><td>${esc(c.label)}<br><span class="muted small">${esc(c.reason)}</span></td>
      <td><span class="badge grade-${c.grade}">${esc(c.grade)}</span>${c.must ? ' <span class="muted small">must</span>' : ""}</td>
      <td>${c.quote ? `turn ${c.turn}: “${esc(c.quote)}”` : '<span class="muted">—</span>'}</td>
      <td>${c.grade === "good" ? "" : esc(c.better)}</td></tr>`).join("");
    const results = await Copilot.api(`/handover/results?customer_id=${customerId}`);
    $("progress").innerHTML = results.progress.filter((p) => p.scenario === done.scenario).map((p) =>
      `${esc(p.user)}: ${p.scores.join(" → ")} (best ${p.best}, change ${p.change >= 0 ? "+" : ""}${p.change})`).join("<br>");
  }

  $("start").onclick = start;
  $("turn-form").onsubmit = send;
  $("finish").onclick = finish;
  Copilot.start(async () => { if (wanted) await start(); });
})();
