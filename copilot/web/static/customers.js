// The customer list: search, filter by industry, page through what the caller may see.
(() => {
  const PAGE = 25;
  let offset = 0;
  const $ = (id) => document.getElementById(id);

  async function load() {
    const params = new URLSearchParams({ limit: PAGE, offset, sort: "name" });
    if ($("q").value.trim()) params.set("q", $("q").value.trim());
    if ($("industry").value) params.set("industry", $("industry").value);
    const page = await Copilot.api(`/customers?${params}`);
    $("count").textContent = `${page.total} customers`;
    $("customers").querySelector("tbody").innerHTML = page.items.map((c) => `
      <tr data-id="${c.id}">
        <td><a href="/app/customers/${c.id}">${Copilot.esc(c.name)}</a></td>
        <td>${Copilot.esc(c.industry)}</td><td>${Copilot.esc(c.city)}</td>
        <td>${Copilot.esc(c.uscc)}</td><td>${Copilot.when(c.updated_at)}</td>
      </tr>`).join("") || `<tr><td colspan="5" class="muted">No customer matches.</td></tr>`;
    $("page").textContent = page.total ? `${offset + 1}–${Math.min(offset + PAGE, page.total)} of ${page.total}` : "";
    $("prev").disabled = offset === 0;
    $("next").disabled = offset + PAGE >= page.total;
  }

  $("search-form").onsubmit = (e) => { e.preventDefault(); offset = 0; load(); };
  $("prev").onclick = () => { offset = Math.max(0, offset - PAGE); load(); };
  $("next").onclick = () => { offset += PAGE; load(); };
  Copilot.start(load);
})();
