// Voice notes of one customer: record (MediaRecorder) or upload, the transcript with each proposed
// tag highlighted on its span, and confirm / reject per tag.
(() => {
  const $ = (id) => document.getElementById(id);
  const customerId = $("voice").dataset.customerId;
  let current = null;
  let poll = null;

  function fmtValue(tag) {
    const v = tag.value || {};
    if (tag.id === "budget" && v.amount) return `${Number(v.amount).toLocaleString("zh-CN")} ${v.currency}`;
    if (tag.id === "timeline" && v.date) return v.date;
    if (tag.id === "next_step") return v.due ? `due ${v.due}` : "";
    if (v.name) return v.name + (v.new_contact ? " (new contact)" : v.contact_id ? ` (contact #${v.contact_id})` : "");
    return "";
  }

  function span(tag) {
    const e = tag.evidence;
    return e.source === "voice note" ? `${e.start.toFixed(1)}–${e.end.toFixed(1)} s` : `chars ${e.start}–${e.end}`;
  }

  // The transcript with every tag's character span wrapped in <mark>; overlapping spans share one mark.
  function highlighted(text, tags) {
    const cuts = new Set([0, text.length]);
    tags.forEach((t) => { cuts.add(t.char_start); cuts.add(t.char_end); });
    const points = [...cuts].sort((a, b) => a - b);
    let html = "";
    for (let i = 0; i < points.length - 1; i++) {
      const [a, b] = [points[i], points[i + 1]];
      const covering = tags.filter((t) => t.char_start <= a && t.char_end >= b && t.status !== "rejected");
      const piece = Copilot.esc(text.slice(a, b));
      html += covering.length
        ? `<mark class="${covering.some((t) => t.status === "confirmed") ? "confirmed" : ""}" data-tags="${covering.map((t) => t.tag_row_id).join(" ")}" title="${Copilot.esc(covering.map((t) => t.label).join(", "))}">${piece}</mark>`
        : piece;
    }
    return html;
  }

  function renderNote(note) {
    current = note;
    $("note").hidden = false;
    $("note-title").textContent = `${note.kind === "audio" ? "音频 audio" : "文字 text"} #${note.id} ${note.file_name || "text note"} · ${Copilot.when(note.recorded_at)}`;
    const pct = Math.round((note.progress || 0) * 100);
    $("note-status").innerHTML = `<span class="badge status-${note.status}" id="status">${note.status}</span>` +
      (note.status === "transcribing" || note.status === "queued" ? ` <progress max="100" value="${pct}"></progress> ${pct}%` : "") +
      (note.duration ? ` <span class="muted">${note.duration.toFixed(1)} s · ${Copilot.esc(note.model || "")} · ${Copilot.esc(note.transcript?.language || "")}</span>` : "") +
      (note.error ? ` <span class="error">${Copilot.esc(note.error)}</span>` : "");
    const player = $("player");
    if (note.kind === "audio" && note.status === "tagged") {
      player.hidden = false;
      if (!player.dataset.note || player.dataset.note !== String(note.id)) {
        player.dataset.note = note.id;
        fetch(`/voice-notes/${note.id}/audio`, { headers: { Authorization: `Bearer ${localStorage.getItem("copilot_api_key")}` } })
          .then((r) => r.ok ? r.blob() : null).then((b) => { if (b) player.src = URL.createObjectURL(b); });
      }
    } else { player.hidden = true; }
    $("transcript").innerHTML = note.transcript ? highlighted(note.transcript.text, note.tags) : `<p class="muted">No transcript yet.</p>`;
    $("tags").innerHTML = note.tags.map((t) => `
      <li class="tag-card ${t.status}" id="tag-${t.tag_row_id}" data-tag="${t.id}">
        <b>${Copilot.esc(t.label)}</b> <code>${t.id}</code> <span class="value">${Copilot.esc(fmtValue(t))}</span>
        <span class="badge">${t.status}</span> <span class="muted">conf ${t.confidence.toFixed(2)} · ${Copilot.esc(t.method)} · <a href="#" class="seek" data-start="${t.evidence.start}">${span(t)}</a></span>
        <div class="evidence">“${Copilot.esc(t.evidence.quote)}”</div>
        ${t.status === "proposed" ? `<button class="confirm" data-id="${t.tag_row_id}">✓ 确认 Confirm</button>
        <button class="reject secondary" data-id="${t.tag_row_id}">✗ 驳回 Reject</button>` : ""}
      </li>`).join("") || `<li class="muted">${note.status === "tagged" ? "No tags found in this note." : "Tags appear when the transcript is ready."}</li>`;
    if (poll) { clearTimeout(poll); poll = null; }
    if (note.status === "queued" || note.status === "transcribing") {
      poll = setTimeout(() => openNote(note.id), 1500);
    }
  }

  async function openNote(id) {
    renderNote(await Copilot.api(`/voice-notes/${id}`));
    if (current && (current.status === "tagged" || current.status === "failed")) loadNotes(false);
  }

  async function loadNotes(openFirst) {
    const notes = await Copilot.api(`/customers/${customerId}/voice-notes`);
    $("notes").innerHTML = notes.map((n) => `<li><a href="#" data-note="${n.id}">#${n.id} ${n.kind === "audio" ? "音频" : "文字"} ${Copilot.esc(n.file_name || (n.transcript?.text || "").slice(0, 30))}</a>
      <span class="badge status-${n.status}">${n.status}</span> <span class="muted">${n.tags.length} tags · ${Copilot.when(n.recorded_at)}</span></li>`).join("") || `<li class="muted">No notes yet.</li>`;
    if (openFirst && notes.length && !current) renderNote(notes[0]);
    const profile = await Copilot.api(`/customers/${customerId}/profile-tags`);
    $("profile").innerHTML = profile.map((t) => `<span class="tag" title="${Copilot.esc(t.evidence.quote)}">${Copilot.esc(t.label)}${fmtValue(t) ? ": " + Copilot.esc(fmtValue(t)) : ""}</span>`).join("") || `<span class="muted">No confirmed tags yet.</span>`;
  }

  async function submit(form) {
    $("form-error").textContent = "";
    try {
      const response = await Copilot.api(`/customers/${customerId}/voice-notes`, { method: "POST", body: form });
      await loadNotes(false);
      await openNote(response.id);
    } catch (e) { $("form-error").textContent = e.message; }
  }

  function setupRecorder() {
    let recorder = null; let chunks = []; let started = 0; let timer = null;
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      $("record").disabled = true; $("rec-time").textContent = "Recording needs a browser with MediaRecorder (and https or localhost).";
      return;
    }
    $("record").onclick = async () => {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        recorder = new MediaRecorder(stream);
        chunks = [];
        recorder.ondataavailable = (e) => chunks.push(e.data);
        recorder.onstop = () => {
          stream.getTracks().forEach((t) => t.stop());
          clearInterval(timer);
          const blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
          const form = new FormData();
          form.append("file", blob, `recording-${new Date().toISOString().replace(/[:.]/g, "-")}.webm`);
          if ($("language").value) form.append("language", $("language").value);
          submit(form);
        };
        recorder.start();
        started = Date.now();
        timer = setInterval(() => { $("rec-time").textContent = `${Math.round((Date.now() - started) / 1000)} s`; }, 500);
        $("record").disabled = true; $("stop").disabled = false;
      } catch (e) { $("form-error").textContent = `Microphone: ${e.message}`; }
    };
    $("stop").onclick = () => { if (recorder) recorder.stop(); $("record").disabled = false; $("stop").disabled = true; };
  }

  async function start() {
    const c = await Copilot.api(`/customers/${customerId}`);
    $("customer-name").textContent = c.name;
    $("upload-form").onsubmit = (e) => {
      e.preventDefault();
      if (!$("file").files.length) { $("form-error").textContent = "Choose a file first."; return; }
      const form = new FormData();
      form.append("file", $("file").files[0]);
      if ($("language").value) form.append("language", $("language").value);
      submit(form);
    };
    $("text-form").onsubmit = (e) => {
      e.preventDefault();
      const form = new FormData();
      form.append("text", $("text").value);
      if ($("language").value) form.append("language", $("language").value);
      submit(form);
    };
    $("notes").onclick = (e) => { const a = e.target.closest("a[data-note]"); if (a) { e.preventDefault(); openNote(a.dataset.note); } };
    $("tags").onclick = async (e) => {
      const seek = e.target.closest("a.seek");
      if (seek) { e.preventDefault(); const p = $("player"); if (!p.hidden) { p.currentTime = Number(seek.dataset.start); p.play(); } return; }
      const button = e.target.closest("button[data-id]");
      if (!button) return;
      const action = button.classList.contains("confirm") ? "confirm" : "reject";
      try {
        await Copilot.api(`/tags/${button.dataset.id}/${action}`, { method: "POST" });
        await openNote(current.id);
      } catch (err) { $("form-error").textContent = err.message; }
    };
    setupRecorder();
    await loadNotes(true);
  }
  Copilot.start(start);
})();
