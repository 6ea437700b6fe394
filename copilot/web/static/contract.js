// One contract: rendered pages with every flag highlighted on its box, the flag list beside them,
// accept / dismiss in one click (dismiss asks for a reason), status moves and exports.
(() => {
  const $ = (id) => document.getElementById(id);
  const id = $("contract").dataset.contractId;
  const SCALE = 1.5;
  let view = null;

  async function blobUrl(path) {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${localStorage.getItem("copilot_api_key")}` } });
    if (!response.ok) throw new Error(`page image: HTTP ${response.status}`);
    return URL.createObjectURL(await response.blob());
  }

  function download(link, format) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const a = document.createElement("a");
      a.href = await blobUrl(`/contracts/${id}/export?format=${format}`);
      a.download = `contract-${id}-review.${format}`;
      a.click();
    });
  }

  function select(flagId) {
    document.querySelectorAll(".active").forEach((el) => el.classList.remove("active"));
    document.querySelectorAll(`[data-flag="${flagId}"]`).forEach((el) => el.classList.add("active"));
    const item = document.querySelector(`.flag[data-flag="${flagId}"]`);
    if (item) item.scrollIntoView({ block: "nearest" });
  }

  function renderFlags() {
    const flags = view.flags || [];
    $("flag-count").textContent = `${flags.filter((f) => f.status === "open").length} open / ${flags.length}`;
    $("flags").innerHTML = flags.map((f) => `<li class="flag sev-${f.severity} status-${f.status}" data-flag="${f.id}">
      <div><span class="badge sev-${f.severity}">${f.severity}</span> <b>${Copilot.esc(f.title || f.category)}</b>
        <span class="muted">§${Copilot.esc(f.clause || "—")} · p.${f.page ?? "—"}${f.approximate_position ? " · OCR" : ""}</span>
        <span class="badge">${f.status}</span>${f.source === "llm" ? ` <span class="badge source-llm" title="the model's second opinion, not the playbook's">LLM 意见</span>` : ""}</div>
      <div class="why">${Copilot.esc(f.explanation)}</div>
      <div class="quote">${Copilot.esc(f.quote)}</div>
      <div class="suggest">建议 Suggested: ${Copilot.esc(f.suggestion)}</div>
      ${f.reason ? `<div class="muted">理由 Reason: ${Copilot.esc(f.reason)}</div>` : ""}
      <div class="buttons">
        <button class="accept" data-act="accept">接受 Accept</button>
        <input class="reason" placeholder="驳回理由 reason (required to dismiss)" aria-label="dismiss reason">
        <button class="secondary dismiss" data-act="dismiss">驳回 Dismiss</button>
        <button class="link comment" data-act="comment">评论 Comment</button>
      </div></li>`).join("") || `<li class="muted">No flags.</li>`;
    document.querySelectorAll(".flag").forEach((li) => {
      li.addEventListener("click", () => select(li.dataset.flag));
      li.querySelectorAll("button[data-act]").forEach((b) => b.addEventListener("click", (e) => { e.stopPropagation(); act(li, b.dataset.act); }));
    });
    document.querySelectorAll(".hl").forEach((el) => {
      const f = flags.find((x) => x.id === el.dataset.flag);
      el.classList.toggle("done", !!f && f.status !== "open");
    });
  }

  async function act(li, action) {
    const reason = li.querySelector(".reason").value.trim();
    const body = action === "accept" ? {} : (action === "comment" ? { text: reason } : { reason });
    if (action !== "accept" && !reason) { li.querySelector(".reason").focus(); li.querySelector(".reason").placeholder = "请填写理由 a reason is required"; return; }
    try {
      await Copilot.api(`/contracts/${id}/flags/${li.dataset.flag}/${action}`, { method: "POST", body });
      await load();
    } catch (e) { alert(e.message); }
  }

  async function move(status) {
    const reason = status === "rejected" ? prompt("拒绝理由 Reason for rejecting") : "";
    if (status === "rejected" && !reason) return;
    try { await Copilot.api(`/contracts/${id}/status`, { method: "POST", body: { status, reason } }); await load(); }
    catch (e) { alert(e.message); }
  }

  async function renderPages() {
    const pages = view.summary.pages || 0;
    const container = $("pages");
    if (view.source === "docx" || !pages) { container.innerHTML = `<p class="card muted">DOCX: no page images; flags cite paragraphs.</p>`; return; }
    container.innerHTML = "";
    for (let n = 1; n <= pages; n++) {
      const div = document.createElement("div");
      div.className = "page"; div.dataset.page = n;
      div.innerHTML = `<span class="num">${n}</span>`;
      container.appendChild(div);
      const img = document.createElement("img");
      img.alt = `page ${n}`;
      img.src = await blobUrl(`/contracts/${id}/pages/${n}.png?scale=${SCALE}`);
      await img.decode().catch(() => null);
      div.prepend(img);
      const width = img.naturalWidth / SCALE, height = img.naturalHeight / SCALE;
      for (const f of view.flags) {
        for (const box of f.boxes || []) {
          if (box.page !== n) continue;
          const [x0, top, x1, bottom] = box.bbox;
          const hl = document.createElement("div");
          hl.className = `hl sev-${f.severity}`; hl.dataset.flag = f.id; hl.title = `${f.category}: ${f.explanation}`;
          Object.assign(hl.style, { left: `${(x0 - 2) / width * 100}%`, top: `${(top - 2) / height * 100}%`, width: `${(x1 - x0 + 4) / width * 100}%`, height: `${(bottom - top + 4) / height * 100}%` });
          hl.addEventListener("click", () => select(f.id));
          div.appendChild(hl);
        }
      }
    }
  }

  async function load() {
    const first = view === null;
    view = await Copilot.api(`/contracts/${id}/review`);
    document.title = `${view.title} · Sales Copilot`;
    $("contract-title").textContent = view.title;
    $("contract-meta").textContent = `#${view.id} · ${view.status} · ${view.file_name} · playbook v${view.playbook_version ?? "—"}`;
    if (view.notice || view.message) { $("contract-notice").hidden = false; $("contract-notice").textContent = view.notice || view.message; }
    if (!view.flags) { $("summary").innerHTML = `<dt>状态 Status</dt><dd>${Copilot.esc(view.status)}</dd>`; return; }
    const s = view.summary || {};
    const facts = [["甲方 Customer", s.customer], ["乙方 Supplier", s.supplier], ["金额 Amount", s.amount], ["期限 Term", s.term],
      ["付款天数 Payment days", (s.payment_terms_days || []).join(", ")], ["法律与管辖 Law & venue", (s.governing_law_and_venue || []).join(" ")],
      ["续期 Renewal", s.renewal], ["风险 Counts", Object.entries(s.counts || {}).map(([k, v]) => `${k} ${v}`).join(" · ")]];
    const so = view.second_opinion;
    if (so && typeof so === "object") {
      const said = so.status === "done" ? `kept ${so.kept.length}, dropped ${so.dropped.length} of ${so.asked.length} borderline clauses (${so.model})` : so.reason;
      facts.push(["LLM 第二意见 Second opinion", `${so.status}: ${said || ""}`]);
    }
    $("summary").innerHTML = facts.map(([k, v]) => `<dt>${k}</dt><dd>${Copilot.esc(v) || "—"}</dd>`).join("");
    const next = { uploaded: ["in_review"], in_review: ["negotiating", "approved", "rejected"], negotiating: ["in_review", "approved", "rejected"], approved: ["in_review"], rejected: ["in_review"] }[view.status] || [];
    $("status-actions").innerHTML = next.map((s) => `<button class="secondary" data-status="${s}">→ ${s}</button>`).join("");
    $("status-actions").querySelectorAll("button").forEach((b) => b.addEventListener("click", () => move(b.dataset.status)));
    $("missing").innerHTML = (view.missing || []).map((m) => `<li><span class="badge sev-${m.severity}">${m.severity}</span> <b>${Copilot.esc(m.title || m.category)}</b><br>${Copilot.esc(m.why)}<div class="suggest muted">建议 Suggested: ${Copilot.esc(m.suggestion)}</div></li>`).join("") || `<li class="muted">None.</li>`;
    if (first) await renderPages();
    renderFlags();
  }

  download($("export-csv"), "csv"); download($("export-md"), "md"); download($("export-docx"), "docx");
  Copilot.start(load);
})();
