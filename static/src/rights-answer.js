/* Widget Gateway — what the rights form shows once a request is accepted (docs/rights-widget.md):
 * the step that asks for the code mailed to the requester, and the confirmation with the
 * reference and the date the answer is due; and, before that, an authorised agent's part of the
 * form (their name, address and the signed permission, sent once the request is accepted). Not
 * for pages to load: rights.js loads it once its form is shown. Served after the prelude
 * (static/src/prelude.js), inside the same function; the form's internals it uses come in each
 * call's `host`. */

if (!namespace.rightsAnswerQueue) return warn("rights.js loads this file when a form needs it");

// The styles of what this file shows, added beside the form's own in its shadow root.
var ANSWER_CSS = ".ref{font:700 1.6em/1.2 ui-monospace,monospace;letter-spacing:.08em;margin:4px 0 12px}" +
  ".done:focus{outline:0}.done h2:before{content:'\\2713  ';color:var(--wg-success,#1a7f37)}" +
  ".quiet{background:none;border:0;color:var(--text);text-decoration:underline}";

function addStyles(root) {
  if (root.wgAnswerStyled) return;
  root.wgAnswerStyled = true;
  var added = attempt(function () {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(ANSWER_CSS);
    root.adoptedStyleSheets = concat(arrayFrom(root.adoptedStyleSheets), [sheet]);
    return true;
  }, false);
  if (added) return;
  var style = document.createElement("style");
  style.textContent = ANSWER_CSS;
  root.appendChild(style);
}

function answer(host, reply) {
  if (reply === host.config.agent) return agentPart(host);
  addStyles(host.root);
  var agent = host.root.wgAgent, chosen = agent && reply.document_token && agent.chosen();
  if (chosen) return sendDocument(host, reply, chosen);
  return reply.verification === "pending" ? verifyStep(host, reply) : confirm(host, reply);
}

// What the form asks of an authorised agent, while "for someone else" is picked: their name and
// address (as the form's own fields: checked, sent and marked like them), the e-mail field
// relabelled as the person's, and the person's signed permission where the gateway keeps one.
function agentPart(host) {
  var h = host.h, texts = host.config.texts, inputs = host.inputs, root = host.root;
  var group = inputs.requester_type, label = root.querySelector("label[for=f-email]");
  if (!group || !label) return;
  var emailLabel = label.firstChild, ownLabel = emailLabel.nodeValue;
  var max = host.config.agent.document_max_bytes, mb = { mb: Math.round(max / 104857.6) / 10 };
  function required() { return h("span", { class: "required", text: " (" + texts.required + ")" }); }
  function described(id, input, text) {
    var error = h("p", { class: "error", id: "e-" + id });
    return [error, h("div", { class: "field" }, [h("label", { for: "f-" + id }, [text, required()]), input, error])];
  }
  function field(id, kind, maxLength) {
    var input = h("input", { id: "f-" + id, name: id, type: kind, maxlength: maxLength, autocomplete: kind === "email" ? "email" : "name",
      "aria-describedby": "e-" + id, "aria-required": "true" });
    var parts = described(id, input, texts["agent." + sliceText(id, 6)]);
    return [{ spec: { id: id, kind: kind, required: true, max_length: maxLength }, el: input, error: parts[0],
      value: function () { return trim(input.value); },
      mark: function (bad) { input.setAttribute("aria-invalid", bad); },
      focus: function () { input.focus(); } }, parts[1]];
  }
  var fields = [field("agent_name", "text", 100), field("agent_email", "email", 254)];
  var boxes = map(fields, function (made) { return made[1]; });
  var file = max ? h("input", { type: "file", id: "f-agent_document", accept: ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg",
    "aria-describedby": "e-agent_document", "aria-required": "true" }) : null;
  var fileParts = file ? described("agent_document", file, fillIn(texts["agent.document"], mb)) : [];
  var part = h("div", { class: "agent", hidden: true }, concat(boxes, [fileParts[1]]));
  group.el.after(part);
  function update() {
    var on = group.value() === "agent";
    part.hidden = !on;
    emailLabel.nodeValue = on ? texts["agent.subject_email"] : ownLabel;
    forEach(fields, function (made) {
      if (on) inputs[made[0].spec.id] = made[0];
      else delete inputs[made[0].spec.id];
    });
  }
  group.el.addEventListener("change", guarded(update));
  update();
  function chosen() { return file && !part.hidden ? file.files[0] : null; }
  root.wgAgent = { chosen: chosen };
  if (!file) return;
  file.addEventListener("change", guarded(function () {
    fileParts[0].textContent = "";
    file.setAttribute("aria-invalid", "false");
  }));
  // The file is checked before the form goes (its type only as the browser guesses it from the
  // name; the gateway reads it from the content): a problem stops the send, said at the file.
  root.addEventListener("submit", guarded(function (event) {
    if (event.target !== host.form || part.hidden) return;
    var picked = chosen(), problem = !picked ? "err.required" :
      picked.size > max || !matches(/^(application\/pdf|image\/(png|jpeg))$/, picked.type) ? "err.document" : "";
    fileParts[0].textContent = problem ? fillIn(texts[problem], mb) : "";
    file.setAttribute("aria-invalid", problem ? "true" : "false");
    if (!problem) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    file.focus();
  }), true);
}

// The agent's document, sent with the token of the accepted request; then the code step. Should
// it fail, the step says so: the request stands, and its owner sees it came without one.
function sendDocument(host, reply, chosen) {
  var reader = new FileReader(), reference = reply.reference;
  function next(sent) {
    delete reply.document_token;
    answer(host, reply);
    var note = host.root.querySelector("#n");
    if (!sent && note) note.textContent = fillIn(host.config.texts["err.document"],
      { mb: Math.round(host.config.agent.document_max_bytes / 104857.6) / 10 });
  }
  reader.onload = guarded(function () {
    var content = split(String(reader.result), ",")[1];
    after(after(null, function () {
      return host.post({ reference: reference, token: reply.document_token, content: content }, "/rights/document");
    }), function (response) { next(response.status === 201); }, function () { next(false); });
  });
  reader.onerror = guarded(function () { next(false); });
  reader.readAsDataURL(chosen);
}

// The code asked for in place of the form: the request counts once it is entered.
function verifyStep(host, reply) {
  var h = host.h, texts = host.config.texts, reference = reply.reference, agent = host.inputs.agent_email;
  var note = h("p", { class: "error", id: "n", role: "status" });
  var code = h("input", { id: "c", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 9,
    "aria-describedby": "n" });
  function ask(path, body, then) {
    after(after(null, function () { return host.post(body, path); }), function (response) {
      return after(readJson(response), function (json) { then(response.status, json || {}); });
    }, function () { note.textContent = texts["err.network"]; });
  }
  var step = h("form", { novalidate: true, "aria-labelledby": "t", onsubmit: function (event) {
    event.preventDefault();
    ask("/rights/verify", { reference: reference, code: code.value }, function (status, json) {
      if (status === 200) return host.done(json, 1);
      note.textContent = texts[status === 429 ? "verify.wait" : "verify.wrong"];
      note.className = "error";
      code.setAttribute("aria-invalid", "true");
      code.focus();
    });
  } }, [
    h("h2", { id: "t", text: texts["verify.title"] }),
    h("p", { class: "muted", text: texts["done.reference"] }),
    h("p", { class: "ref", text: reference }),
    // an agent's request: the code went to the agent, who sent it
    h("p", { text: fillIn(texts["verify.intro"], { email: agent ? agent.value() : host.email }) }),
    h("div", { class: "field" }, [h("label", { for: "c", text: texts["verify.code"] }), code, note]),
    h("button", { type: "submit", text: texts["verify.submit"] }), " ",
    h("button", { type: "button", class: "quiet", text: texts["verify.resend"], onclick: function () {
      ask("/rights/verify/resend", { reference: reference }, function (status) {
        note.textContent = texts[status === 202 ? "verify.resent" : "verify.wait"];
        note.className = status === 202 ? "muted" : "error";
      });
    } }),
    h("p", { class: "muted", text: texts["verify.link"] })
  ]);
  host.show(step);
  code.focus();
  host.emit("wg:rights-submitted", { reference: reference });
}

// The reference, and the date the answer is due in the requester's language.
function confirm(host, reply) {
  var h = host.h, texts = host.config.texts;
  var date = attempt(function () {
    return new Intl.DateTimeFormat(host.config.language, { dateStyle: "long", timeZone: "UTC" })
      .format(new Date(reply.respond_by + "T00:00:00Z"));
  }, reply.respond_by);
  var confirmation = h("div", { role: "status", tabindex: "-1", class: "done" }, [
    h("h2", { text: texts["done.title"] }),
    h("p", { class: "muted", text: texts["done.reference"] }),
    h("p", { class: "ref", text: reply.reference }),
    // confirmed by an agent: the time to answer starts when the person confirms the permission
    h("p", { text: reply.verified === false ? texts["agent.waiting"] : fillIn(texts["done.respond_by"], { date: date }) }),
    h("p", { class: "muted", text: texts["done.keep"] })
  ]);
  host.show(confirmation);
  confirmation.focus();
  host.emit(host.verified ? "wg:rights-verified" : "wg:rights-submitted", { reference: reply.reference });
}

namespace.rightsAnswer = answer;
forEach(namespace.rightsAnswerQueue, function (waiting) { answer(waiting[0], waiting[1]); });
namespace.rightsAnswerQueue = [];
