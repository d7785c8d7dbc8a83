/* Widget Gateway — rights-request form. Dependency-free; served by the gateway.
 * <div data-wg-rights [data-mode="modal"] [data-lang] [data-customer-ref]></div>
 * <script src="https://GW/widgets/rights.js" data-key="pk_…" async></script>
 * API: WidgetGateway.rights.prefill({...}), .open(), .mount(el), instances' destroy().
 * Events (on the mount element, bubbling): wg:rights-ready, wg:rights-submitted {reference}. */
(function () {
  "use strict";
  var W = (window.WidgetGateway = window.WidgetGateway || {});
  if (W.rights && W.rights.mount) return W.rights.scan();

  var me = document.currentScript || document.querySelector("script[data-key][src*='rights']");
  var KEY = me && me.getAttribute("data-key");
  var BASE = me ? new URL(me.src, location.href).origin : "";
  var instances = [];
  var prefilled = {};
  var CTRL = /[\0-\x08\v\f\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
  var LINE = /[\n\r\t]/;
  var LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
  var LABEL = /^[\p{L}\p{N}]([\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
  var AUTO = { email: "email", given_name: "given-name", family_name: "family-name" };

  // Same custom properties and palette as the consent banner, so one theme styles both.
  var CSS =
    ":host{all:initial;display:block;" +
    "font:15px/1.5 var(--wg-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);" +
    "--a:var(--wg-accent,#1d4ed8);--af:var(--wg-accent-text,#fff);--b:var(--wg-bg,#fff);" +
    "--f:var(--wg-text,#1b1f24);--m:#4b5563;--l:#8889;--e:var(--wg-error,#b42318);color:var(--f)}" +
    "@media(prefers-color-scheme:dark){:host{--a:var(--wg-accent,#8ab4f8);--af:var(--wg-accent-text,#0b1b33);" +
    "--b:var(--wg-bg,#1f2125);--f:var(--wg-text,#eef0f3);--m:#c2c8d0;--e:var(--wg-error,#ff8a80)}}" +
    "*{box-sizing:border-box;font:inherit}" +
    ".box{background:var(--b);border:1px solid #8885;border-radius:var(--wg-radius,12px);padding:20px 24px;max-width:560px}" +
    "h2{font-size:1.25em;font-weight:650;margin:0 0 4px}p{margin:0 0 12px}.m{color:var(--m)}" +
    ".f{margin:0 0 14px;border:0;padding:0}label,legend{display:block;font-weight:600;margin:0 0 4px;padding:0}" +
    ".q{font-weight:400;color:var(--m);font-size:.85em}" +
    "input,select,textarea{display:block;width:100%;padding:8px 10px;color:var(--f);background:var(--b);" +
    "border:1px solid var(--l);border-radius:6px}textarea{min-height:96px;resize:vertical}" +
    ".o{display:flex;gap:8px;align-items:center;font-weight:400}.o input{width:auto;display:inline}" +
    "[aria-invalid=true]{border-color:var(--e);box-shadow:0 0 0 1px var(--e)}" +
    ".err{color:var(--e);font-size:.9em;margin:4px 0 0}.err:empty{display:none}" +
    ":focus-visible{outline:3px solid var(--a);outline-offset:2px}" +
    "button{cursor:pointer;border:0;border-radius:8px;padding:.6em 1.2em;min-height:44px;font-weight:600;" +
    "background:var(--a);color:var(--af)}button:disabled{opacity:.6;cursor:wait}" +
    ".al{border-left:4px solid var(--e);padding:8px 12px;margin:0 0 14px}.al:empty{display:none}" +
    ".hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}" +
    ".ref{font:700 1.6em/1.2 ui-monospace,monospace;letter-spacing:.08em;margin:4px 0 12px}" +
    ".done:focus{outline:0}.done h2:before{content:'\\2713  ';color:var(--wg-success,#1a7f37)}" +
    "dialog{border:0;padding:0;background:none;max-width:min(600px,94vw);width:100%;color:var(--f)}" +
    "dialog::backdrop{background:#0008}dialog .box{max-height:90vh;overflow:auto;position:relative}" +
    ".x{position:absolute;top:8px;right:8px;background:none;color:var(--f);padding:4px 10px;font-size:1.3em}";

  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v === false || v == null) continue;
      if (k === "text") el.textContent = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), guard(v));
      else el.setAttribute(k, v === true ? "" : v);
    }
    (kids || []).forEach(function (c) { if (c) el.append(c); });
    return el;
  }

  // Nothing the widget does may throw into the host page.
  function guard(fn) {
    return function () {
      try {
        var r = fn.apply(this, arguments);
        if (r && r.catch) r.catch(warn);
        return r;
      } catch (e) { warn(e); }
    };
  }
  function warn(e) { try { console.warn("[WidgetGateway rights]", e && e.message || e); } catch (_) {} }
  function fill(s, o) { return String(s).replace(/\{(\w+)\}/g, function (m, k) { return k in o ? o[k] : m; }); }
  function len(s) { return Array.from(s).length; }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function emailOk(v) {
    var at = v.lastIndexOf("@"), local = v.slice(0, at), dom = v.slice(at + 1).split(".");
    return at > 0 && len(local) <= 64 && LOCAL.test(local) && dom.length > 1 &&
      dom.every(function (l) { return len(l) <= 63 && LABEL.test(l); }) && !/^\d+$/.test(dom[dom.length - 1]);
  }

  // The same rules as the server's, so most mistakes are caught before a round trip.
  function check(f, v) {
    if (!v) return f.required ? "required" : "";
    if (CTRL.test(v) || (f.kind !== "textarea" && LINE.test(v))) return "invalid";
    if (len(v) > f.max_length) return "too_long";
    if (f.options && !f.options.some(function (o) { return o.value === v; })) return "choice";
    if (f.kind === "email" && !emailOk(v)) return "email";
    return "";
  }

  function Instance(el) {
    var self = this, host = el, root = el.attachShadow ? el.attachShadow({ mode: "open" }) : el;
    var modal = el.getAttribute("data-mode") === "modal";
    var key = el.getAttribute("data-key") || KEY;
    var lang = el.getAttribute("data-lang") || document.documentElement.lang || "";
    var cfg, shownAt, form, alertEl, btn, dialog, box, opener, inputs = {};
    // An adopted stylesheet is not subject to the page's style-src, unlike a <style> element,
    // which stays the fallback where constructable stylesheets (or a shadow root) are missing.
    var sheet = null;
    try {
      if ("adoptedStyleSheets" in root) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      }
    } catch (e) { sheet = null; }
    if (!sheet) root.append(h("style", { text: CSS }));
    self.el = el;

    function url(path) { return BASE + "/v1/" + encodeURIComponent(key) + path; }

    function load() {
      return fetch(url("/rights/config" + (lang ? "?lang=" + encodeURIComponent(lang) : "")), {
        credentials: "omit", cache: "no-store"
      }).then(function (r) {
        if (!r.ok) throw new Error("config " + r.status);
        return r.json();
      }).then(function (c) { cfg = c; shownAt = Date.now(); });
    }

    function field(f) {
      var id = "f-" + f.id, eid = "e-" + f.id, name = f.custom ? "custom." + f.id : f.id;
      var lab = [f.label, f.required ? h("span", { class: "q", text: " (" + cfg.texts.required + ")" }) : null];
      var err = h("p", { class: "err", id: eid });
      var input;
      if (f.kind === "radio") {
        var opts = f.options.map(function (o, i) {
          return h("label", { class: "o" }, [
            h("input", { type: "radio", name: name, value: o.value, checked: i === 0, id: i ? null : id }),
            o.label
          ]);
        });
        input = h("fieldset", { class: "f", "aria-describedby": eid }, [h("legend", {}, lab)].concat(opts, [err]));
        inputs[name] = { f: f, el: input, err: err, get: function () {
          var c = input.querySelector("input:checked"); return c ? c.value : "";
        }, mark: function (bad) {
          input.querySelectorAll("input").forEach(function (r) { r.setAttribute("aria-invalid", bad); });
        }, focus: function () { (input.querySelector("input:checked") || input.querySelector("input")).focus(); } };
        return input;
      }
      var a = { id: id, name: name, "aria-describedby": eid, "aria-required": f.required ? "true" : null };
      if (f.kind === "select") {
        input = h("select", a, [h("option", { value: "", text: "—" })].concat(f.options.map(function (o) {
          return h("option", { value: o.value, text: o.label });
        })));
      } else if (f.kind === "textarea") {
        a.maxlength = f.max_length; a.rows = 4;
        input = h("textarea", a);
      } else {
        a.type = f.kind === "email" ? "email" : "text";
        a.maxlength = f.max_length;
        a.autocomplete = AUTO[f.id] || "off";
        input = h("input", a);
      }
      var pre = f.id === "customer_reference" ? el.getAttribute("data-customer-ref") : null;
      if (prefilled[f.id] != null || pre) input.value = prefilled[f.id] != null ? prefilled[f.id] : pre;
      inputs[name] = { f: f, el: input, err: err, get: function () { return input.value.trim(); },
        mark: function (bad) { input.setAttribute("aria-invalid", bad); }, focus: function () { input.focus(); } };
      return h("div", { class: "f" }, [h("label", { for: id }, lab), input, err]);
    }

    function render() {
      var t = cfg.texts;
      inputs = {};
      alertEl = h("div", { class: "al", role: "alert" });
      btn = h("button", { type: "submit", text: t.submit });
      form = h("form", { novalidate: true, "aria-labelledby": "t", onsubmit: submit }, [
        h("h2", { id: "t", text: t.title }),
        h("p", { class: "m", text: t.intro }),
        alertEl
      ].concat(cfg.fields.map(field), [
        h("div", { class: "hp", "aria-hidden": "true" }, [
          h("label", {}, [t.honeypot, h("input", { name: cfg.honeypot, tabindex: "-1", autocomplete: "off" })])
        ]),
        btn
      ]));
      show(form);
    }

    function show(node) {
      if (box) box.remove();
      box = h("div", { class: "box", lang: cfg.language }, [
        modal ? h("button", { type: "button", class: "x", "aria-label": cfg.texts.close, text: "×",
          onclick: function () { dialog.close(); } }) : null,
        node
      ]);
      (dialog || root).append(box);
    }

    function setErrors(errs) {
      var first = null;
      Object.keys(inputs).forEach(function (n) {
        var i = inputs[n], code = errs[n] || "";
        i.mark(code ? "true" : "false");
        i.err.textContent = code ? fill(cfg.texts["err." + code] || cfg.texts["err.invalid"], { max: i.f.max_length }) : "";
        if (code && !first) first = i;
      });
      alertEl.textContent = first || errs._ ? cfg.texts["err.summary"] : "";
      if (first) first.focus();
    }

    function fromServer(list) {
      var errs = {};
      (list || []).forEach(function (e) {
        var m = e.message || "", i = inputs[e.field];
        if (!i) { errs._ = 1; return; }
        errs[e.field] = /^required/.test(m) ? "required" : /too long/.test(m) ? "too_long" :
          i.f.kind === "email" ? "email" : /one of/.test(m) ? "choice" : "invalid";
      });
      setErrors(errs);
    }

    function message(text) { alertEl.textContent = ""; alertEl.textContent = text; }

    function body() {
      var b = { language: cfg.language, form_token: cfg.form_token, custom: {} };
      Object.keys(inputs).forEach(function (n) {
        var v = inputs[n].get();
        if (!v) return;
        if (n.slice(0, 7) === "custom.") b.custom[n.slice(7)] = v; else b[n] = v;
      });
      var hp = form.querySelector("[name='" + cfg.honeypot + "']").value;
      if (hp) b[cfg.honeypot] = hp;
      return b;
    }

    function post(b) {
      return fetch(url("/rights"), {
        method: "POST", credentials: "omit", headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: JSON.stringify(b)
      });
    }

    function submit(ev) {
      ev.preventDefault();
      if (btn.disabled) return;
      var errs = {}, t = cfg.texts;
      Object.keys(inputs).forEach(function (n) {
        var code = check(inputs[n].f, inputs[n].get());
        if (code) errs[n] = code;
      });
      setErrors(errs);
      if (Object.keys(errs).length) return;
      btn.disabled = true;
      btn.textContent = t.sending;
      return send(body(), 0).catch(function () { message(t["err.network"]); }).then(function () {
        btn.disabled = false;
        btn.textContent = t.submit;
      });
    }

    function send(b, tries) {
      // A person who submits within the form's minimum age is let through after a short pause.
      var wait = cfg.min_age_ms - (Date.now() - shownAt);
      return sleep(wait > 0 ? wait + 50 : 0).then(function () { return post(b); }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (r.status === 202) return done(j);
          var t = cfg.texts, again = tries < 1;
          if (again && (j.code === "form_token_expired" || j.code === "form_token_invalid")) {
            return load().then(function () { b.form_token = cfg.form_token; return send(b, tries + 1); });
          }
          if (again && j.code === "submitted_too_fast") return sleep(j.retry_after_ms || 1000).then(function () { return send(b, tries + 1); });
          if (j.code === "invalid_payload") return fromServer(j.errors);
          if (r.status === 429) {
            var s = parseInt(r.headers.get("Retry-After"), 10) || 3600;
            return message(fill(t["err.rate_limited"], { minutes: Math.max(1, Math.ceil(s / 60)) }));
          }
          message(t[j.code === "spam_suspected" ? "err.spam" : j.code === "submitted_too_fast" ? "err.too_fast" : "err.server"]);
        });
      });
    }

    function done(j) {
      var t = cfg.texts, date = j.respond_by;
      try {
        date = new Intl.DateTimeFormat(cfg.language, { dateStyle: "long", timeZone: "UTC" })
          .format(new Date(j.respond_by + "T00:00:00Z"));
      } catch (_) {}
      var d = h("div", { role: "status", tabindex: "-1", class: "done" }, [
        h("h2", { text: t["done.title"] }),
        h("p", { class: "m", text: t["done.reference"] }),
        h("p", { class: "ref", text: j.reference }),
        h("p", { text: fill(t["done.respond_by"], { date: date }) }),
        h("p", { class: "m", text: t["done.keep"] })
      ]);
      show(d);
      d.focus();
      emit("wg:rights-submitted", { reference: j.reference });
    }

    function emit(name, detail) {
      host.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail: detail }));
    }

    self.open = guard(function () {
      if (dialog) { if (!dialog.open) dialog.showModal(); return; }
      var f = form && form.querySelector("input,select,textarea");
      if (f) f.focus();
    });
    self.prefill = guard(function (values) {
      Object.keys(values || {}).forEach(function (k) {
        var i = inputs[k];
        if (i && i.el.value !== undefined && !i.el.value) i.el.value = values[k];
      });
    });
    self.destroy = guard(function () {
      if (dialog && dialog.open) dialog.close();
      root.replaceChildren ? root.replaceChildren() : (root.innerHTML = "");
      if (opener) opener.remove();
      instances = instances.filter(function (x) { return x !== self; });
      delete el.wgRights;
    });

    return load().then(function () {
      if (modal) {
        dialog = h("dialog", { "aria-labelledby": "t" });
        opener = h("button", { type: "button", "aria-haspopup": "dialog", text: cfg.texts.open, onclick: self.open });
        root.append(opener, dialog);
      }
      render();
      emit("wg:rights-ready", {});
    }).catch(function (e) {
      warn(e);
      root.append(h("p", { class: "m", text: "This form is unavailable right now." }));
    });
  }

  function mount(el) {
    if (!el || el.wgRights) return el && el.wgRights;
    var inst = {};
    el.wgRights = inst;
    Instance.call(inst, el);
    instances.push(inst);
    return inst;
  }

  function scan() {
    document.querySelectorAll("[data-wg-rights]").forEach(guard(mount));
  }

  W.rights = {
    mount: guard(mount),
    scan: guard(scan),
    instances: function () { return instances.slice(); },
    prefill: guard(function (values) {
      Object.assign(prefilled, values);
      instances.forEach(function (i) { i.prefill && i.prefill(values); });
    }),
    open: guard(function () {
      var i = instances.filter(function (x) { return x.el.getAttribute("data-mode") === "modal"; })[0] || instances[0];
      if (i && i.open) i.open();
    })
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", guard(scan));
  else scan();
})();
