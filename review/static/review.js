/* The review queue's keyboard and its calls to the JSON API. Plain JS, no build step.
 *
 * Record page: Enter accepts the cell (or saves the typed text), typing replaces
 * (the text is selected on focus), Tab / Shift+Tab move, Alt+U marks unreadable,
 * Esc undoes typing, Ctrl+Enter finishes the record, Alt+P opens the page view.
 * Group page: the same per tile; Ctrl+Enter accepts every remaining tile.
 * Text from documents is only ever set with .value / .textContent, never as HTML.
 * Every message shown comes translated from the server (review/i18n.py JS_MESSAGES, in the
 * body's data-messages); t(id, {name: value}) fills in its {name}s.
 */
"use strict";

(function () {
  const csrf = (document.querySelector('meta[name="csrf"]') || {}).content || "";
  const messages = JSON.parse(document.body.dataset.messages || "{}");

  function t(id, vars) {
    return (messages[id] || id).replace(/\{(\w+)\}/g, function (all, name) {
      return vars && vars[name] !== undefined ? String(vars[name]) : all;
    });
  }

  async function post(url, body) {
    const r = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await r.json(); } catch (e) { data = {}; }
    return { status: r.status, ok: r.ok, data: data };
  }

  function say(text, kind) {
    const m = document.getElementById("message");
    if (!m) return;
    m.textContent = text;
    m.className = "message " + (kind || "");
  }

  function cellUrl(record, key) {
    return "/api/records/" + record + "/cells/" + encodeURIComponent(key);
  }

  function staleMessage(res) {
    return t("stale", { version: res.data.version }) + " " + (res.data.detail || "");
  }

  function actionFor(input, holder) {
    return input.value === holder.dataset.text ? "accept" : "correct";
  }

  function focusNext(items, from, onlyPending) {
    const list = Array.from(items);
    for (let i = list.indexOf(from) + 1; i < list.length; i++) {
      if (!onlyPending || !list[i].classList.contains("decided")) {
        list[i].querySelector("input.text").focus();
        return true;
      }
    }
    const pending = list.find(function (el) { return !el.classList.contains("decided"); });
    if (pending && onlyPending) { pending.querySelector("input.text").focus(); return true; }
    return false;
  }

  function watchTyping(input, holder) {
    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("input", function () {
      input.classList.toggle("changed", input.value !== holder.dataset.text);
    });
  }

  /* --- the record page ------------------------------------------------------------ */

  function recordPage(section) {
    const record = section.dataset.record;
    const cells = section.querySelectorAll("li.cell");
    const state = { version: parseInt(section.dataset.version, 10), busy: false };

    function setVersion(v) {
      state.version = v;
      section.dataset.version = String(v);
      document.getElementById("version").textContent = String(v);
    }

    function showValidations(list) {
      const ul = document.getElementById("validations");
      ul.replaceChildren();
      const involved = new Set();
      list.forEach(function (v) {
        const li = document.createElement("li");
        const b = document.createElement("b");
        b.textContent = v.rule;
        li.append(b, " " + v.message);
        li.dataset.cells = (v.cells || []).join(" ");
        (v.cells || []).forEach(function (k) { involved.add(k); });
        ul.append(li);
      });
      if (!list.length) {
        const li = document.createElement("li");
        li.className = "ok";
        li.textContent = t("rules_pass");
        ul.append(li);
      }
      cells.forEach(function (li) { li.classList.toggle("involved", involved.has(li.dataset.key)); });
    }

    async function decide(li, action) {
      if (state.busy) return false;
      state.busy = true;
      const input = li.querySelector("input.text");
      try {
        const body = { action: action, version: state.version };
        if (action === "correct") body.text = input.value;
        const res = await post(cellUrl(record, li.dataset.key), body);
        if (res.status === 409) { say(staleMessage(res), "error"); return false; }
        if (!res.ok) { say(t("not_saved", { detail: res.data.detail || res.status }), "error"); return false; }
        setVersion(res.data.version);
        const c = res.data.cell || {};
        li.dataset.text = c.text !== undefined ? c.text : input.value;
        input.value = li.dataset.text;
        input.classList.remove("changed");
        li.classList.remove("action-accept", "action-correct", "action-unreadable");
        li.classList.add("decided", "action-" + action);
        li.querySelector(".state").textContent = c.decision ?
          t("by", { action: t("action_" + action), reviewer: c.decision.reviewer }) : t("action_" + action);
        showValidations(res.data.validations || []);
        const shown = new Set(Array.from(cells).map(function (el) { return el.dataset.key; }));
        if ((res.data.pending || []).some(function (k) { return !shown.has(k); })) {
          say(t("reloading"), "ok");
          window.setTimeout(function () { window.location.reload(); }, 800);
          return false;
        }
        const left = (res.data.pending || []).length;
        say(left ? t("left", { n: left }) : t("all_decided"), "ok");
        return true;
      } finally {
        state.busy = false;
      }
    }

    async function finish() {
      const res = await post("/api/records/" + record + "/finish", { version: state.version });
      if (res.status === 409) { say(staleMessage(res), "error"); return; }
      if (res.status === 422) {
        say(t("still_pending", { n: (res.data.pending || []).length }), "error");
        const first = section.querySelector("li.cell:not(.decided) input.text");
        if (first) first.focus();
        return;
      }
      if (!res.ok) { say(t("not_finished", { detail: res.data.detail || res.status }), "error"); return; }
      setVersion(res.data.version);
      document.getElementById("status").textContent = t("status_done");
      say(t("finished"), "ok");
      window.location.assign(res.data.next ? "/records/" + res.data.next : "/");
    }

    cells.forEach(function (li) {
      const input = li.querySelector("input.text");
      watchTyping(input, li);
      input.addEventListener("keydown", async function (e) {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          if (input.value !== li.dataset.text) { if (!(await decide(li, "correct"))) return; }
          await finish();
        } else if (e.key === "Enter") {
          e.preventDefault();
          if (await decide(li, actionFor(input, li))) focusNext(cells, li, true);
        } else if (e.altKey && (e.code === "KeyU" || e.key === "u")) {
          e.preventDefault();
          if (await decide(li, "unreadable")) focusNext(cells, li, true);
        } else if (e.key === "Escape") {
          input.value = li.dataset.text;
          input.classList.remove("changed");
          input.select();
        } else if (e.altKey && (e.code === "KeyP" || e.key === "p")) {
          e.preventDefault();
          window.location.assign(document.getElementById("pagelink").href);
        }
      });
    });

    document.getElementById("validations").addEventListener("click", function (e) {
      const li = e.target.closest("li[data-cells]");
      if (!li) return;
      const keys = new Set(li.dataset.cells.split(" "));
      cells.forEach(function (c) { c.classList.toggle("highlight", keys.has(c.dataset.key)); });
    });
    document.getElementById("finish").addEventListener("click", finish);
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.target.matches("input.text")) {
        e.preventDefault();
        finish();
      }
    });

    const first = section.querySelector("li.cell:not(.decided) input.text") ||
      section.querySelector("input.text");
    if (first) first.focus();
  }

  /* --- the group page ------------------------------------------------------------- */

  function groupPage(grid) {
    const tiles = grid.querySelectorAll(".tile");

    function setRecordVersion(record, v) {
      tiles.forEach(function (t) { if (t.dataset.record === record) t.dataset.version = String(v); });
    }

    function markDone(tile, action, text) {
      tile.classList.add("decided");
      tile.dataset.text = text;
      tile.querySelector("input.text").classList.remove("changed");
      tile.querySelector(".flags").textContent = t("action_" + action);
    }

    async function decide(tile, action) {
      const input = tile.querySelector("input.text");
      const body = { action: action, version: parseInt(tile.dataset.version, 10) };
      if (action === "correct") body.text = input.value;
      const res = await post(cellUrl(tile.dataset.record, tile.dataset.key), body);
      if (res.status === 409) { say(staleMessage(res), "error"); return false; }
      if (!res.ok) { say(t("not_saved", { detail: res.data.detail || res.status }), "error"); return false; }
      setRecordVersion(tile.dataset.record, res.data.version);
      markDone(tile, action, input.value);
      return true;
    }

    async function acceptAll() {
      const open = Array.from(tiles).filter(function (t) { return !t.classList.contains("decided"); });
      const items = open.map(function (t) {
        const input = t.querySelector("input.text");
        const item = { record_id: parseInt(t.dataset.record, 10), key: t.dataset.key,
          version: parseInt(t.dataset.version, 10), action: actionFor(input, t) };
        if (item.action === "correct") item.text = input.value;
        return item;
      });
      if (!items.length) { say(t("nothing_left"), "ok"); return; }
      const res = await post("/api/corrections", { items: items });
      if (!res.ok) { say(t("not_saved", { detail: res.data.detail || res.status }), "error"); return; }
      let stale = 0;
      res.data.results.forEach(function (r, i) {
        const t = open[i];
        if (r.status === 200) {
          setRecordVersion(t.dataset.record, r.version);
          markDone(t, items[i].action, t.querySelector("input.text").value);
        } else { stale += 1; }
      });
      say(stale ? t("some_stale", { n: stale }) : t("saved", { n: items.length }), stale ? "error" : "ok");
    }

    tiles.forEach(function (tile) {
      const input = tile.querySelector("input.text");
      watchTyping(input, tile);
      input.addEventListener("keydown", async function (e) {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          await acceptAll();
        } else if (e.key === "Enter") {
          e.preventDefault();
          if (await decide(tile, actionFor(input, tile))) focusNext(tiles, tile, true);
        } else if (e.altKey && (e.code === "KeyU" || e.key === "u")) {
          e.preventDefault();
          if (await decide(tile, "unreadable")) focusNext(tiles, tile, true);
        } else if (e.key === "Escape") {
          input.value = tile.dataset.text;
          input.classList.remove("changed");
        }
      });
    });
    document.getElementById("accept-all").addEventListener("click", acceptAll);
    const first = grid.querySelector(".tile input.text");
    if (first) first.focus();
  }

  const section = document.getElementById("record");
  if (section) recordPage(section);
  const grid = document.getElementById("group");
  if (grid) groupPage(grid);
})();
