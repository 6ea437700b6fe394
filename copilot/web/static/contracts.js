// Legal's contract review queue, and the upload form (PDF or DOCX).
(() => {
  const $ = (id) => document.getElementById(id);
  const STATUS = { uploaded: "已上传 uploaded", in_review: "审查中 in review", negotiating: "谈判中 negotiating", approved: "已批准 approved", rejected: "已拒绝 rejected" };

  async function load() {
    let rows;
    try { rows = await Copilot.api("/contracts/review-queue"); }
    catch (e) {
      if (e.status !== 403) throw e;
      rows = (await Copilot.api("/contracts")).map((c) => Object.assign({ open_flags: { high: "", medium: "", low: "" }, missing: "" }, c));
    }
    $("queue").querySelector("tbody").innerHTML = rows.map((r) => `<tr>
      <td>${r.id}</td><td><a href="/app/contracts/${r.id}">${Copilot.esc(r.title)}</a></td>
      <td>${Copilot.esc(r.customer || r.customer_id || "—")}</td><td><span class="badge">${Copilot.esc(STATUS[r.status] || r.status)}</span></td>
      <td><span class="badge sev-high">${r.open_flags.high}</span></td><td><span class="badge sev-medium">${r.open_flags.medium}</span></td>
      <td><span class="badge sev-low">${r.open_flags.low}</span></td><td>${r.missing}</td></tr>`).join("");
    $("queue-empty").hidden = rows.length > 0;
  }

  $("upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData();
    form.append("file", $("upload-file").files[0]);
    if ($("upload-customer").value) form.append("customer_id", $("upload-customer").value);
    if ($("upload-password").value) form.append("password", $("upload-password").value);
    $("upload-status").textContent = "审查中 reviewing…";
    try {
      const c = await Copilot.api("/contracts", { method: "POST", body: form });
      location.href = `/app/contracts/${c.id}`;
    } catch (e) { $("upload-status").textContent = e.message; $("upload-status").className = "error"; }
  });
  Copilot.start(load);
})();
