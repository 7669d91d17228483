/* papertopics report: the paper map and the paper table, built from the inlined JSON.
 * Inlined into report.html by papertopics.report.render_report (allowed by its CSP hash).
 * Every string from the data is written with textContent / text nodes, never as HTML. */
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const P = data.papers;
  const N = P.id.length;
  const THEMES = data.themes;
  const NO_THEME = data.noTheme;
  const topicInfo = new Map(data.topics.map((t) => [t[0], { label: t[1], size: t[2] }]));
  const idIndex = new Map(P.id.map((id, i) => [id, i]));
  const fmt = (n) => n.toLocaleString("en");

  // Large reports carry the abstracts gzip-compressed (base64); unpack them in the background.
  let abstractsReady = Promise.resolve(true);
  if (!P.abstract) {
    P.abstract = P.title.map(() => "");
    abstractsReady = (async () => {
      if (typeof DecompressionStream === "undefined") return false;
      const text = atob(data.abstractsGzip);
      const bytes = new Uint8Array(text.length);
      for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      P.abstract = JSON.parse(await new Response(stream).text());
      return true;
    })();
  }
  const $ = (id) => document.getElementById(id);

  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null) continue;
        if (k === "class") e.className = v;
        else if (k === "text") e.textContent = v;
        else e.setAttribute(k, v);
      }
    }
    for (const c of children) if (c != null && c !== false) e.append(c);
    return e;
  }

  function topicText(t) {
    if (t === -1) return "no topic (outlier)";
    const info = topicInfo.get(t);
    return "#" + t + (info ? " " + info.label : "");
  }

  let abstractMissing = "(abstract loading…)";

  // ---- search: lower-case title + abstract, built on first use --------------------------------
  let hay = null;
  /** The query's words, and its "quoted phrases" as one term each (every term must occur). */
  function terms(query) {
    const found = [];
    for (const m of query.toLowerCase().matchAll(/"([^"]*)"?|(\S+)/g)) {
      const term = (m[1] !== undefined ? m[1] : m[2]).replace(/\s+/g, " ").trim();
      if (term.length > 0) found.push(term);
    }
    return found;
  }
  function matches(i, words) {
    if (!hay || hay.stale) hay = P.title.map((t, k) => (t + "\n" + P.abstract[k]).toLowerCase());
    const h = hay[i];
    for (const w of words) if (!h.includes(w)) return false;
    return true;
  }
  /** Text with every occurrence of the search words wrapped in <mark> (as DOM nodes). */
  function marked(text, words) {
    const frag = document.createDocumentFragment();
    if (!words.length) { frag.append(text); return frag; }
    const lower = text.toLowerCase();
    const spans = [];
    for (const w of words) {
      let at = lower.indexOf(w);
      while (at >= 0) { spans.push([at, at + w.length]); at = lower.indexOf(w, at + w.length); }
    }
    spans.sort((a, b) => a[0] - b[0]);
    let pos = 0;
    for (const [s, e] of spans) {
      if (s < pos) continue;
      frag.append(text.slice(pos, s), el("mark", { text: text.slice(s, e) }));
      pos = e;
    }
    frag.append(text.slice(pos));
    return frag;
  }

  // ---- per-paper derived values ----------------------------------------------------------------
  const maxScore = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    for (const ev of P.evidence[i]) if (ev[1] > maxScore[i]) maxScore[i] = ev[1];
  }

  // =============================================================================================
  // The map: a canvas, a uniform grid for hover look-ups, one path per colour per frame.
  // =============================================================================================
  const MapView = (function () {
    const canvas = $("map");
    const tip = $("tip");
    const wrap = $("map-wrap");
    if (!canvas || !canvas.getContext) return null;
    const ctx = canvas.getContext("2d");
    const xs = Float64Array.from(P.x);
    const ys = Float64Array.from(P.y);
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < N; i++) {
      if (xs[i] < minX) minX = xs[i]; if (xs[i] > maxX) maxX = xs[i];
      if (ys[i] < minY) minY = ys[i]; if (ys[i] > maxY) maxY = ys[i];
    }
    if (!N) { minX = minY = 0; maxX = maxY = 1; }
    const spanX = maxX - minX || 1, spanY = maxY - minY || 1;

    // grid index (counting sort of points into G x G cells)
    const G = Math.max(1, Math.min(512, Math.round(Math.sqrt(N / 3))));
    const cellOf = (x, y) => {
      const cx = Math.min(G - 1, Math.max(0, Math.floor(((x - minX) / spanX) * G)));
      const cy = Math.min(G - 1, Math.max(0, Math.floor(((y - minY) / spanY) * G)));
      return cy * G + cx;
    };
    const start = new Int32Array(G * G + 1);
    const items = new Int32Array(N);
    const cells = new Int32Array(N);
    for (let i = 0; i < N; i++) { cells[i] = cellOf(xs[i], ys[i]); start[cells[i] + 1]++; }
    for (let c = 0; c < G * G; c++) start[c + 1] += start[c];
    const fill = start.slice(0, G * G);
    for (let i = 0; i < N; i++) items[fill[cells[i]]++] = i;

    // colour groups: no theme first (underneath), then each theme
    const groups = [{ colour: NO_THEME, idx: [] }].concat(THEMES.map((t) => ({ colour: t.colour, idx: [] })));
    for (let i = 0; i < N; i++) groups[P.primary[i] + 1].idx.push(i);

    // where to write a group's name: on its point nearest the middle of its densest patch
    // (24 x 24 cells over the map, each counting its neighbours too; ties go to more points
    // within 3, then 7 cells, then to the first cell), as papertopics.figures.label_anchor
    // does; a median falls between the parts of a split group
    const A = 24;
    function anchor(idx) {
      const count = new Float64Array(A * A);
      const bin = (v, lo, span) => Math.min(A - 1, Math.floor(((v - lo) / span) * A));
      for (const i of idx) count[bin(ys[i], minY, spanY) * A + bin(xs[i], minX, spanX)]++;
      const within = (r, q, d) => {
        let sum = 0;
        for (let rr = Math.max(0, r - d); rr <= Math.min(A - 1, r + d); rr++)
          for (let qq = Math.max(0, q - d); qq <= Math.min(A - 1, q + d); qq++) sum += count[rr * A + qq];
        return sum;
      };
      let best = 0, bestKey = [-1, -1, -1];
      for (let c = 0; c < A * A; c++) {
        if (!count[c]) continue;
        const r = Math.floor(c / A), q = c % A;
        const key = [within(r, q, 1), within(r, q, 3), within(r, q, 7)];
        const k = key.findIndex((v, j) => v !== bestKey[j]);
        if (k >= 0 && key[k] > bestKey[k]) { bestKey = key; best = c; }
      }
      const mx = minX + ((best % A) + 0.5) * spanX / A, my = minY + (Math.floor(best / A) + 0.5) * spanY / A;
      let near = idx[0], nearest = Infinity;
      for (const i of idx) {
        const d = (xs[i] - mx) ** 2 + (ys[i] - my) ** 2;
        if (d < nearest) { nearest = d; near = i; }
      }
      return { x: xs[near], y: ys[near] };
    }
    const themeAnchors = THEMES.map((t, k) => {
      const idx = groups[k + 1].idx;
      return idx.length ? { label: t.label, colour: t.text, ...anchor(idx), n: idx.length } : null;
    }).filter(Boolean);
    const byTopic = new Map();
    for (let i = 0; i < N; i++) {
      if (P.topic[i] === -1) continue;
      if (!byTopic.has(P.topic[i])) byTopic.set(P.topic[i], []);
      byTopic.get(P.topic[i]).push(i);
    }
    const topicAnchors = [...byTopic.entries()]
      .map(([t, idx]) => ({ label: topicText(t), ...anchor(idx), n: idx.length }))
      .sort((a, b) => b.n - a.n);

    // dense maps: more transparency, so that overlapping colours mix rather than the last one win
    const themedAlpha = N > 20000 ? 0.6 : N > 5000 ? 0.75 : 0.88;
    let W = 0, H = 0, dpr = 1;
    let view = null; // cx, cy (data), k (css px per data unit)
    let k0 = 1;
    let search = null; // Uint8Array of matches, or null
    let focusTheme = -1; // index into THEMES, -2 for "no theme", -1 for none
    let hover = -1, pinned = -1, drawn = 0, queued = false, drag = null;
    const showTopics = $("map-topic-labels");

    function reset() {
      k0 = 0.9 * Math.min(W / spanX, H / spanY);
      view = { cx: (minX + maxX) / 2, cy: (minY + maxY) / 2, k: k0 };
    }
    const sx = (x) => W / 2 + (x - view.cx) * view.k;
    const sy = (y) => H / 2 - (y - view.cy) * view.k;
    const dataX = (px) => view.cx + (px - W / 2) / view.k;
    const dataY = (py) => view.cy - (py - H / 2) / view.k;
    const inTheme = (i) => (focusTheme === -2 ? P.themes[i].length === 0 : P.themes[i].includes(focusTheme));
    const isOn = (i) => (!search || search[i] === 1) && (focusTheme === -1 || inTheme(i));
    const filtering = () => search !== null || focusTheme !== -1;

    function resize() {
      const r = canvas.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) return;
      dpr = window.devicePixelRatio || 1;
      W = r.width; H = r.height;
      canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
      if (!view) reset();
      else {
        // a new size (a window resized, a phone turned): the same zoom relative to the whole
        // map, around the same centre, so an unzoomed map still fits and a zoomed one keeps
        // its place
        const fit = 0.9 * Math.min(W / spanX, H / spanY);
        view.k *= fit / k0;
        k0 = fit;
      }
      draw();
    }
    function schedule() {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; draw(); });
    }

    function pointsPath(idx, r, test) {
      const square = r < 1.6;
      ctx.beginPath();
      let count = 0;
      for (const i of idx) {
        if (test && !test(i)) continue;
        const x = sx(xs[i]), y = sy(ys[i]);
        if (x < -r || y < -r || x > W + r || y > H + r) continue;
        if (square) ctx.rect(x - r, y - r, 2 * r, 2 * r);
        else { ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 6.283185); }
        count++;
      }
      return count;
    }

    // A label sits just above (else below) its anchor point, not on it: the anchor is one of
    // the group's papers, and a small group's points would vanish under its name.
    function labels(anchors, font, colourOf, placed, max, force, r) {
      ctx.font = font;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      let shown = 0;
      for (const a of anchors) {
        if (shown >= max) break;
        let x = sx(a.x), y = sy(a.y);
        if (x < 0 || y < 0 || x > W || y > H) continue;
        const w = ctx.measureText(a.label).width + 8, h = parseInt(font.match(/(\d+)px/)[1], 10) + 6;
        let box = null;
        const gap = h / 2 + r + 2;
        for (const dy of [-gap, gap, -gap - h, gap + h, -gap - 2 * h, gap + 2 * h]) {
          const b = { l: x - w / 2, r: x + w / 2, t: y + dy - h / 2, b: y + dy + h / 2 };
          if (!placed.some((p) => b.l < p.r && b.r > p.l && b.t < p.b && b.b > p.t)) { box = b; y += dy; break; }
        }
        if (!box && !force) continue;
        if (!box) y -= gap;
        placed.push(box || { l: x - w / 2, r: x + w / 2, t: y - h / 2, b: y + h / 2 });
        x = Math.min(Math.max(x, w / 2), W - w / 2);
        ctx.lineWidth = 4; ctx.strokeStyle = "rgba(255,255,255,0.8)";
        ctx.strokeText(a.label, x, y);
        ctx.fillStyle = colourOf(a);
        ctx.fillText(a.label, x, y);
        shown++;
      }
    }

    function draw() {
      if (!view || !W) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, W, H);
      const zoom = view.k / k0;
      const r0 = Math.max(1.3, Math.min(5, 520 / Math.sqrt(Math.max(N, 1))));
      const r = Math.min(r0 * Math.sqrt(Math.max(zoom, 1)), r0 * 3, 9);
      const active = filtering();
      drawn = 0;
      // background layer: everything, dimmed when a search or theme is active
      for (let g = 0; g < groups.length; g++) {
        ctx.globalAlpha = active ? (g === 0 ? 0.25 : 0.2) : g === 0 ? 0.55 : themedAlpha;
        ctx.fillStyle = groups[g].colour;
        drawn += pointsPath(groups[g].idx, r, active ? (i) => !isOn(i) : null);
        ctx.fill();
      }
      // matching points on top, larger and outlined
      if (active) {
        ctx.globalAlpha = 1;
        ctx.lineWidth = 1;
        ctx.strokeStyle = "#ffffff";
        for (let g = 0; g < groups.length; g++) {
          ctx.fillStyle = g === 0 ? "#8c8c8c" : groups[g].colour;
          drawn += pointsPath(groups[g].idx, r * 1.5, isOn);
          ctx.fill();
          if (r >= 1.6) ctx.stroke();
        }
      }
      ctx.globalAlpha = 1;
      for (const [i, colour, width] of [[pinned, "#D55E00", 3], [hover, "#1d2330", 2]]) {
        if (i < 0) continue;
        ctx.beginPath();
        ctx.arc(sx(xs[i]), sy(ys[i]), r * 1.6 + 4, 0, 6.283185);
        ctx.lineWidth = width; ctx.strokeStyle = colour; ctx.stroke();
      }
      const placed = [];
      // theme labels always show (nudged off each other when they can be); topic labels only where free
      labels(themeAnchors, "700 15px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", (a) => a.colour, placed, 99, true, r);
      if (showTopics && showTopics.checked) {
        labels(topicAnchors, "500 12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", () => "#3b4352", placed, 40, false, r);
      }
      canvas.dataset.drawn = String(drawn);
    }

    function nearest(px, py) {
      if (!view || !N) return -1;
      const x = dataX(px), y = dataY(py);
      const rad = 10 / view.k;
      const c0 = cellOf(x - rad, y - rad), c1 = cellOf(x + rad, y + rad);
      const gx0 = c0 % G, gy0 = (c0 / G) | 0, gx1 = c1 % G, gy1 = (c1 / G) | 0;
      let best = -1, bestD = rad * rad;
      const active = filtering();
      for (let gy = gy0; gy <= gy1; gy++) {
        for (let gx = gx0; gx <= gx1; gx++) {
          const c = gy * G + gx;
          for (let s = start[c]; s < start[c + 1]; s++) {
            const i = items[s];
            const d = (xs[i] - x) ** 2 + (ys[i] - y) ** 2;
            // a matching point wins over a dimmed one nearby
            const dd = active && !isOn(i) ? d * 4 : d;
            if (dd < bestD) { bestD = dd; best = i; }
          }
        }
      }
      return best;
    }

    function showTip(i, px, py) {
      tip.textContent = "";
      tip.append(el("b", { text: P.title[i] }));
      const th = P.themes[i].map((t) => THEMES[t].label);
      tip.append(el("div", { class: "tip-meta", text: th.length ? "Themes: " + th.join(", ") : "No theme" }));
      tip.append(el("div", { class: "tip-meta", text: "Topic " + topicText(P.topic[i]) }));
      if (P.date[i]) tip.append(el("div", { class: "tip-meta", text: "First listed " + P.date[i] }));
      tip.style.display = "block";
      const tw = tip.offsetWidth, th2 = tip.offsetHeight;
      let left = px + 14, top = py + 14;
      if (left + tw > W) left = Math.max(0, px - tw - 14);
      if (top + th2 > H) top = Math.max(0, py - th2 - 14);
      tip.style.left = left + "px"; tip.style.top = top + "px";
    }
    function hideTip() { tip.style.display = "none"; }

    function local(ev) {
      const b = canvas.getBoundingClientRect();
      return [ev.clientX - b.left, ev.clientY - b.top];
    }
    function zoomAt(px, py, factor) {
      const x = dataX(px), y = dataY(py);
      view.k = Math.min(Math.max(view.k * factor, k0 * 0.5), k0 * 400);
      view.cx = x - (px - W / 2) / view.k;
      view.cy = y + (py - H / 2) / view.k;
      schedule();
    }

    canvas.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      drag = { x: ev.clientX, y: ev.clientY, x0: ev.clientX, y0: ev.clientY, moved: false };
      canvas.setPointerCapture(ev.pointerId);
    });
    canvas.addEventListener("pointermove", (ev) => {
      const [px, py] = local(ev);
      if (drag) {
        const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
        if (Math.abs(ev.clientX - drag.x0) + Math.abs(ev.clientY - drag.y0) > 4) drag.moved = true;
        if (drag.moved) {
          canvas.classList.add("dragging");
          view.cx -= dx / view.k; view.cy += dy / view.k;
          drag.x = ev.clientX; drag.y = ev.clientY;
          hideTip(); schedule();
          return;
        }
      }
      const i = nearest(px, py);
      canvas.classList.toggle("over", i >= 0);
      if (i !== hover) { hover = i; schedule(); }
      if (i < 0) hideTip(); else showTip(i, px, py);
    });
    canvas.addEventListener("pointerup", (ev) => {
      const was = drag;
      drag = null;
      canvas.classList.remove("dragging");
      if (!was || was.moved) return;
      const [px, py] = local(ev);
      const i = nearest(px, py);
      if (i >= 0 && Table) { pinned = i; schedule(); Table.reveal(i); }
    });
    canvas.addEventListener("pointerleave", () => { hideTip(); if (hover >= 0) { hover = -1; schedule(); } });
    canvas.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const [px, py] = local(ev);
      zoomAt(px, py, Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015)));
    }, { passive: false });
    canvas.addEventListener("dblclick", () => { reset(); schedule(); });
    canvas.addEventListener("keydown", (ev) => {
      const step = 60 / view.k;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[ev.key]) { view.cx += moves[ev.key][0]; view.cy += moves[ev.key][1]; schedule(); }
      else if (ev.key === "+" || ev.key === "=") zoomAt(W / 2, H / 2, 1.4);
      else if (ev.key === "-") zoomAt(W / 2, H / 2, 1 / 1.4);
      else if (ev.key === "0") { reset(); schedule(); }
      else return;
      ev.preventDefault();
    });
    $("map-zoom-in").addEventListener("click", () => zoomAt(W / 2, H / 2, 1.6));
    $("map-zoom-out").addEventListener("click", () => zoomAt(W / 2, H / 2, 1 / 1.6));
    $("map-reset").addEventListener("click", () => { reset(); schedule(); });
    if (showTopics) showTopics.addEventListener("change", schedule);
    $("map-download").addEventListener("click", () => {
      canvas.toBlob((blob) => {
        if (!blob) return;
        const a = el("a", { href: URL.createObjectURL(blob), download: "paper_map.png" });
        document.body.append(a); a.click(); a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 5000);
      });
    });

    // search box: highlight papers whose title or abstract holds every word
    const box = $("map-search"), count = $("map-count");
    let timer = 0;
    function runSearch() {
      const words = terms(box.value);
      if (!words.length) { search = null; count.textContent = ""; schedule(); return; }
      search = new Uint8Array(N);
      let n = 0;
      for (let i = 0; i < N; i++) if (matches(i, words)) { search[i] = 1; n++; }
      count.textContent = fmt(n) + " of " + fmt(N) + " match";
      schedule();
    }
    box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(runSearch, N > 5000 ? 150 : 0); });
    document.addEventListener("papertopics:abstracts", () => { if (search) runSearch(); });
    box.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") { box.value = ""; runSearch(); }
      if (ev.key === "Enter" && Table) { Table.search(box.value); $("papers").scrollIntoView(); }
    });

    // legend: one toggle button per theme (its papers, by any of their themes), and "no theme"
    const legend = $("legend");
    const entries = THEMES.map((t, k) => [k, t.label, t.colour]).concat([[-2, "no theme", NO_THEME]]);
    const counts = new Map(entries.map(([k]) => [k, 0]));
    for (let i = 0; i < N; i++) {
      if (!P.themes[i].length) counts.set(-2, counts.get(-2) + 1);
      for (const t of P.themes[i]) counts.set(t, counts.get(t) + 1);
    }
    for (const [k, label, colour] of entries) {
      const b = el("button", { type: "button", "aria-pressed": "false", title: "Pick out the papers: " + label },
        el("i", { style: "background:" + colour }), label, el("span", { class: "n", text: fmt(counts.get(k)) }));
      b.addEventListener("click", () => {
        focusTheme = focusTheme === k ? -1 : k;
        for (const other of legend.querySelectorAll("button")) other.setAttribute("aria-pressed", "false");
        b.setAttribute("aria-pressed", focusTheme === k ? "true" : "false");
        schedule();
      });
      legend.append(b);
    }

    if (window.ResizeObserver) new ResizeObserver(resize).observe(canvas);
    else window.addEventListener("resize", resize);
    resize();

    return {
      /** Centre the map on paper i, mark it, and scroll the map into view. */
      focus(i) {
        pinned = i;
        view.k = Math.max(view.k, k0 * 3);
        view.cx = xs[i]; view.cy = ys[i];
        schedule();
        wrap.scrollIntoView({ block: "center" });
      },
      /** CSS-pixel position of paper i relative to the canvas (for tests and tools). */
      position(i) { return { x: sx(xs[i]), y: sy(ys[i]) }; },
      nearest,
      /** Redraw now; milliseconds taken (for benchmarks). */
      redraw() { const t0 = performance.now(); draw(); return performance.now() - t0; },
      get drawn() { return drawn; },
    };
  })();

  // =============================================================================================
  // The paper table: filter, search, sort, paginate; rows expand to abstract and evidence.
  // =============================================================================================
  const Table = (function () {
    const tbody = $("paper-rows");
    if (!tbody) return null;
    const q = $("table-search"), selTheme = $("filter-theme"), selTopic = $("filter-topic"), selListing = $("filter-listing");
    const status = $("table-status"), pageInfo = $("page-info"), pageSize = $("page-size");
    const state = { words: [], theme: "", topic: "", listing: "", sort: "", dir: 1, page: 0, size: 50 };
    const expanded = new Set();
    let order = [];

    const themeCounts = THEMES.map(() => 0);
    let nNone = 0;
    for (let i = 0; i < N; i++) { if (!P.themes[i].length) nNone++; for (const t of P.themes[i]) themeCounts[t]++; }
    THEMES.forEach((t, k) => selTheme.append(el("option", { value: String(k), text: t.label + " (" + fmt(themeCounts[k]) + ")" })));
    // borderline: scored just below a theme's threshold, not members ("b<k>" in the filter)
    const near = P.borderline;
    const nearCounts = THEMES.map(() => 0);
    for (let i = 0; i < N; i++) for (const [t] of near[i]) nearCounts[t]++;
    THEMES.forEach((t, k) => { if (nearCounts[k]) selTheme.append(el("option", { value: "b" + k, text: "borderline: " + t.label + " (" + fmt(nearCounts[k]) + ")" })); });
    selTheme.querySelector('option[value="-1"]').textContent = "no theme (" + fmt(nNone) + ")";
    const topicCounts = new Map();
    for (let i = 0; i < N; i++) topicCounts.set(P.topic[i], (topicCounts.get(P.topic[i]) || 0) + 1);
    [...topicCounts.keys()].sort((a, b) => a - b).forEach((t) => selTopic.append(el("option", { value: String(t), text: topicText(t) + " (" + fmt(topicCounts.get(t)) + ")" })));
    data.listings.forEach((name, k) => {
      const date = data.listingDates[k];
      selListing.append(el("option", { value: String(k), text: date ? `${name} (${date})` : name }));
    });

    const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });
    const primaryLabel = (i) => (P.primary[i] >= 0 ? THEMES[P.primary[i]].label : "\uffff");
    const sorters = {
      title: (a, b) => collator.compare(P.title[a], P.title[b]),
      theme: (a, b) => collator.compare(primaryLabel(a), primaryLabel(b)) || maxScore[b] - maxScore[a],
      topic: (a, b) => (P.topic[a] === -1) - (P.topic[b] === -1) || P.topic[a] - P.topic[b],
      date: (a, b) => (P.date[a] < P.date[b] ? -1 : P.date[a] > P.date[b] ? 1 : 0),
      score: (a, b) => maxScore[a] - maxScore[b],
    };

    function compute() {
      const nearTheme = state.theme.startsWith("b") ? +state.theme.slice(1) : null;
      const theme = state.theme === "" || nearTheme !== null ? null : +state.theme;
      const topic = state.topic === "" ? null : +state.topic;
      const listing = state.listing === "" ? null : +state.listing;
      order = [];
      for (let i = 0; i < N; i++) {
        if (theme !== null && (theme === -1 ? P.themes[i].length > 0 : !P.themes[i].includes(theme))) continue;
        if (nearTheme !== null && !near[i].some((e) => e[0] === nearTheme)) continue;
        if (topic !== null && P.topic[i] !== topic) continue;
        if (listing !== null && !P.sources[i].includes(listing)) continue;
        if (state.words.length && !matches(i, state.words)) continue;
        order.push(i);
      }
      if (state.sort) {
        const f = sorters[state.sort], dir = state.dir;
        order.sort((a, b) => dir * f(a, b) || a - b);
      }
    }

    function themeChips(i) {
      const td = el("td");
      for (const t of P.themes[i]) {
        td.append(el("span", { class: "chip" }, el("i", { class: "dot", style: "background:" + THEMES[t].colour }), THEMES[t].label));
      }
      if (!P.themes[i].length) td.append(el("span", { class: "muted", text: "—" }));
      return td;
    }

    function detailRow(i) {
      const td = el("td", { colspan: "5" });
      td.append(el("p", { class: "abstract" }, P.abstract[i] ? marked(P.abstract[i], state.words) : abstractMissing));
      for (const [t, score, text] of P.evidence[i]) {
        td.append(el("p", { class: "evidence" }, el("b", { text: THEMES[t].label }), " (score " + score.toFixed(2) + ")" + (text ? ": " + text : "")));
      }
      for (const [t, score, text] of near[i]) {
        td.append(el("p", { class: "evidence" }, "Borderline, not counted: " + THEMES[t].label + " (score " + score.toFixed(2) + ")" + (text ? ": " + text : "")));
      }
      const src = P.sources[i].map((k) => data.listings[k]).join(", ");
      const onMap = el("button", { type: "button", class: "small", text: "Show on the map" });
      onMap.addEventListener("click", () => MapView && MapView.focus(i));
      const how = ["", " (an outlier of the clustering, assigned to this topic afterwards)", " (new or edited on a rerun without a refit: put in its most similar topic)"][P.topicBy[i]] || "";
      td.append(el("p", { class: "evidence" }, "Listed in: " + (src || "—") + " · topic " + topicText(P.topic[i]) + how + " · id " + P.id[i] + " ", onMap));
      return el("tr", { class: "detail", id: "detail-" + P.id[i] }, td);
    }

    function toggle(i, button) {
      if (expanded.has(i)) expanded.delete(i); else expanded.add(i);
      const row = button.closest("tr");
      button.setAttribute("aria-expanded", expanded.has(i) ? "true" : "false");
      if (expanded.has(i)) row.after(detailRow(i));
      else if (row.nextElementSibling && row.nextElementSibling.classList.contains("detail")) row.nextElementSibling.remove();
    }

    function render() {
      const pages = Math.max(1, Math.ceil(order.length / state.size));
      state.page = Math.min(Math.max(state.page, 0), pages - 1);
      const from = state.page * state.size, to = Math.min(order.length, from + state.size);
      const frag = document.createDocumentFragment();
      for (let k = from; k < to; k++) {
        const i = order[k];
        const open = expanded.has(i);
        const button = el("button", { type: "button", class: "row-toggle", "aria-expanded": open ? "true" : "false", "aria-controls": "detail-" + P.id[i] }, marked(P.title[i], state.words));
        button.addEventListener("click", () => toggle(i, button));
        frag.append(el("tr", { class: "paper", id: "paper-" + P.id[i], "data-index": String(i) },
          el("td", null, button), themeChips(i), el("td", { class: "small", text: topicText(P.topic[i]) }),
          el("td", { text: P.date[i] || "—" }), el("td", { class: "num", text: P.evidence[i].length ? maxScore[i].toFixed(2) : "—" })));
        if (open) frag.append(detailRow(i));
      }
      if (!order.length) frag.append(el("tr", null, el("td", { colspan: "5", class: "muted", text: "No paper matches these filters." })));
      tbody.replaceChildren(frag);
      const filtered = order.length !== N;
      status.textContent = order.length
        ? "Showing " + fmt(from + 1) + "–" + fmt(to) + " of " + fmt(order.length) + (order.length === 1 ? " paper" : " papers") + (filtered ? " (filtered from " + fmt(N) + ")" : "")
        : "No papers match" + (filtered ? " (of " + fmt(N) + ")" : "");
      pageInfo.textContent = "page " + fmt(state.page + 1) + " of " + fmt(pages);
      for (const b of document.querySelectorAll("#pager button")) {
        const back = b.dataset.page === "first" || b.dataset.page === "prev";
        b.disabled = back ? state.page === 0 : state.page >= pages - 1;
      }
      for (const th of document.querySelectorAll("#paper-table th")) {
        const key = th.querySelector("button") && th.querySelector("button").dataset.sort;
        if (key === state.sort) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
        else th.removeAttribute("aria-sort");
      }
    }

    function update(keepPage) { compute(); if (!keepPage) state.page = 0; render(); }

    let timer = 0;
    q.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.words = terms(q.value); update(); }, N > 5000 ? 150 : 0);
    });
    q.addEventListener("keydown", (ev) => { if (ev.key === "Escape") { q.value = ""; state.words = []; update(); } });
    selTheme.addEventListener("change", () => { state.theme = selTheme.value; update(); });
    selTopic.addEventListener("change", () => { state.topic = selTopic.value; update(); });
    selListing.addEventListener("change", () => { state.listing = selListing.value; update(); });
    pageSize.addEventListener("change", () => { state.size = +pageSize.value; update(); });
    $("filter-clear").addEventListener("click", () => { clear(); update(); });
    for (const b of document.querySelectorAll("#pager button")) {
      b.addEventListener("click", () => {
        const last = Math.ceil(order.length / state.size) - 1;
        state.page = { first: 0, prev: state.page - 1, next: state.page + 1, last }[b.dataset.page];
        render();
        $("papers").scrollIntoView();
      });
    }
    for (const b of document.querySelectorAll("#paper-table th button")) {
      b.addEventListener("click", () => {
        const key = b.dataset.sort;
        if (state.sort === key) state.dir = -state.dir;
        else { state.sort = key; state.dir = key === "score" || key === "date" ? -1 : 1; }
        update();
      });
    }

    function clear() {
      q.value = ""; state.words = [];
      selTheme.value = selTopic.value = selListing.value = "";
      state.theme = state.topic = state.listing = "";
    }
    function setFilter(kind, value) {
      clear();
      if (kind === "theme") { selTheme.value = value; state.theme = value; }
      if (kind === "topic") { selTopic.value = value; state.topic = value; }
      update();
    }

    update();
    document.addEventListener("papertopics:abstracts", () => update(true));
    return {
      /** Show paper i: clear filters that hide it, go to its page, expand it, scroll to it. */
      reveal(i) {
        if (!order.includes(i)) { clear(); compute(); }
        const pos = order.indexOf(i);
        state.page = Math.floor(pos / state.size);
        expanded.add(i);
        render();
        const row = $("paper-" + P.id[i]);
        if (row) {
          row.scrollIntoView({ block: "center" });
          row.classList.remove("flash"); void row.offsetWidth; row.classList.add("flash");
          const b = row.querySelector("button.row-toggle");
          if (b) b.focus({ preventScroll: true });
        }
      },
      /** Put a query in the table's search box and apply it. */
      search(text) { clear(); q.value = text; state.words = terms(text); update(); },
      setFilter,
      get rows() { return order.length; },
    };
  })();

  // links elsewhere in the page that filter or open the table
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest("a[data-topic], a[data-theme], a[data-paper]");
    if (!a || !Table) return;
    ev.preventDefault();
    if (a.dataset.paper !== undefined) {
      const i = idIndex.get(a.dataset.paper);
      if (i !== undefined) Table.reveal(i);
      return;
    }
    if (a.dataset.theme !== undefined) {
      const k = THEMES.findIndex((t) => t.key === a.dataset.theme);
      Table.setFilter("theme", (a.dataset.borderline !== undefined ? "b" : "") + String(k));
    } else Table.setFilter("topic", a.dataset.topic);
    $("papers").scrollIntoView();
  });

  // deep links: report.html#paper-<id> opens that paper
  function fromHash() {
    const m = /^#paper-(.+)$/.exec(location.hash);
    if (m && Table && idIndex.has(decodeURIComponent(m[1]))) Table.reveal(idIndex.get(decodeURIComponent(m[1])));
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();

  window.papertopics = { map: MapView, table: Table, paperIndex: (id) => idIndex.get(id), ready: abstractsReady };
  performance.mark("papertopics:interactive"); // map drawn, first table page built
  abstractsReady.then((ok) => {
    performance.mark("papertopics:ready"); // abstracts searchable too
    if (!ok) abstractMissing = "(this browser cannot unpack the abstracts: see papers.csv)";
    if (hay) hay.stale = true;
    document.dispatchEvent(new Event("papertopics:abstracts"));
    document.documentElement.dataset.ready = "true";
  });
})();
