// newsclean review page. report.html holds the code and a table of contents (nc-meta); the data
// is in report/<key>/ as script files, added as script elements when needed (fetch() cannot read
// file://, a script tag can), each calling ncLoad(kind, number, data). Opening loads the list
// index only; a document view loads the one detail file holding it; a text search reads the
// detail files in turn, showing matches as they are found. Article text is untrusted scraped
// content: it only ever reaches the DOM through textContent, never innerHTML.
"use strict";
(function () {
  const META = JSON.parse(document.getElementById("nc-meta").textContent);
  const PAGE = META.page_size;
  const STARTS = META.detail_starts;
  const app = document.getElementById("app");
  let ROWS = [];
  let BY_ID = new Map();
  let DUPS_OF = new Map();
  let CLUSTERS = [];

  // ---- data files ----
  const arrived = new Map();
  window.ncLoad = function (kind, n, data) { arrived.set(kind + ":" + n, data); };
  const names = { index: (n) => "index-" + pad(n, 3), detail: (n) => "detail-" + pad(n, 5), rule: (n) => "rule-" + pad(n, 3) };
  function pad(n, w) { return String(n).padStart(w, "0"); }
  const inflight = new Map();
  function load(kind, n) {
    const key = kind + ":" + n;
    if (inflight.has(key)) return inflight.get(key);
    const src = META.data + names[kind](n) + ".js";
    const p = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = () => {
        s.remove(); inflight.delete(key);
        const data = arrived.get(key); arrived.delete(key);
        if (data === undefined) reject(new Error("bad data file " + src)); else resolve(data);
      };
      s.onerror = () => { s.remove(); inflight.delete(key); reject(new Error("could not load " + src)); };
      document.head.append(s);
    });
    inflight.set(key, p);
    return p;
  }
  // A few detail files stay in memory (a search reads them all, one after another).
  const chunkCache = new Map();
  async function detailChunk(c) {
    if (chunkCache.has(c)) { const d = chunkCache.get(c); chunkCache.delete(c); chunkCache.set(c, d); return d; }
    const d = await load("detail", c);
    chunkCache.set(c, d);
    while (chunkCache.size > 24) chunkCache.delete(chunkCache.keys().next().value);
    return d;
  }
  function chunkOf(i) {
    let lo = 0, hi = STARTS.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (STARTS[mid] <= i) lo = mid; else hi = mid - 1; }
    return lo;
  }
  const parsed = new Map();
  async function detail(row) {
    if (parsed.has(row.i)) return parsed.get(row.i);
    const c = chunkOf(row.i);
    const d = JSON.parse((await detailChunk(c))[row.i - STARTS[c]]);
    parsed.set(row.i, d);
    while (parsed.size > 200) parsed.delete(parsed.keys().next().value);
    return d;
  }

  // ---- helpers ----
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
  function keyLabel(key) { return reasonLabel(stageOf(key), ruleOf(key)); }
  function params() { return new URLSearchParams(location.hash.replace(/^#/, "")); }
  function link(obj) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(obj)) if (v !== "" && v !== null && v !== undefined) p.set(k, v);
    return "#" + p.toString();
  }
  function fmt(n) { return n.toLocaleString("en-US"); }
  function pct(x) { return (100 * x).toFixed(x > 0 && x < 0.01 ? 2 : 1) + "%"; }
  // The last list (filters, sort, search), so "back", previous and next follow what the curator
  // chose. Storage can be unavailable (privacy settings, some file:// setups): then memory only.
  let lastList = "view=docs";
  function remember(q) { lastList = q; try { sessionStorage.setItem("nc-list", q); } catch (e) { /* memory only */ } }
  function recall() { try { return sessionStorage.getItem("nc-list") || lastList; } catch (e) { return lastList; } }

  // ---- list: filter, search, sort ----
  const LIST_KEYS = ["status", "rule", "fix", "flag", "removed", "q", "in", "sort"];
  function listState(q) {
    const st = { view: "docs" };
    for (const k of LIST_KEYS) st[k] = q.get(k) || "";
    return st;
  }
  function baseFilter(st) {
    const rule = st.rule === "" ? -1 : Number(st.rule);
    const fix = st.fix === "" ? -1 : Number(st.fix);
    const only = st.removed === "1";
    return ROWS.filter((r) => (!st.status || r.status === st.status) && (rule < 0 || r.rules.includes(rule))
      && (fix < 0 || r.fixes.includes(fix)) && (!only || r.nremoved > 0 || r.nedits > 0)
      && (!st.flag || (st.flag === "any" ? r.flags.length > 0 : r.flags.includes(st.flag))));
  }
  function titleHit(r, text) { return r.id.toLowerCase().includes(text) || r.title.toLowerCase().includes(text); }
  const SORTS = {
    "": null,
    share: (a, b) => b.share - a.share || a.i - b.i,
    removals: (a, b) => b.nremoved - a.nremoved || a.i - b.i,
    newest: byDate(-1),
    oldest: byDate(1),
  };
  function byDate(dir) {  // undated documents last whichever way the list is sorted
    return (a, b) => ((!a.published || !b.published) ? (a.published ? 0 : 1) - (b.published ? 0 : 1)
      : dir * (a.published < b.published ? -1 : a.published > b.published ? 1 : 0)) || a.i - b.i;
  }
  function sortRows(rows, st) {
    const f = SORTS[st.sort];
    return f ? rows.slice().sort(f) : rows;
  }
  // The text search: reads the detail files in corpus order, keeps what matched and where.
  let search = null;
  function textScope(st) { return st.q && st.in && st.in !== "title"; }
  function startSearch(st) {
    const key = st.in + "\u0000" + st.q.toLowerCase();
    if (search && search.key === key) return search;
    const s = { key, text: st.q.toLowerCase(), scope: st.in, hits: new Map(), read: 0, done: false, error: null };
    search = s;
    const needle = JSON.stringify(s.text).slice(1, -1);
    const t0 = performance.now();
    (async () => {
      try {
        // A few files in flight while one is scanned: loading, not scanning, is most of the time.
        const ahead = [];
        for (let c = 0; c < STARTS.length; c++) {
          while (ahead.length < 4 && c + ahead.length < STARTS.length) ahead.push(detailChunk(c + ahead.length));
          const chunk = await ahead.shift();
          if (search !== s) return;
          for (let j = 0; j < chunk.length; j++) {
            const i = STARTS[c] + j;
            if (chunk[j].toLowerCase().includes(needle)) {
              const where = matchWhere(JSON.parse(chunk[j]), s.text, s.scope);
              if (where) s.hits.set(i, where);
            } else if (s.scope === "all" && titleHit(ROWS[i], s.text)) s.hits.set(i, { where: "id", snip: "" });
          }
          s.read = STARTS[c] + chunk.length;
          if (onSearchProgress) onSearchProgress(s);
        }
        s.done = true;
        s.seconds = (performance.now() - t0) / 1000;
      } catch (e) { s.error = e; }
      if (onSearchProgress) onSearchProgress(s);
    })();
    return s;
  }
  let onSearchProgress = null;
  function snippet(text, at, n) {
    const a = Math.max(0, at - 40);
    return (a > 0 ? "…" : "") + text.slice(a, at + n + 60) + (at + n + 60 < text.length ? "…" : "");
  }
  function matchWhere(d, text, scope) {
    if ((scope === "all" || scope === "text") && (d.title || "").toLowerCase().includes(text)) return { where: "title", snip: d.title };
    if (scope === "all" && d.id.toLowerCase().includes(text)) return { where: "id", snip: "" };
    for (const seg of d.segments) {
      const kept = seg.k !== "r";
      if (kept ? scope === "removed" : scope === "text") continue;
      const at = seg.text.toLowerCase().indexOf(text);
      if (at >= 0) return { where: kept ? "text" : "removed", snip: snippet(seg.text, at, text.length), start: seg.start };
    }
    return null;
  }
  function listRows(st) {
    let rows = baseFilter(st);
    if (st.q) {
      const text = st.q.toLowerCase();
      if (textScope(st)) { const s = startSearch(st); rows = rows.filter((r) => s.hits.has(r.i)); }
      else rows = rows.filter((r) => titleHit(r, text));
    }
    return sortRows(rows, st);
  }

  // ---- views ----
  function tabs(active) {
    return el("nav", { class: "tabs" },
      el("a", { href: "#view=docs", class: active === "docs" ? "active" : null, text: "Documents (" + fmt(ROWS.length) + ")" }),
      el("a", { href: "#view=dups", class: active === "dups" ? "active" : null, text: "Duplicate clusters (" + fmt(CLUSTERS.length) + ")" }),
      el("a", { href: "#view=rules", class: active === "rules" ? "active" : null, text: "Rules (" + META.rules.length + ")" }));
  }
  function pager(p, total, make) {
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const page = Math.min(Math.max(1, p), pages);
    const nav = el("div", { class: "pager" });
    nav.append(page > 1 ? el("a", { href: make(page - 1), rel: "prev", text: "← previous" }) : el("span", { class: "note", text: "← previous" }));
    nav.append(el("span", { class: "pageinfo", text: "page " + page + " of " + pages + " (" + total + " items)" }));
    nav.append(page < pages ? el("a", { href: make(page + 1), rel: "next", text: "next →" }) : el("span", { class: "note", text: "next →" }));
    return { nav, page, pages };
  }
  function select(id, value, options) {
    const s = el("select", { id });
    for (const o of options) {
      if (o.group) {
        const g = el("optgroup", { label: o.group });
        for (const x of o.items) g.append(el("option", { value: x[0], text: x[1], selected: x[0] === value ? "" : null }));
        s.append(g);
      } else s.append(el("option", { value: o[0], text: o[1], selected: o[0] === value ? "" : null }));
    }
    return s;
  }
  let cursor = -1;
  function listView(q) {
    const st = listState(q);
    const card = el("section", { class: "card", id: "doc-list" });
    const flags = [...new Set(ROWS.flatMap((r) => r.flags))].sort();
    const status = select("f-status", st.status, [["", "any status"], ["kept", "kept"], ["duplicate", "duplicate"], ["rejected", "rejected"]]);
    const why = select("f-why", st.rule !== "" ? "r" + st.rule : st.fix !== "" ? "f" + st.fix : "", [["", "any removal rule or fix"],
      { group: "removed by", items: META.rules.map((k, i) => ["r" + i, keyLabel(k)]) },
      { group: "fixed by", items: META.fixes.map((k, i) => ["f" + i, keyLabel(k)]) }]);
    const flag = select("f-flag", st.flag, [["", "flagged or not"], ["any", "flagged for review (any flag)"], ...flags.map((f) => [f, f])]);
    const box = el("input", { type: "search", id: "f-q", placeholder: "search…  (press / to focus)", value: st.q });
    const scope = select("f-in", st.in || "title", [["title", "in ids and titles"], ["text", "in article text"],
      ["removed", "in removed text"], ["all", "in titles, text and removed text"]]);
    const sort = select("f-sort", st.sort, [["", "corpus order"], ["share", "share removed, highest first"],
      ["removals", "removals, most first"], ["newest", "published, newest first"], ["oldest", "published, oldest first"]]);
    const only = el("input", { type: "checkbox", id: "f-removed", checked: st.removed === "1" ? "" : null });
    const apply = () => {
      const w = why.value;
      location.hash = link({ view: "docs", status: status.value, rule: w[0] === "r" ? w.slice(1) : "", fix: w[0] === "f" ? w.slice(1) : "",
                             flag: flag.value, q: box.value, in: box.value && scope.value !== "title" ? scope.value : "",
                             sort: sort.value, removed: only.checked ? "1" : "" });
    };
    for (const c of [status, why, flag, scope, sort, only]) c.onchange = apply;
    box.onkeydown = (e) => { if (e.key === "Enter") apply(); };
    card.append(el("div", { class: "controls" }, status, why, flag, sort),
      el("div", { class: "controls" }, box, scope, el("button", { type: "button", id: "f-go", text: "search" }),
        el("label", {}, only, " only documents with removals or fixes")));
    card.querySelector("#f-go").onclick = apply;
    if (st.rule !== "" && META.sampled.includes(Number(st.rule))) {
      card.append(el("p", { class: "note" }, "Removed by " + keyLabel(META.rules[Number(st.rule)]) + ": ",
        el("a", { href: link({ rule: st.rule }), text: "see a sample of the lines it removed across the corpus" })));
    }
    const status_line = el("p", { class: "note", id: "search-status" });
    const results = el("div", { id: "results" });
    card.append(status_line, results);
    const draw = () => {
      const rows = listRows(st);
      const hits = textScope(st) ? search : null;
      if (hits) showStatus(hits, rows.length);
      const { nav, page } = pager(Number(q.get("page") || 1), rows.length, (n) => link({ ...st, page: n }));
      const body = el("tbody");
      for (const r of rows.slice((page - 1) * PAGE, page * PAGE)) body.append(listRow(r, hits));
      results.textContent = "";
      results.append(el("table", { class: "list" }, el("thead", {}, el("tr", {}, el("th", { text: "id" }), el("th", { text: "status" }),
        el("th", { text: hits ? "where it matched" : "title / reason" }), el("th", { class: "num", text: "removed" }),
        el("th", { class: "num", text: "share" }), el("th", { text: "published" }), el("th", { text: "why" }))), body), nav);
      const sel = q.get("sel");
      const trs = [...body.querySelectorAll("tr.row")];
      cursor = sel ? trs.findIndex((t) => t.getAttribute("data-id") === sel) : -1;
      if (cursor >= 0) markCursor(trs, false);
      return { shown: trs.length, done: hits ? hits.done : true, focus: cursor >= 0 ? trs[cursor] : null };
    };
    const showStatus = (hits, n) => {
      status_line.textContent = hits.error ? "Search stopped: " + hits.error.message
        : hits.done ? "Searched all " + fmt(ROWS.length) + " documents in " + hits.seconds.toFixed(1) + " s: "
          + fmt(n) + " match" + (n === 1 ? "" : "es") + "."
          : "Searching… " + fmt(hits.read) + " of " + fmt(ROWS.length) + " documents read; " + fmt(n) + " matches so far.";
      status_line.setAttribute("data-done", hits.done ? "1" : "0");
    };
    if (textScope(st)) {
      // While the search runs, the status line follows every file read; the table is redrawn
      // only while its page is still filling (or its order can change), at most once a second.
      const inBase = new Uint8Array(ROWS.length);
      for (const r of baseFilter(st)) inBase[r.i] = 1;
      const want = Number(q.get("page") || 1) * PAGE;
      let last = 0;
      let state = draw();
      onSearchProgress = (s) => {
        if (s !== search || !card.isConnected) return;
        let n = 0;
        for (const i of s.hits.keys()) n += inBase[i];
        const now = Date.now();
        if (s.done || s.error) { state = draw(); ready(null, state.focus); return; }
        if ((n > state.shown && (state.shown < want || st.sort)) && now - last > 1000) { last = now; state = draw(); }
        else showStatus(s, n);
      };
      if (state.done) ready(null, state.focus);
    } else { onSearchProgress = null; ready(null, draw().focus); }
    return card;
  }
  function listRow(r, hits) {
    const chips = el("td");
    for (const k of r.rules) chips.append(el("span", { class: "chip " + stageOf(META.rules[k]), text: keyLabel(META.rules[k]) }));
    if (r.nedits) chips.append(el("span", { class: "chip encoding", text: r.nedits + " fix" + (r.nedits > 1 ? "es" : "") }));
    for (const f of r.flags) chips.append(el("span", { class: "chip flag", text: f }));
    let note;
    const h = hits && hits.hits.get(r.i);
    if (h) note = el("td", { class: "hit" }, el("span", { class: "where " + h.where, text: h.where }), " " + (h.snip || r.title));
    else note = el("td", { text: r.status === "duplicate" ? "duplicate of " + r.dupOf : r.status === "rejected" ? r.reason : r.title });
    const target = h && h.start !== undefined && h.where === "removed" ? { doc: r.id, at: h.start } : { doc: r.id };
    return el("tr", { class: "row", "data-id": r.id },
      el("td", {}, el("a", { href: link(target), text: r.id })),
      el("td", {}, el("span", { class: "badge " + r.status, text: r.status })), note,
      el("td", { class: "num", text: String(r.nremoved) }),
      el("td", { class: "num", text: r.nremoved ? pct(r.share) : "" }),
      el("td", { class: "date", text: r.published || "" }), chips);
  }
  function markCursor(trs, scroll) {
    trs.forEach((t, k) => t.classList.toggle("cursor", k === cursor));
    if (scroll && trs[cursor]) trs[cursor].scrollIntoView({ block: "nearest" });
  }

  function dupsView(q) {
    const card = el("section", { class: "card", id: "cluster-list" });
    const { nav, page } = pager(Number(q.get("page") || 1), CLUSTERS.length, (n) => link({ view: "dups", page: n }));
    const body = el("tbody");
    for (const [canon, members] of CLUSTERS.slice((page - 1) * PAGE, page * PAGE)) {
      const c = BY_ID.get(canon);
      body.append(el("tr", { class: "row", "data-id": canon }, el("td", {}, el("a", { href: link({ cluster: canon }), text: canon })),
        el("td", { text: (c && c.title) || "" }), el("td", { class: "num", text: String(members.length) }),
        el("td", { text: members.slice(0, 5).join(", ") + (members.length > 5 ? ", …" : "") })));
    }
    if (!CLUSTERS.length) card.append(el("p", { class: "note", text: "No duplicates were found in this corpus." }));
    card.append(el("table", { class: "list" }, el("thead", {}, el("tr", {}, el("th", { text: "canonical article" }),
      el("th", { text: "title" }), el("th", { text: "copies" }), el("th", { text: "duplicates" }))), body), nav);
    ready();
    return card;
  }

  function rulesView() {
    const card = el("section", { class: "card", id: "rule-list" });
    card.append(el("p", { class: "note", text: "Every rule that removed lines in this corpus. A rule that misfires shows in its "
      + "sample: the lines it removed, drawn evenly from the whole corpus." }));
    const docs = new Map();
    for (const r of ROWS) for (const k of r.rules) docs.set(k, (docs.get(k) || 0) + 1);
    const body = el("tbody");
    META.rules.map((k, i) => [k, i]).sort((a, b) => (docs.get(b[1]) || 0) - (docs.get(a[1]) || 0) || (a[0] < b[0] ? -1 : 1))
      .forEach(([k, i]) => body.append(el("tr", { class: "row", "data-rule": k },
        el("td", {}, el("a", { href: link({ rule: i }), text: keyLabel(k) })),
        el("td", { class: "num", text: fmt(docs.get(i) || 0) }),
        el("td", {}, el("a", { href: link({ view: "docs", rule: i }), text: "list the documents" })))));
    card.append(el("table", { class: "list" }, el("thead", {}, el("tr", {}, el("th", { text: "rule" }),
      el("th", { class: "num", text: "documents" }), el("th", { text: "" }))), body));
    ready();
    return card;
  }

  function ruleView(id) {
    const wrap = el("section", { class: "card", id: "rule-view" });
    const key = META.rules[id];
    wrap.append(el("div", { class: "docnav" }, el("a", { href: "#view=rules", text: "← all rules" }),
      el("a", { href: link({ view: "docs", rule: id }), text: "list the documents" })));
    if (key === undefined) { wrap.append(el("p", { text: "No rule number " + id })); ready(); return wrap; }
    wrap.append(el("h2", { text: keyLabel(key) }));
    load("rule", id).then((data) => {
      const groups = new Map();
      for (const [doc, start, text] of data.sample) {
        if (!groups.has(text)) groups.set(text, []);
        groups.get(text).push([doc, start]);
      }
      wrap.append(el("p", { class: "note", text: fmt(data.removals) + " lines removed in " + fmt(data.documents) + " documents; "
        + "a sample of " + data.sample.length + (data.sample.length < data.removals ? " spread over the corpus (the same on every run)" : " (all of them)")
        + ", " + groups.size + " distinct, most frequent first." }));
      const body = el("tbody");
      [...groups.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1)).forEach(([text, where]) => {
        const docs = el("td");
        where.slice(0, 3).forEach(([doc, start], n) => { if (n) docs.append(", "); docs.append(el("a", { href: link({ doc, at: start }), text: doc })); });
        if (where.length > 3) docs.append(", …");
        body.append(el("tr", { class: "row sample" }, el("td", { class: "num", text: String(where.length) }),
          el("td", {}, el("del", { class: "removed-line", "data-stage": stageOf(key), text: text })), docs));
      });
      wrap.append(el("table", { class: "list" }, el("thead", {}, el("tr", {}, el("th", { class: "num", text: "times" }),
        el("th", { text: "line removed" }), el("th", { text: "in" }))), body));
      ready(null, null, wrap);
    }, (e) => { wrap.append(failure(e)); ready(null, null, wrap); });
    return wrap;
  }

  function renderEdited(seg, tag) {
    const node = el(tag, { class: "fixed" });
    node.append(el("span", { class: "why encoding", text: reasonLabel(seg.edit.stage, seg.edit.rule) }));
    if (seg.edit.coarse) {  // the character diff was over its work budget
      node.append(el("span", { class: "too-large", text: "diff too large: shown as one replacement"
        + (seg.edit.cut ? "; " + fmt(seg.edit.cut) + " more characters taken out are not shown" : "") }), " ");
    }
    for (const [op, text] of seg.edit.diff) {
      if (op === "=") node.append(text);
      else if (op === "-") node.append(el("del", { class: "fix-out removed-inline", "data-stage": seg.edit.stage, "data-rule": seg.edit.rule,
                                                   title: "taken out by " + reasonLabel(seg.edit.stage, seg.edit.rule), text: visible(text) }));
      else node.append(el("ins", { class: "fix-in", text: text }));
    }
    return node;
  }
  // Invisible characters a fix removed (no-break spaces, zero-width marks) get a visible stand-in.
  function visible(s) { return s.replace(/\u00a0/g, "⍽").replace(/[\u200b-\u200d\ufeff]/g, "◌"); }

  function fieldsNode(f) {
    if (!f) return null;
    const dl = el("dl", { class: "fields" });
    const add = (k, v) => { if (v) dl.append(el("dt", { text: k }), el("dd", { class: "f-" + k, text: v })); };
    add("authors", Array.isArray(f.authors) ? f.authors.join(", ") : f.authors);
    add("credit", f.credit);
    add("published", f.published);
    add("updated", f.updated);
    return dl.childNodes.length ? dl : null;
  }
  function articleNode(row, d, heading) {
    const box = el("article", { class: "card article", "data-id": row.id });
    if (heading) box.append(el("div", { class: "kv" }, heading));
    box.append(el("div", { class: "kv" }, el("span", { class: "badge " + row.status, text: row.status }), " ",
      el("code", { text: row.id }), d.source ? "  ·  " + d.source : "",
      row.reason ? "  ·  " + row.reason : "", d.flags && d.flags.length ? "  ·  flags: " + d.flags.join(", ") : ""));
    const fields = fieldsNode(d.fields);
    if (!d.segments.length) box.append(el("p", { class: "note", text: "No text to show (" + (row.reason || "empty") + ")." }));
    let titled = false;
    for (const seg of d.segments) {
      if (seg.k === "t") {
        box.append(seg.edit ? renderEdited(seg, "h2") : el("h2", { text: seg.text }));
        if (fields) box.append(fields);
        titled = true;
      } else if (seg.k === "p") box.append(seg.edit ? renderEdited(seg, "p") : el("p", { text: seg.text }));
      else {
        let label = reasonLabel(seg.stage, seg.rule);
        if (seg.detail && seg.detail.repeats) label += " · copy of @" + seg.detail.repeats[0] + "–" + seg.detail.repeats[1];
        if (seg.detail && seg.detail.field) label += " · " + seg.detail.field;
        if (seg.detail && seg.detail.score !== undefined) label += " · junk score " + seg.detail.score + " (" +
          (seg.detail.inputs || []).map((i) => i.input + "=" + i.value + " " + (i.weight > 0 ? "+" : "") + i.weight).join(", ") + ")";
        box.append(el("del", { class: "removed", "data-stage": seg.stage, "data-rule": seg.rule, "data-start": String(seg.start),
                               title: "removed: " + label }, el("span", { class: "why", text: label }), seg.text));
      }
    }
    if (!titled) { if (fields) box.querySelector(".kv:last-of-type").after(fields); if (d.title) box.prepend(el("h2", { text: d.title })); }
    return box;
  }
  function failure(e) {
    return el("p", { class: "card error", text: e.message + ". The page reads its data from the " + META.data
      + " folder beside report.html: keep them together." });
  }

  function docView(id, at) {
    const row = BY_ID.get(id);
    const wrap = el("div", { id: "doc-view" });
    if (!row) { wrap.append(el("p", { class: "card", text: "No document with id " + id })); ready(); return wrap; }
    const lq = new URLSearchParams(recall());
    const st = listState(lq);
    const rows = listRows(st);
    const pos = rows.findIndex((r) => r.id === id);
    const back = { ...st, page: pos >= 0 ? Math.floor(pos / PAGE) + 1 : "", sel: id };
    const nav = el("div", { class: "docnav" }, el("a", { href: link(back), id: "back", text: "← back to the list" }));
    if (pos > 0) nav.append(el("a", { href: link({ doc: rows[pos - 1].id }), id: "prev", text: "‹ previous document (k)" }));
    if (pos >= 0 && pos < rows.length - 1) nav.append(el("a", { href: link({ doc: rows[pos + 1].id }), id: "next", text: "next document (j) ›" }));
    if (pos >= 0) nav.append(el("span", { class: "note", text: (pos + 1) + " of " + rows.length + " in the list" }));
    wrap.append(nav, legend());
    const body = el("div", { class: "loading", text: "loading…" });
    wrap.append(body);
    const canon = row.status === "duplicate" && BY_ID.has(row.dupOf) ? BY_ID.get(row.dupOf) : null;
    Promise.all([detail(row), canon ? detail(canon) : null]).then(([d, cd]) => {
      body.className = ""; body.textContent = "";
      if (canon) {
        const sim = d.similarity ? "jaccard " + d.similarity.jaccard + ", containment " + d.similarity.containment : "";
        body.append(el("p", { class: "note", text: "Duplicate of " + row.dupOf + " (" + row.reason + (sim ? "; " + sim : "") + "), shown side by side." }));
        body.append(el("div", { class: "side" }, articleNode(canon, cd, "canonical"), articleNode(row, d, "duplicate")));
      } else {
        if (DUPS_OF.has(id)) {
          const dl = el("p", { class: "note" }, "Copies of this article were found: ");
          dl.append(el("a", { href: link({ cluster: id }), text: "compare " + DUPS_OF.get(id).length + " side by side" }));
          body.append(dl);
        }
        body.append(articleNode(row, d, null));
      }
      land(wrap, at);
    }, (e) => { body.replaceWith(failure(e)); ready(); });
    return wrap;
  }

  function clusterView(id) {
    const members = DUPS_OF.get(id) || [];
    const wrap = el("div", { id: "cluster-view" });
    wrap.append(el("div", { class: "docnav" }, el("a", { href: "#view=dups", text: "← back to the clusters" })), legend());
    const rows = [BY_ID.get(id), ...members.map((m) => BY_ID.get(m))].filter(Boolean);
    Promise.all(rows.map(detail)).then((ds) => {
      const side = el("div", { class: "side" });
      rows.forEach((r, k) => side.append(articleNode(r, ds[k], k === 0 && r.id === id ? "canonical" : "duplicate")));
      wrap.append(side);
      land(wrap, null);
    }, (e) => { wrap.append(failure(e)); ready(); });
    return wrap;
  }

  function legend() {
    return el("div", { class: "legend" }, "Removed text is struck through and labelled by why it was removed:",
      el("span", { class: "chip boilerplate", text: "boilerplate rule" }), el("span", { class: "chip repeats", text: "repeated block" }),
      el("span", { class: "chip encoding", text: "encoding fix (⍽ = no-break space)" }),
      el("span", { class: "keys", text: "keys: j / k next / previous, u back to the list" }));
  }

  // A deep link lands on its item: the view (or the removal at offset `at`) is scrolled to and marked.
  function land(wrap, at) {
    let target = wrap;
    if (at !== null && at !== undefined && at !== "") {
      const hit = wrap.querySelector('del.removed[data-start="' + CSS.escape(String(at)) + '"]');
      if (hit) { hit.classList.add("target"); target = hit; }
    }
    ready(target === wrap ? "view" : "removal", target);
  }
  // The view is drawn: scroll to what it should show (once it is in the document), then say so.
  let scrollApp = false;
  // `owner` (or `focus`): the view's element; a view replaced before its data came is not ready.
  function ready(landed, focus, owner) {
    setTimeout(() => {
      if ((owner && !owner.isConnected) || (focus && !focus.isConnected)) return;
      if (focus) focus.scrollIntoView({ block: landed === "removal" ? "center" : landed ? "start" : "nearest" });
      else if (scrollApp) app.scrollIntoView({ block: "start" });
      scrollApp = false;
      document.body.setAttribute("data-ready", "1");
      if (landed) document.body.setAttribute("data-landed", landed);
    }, 0);
  }

  function route() {
    const q = params();
    app.textContent = "";
    document.body.removeAttribute("data-ready");
    document.body.removeAttribute("data-landed");
    if (q.has("doc")) app.append(tabs("docs"), docView(q.get("doc"), q.get("at")));
    else if (q.has("cluster")) app.append(tabs("dups"), clusterView(q.get("cluster")));
    else if (q.has("rule")) app.append(tabs("rules"), ruleView(Number(q.get("rule"))));
    else if (q.get("view") === "dups") app.append(tabs("dups"), dupsView(q));
    else if (q.get("view") === "rules") app.append(tabs("rules"), rulesView());
    else {
      const st = listState(q);
      remember(link(st).slice(1) || "view=docs");
      app.append(tabs("docs"), listView(q));
    }
  }

  // ---- keyboard ----
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) {
      if (e.key === "Escape") t.blur();
      return;
    }
    const q = params();
    const go = (id) => { const a = document.getElementById(id); if (a) { location.hash = a.getAttribute("href"); e.preventDefault(); } };
    if (q.has("doc")) {
      if (e.key === "j" || e.key === "n") go("next");
      else if (e.key === "k" || e.key === "p") go("prev");
      else if (e.key === "u" || e.key === "Escape") go("back");
      return;
    }
    if (e.key === "/") { const s = document.getElementById("f-q"); if (s) { s.focus(); e.preventDefault(); } return; }
    const trs = [...app.querySelectorAll("table.list tbody tr.row")];
    if (!trs.length) return;
    if (e.key === "j" || e.key === "k") {
      cursor = Math.min(trs.length - 1, Math.max(0, cursor + (e.key === "j" ? 1 : -1)));
      markCursor(trs, true); e.preventDefault();
    } else if ((e.key === "Enter" || e.key === "o") && trs[cursor]) {
      const a = trs[cursor].querySelector("a"); if (a) { location.hash = a.getAttribute("href"); e.preventDefault(); }
    } else if (e.key === "n" || e.key === "p") {
      const a = app.querySelector('.pager a[rel="' + (e.key === "n" ? "next" : "prev") + '"]');
      if (a) { location.hash = a.getAttribute("href"); e.preventDefault(); }
    }
  });

  // ---- start: the index, then the view ----
  async function start() {
    app.textContent = "";
    const note = el("p", { class: "card note", id: "loading", text: "Loading the document index…" });
    app.append(note);
    const parts = [];
    let got = 0;
    try {
      await Promise.all(Array.from({ length: META.index_files }, (_, k) => load("index", k).then((rows) => {
        parts[k] = rows; got++; note.textContent = "Loading the document index (" + got + " of " + META.index_files + " files)…";
      })));
    } catch (e) { app.textContent = ""; app.append(failure(e)); ready(); return; }
    // Index row layout (pipeline/report/html.py): id, status, title, removals, rule ids, reason,
    // duplicate_of, fixes, flags, kept characters, removed characters, published, fix ids.
    let i = 0;
    ROWS = [];
    for (const part of parts) for (const r of part) {
      const total = r[9] + r[10];
      ROWS.push({ i: i++, id: r[0], status: r[1], title: r[2] || "", nremoved: r[3], rules: r[4], reason: r[5], dupOf: r[6],
                  nedits: r[7], flags: r[8], share: total ? r[10] / total : 0, published: r[11], fixes: r[12] });
    }
    BY_ID = new Map(ROWS.map((r) => [r.id, r]));
    DUPS_OF = new Map();
    for (const r of ROWS) if (r.dupOf) { if (!DUPS_OF.has(r.dupOf)) DUPS_OF.set(r.dupOf, []); DUPS_OF.get(r.dupOf).push(r.id); }
    CLUSTERS = [...DUPS_OF.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    window.addEventListener("hashchange", () => { scrollApp = true; route(); });
    scrollApp = location.hash.length > 1;  // a link to a view opens on it, past the summary
    route();
  }
  start();
})();
