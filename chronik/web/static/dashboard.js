// Chronik dashboard: reads its state from the URL query string, draws every view from the JSON API.
// Text from the store is only ever inserted with textContent (never as HTML).
"use strict";

const FILTERS = ["since", "until", "actor", "recipient", "code", "type", "sector", "aux", "country", "place", "text",
                 "mode", "context"];
const VIEW = ["interval", "sort", "offset", "article", "event"];
const PAGE = 25;
const MAP_URL = "/static/vendor/world-atlas/countries-110m.json";
const chronik = (window.chronik = { rendered: {} });

function state() {
  const p = new URLSearchParams(location.search);
  const s = {};
  for (const k of [...FILTERS, ...VIEW]) if (p.get(k)) s[k] = p.get(k);
  return s;
}

function filterParams(s, extra = {}) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (s[k]) p.set(k, s[k]);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
  return p;
}

function navigate(changes, { push = true } = {}) {
  const p = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === "") p.delete(k); else p.set(k, v);
  }
  const url = location.pathname + (p.toString() ? "?" + p.toString() : "");
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  return render();
}

async function getJSON(path, params) {
  const url = path + (params && params.toString() ? "?" + params.toString() : "");
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    let detail = body.detail;
    if (Array.isArray(detail)) detail = detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ");
    throw new Error(`${r.status} ${detail || r.statusText}`);
  }
  const source = r.headers.get("X-Chronik-Source");
  if (source) showSource(source, r.headers.get("X-Chronik-Snapshot-Taken"));
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function showSource(source, taken) {
  const b = document.getElementById("source");
  b.textContent = source === "snapshot" ? `snapshot of ${taken} (an ingest is writing)` : "live";
  b.className = "badge " + source;
}

function showError(err) {
  const box = document.getElementById("error");
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  box.hidden = false;
  box.textContent = String(err.message || err);
}

function fillForm(s) {
  const form = document.getElementById("filters");
  for (const input of form.elements) {
    if (!input.name) continue;
    const def = input.name === "interval" ? "month" : input.name === "sort" ? "date" : "";
    input.value = s[input.name] || def;
  }
}

const fmtScore = (x) => (x === null || x === undefined ? "" : Number(x).toFixed(1));
const codes = (xs) => (xs || []).join(", ");

// -- timeline ------------------------------------------------------------------------------------
async function renderTimeline(s) {
  const interval = s.interval || "month";
  const data = await getJSON("/aggregates/timeline", filterParams(s, { interval }));
  document.getElementById("timeline-note").textContent =
    `${data.totals.reduce((a, t) => a + t.count, 0)} dated events per ${interval}` +
    (data.undated ? ` · ${data.undated} without a date` : "");
  // vconcat views cannot take width "container": size them from the panel, leaving room for the legend.
  const width = Math.max(320, document.getElementById("timeline").clientWidth - 240);
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    vconcat: [
      {
        height: 170, width, data: { values: data.series },
        mark: { type: "bar", tooltip: true },
        encoding: {
          x: { field: "period", type: "ordinal", title: null, axis: { labelAngle: -40 } },
          y: { field: "count", type: "quantitative", aggregate: "sum", title: "events" },
          color: { field: "type", type: "nominal", scale: { scheme: "tableau20" }, legend: { columns: 2 } },
          tooltip: [{ field: "period" }, { field: "type" }, { field: "count" }, { field: "mean_score", format: ".1f" }],
        },
      },
      {
        height: 110, width, data: { values: data.totals },
        layer: [
          { mark: { type: "rule", color: "#999" }, encoding: { y: { datum: 0 } } },
          {
            mark: { type: "line", point: true, color: "#2b4c7e", tooltip: true },
            encoding: {
              x: { field: "period", type: "ordinal", title: null, axis: { labelAngle: -40 } },
              y: { field: "mean_score", type: "quantitative", title: "mean score", scale: { domain: [-10, 10] } },
              tooltip: [{ field: "period" }, { field: "count" }, { field: "conflict" }, { field: "cooperation" },
                        { field: "mean_score", format: ".2f" }],
            },
          },
        ],
      },
    ],
  };
  await vegaEmbed("#timeline", spec, { actions: false, renderer: "svg" });
  chronik.rendered.timeline = data.series.length;
}

// -- dyad network --------------------------------------------------------------------------------
async function renderNetwork(s) {
  const data = await getJSON("/aggregates/dyads", filterParams(s, { limit: 80 }));
  const nodes = new Map();
  for (const c of data.cells) {
    for (const code of [c.actor, c.recipient]) nodes.set(code, (nodes.get(code) || 0) + c.count);
  }
  const max = Math.max(1, ...data.cells.map((c) => c.count));
  const elements = [
    ...[...nodes].map(([id, n]) => ({ data: { id, label: id, weight: n } })),
    ...data.cells.map((c, i) => ({
      data: { id: "e" + i, source: c.actor, target: c.recipient, count: c.count,
              width: 1 + (5 * c.count) / max, color: c.mean_score < 0 ? "#c0392b" : "#2f6fbf" },
    })),
  ];
  if (chronik.cy) chronik.cy.destroy();
  chronik.cy = cytoscape({
    container: document.getElementById("network"),
    elements,
    style: [
      { selector: "node", style: { label: "data(label)", "background-color": "#2b4c7e", color: "#1d2733",
        "font-size": 10, width: "mapData(weight, 1, 40, 14, 44)", height: "mapData(weight, 1, 40, 14, 44)" } },
      { selector: "edge", style: { width: "data(width)", "line-color": "data(color)", "target-arrow-color": "data(color)",
        "target-arrow-shape": "triangle", "curve-style": "bezier", opacity: 0.7 } },
    ],
    layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 6000 },
  });
  chronik.cy.on("tap", "node", (evt) => navigate({ code: evt.target.id(), offset: null }));
  chronik.rendered.network = nodes.size;
}

// -- map -----------------------------------------------------------------------------------------
async function renderMap(s) {
  const data = await getJSON("/aggregates/places", filterParams(s));
  const located = data.places.reduce((a, p) => a + p.count, 0);
  document.getElementById("map-note").textContent = `${located} located events at ${data.places.length} places`;
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container", height: 340,
    projection: { type: "equalEarth" },
    layer: [
      { data: { url: MAP_URL, format: { type: "topojson", feature: "countries" } },
        mark: { type: "geoshape", fill: "#e3e7ec", stroke: "#fff", strokeWidth: 0.5 } },
      { data: { values: data.places },
        mark: { type: "circle", opacity: 0.8, stroke: "#fff", strokeWidth: 0.5 },
        encoding: {
          longitude: { field: "lon", type: "quantitative" },
          latitude: { field: "lat", type: "quantitative" },
          size: { field: "count", type: "quantitative", scale: { range: [30, 600] }, title: "events" },
          color: { field: "mean_score", type: "quantitative", title: "mean score",
                   scale: { scheme: "redblue", domain: [-10, 10] } },
          tooltip: [{ field: "place" }, { field: "country" }, { field: "count" }, { field: "mean_score", format: ".1f" }],
        } },
    ],
  };
  await vegaEmbed("#map", spec, { actions: false, renderer: "svg" });
  chronik.rendered.map = data.places.length;
}

// -- event table ---------------------------------------------------------------------------------
async function renderTable(s) {
  const offset = Number(s.offset || 0);
  const data = await getJSON("/events", filterParams(s, { limit: PAGE, offset, sort: s.sort || "date" }));
  const body = document.querySelector("#events tbody");
  body.replaceChildren();
  for (const e of data.events) {
    const row = el("tr", { "data-id": e.id, onclick: () => navigate({ article: e.content_hash, event: e.id }) },
      el("td", { text: e.event_date || "" }),
      el("td", { text: e.type + (e.mode ? "/" + e.mode : "") }),
      el("td", { text: codes(e.actor_codes) }),
      el("td", { text: codes(e.recipient_codes) }),
      el("td", { text: codes(e.aux) }),
      el("td", { text: e.place ? `${e.place} (${e.country || "?"})` : "" }),
      el("td", { text: e.trigger || "" }),
      el("td", { class: "sentence", text: (e.sentence || "").slice(0, 180) }),
      el("td", { text: e.confidence === null ? "" : Number(e.confidence).toFixed(2) }),
      el("td", { text: fmtScore(e.score) }));
    body.append(row);
  }
  const last = Math.min(offset + data.events.length, data.total);
  document.getElementById("table-note").textContent = `${data.total} events match`;
  document.getElementById("page").textContent = data.total ? `${offset + 1}–${last} of ${data.total}` : "no events";
  document.getElementById("prev").disabled = offset <= 0;
  document.getElementById("next").disabled = last >= data.total;
  chronik.rendered.table = data.events.length;
  chronik.total = data.total;
}

// -- article view with evidence highlighting ----------------------------------------------------
function highlightedText(text, highlights) {
  const cuts = new Set([0, text.length]);
  for (const h of highlights) { cuts.add(h.start); cuts.add(h.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const frag = document.createDocumentFragment();
  for (let i = 0; i < points.length - 1; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const piece = text.slice(a, b);
    const cover = highlights.filter((h) => h.start <= a && h.end >= b);
    if (!cover.length) { frag.append(piece); continue; }
    const kinds = [...new Set(cover.map((h) => h.kind))];
    const refs = [...new Set(cover.map((h) => h.ref))];
    frag.append(el("mark", {
      class: "hl " + kinds.map((k) => "hl-" + k).join(" "), "data-kinds": kinds.join(" "),
      "data-refs": refs.join(" "), title: cover.map((h) => h.label).join("\n"), text: piece,
    }));
  }
  return frag;
}

function focusRef(ref) {
  for (const m of document.querySelectorAll("#article-text mark.hl")) {
    m.classList.toggle("focus", !!ref && m.dataset.refs.split(" ").includes(ref));
  }
  for (const li of document.querySelectorAll(".article-side li")) li.classList.toggle("focus", li.dataset.ref === ref);
}

async function renderArticle(s) {
  const panel = document.getElementById("article-panel");
  if (!s.article) { panel.hidden = true; chronik.rendered.article = 0; return; }
  const data = await getJSON("/articles/" + encodeURIComponent(s.article));
  const a = data.article;
  panel.hidden = false;
  document.getElementById("article-meta").textContent =
    [a.title || a.id, a.date, a.lang, a.dateline, a.source].filter(Boolean).join(" · ");
  document.getElementById("article-text").replaceChildren(highlightedText(a.text, data.highlights));
  const evList = document.getElementById("article-events");
  evList.replaceChildren(...data.events.map((e) => el("li", {
    "data-ref": e.id, onmouseenter: () => focusRef(e.id), onclick: () => navigate({ event: e.id }, { push: false }),
    text: `${e.type}${e.mode ? "/" + e.mode : ""}: ${codes(e.actor.map((x) => x.code || x.text))} → ` +
          `${codes(e.recipient.map((x) => x.code || x.text)) || "–"} «${e.evidence.trigger}» ` +
          `(${e.evidence.rule}${e.aux.length ? "; " + e.aux.join(", ") : ""})`,
  })));
  const stList = document.getElementById("article-statements");
  stList.replaceChildren(...data.statements.map((st) => el("li", {
    "data-ref": st.id, onmouseenter: () => focusRef(st.id),
    text: `${st.speaker ? st.speaker.text + (st.speaker.code ? " [" + st.speaker.code + "]" : "") : "?"} ` +
          `(${st.kind}): ${st.content.slice(0, 160)}`,
  })));
  focusRef(s.event || null);
  const focused = document.querySelector("#article-text mark.focus");
  if (focused) focused.scrollIntoView({ block: "center" });
  chronik.rendered.article = data.highlights.length;
}

async function renderSummary() {
  const s = await getJSON("/summary");
  document.getElementById("summary").textContent =
    `${s.articles} articles · ${s.events} events · ${s.statements} statements`;
}

async function render() {
  const s = state();
  fillForm(s);
  showError(null);
  document.body.dataset.ready = "0";
  const results = await Promise.allSettled([
    renderSummary(), renderTimeline(s), renderNetwork(s), renderMap(s), renderTable(s), renderArticle(s),
  ]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) showError(failed.reason);
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("filters");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    const changes = { offset: null };
    for (const input of form.elements) if (input.name) changes[input.name] = input.value.trim();
    if (changes.interval === "month") changes.interval = null;
    if (changes.sort === "date") changes.sort = null;
    navigate(changes);
  });
  document.getElementById("reset").addEventListener("click", () => {
    history.pushState(null, "", location.pathname);
    render();
  });
  document.getElementById("prev").addEventListener("click", () =>
    navigate({ offset: Math.max(0, Number(state().offset || 0) - PAGE) || null }));
  document.getElementById("next").addEventListener("click", () =>
    navigate({ offset: Number(state().offset || 0) + PAGE }));
  document.getElementById("close-article").addEventListener("click", () => navigate({ article: null, event: null }));
  window.addEventListener("popstate", render);
  render();
});
