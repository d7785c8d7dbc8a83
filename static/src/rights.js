/* Widget Gateway — rights-request form (docs/rights-widget.md).
 * <div data-wg-rights [data-mode="modal"] [data-lang] [data-customer-ref]></div>
 * <script src="https://GW/widgets/rights.js" data-key="pk_…" async></script>
 * API: WidgetGateway.rights.prefill({...}), .open(), .mount(el), instances' destroy().
 * Events (on the mount element, bubbling): wg:rights-ready, wg:rights-submitted {reference},
 * wg:rights-verified {reference} once the requester entered the code mailed to them.
 * Served after the prelude (static/src/prelude.js), inside the same function. */

var instances = [];
var prefilled = {};
var CONTROL = /[\0-\x08\v\f\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
var LINE_BREAK = /[\n\r\t]/;
var LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
var DOMAIN_LABEL = /^[\p{L}\p{N}]([\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
var DIGITS = /^\d+$/;
var AUTOCOMPLETE = { email: "email", given_name: "given-name", family_name: "family-name" };
// The gateway's per-field problem codes (docs/rights-widget.md), to the form's own texts.
var FIELD_TEXTS = { missing_field: "required", value_too_long: "too_long", invalid_email: "email",
  not_an_option: "choice" };

var CSS = PALETTE_CSS + ":host{display:block}" +
  "input,select,textarea,button{font:inherit}" +
  ".box{background:var(--bg);border:1px solid #8885;border-radius:var(--wg-radius,12px);padding:20px 24px;max-width:560px;container-type:inline-size}" +
  "h2{font-size:1.25em;font-weight:650;margin:0 0 4px}p{margin:0 0 12px}.muted{color:var(--muted)}" +
  // the form's three groups: your request, about you, more about it
  ".group{border:1px solid #8884;border-radius:10px;margin:0 0 16px;padding:4px 16px 2px}" +
  ".group>legend{font-weight:650;padding:0 6px;margin-inline-start:-6px}" +
  ".names{display:grid;gap:0 12px}@container(min-width:440px){.names{grid-template-columns:1fr 1fr}}" +
  ".field{margin:10px 0 14px;border:0;padding:0;min-width:0}label,.field legend{display:block;font-weight:600;margin:0 0 4px;padding:0}" +
  ".required{font-weight:600;color:var(--error);font-size:.85em}" +
  "input,select,textarea{display:block;width:100%;min-height:44px;padding:8px 10px;color:var(--text);background:var(--bg);" +
  "border:1px solid var(--switch);border-radius:8px}textarea{min-height:96px;resize:vertical}" +
  "input:hover,select:hover,textarea:hover{border-color:var(--text)}" +
  "input:focus,select:focus,textarea:focus{outline:0;border-color:var(--accent);box-shadow:0 0 0 3px color-mix(in srgb,var(--accent) 35%,transparent)}" +
  ".option{display:flex;gap:10px;align-items:center;font-weight:400;min-height:36px}.option input{width:1.2em;min-height:0;height:1.2em;margin:0;accent-color:var(--accent)}" +
  "[aria-invalid=true]{border-color:var(--error);box-shadow:0 0 0 1px var(--error)}" +
  ".error{display:flex;gap:.3em;color:var(--error);font-size:.9em;font-weight:600;margin:4px 0 0}.error:before{content:'!';font-weight:800}.error:empty{display:none}" +
  "button{cursor:pointer;border:2px solid var(--accent);border-radius:8px;padding:.6em 1.2em;min-height:44px;font-weight:600;" +
  "background:var(--accent);color:var(--accent-text)}button:hover{filter:brightness(1.15)}" +
  "button:active{filter:brightness(.85)}button:disabled{opacity:.6;cursor:wait}" +
  ".alert{border-inline-start:4px solid var(--error);padding:8px 12px;margin:0 0 14px}.alert:empty{display:none}" +
  ".trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}" +
  "dialog{border:0;padding:0;background:none;max-width:min(600px,94vw);width:100%;color:var(--text)}" +
  "dialog::backdrop{background:#0008}dialog .box{max-height:90vh;overflow:auto;position:relative}" +
  ".close{background:none;border:0;color:var(--text)}" +
  ".close{position:absolute;top:8px;inset-inline-end:8px;padding:4px 10px;font-size:1.3em}" +
  // a phone: the card's padding given to the fields, the send button full width
  "@container(max-width:360px){.group{padding:2px 10px}form>button{width:100%}}" +
  "@media(max-width:480px){.box{padding:16px}}";

// "@asset:…" becomes that widget's hashed path (gateway/web/assets.py).
var ANSWER_PATH = "@asset:rights-answer";

// Which group of the form a field belongs to; custom fields are details.
var GROUPS = { type: "request", email: "you", given_name: "you", family_name: "you", customer_reference: "you",
  requester_type: "you" };

// An element: attributes (text: its text, on…: a guarded listener) and children.
function h(tag, attributes, children) {
  var element = document.createElement(tag);
  forEach(objectKeys(attributes || {}), function (name) {
    var value = attributes[name];
    if (value === false || value == null) return;
    if (name === "text") element.textContent = value;
    else if (sliceText(name, 0, 2) === "on") element.addEventListener(sliceText(name, 2), guarded(value));
    else element.setAttribute(name, value === true ? "" : value);
  });
  forEach(children || [], function (child) { if (child) element.append(child); });
  return element;
}
function length(text) { return arrayFrom(text).length; }

// A dot-atom local part and a domain of at least two labels, not an IP address: the server's rule.
function emailLooksValid(value) {
  var at = lastIndexOf(value, "@"), local = sliceText(value, 0, at), labels = split(sliceText(value, at + 1), ".");
  return at > 0 && length(local) <= 64 && matches(LOCAL_PART, local) && labels.length > 1 &&
    every(labels, function (label) { return length(label) <= 63 && matches(DOMAIN_LABEL, label); }) &&
    !matches(DIGITS, labels[labels.length - 1]);
}

// The same rules as the server's, so most mistakes are caught before a round trip: "" or a text id.
function problemWith(field, value) {
  if (!value) return field.required ? "required" : "";
  if (matches(CONTROL, value) || (field.kind !== "textarea" && matches(LINE_BREAK, value))) return "invalid";
  if (length(value) > field.max_length) return "too_long";
  if (field.options && !some(field.options, function (option) { return option.value === value; })) return "choice";
  if (field.kind === "email" && !emailLooksValid(value)) return "email";
  return "";
}

function Instance(element) {
  var self = this, root = element.attachShadow ? element.attachShadow({ mode: "open" }) : element;
  var modal = element.getAttribute("data-mode") === "modal";
  var key = element.getAttribute("data-key") || publicKey;
  var lang = element.getAttribute("data-lang") || document.documentElement.lang || "";
  var config, shownAt, frame, form, alertBox, submitButton, dialog, box, opener, inputs = {};
  adoptStyles(root, CSS);
  frame = h("div", { class: "wg auto" });
  root.appendChild(frame);
  self.el = element;

  function url(path) { return gateway + "/v1/" + encodeURIComponent(key) + path; }

  function loadConfig() {
    var query = lang ? "?lang=" + encodeURIComponent(lang) : "";
    return after(after(null, function () {
      return fetchNow(url("/rights/config" + query), { credentials: "omit", cache: "no-store" });
    }), function (response) {
      if (!response.ok) throw new Error("the gateway answered " + response.status);
      return after(readJson(response), function (body) {
        if (!body) throw new Error("the gateway's answer is not JSON");
        return body;
      });
    });
  }

  function field(spec) {
    var id = "f-" + spec.id, errorId = "e-" + spec.id, name = spec.custom ? "custom." + spec.id : spec.id;
    var label = [spec.label, spec.required ? h("span", { class: "required", text: " (" + config.texts.required + ")" }) : null];
    var error = h("p", { class: "error", id: errorId });
    if (spec.kind === "radio") return radioGroup(spec, id, errorId, name, label, error);
    var attributes = { id: id, name: name, "aria-describedby": errorId, "aria-required": spec.required ? "true" : null };
    var input;
    if (spec.kind === "select") {
      input = h("select", attributes, concat([h("option", { value: "", text: "—" })], map(spec.options, function (option) {
        return h("option", { value: option.value, text: option.label });
      })));
    } else if (spec.kind === "textarea") {
      attributes.maxlength = spec.max_length;
      attributes.rows = 4;
      input = h("textarea", attributes);
    } else {
      attributes.type = spec.kind === "email" ? "email" : "text";
      attributes.maxlength = spec.max_length;
      attributes.autocomplete = AUTOCOMPLETE[spec.id] || "off";
      input = h("input", attributes);
    }
    var preset = spec.id === "customer_reference" ? element.getAttribute("data-customer-ref") : null;
    if (prefilled[spec.id] != null || preset) input.value = prefilled[spec.id] != null ? prefilled[spec.id] : preset;
    inputs[name] = { spec: spec, el: input, error: error,
      value: function () { return trim(input.value); },
      mark: function (bad) { input.setAttribute("aria-invalid", bad); },
      focus: function () { input.focus(); } };
    return h("div", { class: "field" }, [h("label", { for: id }, label), input, error]);
  }

  function radioGroup(spec, id, errorId, name, label, error) {
    var options = map(spec.options, function (option, i) {
      return h("label", { class: "option" }, [
        h("input", { type: "radio", name: name, value: option.value, checked: i === 0, id: i ? null : id }),
        option.label
      ]);
    });
    var group = h("fieldset", { class: "field", "aria-describedby": errorId }, concat([h("legend", {}, label)], options, [error]));
    function radios() { return arrayFrom(group.querySelectorAll("input")); }
    inputs[name] = { spec: spec, el: group, error: error,
      value: function () { var checked = group.querySelector("input:checked"); return checked ? checked.value : ""; },
      mark: function (bad) { forEach(radios(), function (radio) { radio.setAttribute("aria-invalid", bad); }); },
      focus: function () { (group.querySelector("input:checked") || radios()[0]).focus(); } };
    return group;
  }

  // The fields in their groups, in the config's order: your request, about you, details
  function groups() {
    var sets = { request: [], you: [], details: [] }, names = null;
    forEach(config.fields, function (spec) {
      var rendered = field(spec), group = sets[GROUPS[spec.id] || "details"];
      if (spec.id === "given_name" || spec.id === "family_name") {
        if (!names) push(group, names = h("div", { class: "names" }));
        return names.append(rendered);
      }
      push(group, rendered);
    });
    return map(filter(["request", "you", "details"], function (id) { return sets[id].length; }), function (id) {
      return h("fieldset", { class: "group" }, concat([h("legend", { text: config.texts["group." + id] })], sets[id]));
    });
  }

  function renderForm() {
    var texts = config.texts;
    inputs = {};
    alertBox = h("div", { class: "alert", role: "alert" });
    submitButton = h("button", { type: "submit", text: texts.submit });
    form = h("form", { novalidate: true, "aria-labelledby": "t", onsubmit: submit }, concat([
      h("h2", { id: "t", text: texts.title }),
      h("p", { class: "muted", text: texts.intro }),
      alertBox
    ], groups(), [
      h("div", { class: "trap", "aria-hidden": "true" }, [
        h("label", {}, [texts.honeypot, h("input", { name: config.honeypot, tabindex: "-1", autocomplete: "off" })])
      ]),
      // What happens next, and the owner's privacy policy, said before the request is sent.
      h("p", { class: "muted", text: texts["notice.next"] }),
      config.privacy_policy_url ? h("p", {}, [h("a", { href: config.privacy_policy_url, target: "_blank",
        rel: "noopener", text: texts["notice.policy"] })]) : null,
      submitButton
    ]));
    show(form);
    loadAnswerPart();
    // An agent's fields, shown when "for someone else" is picked, come with rights-answer.js.
    if (config.agent) done(config.agent);
  }

  function show(content) {
    if (box) box.remove();
    box = h("div", { class: "box", lang: config.language, dir: config.dir || "ltr" }, [
      modal ? h("button", { type: "button", class: "close", "aria-label": config.texts.close, text: "×",
        onclick: function () { dialog.close(); } }) : null,
      content
    ]);
    (dialog || frame).append(box);
  }

  // errors: input name → text id ("required", "email", …); "_" for a problem with no field here
  function showErrors(errors) {
    var first = null;
    forEach(objectKeys(inputs), function (name) {
      var input = inputs[name], textId = errors[name] || "";
      input.mark(textId ? "true" : "false");
      input.error.textContent = textId ?
        fillIn(config.texts["err." + textId] || config.texts["err.invalid"], { max: input.spec.max_length }) : "";
      if (textId && !first) first = input;
    });
    alertBox.textContent = first || errors._ ? config.texts["err.summary"] : "";
    if (first) first.focus();
  }

  // The gateway's problems, each {field, code, message}: the code decides, never the message.
  function showServerErrors(problems) {
    var errors = {};
    forEach(isArray(problems) ? problems : [], function (problem) {
      if (!inputs[problem.field]) errors._ = 1;
      else errors[problem.field] = FIELD_TEXTS[problem.code] || "invalid";
    });
    showErrors(errors);
  }

  function say(text) { alertBox.textContent = ""; alertBox.textContent = text; }

  function requestBody() {
    var body = { language: config.language, form_token: config.form_token, custom: {} };
    forEach(objectKeys(inputs), function (name) {
      var value = inputs[name].value();
      if (!value) return;
      if (sliceText(name, 0, 7) === "custom.") body.custom[sliceText(name, 7)] = value;
      else body[name] = value;
    });
    var trap = form.querySelector("[name='" + config.honeypot + "']").value;
    if (trap) body[config.honeypot] = trap;
    return body;
  }

  function post(body, path) {
    return fetchNow(url(path || "/rights"), {
      method: "POST", credentials: "omit", headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: toJson(body)
    });
  }

  function submit(event) {
    event.preventDefault();
    if (submitButton.disabled) return;
    var errors = {}, texts = config.texts;
    forEach(objectKeys(inputs), function (name) {
      var textId = problemWith(inputs[name].spec, inputs[name].value());
      if (textId) errors[name] = textId;
    });
    showErrors(errors);
    if (objectKeys(errors).length) return;
    submitButton.disabled = true;
    submitButton.textContent = texts.sending;
    function ready() {
      submitButton.disabled = false;
      submitButton.textContent = texts.submit;
    }
    // A rejected fetch is the network; anything else is the page or the widget: said as it is.
    after(after(null, function () { return send(requestBody(), 0); }), ready, function (error) {
      warn(error);
      say(texts[error && error.network ? "err.network" : "err.unsent"]);
      ready();
    });
  }

  function send(body, tries) {
    // A person who submits within the form's minimum age is let through after a short pause.
    var early = config.min_age_ms - (clock() - shownAt);
    return after(wait(early > 0 ? early + 50 : 0), function () {
      return after(post(body), function (response) {
        return after(readJson(response), function (answer) { return answered(body, tries, response, answer || {}); });
      }, function (failure) {
        // fetch rejects with a TypeError when the network fails; a page's wrapper, with its own
        var error = new Error("could not reach the gateway");
        error.network = failure instanceof TypeError;
        throw error;
      });
    });
  }

  function answered(body, tries, response, answer) {
    var texts = config.texts, again = tries < 1;
    if (response.status === 202) return done(answer);
    if (again && (answer.code === "form_token_expired" || answer.code === "form_token_invalid" || answer.code === "form_token_used")) {
      return after(loadConfig(), function (fresh) {
        config = fresh;
        body.form_token = config.form_token;
        return send(body, tries + 1);
      });
    }
    if (again && answer.code === "submitted_too_fast") {
      return after(wait(answer.retry_after_ms || 1000), function () { return send(body, tries + 1); });
    }
    if (answer.code === "invalid_payload") return showServerErrors(answer.errors);
    if (response.status === 429) {
      var seconds = parseInt(headerValue(response.headers, "Retry-After"), 10) || 3600;
      return say(fillIn(texts["err.rate_limited"], { minutes: Math.max(1, Math.ceil(seconds / 60)) }));
    }
    say(texts[answer.code === "spam_suspected" ? "err.spam" : answer.code === "submitted_too_fast" ? "err.too_fast" : "err.server"]);
  }

  // What follows an accepted request, the code step or the confirmation, is rights-answer.js:
  // asked for once the form is shown, so it is there when the answer comes.
  function loadAnswerPart() {
    if (namespace.rightsAnswerQueue) return;
    namespace.rightsAnswerQueue = [];
    attempt(function () {
      var tag = document.createElement("script");
      tag.src = gateway + ANSWER_PATH;
      if (script.nonce) tag.nonce = script.nonce;
      tag.onerror = function () { namespace.rightsAnswerFailed = 1; };
      (document.head || document.documentElement).appendChild(tag);
    });
  }

  function done(answer, verified) {
    var host = { root: root, config: config, h: h, post: post, show: show, emit: emit, done: done, verified: verified,
      inputs: inputs, form: form, email: inputs.email ? inputs.email.value() : "" };
    // the part unreachable: the reference is still said, plainly
    if (namespace.rightsAnswerFailed) return answer.reference && say(config.texts["done.reference"] + " " + answer.reference);
    if (namespace.rightsAnswer) return namespace.rightsAnswer(host, answer);
    push(namespace.rightsAnswerQueue, [host, answer]);
  }

  function emit(name, detail) {
    element.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail: detail }));
  }

  self.open = guarded(function () {
    if (dialog) { if (!dialog.open) dialog.showModal(); return; }
    var first = form && form.querySelector("input,select,textarea");
    if (first) first.focus();
  });
  self.prefill = guarded(function (values) {
    forEach(objectKeys(values || {}), function (name) {
      var input = inputs[name];
      if (input && input.el.value !== undefined && !input.el.value) input.el.value = values[name];
    });
  });
  self.destroy = guarded(function () {
    if (dialog && dialog.open) dialog.close();
    root.replaceChildren ? root.replaceChildren() : (root.innerHTML = "");
    if (opener) opener.remove();
    instances = filter(instances, function (other) { return other !== self; });
    delete element.wgRights;
  });

  after(after(loadConfig(), function (fresh) {
    config = fresh;
    shownAt = clock();
    if (modal) {
      dialog = h("dialog", { "aria-labelledby": "t" });
      opener = h("button", { type: "button", "aria-haspopup": "dialog", text: config.texts.open, onclick: self.open });
      frame.append(opener, dialog);
    }
    renderForm();
    emit("wg:rights-ready", {});
  }), null, function (error) {
    warn(error);
    frame.append(h("p", { class: "muted", text: "This form is unavailable right now." }));
  });
}

function mount(element) {
  if (!element || element.wgRights) return element && element.wgRights;
  var instance = {};
  element.wgRights = instance;
  Instance.call(instance, element);
  push(instances, instance);
  return instance;
}

function scan() {
  forEach(document.querySelectorAll("[data-wg-rights]"), guarded(mount));
}

namespace.rights = {
  mount: guarded(mount),
  scan: guarded(scan),
  instances: function () { return sliceList(instances); },
  prefill: guarded(function (values) {
    forEach(objectKeys(values || {}), function (name) { prefilled[name] = values[name]; });
    forEach(instances, function (instance) { if (instance.prefill) instance.prefill(values); });
  }),
  open: guarded(function () {
    var modals = filter(instances, function (instance) { return instance.el.getAttribute("data-mode") === "modal"; });
    var instance = modals[0] || instances[0];
    if (instance && instance.open) instance.open();
  })
};
attempt(function () {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", guarded(scan));
  else scan();
});
