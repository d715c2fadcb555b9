// newsclean review page. Data is embedded as JSON; each document's detail is stored as a
// JSON string and parsed only when it is shown, and lists render one page at a time, so the
// page stays quick with tens of thousands of documents. Article text is untrusted scraped
// content: it only ever reaches the DOM through textContent, never innerHTML.
"use strict";
(function () {
  const INDEX = JSON.parse(document.getElementById("nc-index").textContent);
  const DOCS = JSON.parse(document.getElementById("nc-docs").textContent);
  const PAGE = INDEX.page_size;
  // Index row layout (see pipeline/report/html.py): id, status, title, removals, rule ids,
  // reason, duplicate_of, edits, flags.
  const ROWS = INDEX.docs.map((r, i) => ({ i, id: r[0], status: r[1], title: r[2], nremoved: r[3], rules: r[4],
                                          reason: r[5], dupOf: r[6], nedits: r[7], flags: r[8] }));
  const BY_ID = new Map(ROWS.map((r) => [r.id, r]));
  const DUPS_OF = new Map(INDEX.clusters.map((c) => [c[0], c[1]]));
  const parsed = new Map();
  const app = document.getElementById("app");
  // The last list filter, so "back to the list" and previous/next follow what the curator chose.
  // Storage can be unavailable (privacy settings, some file:// setups); the page works without it.
  let lastList = "view=docs";
  function remember(q) { lastList = q; try { sessionStorage.setItem("nc-list", q); } catch (e) { /* in memory only */ } }
  function recall() { try { return sessionStorage.getItem("nc-list") || lastList; } catch (e) { return lastList; } }

  function detail(row) {
    if (!parsed.has(row.i)) parsed.set(row.i, JSON.parse(DOCS[row.i]));
    return parsed.get(row.i);
  }

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }

  function stageOf(key) { return key.split("/")[0]; }
  function ruleOf(key) { return key.slice(key.indexOf("/") + 1); }

  function reasonLabel(stage, rule) {
    if (stage === "boilerplate") return "boilerplate rule " + rule;
    if (stage === "repeats") return rule === "repeated-block" ? "repeated block" : "repeated block (" + rule + ")";
    if (stage === "encoding") return "encoding fix " + rule;
    return stage + " " + rule;
  }

  function params() {
    const h = location.hash.replace(/^#/, "");
    return new URLSearchParams(h);
  }
  function link(obj) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(obj)) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
    return "#" + p.toString();
  }

  function tabs(active) {
    return el("nav", { class: "tabs" },
      el("a", { href: "#view=docs", class: active === "docs" ? "active" : null, text: "Documents (" + ROWS.length + ")" }),
      el("a", { href: "#view=dups", class: active === "dups" ? "active" : null,
                text: "Duplicate clusters (" + INDEX.clusters.length + ")" }));
  }

  function pager(p, total, make) {
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const page = Math.min(Math.max(1, p), pages);
    const nav = el("div", { class: "pager" });
    nav.append(page > 1 ? el("a", { href: make(page - 1), text: "← previous" }) : el("span", { class: "note", text: "← previous" }));
    nav.append(el("span", { class: "pageinfo", text: "page " + page + " of " + pages + " (" + total + " items)" }));
    nav.append(page < pages ? el("a", { href: make(page + 1), text: "next →" }) : el("span", { class: "note", text: "next →" }));
    return { nav, page };
  }

  function filtered(q) {
    const status = q.get("status") || "";
    const rule = q.get("rule") || "";
    const text = (q.get("q") || "").toLowerCase();
    const only = q.get("removed") === "1";
    return ROWS.filter((r) => (!status || r.status === status) && (!rule || r.rules.includes(Number(rule)))
      && (!only || r.nremoved > 0 || r.nedits > 0)
      && (!text || r.id.toLowerCase().includes(text) || (r.title || "").toLowerCase().includes(text)));
  }

  function listView(q) {
    const rows = filtered(q);
    const state = { view: "docs", status: q.get("status") || "", rule: q.get("rule") || "", q: q.get("q") || "",
                    removed: q.get("removed") || "" };
    const card = el("section", { class: "card", id: "doc-list" });
    const status = el("select", { id: "f-status" }, el("option", { value: "", text: "any status" }),
      ...["kept", "duplicate", "rejected"].map((s) => el("option", { value: s, text: s, selected: s === state.status ? "" : null })));
    const rule = el("select", { id: "f-rule" }, el("option", { value: "", text: "any removal rule" }),
      ...INDEX.rules.map((k, i) => el("option", { value: String(i), text: reasonLabel(stageOf(k), ruleOf(k)),
                                                  selected: String(i) === state.rule ? "" : null })));
    const search = el("input", { type: "search", id: "f-q", placeholder: "filter by id or title", value: state.q });
    const only = el("input", { type: "checkbox", id: "f-removed", checked: state.removed === "1" ? "" : null });
    const apply = () => { location.hash = link({ view: "docs", status: status.value, rule: rule.value, q: search.value,
                                                 removed: only.checked ? "1" : "" }); };
    status.onchange = apply; rule.onchange = apply; only.onchange = apply;
    search.onkeydown = (e) => { if (e.key === "Enter") apply(); };
    card.append(el("div", { class: "controls" }, status, rule, search,
      el("label", {}, only, " only documents with removals or fixes")));
    const { nav, page } = pager(Number(q.get("page") || 1), rows.length, (n) => link({ ...state, page: n }));
    const body = el("tbody");
    for (const r of rows.slice((page - 1) * PAGE, page * PAGE)) {
      const chips = el("td");
      for (const k of r.rules) chips.append(el("span", { class: "chip " + stageOf(INDEX.rules[k]), text: reasonLabel(stageOf(INDEX.rules[k]), ruleOf(INDEX.rules[k])) }));
      if (r.nedits) chips.append(el("span", { class: "chip encoding", text: r.nedits + " encoding fix" + (r.nedits > 1 ? "es" : "") }));
      const note = r.status === "duplicate" ? "duplicate of " + r.dupOf : r.status === "rejected" ? r.reason : (r.title || "");
      body.append(el("tr", { class: "row", "data-id": r.id },
        el("td", {}, el("a", { href: link({ doc: r.id }), text: r.id })),
        el("td", {}, el("span", { class: "badge " + r.status, text: r.status })),
        el("td", { text: note }), el("td", { class: "num", text: String(r.nremoved) }), chips));
    }
    card.append(el("table", { class: "list" }, el("thead", {}, el("tr", {}, el("th", { text: "id" }), el("th", { text: "status" }),
      el("th", { text: "title / reason" }), el("th", { text: "removed" }), el("th", { text: "why" }))), body), nav);
    return card;
  }

  function dupsView(q) {
    const card = el("section", { class: "card", id: "cluster-list" });
    const { nav, page } = pager(Number(q.get("page") || 1), INDEX.clusters.length, (n) => link({ view: "dups", page: n }));
    const body = el("tbody");
    for (const [canon, members] of INDEX.clusters.slice((page - 1) * PAGE, page * PAGE)) {
      const c = BY_ID.get(canon);
      body.append(el("tr", {}, el("td", {}, el("a", { href: link({ cluster: canon }), text: canon })),
        el("td", { text: (c && c.title) || "" }), el("td", { class: "num", text: String(members.length) }),
        el("td", { text: members.slice(0, 5).join(", ") + (members.length > 5 ? ", …" : "") })));
    }
    if (!INDEX.clusters.length) card.append(el("p", { class: "note", text: "No duplicates were found in this corpus." }));
    card.append(el("table", { class: "list" }, el("thead", {}, el("tr", {}, el("th", { text: "canonical article" }),
      el("th", { text: "title" }), el("th", { text: "copies" }), el("th", { text: "duplicates" }))), body), nav);
    return card;
  }

  function renderEdited(seg, tag) {
    const node = el(tag, { class: "fixed" });
    node.append(el("span", { class: "why encoding", text: reasonLabel(seg.edit.stage, seg.edit.rule) }));
    for (const [op, text] of seg.edit.diff) {
      if (op === "=") node.append(text);
      else if (op === "-") node.append(el("del", { class: "fix-out removed-inline", "data-stage": seg.edit.stage, "data-rule": seg.edit.rule,
                                                   title: "taken out by " + reasonLabel(seg.edit.stage, seg.edit.rule),
                                                   text: visible(text) }));
      else node.append(el("ins", { class: "fix-in", text: text }));
    }
    return node;
  }

  // Invisible characters a fix removed (no-break spaces, zero-width marks) get a visible stand-in.
  function visible(s) {
    return s.replace(/\u00a0/g, "⍽").replace(/[\u200b-\u200d\ufeff]/g, "◌");
  }

  function articleNode(row, heading) {
    const d = detail(row);
    const box = el("article", { class: "card article", "data-id": row.id });
    if (heading) box.append(el("div", { class: "kv" }, heading));
    box.append(el("div", { class: "kv" }, el("span", { class: "badge " + row.status, text: row.status }), " ",
      el("code", { text: row.id }), d.source ? "  ·  " + d.source : "",
      row.reason ? "  ·  " + row.reason : "", d.flags && d.flags.length ? "  ·  flags: " + d.flags.join(", ") : ""));
    if (!d.segments.length) box.append(el("p", { class: "note", text: "No text to show (" + (row.reason || "empty") + ")." }));
    let titled = false;
    for (const seg of d.segments) {
      if (seg.k === "t") { box.append(seg.edit ? renderEdited(seg, "h2") : el("h2", { text: seg.text })); titled = true; }
      else if (seg.k === "p") box.append(seg.edit ? renderEdited(seg, "p") : el("p", { text: seg.text }));
      else {
        let label = reasonLabel(seg.stage, seg.rule);
        if (seg.detail && seg.detail.repeats) label += " · copy of @" + seg.detail.repeats[0] + "–" + seg.detail.repeats[1];
        if (seg.detail && seg.detail.score !== undefined) label += " · junk score " + seg.detail.score + " (" +
          (seg.detail.inputs || []).map((i) => i.input + "=" + i.value + " " + (i.weight > 0 ? "+" : "") + i.weight).join(", ") + ")";
        box.append(el("del", { class: "removed", "data-stage": seg.stage, "data-rule": seg.rule,
                               title: "removed: " + label }, el("span", { class: "why", text: label }), seg.text));
      }
    }
    if (!titled && d.title) box.prepend(el("h2", { text: d.title }));
    return box;
  }

  function docView(id) {
    const row = BY_ID.get(id);
    const wrap = el("div", { id: "doc-view" });
    if (!row) { wrap.append(el("p", { class: "card", text: "No document with id " + id })); return wrap; }
    const q = new URLSearchParams(recall());
    const rows = filtered(q);
    const at = rows.findIndex((r) => r.id === id);
    const nav = el("div", { class: "docnav" }, el("a", { href: "#" + q.toString(), text: "← back to the list" }));
    if (at > 0) nav.append(el("a", { href: link({ doc: rows[at - 1].id }), text: "‹ previous document" }));
    if (at >= 0 && at < rows.length - 1) nav.append(el("a", { href: link({ doc: rows[at + 1].id }), text: "next document ›" }));
    wrap.append(nav, legend());
    if (row.status === "duplicate" && BY_ID.has(row.dupOf)) {
      const d = detail(row);
      const sim = d.similarity ? "jaccard " + d.similarity.jaccard + ", containment " + d.similarity.containment : "";
      wrap.append(el("p", { class: "note", text: "Duplicate of " + row.dupOf + " (" + row.reason + (sim ? "; " + sim : "") + "), shown side by side." }));
      wrap.append(el("div", { class: "side" }, articleNode(BY_ID.get(row.dupOf), "canonical"), articleNode(row, "duplicate")));
      return wrap;
    }
    if (DUPS_OF.has(id)) {
      const dl = el("p", { class: "note" }, "Copies of this article were found: ");
      dl.append(el("a", { href: link({ cluster: id }), text: "compare " + DUPS_OF.get(id).length + " side by side" }));
      wrap.append(dl);
    }
    wrap.append(articleNode(row, null));
    return wrap;
  }

  function clusterView(id) {
    const members = DUPS_OF.get(id) || [];
    const wrap = el("div", { id: "cluster-view" });
    wrap.append(el("div", { class: "docnav" }, el("a", { href: "#view=dups", text: "← back to the clusters" })), legend());
    const side = el("div", { class: "side" });
    if (BY_ID.has(id)) side.append(articleNode(BY_ID.get(id), "canonical"));
    for (const m of members) if (BY_ID.has(m)) side.append(articleNode(BY_ID.get(m), "duplicate"));
    wrap.append(side);
    return wrap;
  }

  function legend() {
    return el("div", { class: "legend" }, "Removed text is struck through and labelled by why it was removed:",
      el("span", { class: "chip boilerplate", text: "boilerplate rule" }), el("span", { class: "chip repeats", text: "repeated block" }),
      el("span", { class: "chip encoding", text: "encoding fix (⍽ = no-break space)" }));
  }

  function route() {
    const q = params();
    app.textContent = "";
    if (q.has("doc")) {
      app.append(tabs("docs"), docView(q.get("doc")));
    } else if (q.has("cluster")) {
      app.append(tabs("dups"), clusterView(q.get("cluster")));
    } else if (q.get("view") === "dups") {
      app.append(tabs("dups"), dupsView(q));
    } else {
      remember(q.toString() || "view=docs");
      app.append(tabs("docs"), listView(q));
    }
    document.body.setAttribute("data-ready", "1");
  }

  window.addEventListener("hashchange", () => { route(); window.scrollTo(0, 0); });
  route();
})();
