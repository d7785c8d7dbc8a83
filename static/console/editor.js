/* Owner console: the widget editor and its live preview, for the key shown in the key detail.
 *
 * The draft is the key's consent_config and rights_config as JSON; every field of the form edits
 * one place in it, named by its JSON pointer (data-pointer), which is also where the gateway's
 * problem answers point: a problem is shown at its field. A text left empty is absent from the
 * draft, so the built-in text (shown as the field's placeholder) applies. While the owner types,
 * the draft is checked and rendered by the gateway (POST …/preview, nothing saved) and posted to
 * the preview frame, which runs the real widgets with it; Save PATCHes the key, which publishes. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var ed = { key: null, draft: null, defaults: null, lang: "en", view: "banner", timer: 0, serial: 0, frameReady: false, dirty: false };
  var LONG = { description: 1, preferences_description: 1, notice_description: 1, gpc_notice: 1, embed_blocked: 1, intro: 1 };
  var MODES = ["required", "optional", "off"];

  function host() { return window.WGConsole; }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") e.textContent = value;
      else if (name === "class") e.className = value;
      else e.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) { if (child) e.appendChild(child); });
    return e;
  }
  function copy(value) { return value === null || value === undefined ? null : JSON.parse(JSON.stringify(value)); }
  function pointer(path) { return path.map(function (s) { return "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1"); }).join(""); }
  function fieldId(path) { return "ed-" + path.join("-").replace(/[^A-Za-z0-9_-]/g, "_"); }

  function read(path) {
    var at = ed.draft;
    for (var i = 0; i < path.length; i++) { if (at === null || typeof at !== "object") return undefined; at = at[path[i]]; }
    return at;
  }
  // Sets the value at path, creating objects on the way; "" or undefined removes it, and any
  // object (not list) left empty by that, so an untouched text stays the built-in one.
  function write(path, value) {
    var chain = [ed.draft], at = ed.draft;
    for (var i = 0; i < path.length - 1; i++) {
      if (at[path[i]] === null || typeof at[path[i]] !== "object") at[path[i]] = {};
      at = at[path[i]];
      chain.push(at);
    }
    var last = path[path.length - 1];
    if (value === "" || value === undefined) delete at[last]; else at[last] = value;
    for (var j = chain.length - 1; j > 1; j--) {
      if (!Array.isArray(chain[j]) && Object.keys(chain[j]).length === 0) delete chain[j - 1][path[j - 1]];
    }
    changed();
  }

  /* Fields */

  function labelled(path, label, control, hint) {
    var id = fieldId(path);
    control.id = id;
    control.setAttribute("data-pointer", pointer(path));
    var parts = [el("label", { for: id, text: label }), control];
    if (hint) { var hintId = id + "-hint"; control.setAttribute("aria-describedby", hintId); parts.push(el("p", { class: "hint", id: hintId, text: hint })); }
    return el("div", { class: "ed-field" }, parts);
  }
  function textField(path, label, placeholder, options) {
    options = options || {};
    var value = options.value !== undefined ? options.value : read(path);
    var control = el(options.long ? "textarea" : "input", { rows: options.long ? 2 : null, maxlength: options.max || 2000, placeholder: placeholder || null, autocomplete: "off" });
    if (!options.long && options.type) control.type = options.type;
    control.value = typeof value === "string" ? value : "";
    control.addEventListener("input", function () { (options.onInput || function (v) { write(path, v); })(control.value.trim() ? control.value : ""); });
    return labelled(path, label, control, options.hint);
  }
  function selectField(path, label, choices, current, onChange) {
    var control = el("select");
    choices.forEach(function (c) { var o = el("option", { value: c[0], text: c[1] }); control.appendChild(o); });
    control.value = current;
    control.addEventListener("change", function () { onChange(control.value); });
    return labelled(path, label, control);
  }
  function smallButton(text, label, onClick, cls) {
    var b = el("button", { type: "button", class: "quiet ed-edit" + (cls ? " " + cls : ""), text: text, "aria-label": label || null });
    b.addEventListener("click", onClick);
    return b;
  }

  /* The form, built from the draft */

  // The first layer's and the preferences layer's texts first; the rest (opt-out notice,
  // placeholders, cookie table) behind a disclosure.
  var MAIN_TEXTS = ["title", "description", "accept_all", "reject_all", "customise", "preferences_title", "preferences_description", "save", "close", "always_on", "services", "policy_link", "reopen"];
  function consentTexts(d) {
    var lang = ed.lang, box = el("fieldset", {}, [el("legend", { text: "Banner texts" })]);
    var more = el("details", { class: "ed-more" }, [el("summary", { text: "More banner texts: opt-out notice, placeholders, cookie table" })]);
    Object.keys(d.consent.texts).forEach(function (name) {
      var field = textField(["consent_config", "texts", lang, name], name.replace(/_/g, " "), d.consent.texts[name], { long: !!LONG[name] });
      (MAIN_TEXTS.indexOf(name) >= 0 ? box : more).appendChild(field);
    });
    box.appendChild(more);
    return box;
  }

  function categories() {
    var list = read(["consent_config", "categories"]);
    if (!Array.isArray(list)) list = Object.keys(ed.defaults.consent.categories).map(function (id) { return { id: id }; });
    return list;
  }
  // Category edits write the whole list: a built-in category listed by its id keeps its defaults.
  function editCategories(change) {
    var list = copy(categories());
    change(list);
    write(["consent_config", "categories"], list);
    render();
  }

  function cookieRow(ci, si, ki, cookie) {
    var base = ["consent_config", "categories", ci, "services", si, "cookies", ki];
    var entry = typeof cookie === "string" ? { name: cookie } : cookie;
    function set(name, value) {
      editCookie(ci, si, ki, function (c) { if (value) c[name] = value; else delete c[name]; });
    }
    var purpose = entry.purpose, lang = ed.lang;
    var purposeText = typeof purpose === "string" ? purpose : (purpose && purpose[lang]) || "";
    var who = "cookie " + (ki + 1) + " of service " + (si + 1) + " of category " + (ci + 1);
    return el("fieldset", { class: "ed-cookie" }, [
      el("legend", { text: "Cookie " + (ki + 1) }),
      textField(base.concat("name"), "Name", "_ga", { value: entry.name || "", max: 64, onInput: function (v) { set("name", v); } }),
      textField(base.concat("provider"), "Provider", "", { value: typeof entry.provider === "string" ? entry.provider : "", max: 300, onInput: function (v) { set("provider", v); } }),
      textField(base.concat("purpose", lang), "Purpose (" + lang + ")", typeof purpose === "object" && purpose ? purpose["*"] || "" : "", {
        value: purposeText, max: 300,
        onInput: function (v) {
          editCookie(ci, si, ki, function (c) {
            var texts = typeof c.purpose === "string" ? { "*": c.purpose } : (c.purpose || {});
            if (v) texts[lang] = v; else delete texts[lang];
            if (Object.keys(texts).length) c.purpose = texts; else delete c.purpose;
          });
        },
      }),
      textField(base.concat("duration"), "Duration", "2 years", { value: typeof entry.duration === "string" ? entry.duration : "", max: 300, onInput: function (v) { set("duration", v); } }),
      smallButton("Remove cookie", "Remove " + who, function () {
        editCategories(function (list) { list[ci].services[si].cookies.splice(ki, 1); });
      }),
    ]);
  }
  // A cookie's text edit changes the draft in place (no re-render: the owner is typing).
  function editCookie(ci, si, ki, change) {
    var list = copy(categories());
    var cookies = list[ci].services[si].cookies;
    var entry = typeof cookies[ki] === "string" ? { name: cookies[ki] } : cookies[ki];
    change(entry);
    cookies[ki] = entry;
    write(["consent_config", "categories"], list);
  }

  function serviceBox(ci, si, service, where) {
    var base = ["consent_config", "categories", ci, "services", si], lang = ed.lang;
    var which = "service " + (si + 1) + " of " + where;
    function setTop(name, value) {
      var list = copy(categories());
      if (value) list[ci].services[si][name] = value; else delete list[ci].services[si][name];
      write(["consent_config", "categories"], list);
    }
    var box = el("fieldset", { class: "ed-service" }, [
      el("legend", { text: "Service: " + (service.name || service.id || "new") }),
      textField(base.concat("name"), "Name", "", { value: service.name || "", max: 100, onInput: function (v) { setTop("name", v); } }),
      textField(base.concat("id"), "Id", "", { value: service.id || "", max: 32, hint: "Lower-case letters, digits, _ or -; unique in the key.", onInput: function (v) { setTop("id", v); } }),
      textField(base.concat("texts", lang, "description"), "Description (" + lang + ")", "", {
        long: true,
        onInput: function (v) {
          var list = copy(categories()), s = list[ci].services[si];
          s.texts = s.texts || {};
          if (v) { s.texts[lang] = { description: v }; } else { delete s.texts[lang]; }
          if (!Object.keys(s.texts).length) delete s.texts;
          write(["consent_config", "categories"], list);
        },
      }),
    ]);
    (service.cookies || []).forEach(function (cookie, ki) { box.appendChild(cookieRow(ci, si, ki, cookie)); });
    box.appendChild(smallButton("Add cookie", "Add cookie to " + which, function () {
      editCategories(function (list) { var s = list[ci].services[si]; (s.cookies = s.cookies || []).push({ name: "" }); });
    }));
    box.appendChild(smallButton("Remove service", "Remove " + which, function () {
      editCategories(function (list) { list[ci].services.splice(si, 1); });
    }, "ed-remove"));
    return box;
  }

  function categoryBox(ci, category) {
    var builtin = ed.defaults.consent.categories[category.id] || { title: "", description: "" }, lang = ed.lang;
    var base = ["consent_config", "categories", ci];
    function setText(name, value) {
      var list = copy(categories()), c = list[ci];
      c.texts = c.texts || {};
      c.texts[lang] = c.texts[lang] || {};
      if (value) c.texts[lang][name] = value; else delete c.texts[lang][name];
      if (!Object.keys(c.texts[lang]).length) delete c.texts[lang];
      if (!Object.keys(c.texts).length) delete c.texts;
      write(["consent_config", "categories"], list);
    }
    var texts = (category.texts || {})[lang] || {};
    var box = el("fieldset", { class: "ed-category" }, [
      el("legend", { text: "Category: " + (texts.title || builtin.title || category.id) }),
      textField(base.concat("texts", lang, "title"), "Title (" + lang + ")", builtin.title, { value: texts.title || "", onInput: function (v) { setText("title", v); } }),
      textField(base.concat("texts", lang, "description"), "Description (" + lang + ")", builtin.description, { value: texts.description || "", long: true, onInput: function (v) { setText("description", v); } }),
    ]);
    var where = texts.title || builtin.title || category.id;
    (category.services || []).forEach(function (service, si) { box.appendChild(serviceBox(ci, si, service, where)); });
    box.appendChild(smallButton("Add service", "Add service to " + (texts.title || builtin.title || category.id), function () {
      editCategories(function (list) { (list[ci].services = list[ci].services || []).push({ id: "", name: "" }); });
    }));
    if (!builtin.title) {
      box.appendChild(smallButton("Remove category", "Remove category " + category.id, function () {
        editCategories(function (list) { list.splice(ci, 1); });
      }, "ed-remove"));
    }
    return box;
  }

  function categoriesBox() {
    var box = el("fieldset", {}, [el("legend", { text: "Categories, services and cookies" })]);
    categories().forEach(function (c, ci) { box.appendChild(categoryBox(ci, c)); });
    var newId = el("input", { id: "ed-new-category", maxlength: 32, autocomplete: "off", placeholder: "social" });
    box.appendChild(el("div", { class: "ed-field ed-edit" }, [el("label", { for: "ed-new-category", text: "New category id" }), newId]));
    box.appendChild(smallButton("Add category", null, function () {
      var id = newId.value.trim();
      if (!id) { newId.focus(); return; }
      var texts = {}; texts[ed.lang] = { title: id };
      editCategories(function (list) { list.push({ id: id, texts: texts }); });
    }));
    return box;
  }

  function lookBox() {
    var d = ed.defaults.consent, lang = ed.lang;
    var urls = read(["consent_config", "policy_url"]);
    if (typeof urls === "string") { urls = { "*": urls }; ed.draft.consent_config.policy_url = urls; }
    function policy(tag) {
      return function (v) { var u = copy(read(["consent_config", "policy_url"])) || {}; if (v) u[tag] = v; else delete u[tag]; write(["consent_config", "policy_url"], Object.keys(u).length ? u : ""); };
    }
    var theme = read(["consent_config", "theme"]) || {};
    function setTheme(name) { return function (v) { write(["consent_config", "theme", name], v); schedule(); }; }
    return el("fieldset", {}, [
      el("legend", { text: "Links, look and cookie" }),
      textField(["consent_config", "policy_url", "*"], "Privacy policy link (every language)", "https://shop.example/privacy", { value: (urls || {})["*"] || "", type: "url", max: 499, onInput: policy("*") }),
      textField(["consent_config", "policy_url", lang], "Privacy policy link in " + lang + " (optional)", "", { value: (urls || {})[lang] || "", type: "url", max: 499, onInput: policy(lang) }),
      selectField(["consent_config", "theme", "mode"], "Colours", d.theme_modes.map(function (m) { return [m, m === "auto" ? "auto (follows the visitor's setting)" : m]; }), theme.mode || "auto", setTheme("mode")),
      selectField(["consent_config", "theme", "position"], "Position", d.positions.map(function (p) { return [p, p]; }), theme.position || "bottom", setTheme("position")),
      textField(["consent_config", "theme", "accent"], "Accent colour", "#1d4ed8", { max: 7, hint: "A colour like #1d4ed8; empty for the built-in blue." }),
      textField(["consent_config", "cookie_domain"], "Consent cookie domain (optional)", "shop.example", { max: 253, hint: "Share the visitor's choice with every subdomain of this domain; it must be the host or a parent of an allowed origin." }),
    ]);
  }

  function rightsBox() {
    var r = ed.defaults.rights, lang = ed.lang;
    var types = read(["rights_config", "types"]) || r.default_types;
    var typeBox = el("fieldset", { class: "ed-types" }, [el("legend", { text: "Request types offered" })]);
    typeBox.setAttribute("data-pointer", "/rights_config/types");
    r.types.forEach(function (t) {
      var id = "ed-type-" + t;
      var box = el("input", { type: "checkbox", id: id, value: t });
      box.checked = types.indexOf(t) >= 0;
      box.addEventListener("change", function () {
        var now = Array.prototype.filter.call(typeBox.querySelectorAll("input:checked"), Boolean).map(function (i) { return i.value; });
        write(["rights_config", "types"], now);
      });
      typeBox.appendChild(el("div", { class: "ed-check" }, [box, el("label", { for: id, text: r.texts["type." + t] || t })]));
    });
    var fieldBox = el("fieldset", {}, [el("legend", { text: "Fields" })]);
    r.fields.forEach(function (f) {
      if (f === "email") return; // always asked, always required
      var current = read(["rights_config", "fields", f]) || r.field_modes[f];
      fieldBox.appendChild(selectField(["rights_config", "fields", f], r.texts["field." + f] || f, MODES.map(function (m) { return [m, m]; }), current, function (v) {
        write(["rights_config", "fields", f], v === r.field_modes[f] ? "" : v);
      }));
    });
    var textBox = el("details", { class: "ed-rights-texts" }, [el("summary", { text: "Form texts (" + lang + ")" })]);
    Object.keys(r.texts).forEach(function (name) {
      textBox.appendChild(textField(["rights_config", "texts", lang, name], name, r.texts[name], { long: !!LONG[name] }));
    });
    return el("fieldset", {}, [el("legend", { text: "Rights request form" }), typeBox, fieldBox, textBox]);
  }

  function render() {
    var form = $("ed-fields");
    if (!form || !ed.defaults) return;
    var active = document.activeElement && document.activeElement.id;
    var opened = Array.prototype.map.call(form.querySelectorAll("details[open]"), function (d) { return d.className; });
    form.textContent = "";
    form.appendChild(el("legend", { class: "sr-only", text: "Widget settings in " + ed.lang }));
    [consentTexts(ed.defaults), categoriesBox(), lookBox(), rightsBox()].forEach(function (part) { form.appendChild(part); });
    opened.forEach(function (name) { var d = form.querySelector("details." + name); if (d) d.open = true; });
    form.disabled = !host().canChange();
    if (active && $(active)) $(active).focus();
    if (ed.problems) showProblems(ed.problems);
  }

  /* Problems at their fields */

  function clearProblems() {
    document.querySelectorAll("#editor .ed-problem").forEach(function (p) { p.remove(); });
    document.querySelectorAll("#editor [aria-invalid]").forEach(function (f) {
      f.removeAttribute("aria-invalid");
      var d = (f.getAttribute("aria-describedby") || "").split(" ").filter(function (t) { return t && t.indexOf("-problem") < 0; }).join(" ");
      if (d) f.setAttribute("aria-describedby", d); else f.removeAttribute("aria-describedby");
    });
    $("ed-errors").textContent = "";
  }
  function showProblems(data) {
    clearProblems();
    ed.problems = data;
    var items = data.errors && data.errors.length ? data.errors : [{ field: "", pointer: "", message: data.detail || "Something went wrong." }];
    items.forEach(function (e, i) {
      var field = e.pointer ? document.querySelector('#editor [data-pointer="' + e.pointer.replace(/["\\]/g, "\\$&") + '"]') : null;
      if (field) {
        var disclosure = field.closest("details");
        if (disclosure) disclosure.open = true;
        var id = (field.id || "ed-field-" + i) + "-problem";
        var note = el("p", { class: "ed-problem", id: id, text: e.message });
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + id).trim());
        field.parentNode.insertBefore(note, field.nextSibling);
      } else {
        $("ed-errors").appendChild(el("li", { text: (e.field ? e.field + ": " : "") + e.message }));
      }
    });
  }

  /* Preview */

  function changed() { ed.dirty = true; $("ed-state").textContent = "Unsaved changes: the preview shows them, visitors do not see them yet."; schedule(); }
  function schedule() { clearTimeout(ed.timer); ed.timer = setTimeout(preview, 200); }
  function draftBody() {
    return { consent_config: ed.draft.consent_config || null, rights_config: ed.draft.rights_config || null };
  }
  function keyPath() { return host().accountPath() + "/keys/" + encodeURIComponent(ed.key.public_key); }

  function preview() {
    var body = draftBody(), serial = ++ed.serial;
    body.lang = ed.lang;
    return host().api("POST", keyPath() + "/preview", body).then(function (r) {
      if (serial !== ed.serial) return; // an older draft's answer
      if (!r.ok) { showProblems(r.data); return; }
      ed.problems = null;
      clearProblems();
      ed.rendered = r.data;
      post();
    });
  }
  function post() {
    var frame = $("ed-frame");
    if (!ed.frameReady || !ed.rendered || !frame.contentWindow) return;
    frame.contentWindow.postMessage({ consent: ed.rendered.consent, rights: ed.rendered.rights, pk: ed.key.public_key, lang: ed.lang, view: ed.view, serial: ed.serial }, location.origin);
  }

  /* Loading a key, saving */

  function loadDefaults(lang) {
    return host().api("GET", "/widget-defaults?lang=" + encodeURIComponent(lang)).then(function (r) {
      if (!r.ok) { host().status(r.data.detail || "Could not load the built-in texts.", true); return false; }
      var select = $("ed-lang");
      if (select.options.length < r.data.languages.length) {
        var keep = select.value;
        select.textContent = "";
        r.data.languages.forEach(function (tag) { select.appendChild(el("option", { value: tag, text: tag })); });
        select.value = keep;
      }
      if (select.value !== lang) return false;
      ed.defaults = r.data;
      return true;
    });
  }

  function open(key) {
    ed.key = key;
    ed.draft = { consent_config: copy(key.consent_config) || {}, rights_config: copy(key.rights_config) || {} };
    ed.problems = null; ed.dirty = false;
    var lang = (key.consent_config && key.consent_config.default_language) || ed.lang || "en";
    $("editor").hidden = false;
    $("ed-save-row").hidden = !host().canChange();
    $("ed-readonly").hidden = host().canChange();
    $("ed-state").textContent = "";
    if (!$("ed-lang").options.length) $("ed-lang").appendChild(el("option", { value: lang, text: lang }));
    $("ed-lang").value = lang;
    return loadDefaults(lang).then(function (ok) {
      if (!ok) return;
      ed.lang = lang;
      render();
      preview();
    });
  }

  function save() {
    return host().api("PATCH", keyPath(), draftBody()).then(function (r) {
      if (!r.ok) { showProblems(r.data); host().status("Not saved: see the problems marked in the editor.", true); return; }
      ed.key = r.data; ed.dirty = false; ed.problems = null;
      clearProblems();
      $("ed-state").textContent = "Saved and published: visitors get it on their next page load.";
      host().status("Widget settings of “" + r.data.name + "” saved and published.");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var frame = $("ed-frame");
    // The frame may have loaded before this ran (a cached page loads fast): its load event is
    // then gone, so its state is read too, and the preview's own "ready" message is heard.
    function ready() { ed.frameReady = true; post(); }
    frame.addEventListener("load", ready);
    window.addEventListener("message", function (e) {
      if (e.origin === location.origin && e.source === frame.contentWindow && e.data && e.data.previewReady) ready();
    });
    try {
      var doc = frame.contentDocument;
      if (doc && doc.readyState !== "loading" && doc.URL !== "about:blank") ready();
    } catch (err) { /* not readable yet: the load event or the message will come */ }
    $("ed-lang").addEventListener("change", function (e) {
      var lang = e.target.value;
      // Typing "fr" on the list picks "fi" first: only the answer for the language still chosen counts.
      loadDefaults(lang).then(function (ok) { if (ok && e.target.value === lang) { ed.lang = lang; render(); preview(); } });
    });
    document.querySelectorAll("input[name=ed-view]").forEach(function (radio) {
      radio.addEventListener("change", function () { ed.view = radio.value; post(); });
    });
    $("ed-form").addEventListener("submit", function (e) { e.preventDefault(); save(); });
    $("ed-discard").addEventListener("click", function () { if (ed.key) open(ed.key); });
    document.addEventListener("wg-console:key", function (e) { open(e.detail); });
    document.addEventListener("wg-console:account", function () { $("editor").hidden = true; ed.key = null; });
  });
})();
