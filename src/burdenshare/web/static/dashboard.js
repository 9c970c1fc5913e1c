/* burdenshare dashboard: charts (vendored vega-embed), the view state in the URL, sortable
   and filterable tables, CSV of the rows as displayed, share links. No framework, no CDN. */
(function () {
  "use strict";

  const EMBED_OPTS = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
    i18n: { PNG_ACTION: "Download PNG", SVG_ACTION: "Download SVG" },
  };
  const views = {};

  function embed(el, spec) {
    if (!window.vegaEmbed) return Promise.resolve(null);
    // the chart's text alternative: vega puts the description on the SVG as its aria-label
    if (!spec.description && el.getAttribute("data-alt")) spec.description = el.getAttribute("data-alt");
    // expressions interpreted, never compiled with Function: the CSP needs no 'unsafe-eval'
    const opts = Object.assign({ ast: true, expr: window.vega.expressionInterpreter }, EMBED_OPTS);
    return window.vegaEmbed(el, spec, opts).then(function (res) {
      views[el.id] = res.view;
      // the export menu's toggle is an icon: give it a name for screen readers
      el.querySelectorAll("details > summary").forEach(function (s) {
        s.setAttribute("aria-label", "Download this chart (PNG or SVG)");
        s.setAttribute("title", "Download this chart (PNG or SVG)");
      });
      el.setAttribute("data-rendered", "1");
      el.dispatchEvent(new CustomEvent("chart:rendered", { bubbles: true }));
      return res.view;
    }).catch(function (err) {
      el.textContent = "Chart could not be drawn: " + err.message;
    });
  }

  function specFor(id) {
    const s = document.querySelector('script[type="application/json"][data-spec-for="' + id + '"]');
    return s ? JSON.parse(s.textContent) : null;
  }

  // ---- URL state ----------------------------------------------------------------------
  function setParams(changes) {
    const url = new URL(window.location.href);
    Object.keys(changes).forEach(function (k) {
      const v = changes[k];
      if (v === null || v === undefined || v === "") url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    });
    window.history.replaceState(null, "", url.toString());
  }
  function param(k, dflt) {
    const v = new URL(window.location.href).searchParams.get(k);
    return v === null ? dflt : v;
  }

  // ---- share link ---------------------------------------------------------------------
  function initShare() {
    document.querySelectorAll("[data-share]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        const status = btn.parentElement.querySelector(".share-status");
        const href = window.location.href;
        const done = function () { if (status) status.textContent = "Link copied: " + href; };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(href).then(done, function () {
            if (status) status.textContent = href;
          });
        } else if (status) {
          status.textContent = href;
        }
        btn.setAttribute("data-href", href);
      });
    });
  }

  // ---- CSV ----------------------------------------------------------------------------
  function csvCell(v) {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function tableCsv(table) {
    const head = Array.from(table.querySelectorAll("thead th")).map(function (th) {
      return th.getAttribute("data-csv") || th.textContent.trim();
    });
    const rows = Array.from(table.querySelectorAll("tbody tr")).filter(function (tr) {
      return !tr.hidden;
    }).map(function (tr) {
      return Array.from(tr.children).map(function (td) {
        const v = td.getAttribute("data-csv");
        return csvCell(v !== null ? v : td.textContent.trim());
      }).join(",");
    });
    return [head.map(csvCell).join(",")].concat(rows).join("\n") + "\n";
  }
  function initDownloads() {
    document.querySelectorAll("[data-download]").forEach(function (a) {
      a.addEventListener("click", function () {
        const table = document.getElementById(a.getAttribute("data-table") || "ranking-table");
        const blob = new Blob([tableCsv(table)], { type: "text/csv" });
        a.href = URL.createObjectURL(blob);
      });
    });
  }

  // ---- generic sortable tables (server-rendered) --------------------------------------
  function cellKey(td, numeric) {
    const v = td.getAttribute("data-sort") || td.textContent.trim();
    if (!numeric) return v.toLowerCase();
    const f = parseFloat(v);
    return isNaN(f) ? Infinity : f;
  }
  function makeSortable(table, onSort) {
    const ths = Array.from(table.querySelectorAll("thead th"));
    ths.forEach(function (th, i) {
      const btn = th.querySelector("button");
      if (!btn) return;
      btn.addEventListener("click", function () {
        const asc = th.getAttribute("aria-sort") !== "ascending";
        ths.forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        if (onSort) { onSort(th.getAttribute("data-key"), asc); return; }
        const numeric = th.getAttribute("data-type") === "num";
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort(function (a, b) {
          const x = cellKey(a.children[i], numeric), y = cellKey(b.children[i], numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  // ---- tabs ---------------------------------------------------------------------------
  function initTabs(onShow) {
    const tabs = Array.from(document.querySelectorAll('[role="tab"][data-tab]'));
    if (!tabs.length) return;
    function show(name, focus) {
      tabs.forEach(function (t) {
        const on = t.getAttribute("data-tab") === name;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
        if (on && focus) t.focus();
      });
      const hidden = document.querySelector('input[name="tab"]');
      if (hidden) hidden.value = name;
      setParams({ tab: name === "map" ? null : name });
      if (onShow) onShow(name);
    }
    tabs.forEach(function (t, i) {
      t.addEventListener("click", function () { show(t.getAttribute("data-tab")); });
      t.addEventListener("keydown", function (e) {
        if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
        const j = (i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length;
        show(tabs[j].getAttribute("data-tab"), true);
      });
    });
    const first = param("tab", tabs[0].getAttribute("data-tab"));
    show(tabs.some(function (t) { return t.getAttribute("data-tab") === first; }) ? first : tabs[0].getAttribute("data-tab"));
  }

  // ---- ranking page -------------------------------------------------------------------
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }
  // a hard gate's "no" (status "ineligible") is not "not scored for lack of data" ("excluded: ...")
  function isIneligible(r) { return r.status === "ineligible"; }
  function tierBadge(r) {
    if (isIneligible(r)) return '<span class="tier tier-x">Ineligible</span>';
    if (!r.tier) return '<span class="tier tier-n" title="' + esc(r.status) + '">Not ranked</span>';
    return '<span class="tier tier-' + r.tier + '">Tier ' + r.tier + "</span>";
  }
  function tierKey(r) { return isIneligible(r) ? "Ineligible" : r.tier ? "Tier " + r.tier : "Not ranked"; }

  function initRanking() {
    const dataEl = document.getElementById("page-data");
    if (!dataEl) return;
    let data = JSON.parse(dataEl.textContent);
    const form = document.getElementById("view");
    const table = document.getElementById("ranking-table");
    const body = table.tBodies[0];
    const mapEl = document.getElementById("map");
    const state = {
      sort: param("sort", "rank"), dir: param("dir", "asc"),
      region: param("region", ""), theater: param("theater", ""), tier: param("tier", ""),
      groups: param("alliance", ""), q: param("q", ""),
    };
    let intervalsFor = null, intervalsShown = false;

    function fillSelect(name, values) {
      const sel = form.querySelector('select[data-filter="' + name + '"]');
      const keep = state[name];
      sel.innerHTML = '<option value="">All</option>' + values.map(function (v) {
        return '<option value="' + esc(v) + '"' + (v === keep ? " selected" : "") + ">" + esc(v) + "</option>";
      }).join("");
    }
    function options() {
      const uniq = function (f) {
        const s = new Set();
        data.rows.forEach(function (r) { [].concat(f(r)).forEach(function (v) { if (v) s.add(v); }); });
        return Array.from(s).sort();
      };
      fillSelect("region", uniq(function (r) { return r.region; }));
      fillSelect("theater", uniq(function (r) { return r.theater; }));
      fillSelect("tier", uniq(tierKey));
      fillSelect("groups", uniq(function (r) { return r.groups; }));
      form.querySelector('input[name="q"]').value = state.q;
    }
    function visible(r) {
      if (state.region && r.region !== state.region) return false;
      if (state.theater && r.theater !== state.theater) return false;
      if (state.tier && tierKey(r) !== state.tier) return false;
      if (state.groups && r.groups.indexOf(state.groups) < 0) return false;
      if (state.q && (r.name + " " + r.iso3).toLowerCase().indexOf(state.q.toLowerCase()) < 0) return false;
      return true;
    }
    function sortKey(r) {
      const k = state.sort;
      if (k === "groups" || k === "flags") return r[k].join(" ");
      const v = r[k];
      if (v === null || v === undefined) return state.dir === "asc" ? Infinity : -Infinity;
      return typeof v === "string" ? v.toLowerCase() : v;
    }
    function shown() {
      const rows = data.rows.filter(visible);
      rows.sort(function (a, b) {
        const x = sortKey(a), y = sortKey(b);
        const c = x < y ? -1 : x > y ? 1 : 0;
        return (state.dir === "asc" ? c : -c) || ((a.rank || 1e9) - (b.rank || 1e9));
      });
      return rows;
    }
    function renderTable() {
      const rows = shown();
      body.innerHTML = rows.map(function (r) {
        const flag = r.gap_filled ? '<span class="flag-mark" title="' + esc(r.flags.join(", ")) + '" aria-hidden="true">◐</span> ' : "";
        return "<tr>" +
          '<td class="num" data-csv="' + esc(r.rank === null ? "" : r.rank) + '">' + (r.rank === null ? "—" : r.rank) + "</td>" +
          '<th scope="row" data-csv="' + esc(r.name) + '"><a href="/partners/' + r.iso3 + "?policy=" + encodeURIComponent(data.policy) + "&year=" + data.year + '">' + esc(r.name) + '</a> <span class="iso">' + r.iso3 + "</span></th>" +
          '<td data-csv="' + esc(tierKey(r)) + '">' + tierBadge(r) + "</td>" +
          '<td class="num" data-csv="' + esc(r.score === null ? "" : r.score.toFixed(2)) + '">' + flag + (r.score === null ? "—" : r.score.toFixed(1)) + "</td>" +
          "<td>" + esc(r.region || "—") + "</td>" +
          "<td>" + esc(r.theater || "—") + "</td>" +
          '<td data-csv="' + esc(r.groups.join("; ")) + '">' + r.groups.map(function (g) { return '<span class="chip">' + esc(g) + "</span>"; }).join(" ") + "</td>" +
          '<td data-csv="' + esc(r.flags.join("; ")) + '" class="flags">' + esc(r.flags.join(", ")) + "</td>" +
          "</tr>";
      }).join("");
      table.querySelectorAll("thead th").forEach(function (th) {
        th.removeAttribute("aria-sort");
        if (th.getAttribute("data-key") === state.sort) th.setAttribute("aria-sort", state.dir === "asc" ? "ascending" : "descending");
      });
      document.querySelector("[data-count]").textContent = "(" + rows.length + " of " + data.rows.length + ")";
      renderSummary(rows);
      return rows;
    }
    function renderSummary(rows) {
      const el = document.querySelector("[data-summary]");
      const count = function (f) { return rows.filter(f).length; };
      const top = rows.filter(function (r) { return r.rank; }).sort(function (a, b) { return a.rank - b.rank; })[0];
      if (!data.rows.some(function (r) { return r.rank; })) {
        // say why nothing is ranked (e.g. the 5-year trend needs earlier data)
        const why = {};
        data.rows.forEach(function (r) { why[r.status] = (why[r.status] || 0) + 1; });
        const reasons = Object.keys(why).sort(function (a, b) { return why[b] - why[a]; })
          .map(function (k) { return esc(k) + " (" + why[k] + ")"; }).join("; ");
        el.innerHTML = '<p class="notice" role="status" data-none-ranked>No partner can be ranked for ' +
          data.year + " under " + esc(data.policy) + ": " + reasons + ". Pick another year.</p>";
        return;
      }
      el.innerHTML =
        '<div class="stat"><span class="big">' + count(function (r) { return r.tier === 1; }) + '</span><span>in tier 1</span></div>' +
        '<div class="stat"><span class="big">' + count(function (r) { return r.tier === 2; }) + '</span><span>in tier 2</span></div>' +
        '<div class="stat"><span class="big">' + count(function (r) { return r.tier === 3; }) + '</span><span>in tier 3</span></div>' +
        '<div class="stat"><span class="big" data-stat="ineligible">' + count(isIneligible) + '</span><span>ineligible (hard gate)</span></div>' +
        '<div class="stat"><span class="big" data-stat="unscored">' + count(function (r) { return !r.tier && !isIneligible(r); }) + '</span><span>not scored (missing data)</span></div>' +
        '<div class="stat"><span class="big">' + count(function (r) { return r.gap_filled; }) + '</span><span>with estimated or gap-filled inputs</span></div>' +
        (top ? '<div class="stat wide"><span class="big">' + esc(top.name) + '</span><span>ranked first shown</span></div>' : "");
    }
    function renderMap(spec) {
      const keep = new Set(data.rows.filter(visible).map(function (r) { return r.iso3; }));
      const layer = spec.layer[1];
      layer.transform.push({ filter: { field: "iso3", oneOf: Array.from(keep) } });
      layer.transform.push({ calculate: "'/partners/' + datum.iso3 + '?policy=" + data.policy + "&year=" + data.year + "'", as: "href" });
      mapEl.setAttribute("data-countries", String(keep.size));
      mapEl.removeAttribute("data-rendered");
      // keep the world's aspect on any screen width (equal Earth is about 2:1)
      spec.height = Math.max(180, Math.round((mapEl.clientWidth || 900) * 0.48));
      return embed(mapEl, spec);
    }
    let mapSpec = JSON.parse(document.getElementById("map-spec").textContent);
    function loadIntervals() {
      const key = data.policy + "/" + data.year;
      if (intervalsFor === key) return;
      intervalsFor = key;
      const el = document.getElementById("intervals");
      el.removeAttribute("data-rendered");
      el.innerHTML = '<p class="loading">Computing the robustness run…</p>';
      fetch("/data/intervals.json?policy=" + encodeURIComponent(data.policy) + "&year=" + data.year)
        .then(function (r) { return r.json(); })
        .then(function (doc) {
          if (intervalsFor !== key) return;
          const keep = new Set(data.rows.filter(visible).map(function (r) { return r.iso3; }));
          doc.spec.data.values = doc.spec.data.values.filter(function (v) { return keep.has(v.iso3); });
          el.innerHTML = "";
          embed(el, doc.spec);
        });
    }
    function refresh() {
      renderTable();
      renderMap(JSON.parse(JSON.stringify(mapSpec)));
      if (intervalsShown) { intervalsFor = null; loadIntervals(); }
      setParams({
        region: state.region, theater: state.theater, tier: state.tier, alliance: state.groups,
        q: state.q, sort: state.sort === "rank" ? null : state.sort, dir: state.dir === "asc" ? null : state.dir,
      });
    }
    function loadYear(year, measure) {
      const url = "/data/ranking.json?policy=" + encodeURIComponent(data.policy) + "&year=" + year + "&measure=" + measure;
      return fetch(url).then(function (r) { return r.json(); }).then(function (doc) {
        data = doc; mapSpec = doc.map_spec;
        document.querySelectorAll("[data-year-label],[data-year-out]").forEach(function (e) { e.textContent = doc.year; });
        form.querySelector('input[name="year"]').setAttribute("aria-valuetext", String(doc.year));
        document.title = "Partner ranking " + doc.year + " · burdenshare";
        options();
        refresh();
      });
    }
    options();
    renderTable();
    renderMap(JSON.parse(JSON.stringify(mapSpec)));
    makeSortable(table, function (key, asc) { state.sort = key; state.dir = asc ? "asc" : "desc"; refresh(); });
    form.querySelectorAll("select[data-filter]").forEach(function (sel) {
      sel.addEventListener("change", function () { state[sel.getAttribute("data-filter")] = sel.value; refresh(); });
    });
    form.querySelector('input[name="q"]').addEventListener("input", function (e) { state.q = e.target.value; refresh(); });
    const slider = form.querySelector('input[name="year"]');
    slider.addEventListener("input", function () {
      document.querySelectorAll("[data-year-out]").forEach(function (e) { e.textContent = slider.value; });
    });
    slider.addEventListener("change", function () {
      setParams({ year: slider.value });
      loadYear(slider.value, form.querySelector('input[name="measure"]:checked').value);
    });
    form.querySelectorAll('input[name="measure"]').forEach(function (r) {
      r.addEventListener("change", function () {
        setParams({ measure: r.value === "tier" ? null : r.value });
        loadYear(data.year, r.value);
      });
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    initTabs(function (name) {
      if (name === "intervals") { intervalsShown = true; loadIntervals(); }
      if (name === "map" && views.map) views.map.resize().runAsync();
    });
  }

  // ---- generic ------------------------------------------------------------------------
  function initCharts() {
    document.querySelectorAll("[data-chart][data-spec]").forEach(function (el) {
      const spec = specFor(el.id);
      if (spec) embed(el, spec);
    });
  }
  function initAutosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        const form = sel.form;
        if (form.id === "view") {
          // the ranking page: a new policy reloads the page with the same view
          setParams({ policy: sel.value });
          window.location.assign(window.location.href);
        } else {
          form.submit();
        }
      });
    });
  }
  function initSliders() {
    // what-if sliders: keep the URL in step so the link reproduces the scenario
    document.querySelectorAll("form[data-whatif]").forEach(function (form) {
      form.addEventListener("input", function (e) {
        const t = e.target;
        if (t.type !== "range") return;
        const out = form.querySelector('output[for="' + t.id + '"]');
        if (out) out.textContent = Number(t.value).toFixed(t.step < 1 ? 2 : 0);
        const ch = {}; ch[t.name] = t.value; setParams(ch);
      });
    });
  }
  // partner page: the robustness figures, when the Monte Carlo run was not ready at render time
  function initRobust() {
    const card = document.querySelector("[data-robust-for]:not([data-robust-ready])");
    if (!card) return;
    const iso3 = card.getAttribute("data-robust-for");
    const url = "/data/intervals.json?policy=" + encodeURIComponent(card.getAttribute("data-policy")) +
      "&year=" + card.getAttribute("data-year");
    fetch(url).then(function (r) { return r.json(); }).then(function (doc) {
      const rec = doc.rows.filter(function (r) { return r.iso3 === iso3; })[0];
      if (!rec) return;
      const keep = Math.round((1 - rec.p_tier_changed) * 100);
      const probs = Object.keys(rec.tier_probabilities).filter(function (k) {
        return rec.tier_probabilities[k] >= 0.005;
      }).map(function (k) {
        return k.split(":")[0] + " " + Math.round(rec.tier_probabilities[k] * 100) + "%";
      }).join(", ");
      card.querySelector("[data-robust-keep]").textContent = keep + "%";
      card.querySelector("[data-robust-text]").textContent =
        "of 2,000 policy variations keep this tier: " + probs;
      document.querySelector("[data-robust-interval]").textContent =
        "90% interval " + rec.rank_p05 + "–" + rec.rank_p95 + ", median " + rec.rank_median +
        (rec.rank_median_mc_band && rec.rank_median_mc_band[0] !== rec.rank_median_mc_band[1]
          ? " (" + rec.rank_median_mc_band[0] + "–" + rec.rank_median_mc_band[1] +
            " at this sample size)"
          : "");
      card.setAttribute("data-robust-ready", "");
    });
  }
  function initSortables() {
    document.querySelectorAll("table.sortable").forEach(function (t) { makeSortable(t); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initShare();
    initDownloads();
    initAutosubmit();
    initSliders();
    initSortables();
    initCharts();
    initRanking();
    initRobust();
    if (!document.getElementById("page-data")) initTabs();
  });
  window.burdenshare = { views: views, tableCsv: tableCsv };
})();
