/*! Widget Gateway cookie consent | Apache-2.0 | docs/consent-widget.md */
(function (w, d) {
  "use strict";
  var WG = (w.WidgetGateway = w.WidgetGateway || {});
  if (WG.consent) return; // loaded twice: the first instance stays in charge

  var CM = ["ad_storage", "analytics_storage", "ad_user_data", "ad_personalization",
    "functionality_storage", "personalization_storage", "security_storage"];
  var DARK = "--bg:var(--wg-bg,#1f2125);--fg:var(--wg-text,#eef0f3);--mu:#c2c8d0;--sw:#8b93a0;" +
    "--a:var(--wg-accent,#8ab4f8);--af:var(--wg-accent-text,#0b1b33)";
  var CSS = ":host{all:initial}*{box-sizing:border-box}" +
    ".wg{--bg:var(--wg-bg,#fff);--fg:var(--wg-text,#1b1f24);--mu:#4b5563;--sw:#6b7280;" +
    "--a:var(--wg-accent,#1d4ed8);--af:var(--wg-accent-text,#fff);" +
    "font:15px/1.5 var(--wg-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);color:var(--fg)}" +
    ".dark{" + DARK + "}@media(prefers-color-scheme:dark){.auto{" + DARK + "}}" +
    ".bn,.pf{background:var(--bg);color:var(--fg);border-radius:var(--wg-radius,12px);" +
    "box-shadow:0 8px 32px #0006;padding:20px 24px;text-align:left}" +
    ".bn{position:fixed;z-index:2147483646;bottom:16px;left:50%;transform:translateX(-50%);" +
    "width:min(46rem,calc(100% - 32px))}" +
    ".bottom-left .bn,.bottom-right .bn{transform:none;left:16px;width:min(26rem,calc(100% - 32px))}" +
    ".bottom-right .bn{left:auto;right:16px}.center .bn{bottom:50%;transform:translate(-50%,50%)}" +
    "h2{font-size:1.15em;line-height:1.3;margin:0 0 .4em;font-weight:650}" +
    "p{margin:0 0 1em;color:var(--mu)}a{color:var(--fg)}" +
    ".bs{display:flex;flex-wrap:wrap;gap:8px}" +
    "button{font:inherit;font-weight:600;cursor:pointer;border:0;border-radius:8px;margin:0;" +
    "padding:.6em 1em;background:var(--a);color:var(--af);flex:1 1 9em;min-height:44px}" +
    ":focus-visible{outline:3px solid var(--a);outline-offset:2px}[tabindex]:focus{outline:0}" +
    ".ov{position:fixed;inset:0;z-index:2147483647;background:#0008;display:grid;" +
    "place-items:center;padding:16px}" +
    ".pf{width:min(40rem,100%);max-height:calc(100vh - 32px);overflow:auto}" +
    ".hd{display:flex;gap:8px;justify-content:space-between;align-items:flex-start}" +
    ".x{flex:none;background:none;color:var(--fg);font-size:1.6em;line-height:1;padding:0 .3em;" +
    "min-height:0}" +
    "ul{list-style:none;margin:0 0 1em;padding:0}li{border-top:1px solid #8886;padding:.75em 0}" +
    "label{display:flex;gap:.75em;align-items:center;justify-content:space-between;font-weight:600}" +
    "li p,details{margin:.3em 0 0;font-size:.93em}small{font-weight:400;color:var(--mu)}" +
    "summary{cursor:pointer;color:var(--mu)}details label{font-weight:500;margin-top:.5em}" +
    "input{appearance:none;flex:none;width:2.5em;height:1.45em;margin:0;border-radius:1em;" +
    "background:var(--sw);position:relative;cursor:pointer}" +
    "input:before{content:'';position:absolute;top:.2em;left:.2em;width:1.05em;height:1.05em;" +
    "border-radius:50%;background:#fff;transition:transform .15s}" +
    "input:checked{background:var(--a)}input:checked:before{transform:translateX(1.05em)}" +
    "input:disabled{opacity:.6;cursor:default}" +
    ".g{font-size:.9em;padding:.5em .8em;border-left:3px solid var(--a);background:#8882}" +
    ".ro{position:fixed;z-index:2147483645;bottom:16px;left:16px;width:44px;height:44px;" +
    "padding:0;border-radius:50%;flex:none;display:grid;place-items:center;box-shadow:0 2px 10px #0005}" +
    "@media(max-width:480px){.bn,.bottom-left .bn,.bottom-right .bn{left:0;right:0;bottom:0;" +
    "transform:none;width:100%;border-radius:12px 12px 0 0}}" +
    "@media(prefers-reduced-motion:reduce){*{transition:none!important}}";

  var me = d.currentScript || d.querySelector('script[data-key][src*="/widgets/consent"]');
  // A stylesheet adopted by the shadow root is not subject to the page's style-src, unlike <style>;
  // browsers without constructable stylesheets get the <style> element.
  var SHEET = safe(function () { var s = new CSSStyleSheet(); s.replaceSync(CSS); return s; });
  var opt = (me && me.dataset) || {};
  var pk = opt.key;
  var base = me ? me.src.replace(/\/widgets\/[^\/]*$/, "") : "";
  var CK = "wg:cfg:" + pk, SK = "wg:state:" + pk, QK = "wg:queue:" + pk;
  var cfg, cur, host, root, view, lastFocus, warned, flushing, wantShow, wantAccept;
  var applied = "", subs = {}, gpc = safe(function () { return navigator.globalPrivacyControl === true; });

  function safe(f, dflt) { try { return f(); } catch (e) { return dflt; } }
  function call(f, a) { try { f(a); } catch (e) { safe(function () { console.error(e); }); } }
  function warn(m) { if (!warned) { warned = 1; safe(function () { console.warn("Widget Gateway consent: " + m); }); } }
  function load(k) { return safe(function () { return JSON.parse(localStorage.getItem(k)); }, null); }
  function store(k, v) { safe(function () { localStorage.setItem(k, JSON.stringify(v)); }); }
  function now() { return Math.floor(Date.now() / 1000); }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function id() {
    return Array.prototype.map.call(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }
  function gtag() {
    if (typeof w.gtag == "function") return w.gtag.apply(w, arguments);
    (w.dataLayer = w.dataLayer || []).push(arguments);
  }
  function fire(type, detail) {
    (subs[type] || []).forEach(function (f) { call(f, detail); });
    safe(function () { w.dispatchEvent(new CustomEvent(type == "consent" ? "wg:consent" : "wg:consent-" + type, { detail: detail })); });
  }

  // --- the choice: cookie (read by the site's backend), local copy with the receipt ---------------
  function cookieName(c) { return (c && c.cookie) || "wg_consent"; }
  function readCookie(c) {
    var m = safe(function () { return d.cookie.match(new RegExp("(?:^|; )" + cookieName(c) + "=([^;]*)")); });
    if (!m) return null;
    var p = new URLSearchParams(m[1]);
    function list(k) { return (p.get(k) || "").split(".").filter(Boolean); }
    if (p.get("v") != "1" || !p.get("id")) return null;
    return { id: p.get("id"), version: p.get("pv"), given: +p.get("t"), categories: list("c"), services: list("s"), gpc: p.get("gpc") == "1" };
  }
  function writeCookie(st) {
    var v = new URLSearchParams({ v: 1, id: st.id, pv: st.version, t: st.given, c: st.categories.join("."), s: st.services.join("."), gpc: st.gpc ? 1 : 0 });
    safe(function () {
      d.cookie = cookieName(cfg) + "=" + v + ";path=/;max-age=" + cfg.lifetime_days * 86400 + ";samesite=lax" + (location.protocol == "https:" ? ";secure" : "");
    });
  }
  function valid(st, c) { return st && c && st.version == c.version && st.given + c.lifetime_days * 86400 > now(); }
  function state() {
    if (!cur) return null;
    var s = load(SK) || {};
    return { id: cur.id, version: cur.version, given: cur.given, categories: cur.categories.slice(), services: cur.services.slice(), gpc: cur.gpc, receipt: s.id == cur.id && s.t == cur.given ? s.receipt : null };
  }

  // --- applying a choice: Consent Mode, blocked scripts and iframes, events -----------------------
  function apply() {
    var key = JSON.stringify(cur);
    unblock();
    if (key == applied) return;
    applied = key;
    var g = {};
    CM.forEach(function (t) { g[t] = "denied"; });
    cfg.categories.forEach(function (c) {
      if (cur.categories.indexOf(c.id) >= 0) c.consent_mode.forEach(function (t) { g[t] = "granted"; });
    });
    safe(function () { gtag("consent", "update", g); });
    fire("consent", state());
  }
  function allowed(el) {
    var s = el.getAttribute("data-service");
    return cur.categories.indexOf(el.getAttribute("data-category")) >= 0 && (!s || cur.services.indexOf(s) >= 0);
  }
  function unblock() {
    if (!cur) return;
    safe(function () {
      d.querySelectorAll('script[type="text/plain"][data-category]:not([data-wg-done]),iframe[data-src][data-category]:not([data-wg-done])').forEach(function (el) {
        if (!allowed(el)) return;
        el.setAttribute("data-wg-done", "");
        if (el.tagName == "IFRAME") return (el.src = el.getAttribute("data-src"));
        var s = d.createElement("script");
        Array.prototype.forEach.call(el.attributes, function (a) {
          if (!/^(type|src|nonce|data-(category|service|src|type|wg-done))$/.test(a.name)) s.setAttribute(a.name, a.value);
        });
        // Under a CSP the browser hides a nonce from the attribute: the property keeps it. Only the
        // blocked element's own nonce is passed on, so injected markup cannot borrow the widget's.
        if (el.nonce) s.nonce = el.nonce;
        if (el.getAttribute("data-type")) s.type = el.getAttribute("data-type");
        if (el.getAttribute("data-src")) s.src = el.getAttribute("data-src");
        else s.text = el.text;
        el.parentNode.insertBefore(s, el.nextSibling);
      });
    });
  }

  // --- a new choice ------------------------------------------------------------------------------
  function optional(cats) {
    return cats.some(function (c) { return cfg.categories.some(function (k) { return k.id == c && !k.required; }); });
  }
  function choose(cats, action, services) {
    cfg.categories.forEach(function (c) { if (c.required && cats.indexOf(c.id) < 0) cats.push(c.id); });
    cats = cats.filter(function (c) { return cfg.categories.some(function (k) { return k.id == c; }); });
    if (!services) {
      services = [];
      cfg.categories.forEach(function (c) {
        if (cats.indexOf(c.id) >= 0) c.services.forEach(function (s) { services.push(s.id); });
      });
    }
    if (cur && optional(cur.categories) && !optional(cats)) action = "withdraw";
    var st = { id: (cur && cur.id) || id(), version: cfg.version, given: now(), categories: cats, services: services, gpc: gpc };
    cur = st;
    writeCookie(st);
    var rec = { consent_id: st.id, action: action, categories: {}, services: {}, policy_version: st.version, language: cfg.lang, gpc: gpc, page_url: location.origin + location.pathname, given_at: new Date(st.given * 1000).toISOString() };
    cfg.categories.forEach(function (c) {
      rec.categories[c.id] = cats.indexOf(c.id) >= 0;
      c.services.forEach(function (s) { rec.services[s.id] = services.indexOf(s.id) >= 0; });
    });
    store(SK, { id: st.id, t: st.given, receipt: null });
    var q = load(QK) || [];
    // record_key stays the same on every retry, so the gateway gives a resent record the same id
    q.push({ k: rec.record_key = id(), r: rec, n: 0, at: 0 });
    store(QK, q.slice(-20));
    close();
    apply();
    flush();
  }
  function acceptAll() {
    choose(cfg.categories.filter(function (c) { return !(gpc && c.gpc); }).map(function (c) { return c.id; }), "accept_all");
  }

  // --- sending records: kept in storage until the gateway accepts them ----------------------------
  // force: the gateway just answered, so pending records go now whatever their backoff says
  function flush(force) {
    if (flushing) return;
    var q = load(QK) || [], item = q.filter(function (i) { return force || i.at <= Date.now(); })[0];
    if (!item) return;
    flushing = 1;
    function done(keep, delay) {
      flushing = 0;
      var q2 = (load(QK) || []).filter(function (i) { return i.k != item.k; });
      if (keep) {
        item.n++;
        item.at = Date.now() + Math.min(3600e3, 2000 * Math.pow(2, item.n));
        q2.unshift(item);
        if (item.n < 5) setTimeout(flush, item.at - Date.now());
      }
      store(QK, q2);
      if (!keep) flush(force);
    }
    fetch(base + "/v1/" + pk + "/consent", { method: "POST", body: JSON.stringify(item.r), credentials: "omit", keepalive: true })
      .then(function (r) {
        if (!r.ok) return done(r.status >= 500 || r.status == 429 || r.status == 408);
        return r.json().then(function (j) {
          var s = load(SK);
          if (s && s.id == item.r.consent_id) store(SK, { id: s.id, t: s.t, receipt: j.receipt });
          done(false);
          fire("record", j);
        });
      })
      .catch(function () { done(true); });
  }

  // --- the UI, in a Shadow DOM ---------------------------------------------------------------------
  function mount() {
    if (host || !d.body) return;
    host = d.createElement("div");
    host.id = "wg-consent";
    // through the CSSOM, which a CSP without 'unsafe-inline' allows (a style attribute it blocks)
    host.style.cssText = "all:initial!important;display:block!important";
    root = host.attachShadow({ mode: "open" });
    if (SHEET && root.adoptedStyleSheets) root.adoptedStyleSheets = [SHEET];
    root.addEventListener("click", onClick);
    root.addEventListener("change", onChange);
    root.addEventListener("keydown", onKey);
    d.body.appendChild(host);
  }
  function btn(a, t) { return '<button type="button" data-a="' + a + '">' + esc(t) + "</button>"; }
  function render(v) {
    mount();
    if (!root) return;
    var t = cfg.texts, th = cfg.theme || {}, h = "", mode = opt.theme || th.mode || "auto";
    var acc = th.accent ? "--a:var(--wg-accent," + th.accent + ");--af:var(--wg-accent-text," + contrast(th.accent) + ")" : "";
    var link = cfg.policy_url ? ' <a href="' + esc(cfg.policy_url) + '" target="_blank" rel="noopener">' + esc(t.policy_link) + "</a>" : "";
    var ticked = cur ? cur.categories : [], svc = cur ? cur.services : [];
    if (v == "banner") {
      h = '<div class="bn" role="dialog" aria-modal="false" aria-labelledby="wt" aria-describedby="wd" tabindex="-1">' +
        '<h2 id="wt">' + esc(t.title) + '</h2><p id="wd">' + esc(t.description) + link + '</p><div class="bs">' +
        btn("all", t.accept_all) + btn("none", t.reject_all) + btn("prefs", t.customise) + "</div></div>";
    } else if (v == "prefs") {
      h = '<div class="ov"><div class="pf" role="dialog" aria-modal="true" aria-labelledby="pt" aria-describedby="pd" tabindex="-1">' +
        '<div class="hd"><h2 id="pt">' + esc(t.preferences_title) + '</h2><button type="button" class="x" data-a="close" aria-label="' + esc(t.close) + '">&times;</button></div>' +
        '<p id="pd">' + esc(t.preferences_description) + link + "</p>" +
        (gpc && cfg.categories.some(function (c) { return c.gpc; }) ? '<p class="g">' + esc(t.gpc_notice) + "</p>" : "") + "<ul>";
      cfg.categories.forEach(function (c) {
        var on = c.required || ticked.indexOf(c.id) >= 0;
        h += '<li><label><span>' + esc(c.title) + (c.required ? " <small>" + esc(t.always_on) + "</small>" : "") + '</span><input type="checkbox" role="switch" data-c="' + esc(c.id) + '"' +
          (on ? " checked" : "") + (c.required ? " disabled" : "") + "></label><p>" + esc(c.description) + "</p>";
        if (c.services.length) {
          h += "<details><summary>" + esc(t.services) + " (" + c.services.length + ")</summary>";
          c.services.forEach(function (s) {
            h += '<label><span>' + esc(s.name) + '</span><input type="checkbox" role="switch" data-s="' + esc(s.id) + '" data-p="' + esc(c.id) + '"' +
              (c.required || (on && (!cur || svc.indexOf(s.id) >= 0)) ? " checked" : "") + (c.required ? " disabled" : "") + "></label>" + (s.description ? "<p>" + esc(s.description) + "</p>" : "");
          });
          h += "</details>";
        }
        h += "</li>";
      });
      h += '</ul><div class="bs">' + btn("none", t.reject_all) + btn("all", t.accept_all) + btn("save", t.save) + "</div></div></div>";
    } else if (cur && cfg.reopen) {
      h = '<button type="button" class="ro" data-a="prefs" aria-label="' + esc(t.reopen) + '" title="' + esc(t.reopen) + '">' +
        '<svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 2a10 10 0 1 0 10 10 4 4 0 0 1-5-5 4 4 0 0 1-5-5zM8 9a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm7 5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm-6 2a1 1 0 1 1 0 2 1 1 0 0 1 0-2z"/></svg></button>';
    }
    root.innerHTML = (root.adoptedStyleSheets && root.adoptedStyleSheets.length ? "" : "<style>" + CSS + "</style>") +
      '<div class="wg ' + esc(mode) + " " + esc(th.position || "bottom") + '" lang="' + esc(cfg.lang) + '">' + h + "</div>";
    root.lastChild.style.cssText = acc;
    view = v;
    var dlg = root.querySelector("[role=dialog]");
    if (dlg) safe(function () { dlg.focus({ preventScroll: true }); });
  }
  function contrast(hex) {
    var l = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2] > 0.179 ? "#111" : "#fff";
  }
  function open(v) {
    if (!view) lastFocus = (root && root.activeElement) || d.activeElement;
    render(v);
  }
  function close() {
    render(null);
    var f = lastFocus;
    lastFocus = null;
    if (f && f.focus && f != d.body) safe(function () { (f.isConnected ? f : root.querySelector(".ro") || f).focus({ preventScroll: true }); });
  }
  function onClick(e) {
    var b = e.target.closest("[data-a]"), a = b && b.getAttribute("data-a");
    if (a == "all") acceptAll();
    else if (a == "none") choose([], "reject_all");
    else if (a == "prefs") open("prefs");
    else if (a == "close") valid(cur, cfg) ? close() : render("banner");
    else if (a == "save") {
      var cats = [], svcs = [];
      root.querySelectorAll("input[data-c]:checked").forEach(function (i) { cats.push(i.getAttribute("data-c")); });
      root.querySelectorAll("input[data-s]:checked").forEach(function (i) { svcs.push(i.getAttribute("data-s")); });
      choose(cats, "custom", svcs);
    }
  }
  function onChange(e) {
    // a category switch sets its services; turning a service on turns its category on
    var i = e.target, c = i.getAttribute("data-c"), p = i.getAttribute("data-p");
    if (c) root.querySelectorAll('input[data-p="' + c + '"]').forEach(function (s) { s.checked = i.checked; });
    if (p && i.checked) root.querySelector('input[data-c="' + p + '"]').checked = true;
  }
  function onKey(e) {
    if (view != "prefs") return;
    if (e.key == "Escape") return onClick({ target: root.querySelector(".x") });
    if (e.key != "Tab") return;
    var f = root.querySelectorAll(".pf button,.pf input:not(:disabled),.pf summary,.pf a");
    var first = f[0], last = f[f.length - 1], at = root.activeElement;
    if (e.shiftKey ? at == first || at == root.querySelector(".pf") : at == last) {
      e.preventDefault();
      (e.shiftKey ? last : first).focus();
    }
  }
  function onDocClick(e) {
    var t = e.target && e.target.closest && e.target.closest("[data-wg-consent-open]");
    if (t) { e.preventDefault(); api.show(); }
  }

  // --- start ---------------------------------------------------------------------------------------
  function ready(c) {
    cfg = c;
    store(CK, c);
    cur = readCookie(c);
    if (valid(cur, c)) { apply(); render(null); } else open("banner");
    flush(1);
    if (wantAccept) api.accept(wantAccept);
    if (wantShow) open("prefs");
  }
  function start() {
    var deny = {};
    CM.forEach(function (t) { deny[t] = "denied"; });
    deny.wait_for_update = 500;
    safe(function () { gtag("consent", "default", deny); });
    if (!pk || !me) return warn("the script tag needs data-key");
    var c0 = load(CK);
    cur = readCookie(c0);
    if (valid(cur, c0)) { cfg = c0; apply(); } // the stored choice applies before the network answers
    d.addEventListener("click", onDocClick);
    d.addEventListener("DOMContentLoaded", function () { if (cfg && cur) unblock(); });
    var langs = [opt.lang, d.documentElement.lang].concat(safe(function () { return navigator.languages.slice(); }, []));
    fetch(base + "/v1/" + pk + "/consent/config?lang=" + encodeURIComponent(langs.filter(Boolean).join(",")), { cache: "no-cache", credentials: "omit" })
      .then(function (r) {
        if (r.ok) return r.json().then(function (c) {
          if (d.body) ready(c);
          else d.addEventListener("DOMContentLoaded", function () { ready(c); });
        });
        return r.json().then(function (p) { warn("the gateway refused this page (" + p.code + ")"); }, function () { warn("the gateway answered " + r.status); });
      })
      .catch(function () {
        warn("could not reach the gateway, or this origin is not allowed for the key");
        if (cur && !cfg && c0) { cfg = c0; apply(); }
      });
  }

  var api = {
    get: state,
    show: function () { cfg ? open("prefs") : (wantShow = 1); },
    accept: function (cats) {
      if (!cfg) return void (wantAccept = cats);
      cats == "all" ? acceptAll() : choose((cats || []).slice(), "custom");
    },
    on: function (type, fn) {
      (subs[type] = subs[type] || []).push(fn);
      if (type == "consent" && applied) call(fn, state());
      return function () { subs[type] = subs[type].filter(function (f) { return f != fn; }); };
    },
    destroy: function () {
      d.removeEventListener("click", onDocClick);
      if (host) host.remove();
      host = root = null;
      delete WG.consent;
    },
  };
  WG.consent = api;
  var queued = WG.consentQueue;
  WG.consentQueue = { push: function (f) { call(f, api); } };
  safe(start);
  if (queued && queued.forEach) queued.forEach(function (f) { call(f, api); });
})(window, document);
