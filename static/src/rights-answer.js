/* Widget Gateway — what the rights form shows once a request is accepted (docs/rights-widget.md):
 * the step that asks for the code mailed to the requester, and the confirmation with the
 * reference and the date the answer is due. Not for pages to load: rights.js loads it once its
 * form is shown. Served after the prelude (static/src/prelude.js), inside the same function; the
 * form's internals it uses come in each call's `host`. */

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
  addStyles(host.root);
  return reply.verification === "pending" ? verifyStep(host, reply) : confirm(host, reply);
}

// The code asked for in place of the form: the request counts once it is entered.
function verifyStep(host, reply) {
  var h = host.h, texts = host.config.texts, reference = reply.reference;
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
    h("p", { text: fillIn(texts["verify.intro"], { email: host.email }) }),
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
    h("p", { text: fillIn(texts["done.respond_by"], { date: date }) }),
    h("p", { class: "muted", text: texts["done.keep"] })
  ]);
  host.show(confirmation);
  confirmation.focus();
  host.emit(host.verified ? "wg:rights-verified" : "wg:rights-submitted", { reference: reply.reference });
}

namespace.rightsAnswer = answer;
forEach(namespace.rightsAnswerQueue, function (waiting) { answer(waiting[0], waiting[1]); });
namespace.rightsAnswerQueue = [];
