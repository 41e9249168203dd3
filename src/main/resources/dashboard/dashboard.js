// livehook dashboard: page refresh, clickable event rows, dead-letter and delivery retry, replay, health sparklines.
// Plain browser JavaScript, no libraries; all text goes in through textContent, never innerHTML.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";

  function csrfToken() {
    const meta = document.querySelector('meta[name="livehook-csrf"]');
    return meta ? meta.content : "";
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // -- a page that refreshes itself (rooms) --------------------------------------------------------
  // Not while the page is hidden, a control has the focus, or a retry or replay is being followed.
  function autoRefresh() {
    const seconds = Number(document.body.dataset.refresh || 0);
    if (seconds > 0) {
      setTimeout(function reload() {
        const focused = document.activeElement && document.activeElement.matches("select, input, button");
        if (document.hidden || focused || document.body.dataset.busy) { setTimeout(reload, 2000); return; }
        location.reload();
      }, seconds * 1000);
    }
  }

  // -- event rows open their event ------------------------------------------------------------------
  function clickableRows() {
    document.querySelectorAll("tr[data-href]").forEach(function (row) {
      row.addEventListener("click", function (e) {
        if (e.target.closest("a, button, summary") || String(window.getSelection())) return;
        location.href = row.dataset.href;
      });
    });
  }

  // -- dead letters -----------------------------------------------------------------------------------
  function flash(text, ok) {
    const node = document.getElementById("flash");
    if (!node) return;
    node.textContent = text;
    node.className = "flash " + (ok ? "ok" : "fail");
  }

  async function errorText(response) {
    try {
      const body = await response.json();
      if (body && body.error) return body.error;
    } catch (ignored) { /* not JSON */ }
    return "HTTP " + response.status;
  }

  function showLetter(row, letter) {
    row.dataset.status = letter.status;
    const status = row.querySelector("td.status");
    status.textContent = "";
    status.appendChild(el("span", { class: "badge " + letter.status }, letter.status));
    row.querySelector("td.attempts").textContent = String(letter.attempts);
    const error = row.querySelector("td.error");
    if (letter.error) { error.textContent = letter.error.slice(0, 400); error.title = letter.error.slice(0, 2000); }
  }

  // A change through the API: the session cookie goes along, and the CSRF header the API asks of it.
  // Answers the parsed JSON, or throws an Error saying why not.
  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Livehook-Csrf": csrfToken() },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(await errorText(response));
    return response.json();
  }

  function sleep(ms) {
    return new Promise(function (r) { setTimeout(r, ms); });
  }

  async function retry(button) {
    const id = button.dataset.retry;
    const row = button.closest("tr");
    button.disabled = true;
    button.textContent = "Retrying…";
    let answer;
    try {
      answer = await post("/api/dead-letters/retry", { event_ids: [id] });
    } catch (e) {
      flash("Retry of " + id + " refused: " + e.message, false);
      button.disabled = false; button.textContent = "Retry";
      return;
    }
    if (answer.queued !== 1) {
      flash(id + " was not queued: it is no longer open.", false);
      button.remove();
      return;
    }
    flash(id + " queued for retry…", true);
    button.remove();
    // follow it until the processor has tried it again
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      await sleep(400);
      const r = await fetch("/api/dead-letters/" + encodeURIComponent(id), { credentials: "same-origin" });
      if (!r.ok) continue;
      const letter = await r.json();
      showLetter(row, letter);
      if (letter.status === "resolved") { flash(id + " applied on retry: resolved.", true); return; }
      if (letter.status === "open") {
        flash(id + " failed again (attempt " + letter.attempts + "): " + letter.error, false);
        const again = el("button", { type: "button", class: "retry", "data-retry": id }, "Retry");
        again.addEventListener("click", function () { retry(again); });
        row.lastElementChild.appendChild(again);
        return;
      }
    }
    flash(id + " is still queued; reload later to see how the retry went.", true);
  }

  // -- dead deliveries ----------------------------------------------------------------------------------
  function showDelivery(row, d) {
    row.dataset.status = d.status;
    const status = row.querySelector("td.status");
    status.textContent = "";
    status.appendChild(el("span", { class: "badge " + d.status }, d.status));
    row.querySelector("td.attempts").textContent = String(d.attempts);
    const error = row.querySelector("td.error");
    error.textContent = d.last_error ? d.last_error.slice(0, 400) : "";
  }

  async function retryDelivery(button) {
    const id = button.dataset.retryDelivery;
    const destination = button.dataset.destination;
    const row = button.closest("tr");
    const replay = Number(row.dataset.replayNumber);
    const what = id + " to " + destination;
    button.disabled = true;
    button.textContent = "Retrying…";
    document.body.dataset.busy = "1";
    try {
      let answer;
      try {
        answer = await post("/api/deliveries/retry", { destination: destination, event_ids: [id] });
      } catch (e) {
        flash("Retry of " + what + " refused: " + e.message, false);
        button.disabled = false; button.textContent = "Retry";
        return;
      }
      button.remove();
      if (answer.retried === 0) { flash(what + " was not retried: it is no longer dead.", false); return; }
      flash(what + " back to pending, sending…", true);
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline) {
        await sleep(400);
        const r = await fetch("/api/deliveries/" + encodeURIComponent(destination) + "/" + encodeURIComponent(id),
          { credentials: "same-origin" });
        if (!r.ok) continue;
        const d = (await r.json()).deliveries.find(function (x) { return x.replay === replay; });
        if (!d) continue;
        showDelivery(row, d);
        if (d.status === "delivered") { flash(what + " delivered on retry.", true); return; }
        if (d.status === "dead") { flash(what + " failed again (attempt " + d.attempts + "): " + d.last_error, false); return; }
      }
      flash(what + " is still pending; the Deliveries page shows how it goes.", true);
    } finally {
      delete document.body.dataset.busy;
    }
  }

  // -- a destination: retry all its dead deliveries, replay a time range --------------------------------
  async function retryDestination(button) {
    const destination = button.dataset.retryDestination;
    const row = button.closest("tr");
    button.disabled = true;
    try {
      const answer = await post("/api/deliveries/retry", { destination: destination });
      flash(answer.retried + " dead deliveries to " + destination + " back to pending.", true);
      row.querySelector("td.dead").textContent = "0";
      const pending = row.querySelector("td.pending");
      pending.textContent = String(Number(pending.textContent) + answer.retried);
      button.remove();
    } catch (e) {
      flash("Retry of " + destination + "'s dead deliveries refused: " + e.message, false);
      button.disabled = false;
    }
  }

  async function replay(button) {
    const destination = button.dataset.replay;
    const range = button.closest("tr").querySelector("select[data-replay-range]");
    const since = new Date(Date.now() - Number(range.value) * 1000).toISOString();
    const label = range.options[range.selectedIndex].textContent;
    button.disabled = true;
    try {
      const answer = await post("/api/deliveries/replay", { destination: destination, since: since });
      flash(answer.created + " replay deliveries queued for " + destination + " (events of the " + label + ").", true);
    } catch (e) {
      flash("Replay to " + destination + " refused: " + e.message, false);
    } finally {
      button.disabled = false;
    }
  }

  function retryButtons() {
    const actions = [["data-retry", retry], ["data-retry-delivery", retryDelivery],
      ["data-retry-destination", retryDestination], ["data-replay", replay]];
    actions.forEach(function (a) {
      document.querySelectorAll("button[" + a[0] + "]").forEach(function (b) {
        b.addEventListener("click", function () { a[1](b); });
      });
    });
  }

  // -- health sparklines ------------------------------------------------------------------------------
  const PALETTE = ["#1f77b4", "#2ca02c", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

  const CHARTS = [
    { title: "Webhooks answered / s, by outcome", prefix: "ingest.", unit: "/s" },
    { title: "ACK latency (ms)", keys: ["ack.p50_ms", "ack.p99_ms"], names: ["p50", "p99"], unit: " ms" },
    { title: "Processing lag (oldest event waiting, s)", keys: ["lag.seconds"], names: ["lag"], unit: " s" },
    { title: "Events waiting to be applied", keys: ["lag.events"], names: ["events"], unit: "" },
    { title: "Events processed / s, by outcome", prefix: "processed.", unit: "/s" },
    { title: "Anomalies recorded (per interval)", keys: ["anomalies"], names: ["anomalies"], unit: "" },
    { title: "Dead letters (not resolved)", keys: ["dead_letters"], names: ["dead letters"], unit: "" },
    { title: "Active rooms", keys: ["rooms.active"], names: ["rooms"], unit: "" },
  ];

  function format(v) {
    if (v === null || v === undefined) return "—";
    if (Math.abs(v) >= 100 || Number.isInteger(v)) return String(Math.round(v));
    if (Math.abs(v) >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  function lastValue(values) {
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
    return null;
  }

  function drawChart(def, data) {
    const keys = def.keys || Object.keys(data.series).filter(function (k) { return k.startsWith(def.prefix); });
    const lines = keys.filter(function (k) { return data.series[k]; }).map(function (k, i) {
      return { name: def.names ? def.names[i] : k.slice(def.prefix.length), values: data.series[k], color: PALETTE[i % PALETTE.length] };
    });
    const W = 520, H = 120, L = 44, R = 8, T = 8, B = 20;
    const end = data.now_ms, start = end - data.window_seconds * 1000;
    let max = 0;
    lines.forEach(function (l) { l.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
    const top = max > 0 ? max * 1.15 : 1;
    const x = function (t) { return L + (t - start) * (W - L - R) / (end - start); };
    const y = function (v) { return T + (H - T - B) * (1 - v / top); };

    const box = el("div", { class: "chart", "data-chart": def.title });
    box.appendChild(el("h3", {}, def.title));
    const s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": def.title });
    [0, 0.5, 1].forEach(function (f) {
      s.appendChild(svg("line", { class: "gridline", x1: L, x2: W - R, y1: y(top * f), y2: y(top * f) }));
    });
    s.appendChild(svg("text", { class: "axis-text", x: L - 4, y: y(top) + 8, "text-anchor": "end" }, format(top)));
    s.appendChild(svg("text", { class: "axis-text", x: L - 4, y: y(0), "text-anchor": "end" }, "0"));
    [["−60 min", start], ["−30 min", start + (end - start) / 2], ["now", end]].forEach(function (p, i) {
      s.appendChild(svg("text", { class: "axis-text", x: x(p[1]), y: H - 5, "text-anchor": ["start", "middle", "end"][i] }, p[0]));
    });
    lines.forEach(function (l) {
      let points = [];
      const flush = function () {
        if (points.length === 1) {
          s.appendChild(svg("circle", { cx: points[0][0], cy: points[0][1], r: 1.8, fill: l.color }));
        } else if (points.length > 1) {
          s.appendChild(svg("polyline", { points: points.map(function (p) { return p.join(","); }).join(" "),
            fill: "none", stroke: l.color, "stroke-width": 1.6, "stroke-linejoin": "round" }));
        }
        points = [];
      };
      l.values.forEach(function (v, i) {
        const t = data.times_ms[i];
        if (v === null || t < start) { flush(); return; }
        points.push([x(t).toFixed(1), y(v).toFixed(1)]);
      });
      flush();
    });
    box.appendChild(s);
    const legend = el("div", { class: "chart-legend" });
    if (lines.length === 0) legend.appendChild(el("span", {}, "no data yet"));
    lines.forEach(function (l) {
      const item = el("span");
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = l.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(l.name + " "));
      item.appendChild(el("span", { class: "latest" }, format(lastValue(l.values)) + def.unit));
      legend.appendChild(item);
    });
    box.appendChild(legend);
    return box;
  }

  async function charts() {
    const holder = document.getElementById("charts");
    if (!holder) return;
    async function load() {
      try {
        const r = await fetch(holder.dataset.src, { credentials: "same-origin" });
        if (!r.ok) throw new Error(await errorText(r));
        const data = await r.json();
        holder.textContent = "";
        if (data.times_ms.length === 0) {
          holder.appendChild(el("p", { class: "empty" }, "No samples yet: the first arrives within " + data.interval_seconds + " s."));
        }
        CHARTS.forEach(function (def) { holder.appendChild(drawChart(def, data)); });
        holder.dataset.samples = String(data.times_ms.length);
      } catch (e) {
        holder.textContent = "";
        holder.appendChild(el("p", { class: "error" }, "Could not load the samples: " + e.message));
      }
    }
    await load();
    setInterval(function () { if (!document.hidden) load(); }, 10000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    autoRefresh();
    clickableRows();
    retryButtons();
    charts();
  });
})();
