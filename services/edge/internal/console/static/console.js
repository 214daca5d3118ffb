// hookmesh console: the little behaviour htmx does not give. No inline
// script anywhere (the pages' CSP forbids it); everything is progressive:
// without this file every form still works.
"use strict";

// Confirm destructive forms (data-confirm).
document.addEventListener("submit", (e) => {
  const f = e.target.closest("form.js-confirm");
  if (f && !window.confirm(f.dataset.confirm)) {
    e.preventDefault();
  }
}, true);

// "Select all on this page" for the dead-letter checkboxes.
document.addEventListener("click", (e) => {
  const b = e.target.closest(".js-select-all");
  if (!b) return;
  const boxes = document.querySelectorAll("#" + b.getAttribute("aria-controls") + " input[type=checkbox][name=id]");
  const all = Array.from(boxes).every((x) => x.checked);
  boxes.forEach((x) => { x.checked = !all; });
});

// Live: the event stream (server-sent events, resumed by the browser
// after a disconnect) rendered as rows, newest first. Text only: values
// go in with textContent, never as HTML.
function startLive() {
  const table = document.getElementById("live");
  if (!table) return;
  const body = table.querySelector("tbody");
  const status = document.getElementById("live-status");
  const src = new EventSource(table.dataset.stream);
  const maxRows = 200;
  src.onopen = () => { status.textContent = "connected: new events appear at the top"; };
  src.onerror = () => { status.textContent = "disconnected: reconnecting…"; };
  src.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    const ev = msg.event || {};
    const ne = ev.event || {};
    const tr = document.createElement("tr");
    const cell = (text) => { const td = document.createElement("td"); td.textContent = text || ""; tr.appendChild(td); return td; };
    cell((ev.received_at || "").replace("T", " ").replace(/\.\d+Z$/, "Z"));
    cell(ev.platform);
    const a = document.createElement("a");
    let href = "/console/events/" + encodeURIComponent(ev.platform || "") + "/" + encodeURIComponent(ev.event_id || "");
    if (ev.source) href += "?source=" + encodeURIComponent(ev.source);
    a.href = href;
    a.textContent = ev.event_id || "";
    cell("").appendChild(a);
    cell(ev.normalization_error ? "not normalized" : String(ne.event_type || "").replace("EVENT_TYPE_", ""));
    cell(ne.source_event_type);
    body.insertBefore(tr, body.firstChild);
    while (body.rows.length > maxRows) body.deleteRow(body.rows.length - 1);
  };
}
document.addEventListener("DOMContentLoaded", startLive);
