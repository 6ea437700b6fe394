// One customer: firmographics, contacts, opportunities and recent activities.
(() => {
  const $ = (id) => document.getElementById(id);
  const id = $("customer").dataset.customerId;
  const LABELS = [["uscc", "统一社会信用代码"], ["industry", "行业"], ["province", "省份"], ["city", "城市"],
    ["address", "地址"], ["legal_representative", "法定代表人"], ["phone", "电话"], ["email", "邮箱"],
    ["website", "网站"], ["size_band", "规模"], ["external_id", "外部编号"], ["updated_at", "更新"]];

  async function load() {
    let c;
    try { c = await Copilot.api(`/customers/${id}`); }
    catch (e) { $("customer-name").textContent = e.message; return; }
    document.title = `${c.name} · Sales Copilot`;
    $("customer-name").innerHTML = `${Copilot.esc(c.name)} ${(c.tags || []).map((t) => `<span class="tag">${Copilot.esc(t)}</span>`).join("")}`;
    $("facts").innerHTML = LABELS.map(([k, label]) =>
      `<dt>${label}</dt><dd>${Copilot.esc(k === "updated_at" ? Copilot.when(c[k]) : c[k]) || "—"}</dd>`).join("");
    const [contacts, opps, acts] = await Promise.all([
      Copilot.api(`/contacts?customer_id=${id}&limit=100`),
      Copilot.api(`/opportunities?customer_id=${id}&limit=100`),
      Copilot.api(`/activities?customer_id=${id}&limit=20`),
    ]);
    $("contacts").innerHTML = contacts.items.map((p) =>
      `<li><b>${Copilot.esc(p.name)}</b> ${Copilot.esc(p.title || "")} <span class="muted">${Copilot.esc(p.phone || "")} ${Copilot.esc(p.email || "")}</span></li>`).join("") || `<li class="muted">No contacts.</li>`;
    $("opportunities").innerHTML = opps.items.map((o) =>
      `<li><b>${Copilot.esc(o.name)}</b> <span class="badge">${Copilot.esc(o.stage)}</span> ¥${Number(o.amount).toLocaleString("zh-CN")} <span class="muted">since ${Copilot.when(o.stage_entered_at)}</span></li>`).join("") || `<li class="muted">No opportunities.</li>`;
    $("activities").innerHTML = acts.items.map((a) =>
      `<li><span class="badge">${Copilot.esc(a.kind)}</span> ${Copilot.when(a.occurred_at)} <b>${Copilot.esc(a.subject || "")}</b><br>${Copilot.esc(a.text)}</li>`).join("") || `<li class="muted">No activities.</li>`;
    document.dispatchEvent(new CustomEvent("customer:loaded", { detail: c }));
  }
  Copilot.start(load);
})();
