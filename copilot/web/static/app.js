// Shared by every page: the signed-in key, API calls with it, and small rendering helpers.
const Copilot = (() => {
  const KEY = "copilot_api_key";
  const key = () => localStorage.getItem(KEY);

  async function api(path, options = {}) {
    const headers = Object.assign({ Authorization: `Bearer ${key()}` }, options.headers || {});
    if (options.body && !(options.body instanceof FormData) && typeof options.body !== "string") {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.body);
    }
    const response = await fetch(path, Object.assign({}, options, { headers }));
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (response.status === 401) { localStorage.removeItem(KEY); }
    if (!response.ok) {
      const message = data && data.error ? data.error.message : `HTTP ${response.status}`;
      const error = new Error(message); error.status = response.status; error.body = data; throw error;
    }
    return data;
  }

  function esc(value) {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function when(iso) {
    if (!iso) return "";
    // shown in the deployment's COPILOT_TIMEZONE (stored and served in UTC)
    return new Date(iso).toLocaleString("zh-CN", { timeZone: document.body.dataset.timezone || "Asia/Shanghai", hour12: false });
  }

  function signOut() { localStorage.removeItem(KEY); location.reload(); }

  async function start(onReady) {
    const signin = document.getElementById("signin");
    const main = document.getElementById("main");
    document.getElementById("signout").onclick = signOut;
    document.getElementById("signin-form").onsubmit = async (event) => {
      event.preventDefault();
      localStorage.setItem(KEY, document.getElementById("api-key").value.trim());
      try { await boot(); } catch (e) { localStorage.removeItem(KEY); document.getElementById("signin-error").textContent = e.message; }
    };
    async function boot() {
      const me = await api("/me");
      document.getElementById("who").textContent = `${me.name} (${me.login} · ${me.role}${me.department ? " · " + me.department : ""})`;
      document.getElementById("signout").hidden = false;
      signin.hidden = true; main.hidden = false;
      await onReady(me);
    }
    if (!key()) { signin.hidden = false; return; }
    try { await boot(); } catch (e) { signin.hidden = false; document.getElementById("signin-error").textContent = e.message; }
  }

  return { api, esc, when, start };
})();
