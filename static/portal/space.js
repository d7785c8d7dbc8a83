/* The requester's space: opened with the e-mailed link (#space=…, read then removed from the
 * address bar) plus a code mailed on request; then the request, its due date, history,
 * messages and documents. Every text comes from the API in the request's language, so this
 * file holds none. The session is an HttpOnly cookie; the CSRF token the API answers is kept in
 * memory and sent in X-CSRF-Token. Values from the API are written with textContent only. */
(function () {
  "use strict";
  var API = "/portal/api/space";
  var $ = function (id) { return document.getElementById(id); };
  var match = /^#space=([A-Za-z0-9._-]{1,200})$/.exec(window.location.hash);
  var token = match ? match[1] : null;
  if (token && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  var state = { texts: {}, csrf: "", view: null, lang: "en" };

  function t(key, values) {
    var text = state.texts[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  function useTexts(answer) {
    state.texts = answer.texts || state.texts;
    state.lang = answer.language || state.lang;
    document.documentElement.lang = state.lang;
    document.documentElement.dir = answer.dir || "ltr";
    document.title = t("space.title");
    $("title").textContent = t("space.title");
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (node) {
      node.textContent = t(node.getAttribute("data-text"));
    });
  }
  function say(text, bad) {
    var box = $("status");
    box.textContent = text;
    box.className = bad ? "error" : "";
  }
  function dateText(iso) {
    if (!iso) return "";
    try {
      return new Intl.DateTimeFormat(state.lang, { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso.slice(0, 10) + "T00:00:00Z"));
    } catch (e) { return iso.slice(0, 10); }
  }
  function time(iso) {
    var node = document.createElement("time");
    node.setAttribute("datetime", iso.slice(0, 10));
    node.textContent = dateText(iso);
    return node;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function call(method, path, body, extra) {
    var init = { method: method, headers: extra || {}, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET" && state.csrf) init.headers["X-CSRF-Token"] = state.csrf;
    if (body !== undefined && !(body instanceof Blob)) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    } else if (body !== undefined) {
      init.body = body;
    }
    return fetch(API + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (data && data.csrf_token) state.csrf = data.csrf_token;
        return { ok: r.ok, status: r.status, data: data || {} };
      });
    }, function () { return { ok: false, status: 0, data: {} }; });
  }
  function failure(r, fallback) {
    if (r.status === 0) return t("space.error");
    if (r.status === 429 && r.data.code === "resend_too_soon") return t("space.code.too_soon");
    if (r.status === 429) return t("space.too_many");
    if (r.data.code === "space_unavailable") return t("space.invalid");
    if (r.data.code === "space_session_required") return t("space.ended");
    if (r.data.code === "verification_failed") return t("space.code.wrong");
    if (r.data.code === "document_type_refused") return t("space.upload.refused");
    if (r.data.code === "document_too_large") return t("space.upload.too_large");
    if (r.data.code === "too_many_documents") return t("space.upload.too_many");
    if (r.data.code === "request_closed") return t("space.closed.no_reply");
    return fallback || t("space.error");
  }

  /* Opening */

  function showOpen() {
    $("space").hidden = true;
    $("space-open").hidden = false;
    $("nothing").hidden = true;
  }
  function sendCode() {
    $("space-send").disabled = true;
    call("POST", "/code", { token: token }).then(function (r) {
      $("space-send").disabled = false;
      if (!r.ok) { say(failure(r), true); return; }
      $("space-send").textContent = t("space.open.resend");
      $("space-code-form").hidden = false;
      say(t("space.code.sent"));
      $("space-code").focus();
    });
  }
  function openSpace(e) {
    e.preventDefault();
    var code = $("space-code").value.trim();
    $("space-code-submit").disabled = true;
    call("POST", "/session", { token: token, code: code }).then(function (r) {
      $("space-code-submit").disabled = false;
      if (!r.ok) { say(failure(r), true); $("space-code").focus(); return; }
      $("space-code-form").reset();
      say("");
      render(r.data, true);
    });
  }

  /* The space */

  function fact(list, label, value) {
    list.appendChild(el("dt", label));
    var dd = list.appendChild(el("dd"));
    if (typeof value === "string") dd.textContent = value; else dd.appendChild(value);
    return dd;
  }
  function statusText(status) { return t("space.status." + status) || status; }
  function eventText(e) {
    if (e.kind === "status") return t("space.event.status", { status: statusText(e.status) });
    if (e.kind === "extension") return t("space.event.extension", { reason: e.reason || "" });
    if (e.kind === "message") return t("space.event.message." + e.from);
    return t("space.event." + e.kind);
  }
  function download(doc, text) {
    var link = el("a", text || doc.filename);
    link.href = API + "/documents/" + encodeURIComponent(doc.id);
    link.setAttribute("download", doc.filename);
    return link;
  }

  function render(view, focus) {
    useTexts(view);
    state.view = view;
    $("space-open").hidden = true;
    $("nothing").hidden = true;
    $("verify").hidden = true;
    $("space").hidden = false;

    var facts = $("space-facts");
    facts.textContent = "";
    fact(facts, t("space.reference"), view.reference);
    fact(facts, t("space.type"), t("space.type." + view.type) || view.type);
    fact(facts, t("space.law"), view.law_name);
    fact(facts, t("space.status"), statusText(view.status)).id = "space-status";
    fact(facts, t("space.received"), time(view.received_at));
    if (view.verified_at) fact(facts, t("space.verified"), time(view.verified_at));
    if (!view.closed) fact(facts, t("space.due"), time(view.due_at)).id = "space-due";

    var notes = [];
    if (view.paused && !view.closed) notes.push(t("space.due.paused"));
    if (view.extended && view.extension_reason) notes.push(t("space.due.extended", { reason: view.extension_reason }));
    $("space-due-note").textContent = notes.join(" ");
    $("space-due-note").hidden = notes.length === 0;
    $("space-closed-note").textContent = view.closed ? t("space.closed", { date: dateText(view.open_until) }) : "";
    $("space-closed-note").hidden = !view.closed;

    $("space-answer").hidden = !view.answer;
    if (view.answer) {
      $("space-answer-link").href = API + "/documents/" + encodeURIComponent(view.answer.id);
      $("space-answer-link").setAttribute("download", view.answer.filename);
    }

    var messages = $("space-messages");
    messages.textContent = "";
    view.messages.forEach(function (m) {
      var li = el("li");
      li.appendChild(el("span", t("space.from." + m.from), "from"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "", "when")).appendChild(time(m.at));
      li.appendChild(el("p", m.body, "message-body"));
      messages.appendChild(li);
    });
    $("space-no-messages").hidden = view.messages.length > 0;

    var docs = $("space-documents");
    docs.textContent = "";
    view.documents.forEach(function (d) {
      var li = el("li");
      li.appendChild(download(d));
      li.appendChild(document.createTextNode(" · " + t("space.from." + d.from) + " · "));
      li.appendChild(time(d.at));
      docs.appendChild(li);
    });
    $("space-no-documents").hidden = view.documents.length > 0;
    $("space-file-label").textContent = t("space.upload.label", { size: Math.round(view.limits.document_max_bytes / 1048576) });
    $("space-reply-form").hidden = view.closed;
    $("space-upload-form").hidden = view.closed;

    var history = $("space-history");
    history.textContent = "";
    view.history.forEach(function (e) {
      var li = el("li");
      li.appendChild(el("span", "", "when")).appendChild(time(e.at));
      li.appendChild(document.createTextNode(" · " + eventText(e)));
      history.appendChild(li);
    });
    if (focus) $("space-title").focus();
  }

  function reply(e) {
    e.preventDefault();
    var body = $("space-reply").value.trim();
    if (!body) { say(t("space.reply.empty"), true); $("space-reply").focus(); return; }
    $("space-reply-send").disabled = true;
    call("POST", "/messages", { body: body }).then(function (r) {
      $("space-reply-send").disabled = false;
      if (!r.ok) { say(failure(r), true); return; }
      $("space-reply-form").reset();
      render(r.data, false);
      say(t("space.reply.sent"));
    });
  }
  function upload(e) {
    e.preventDefault();
    var file = $("space-file").files && $("space-file").files[0];
    if (!file) { say(t("space.upload.empty"), true); $("space-file").focus(); return; }
    $("space-upload").disabled = true;
    var headers = { "X-Filename": encodeURIComponent(file.name), "Content-Type": "application/octet-stream" };
    call("POST", "/documents", file, headers).then(function (r) {
      $("space-upload").disabled = false;
      if (!r.ok) { say(failure(r), true); return; }
      $("space-upload-form").reset();
      render(r.data, false);
      say(t("space.upload.sent"));
    });
  }
  function signOut() {
    call("POST", "/signout", {}).then(function () {
      state.csrf = "";
      $("space").hidden = true;
      if (token) showOpen();
      say(t("space.signed_out"));
    });
  }

  function start() {
    $("space-send").addEventListener("click", sendCode);
    $("space-code-form").addEventListener("submit", openSpace);
    $("space-reply-form").addEventListener("submit", reply);
    $("space-upload-form").addEventListener("submit", upload);
    $("space-signout").addEventListener("click", signOut);
    var lang = (navigator.language || "en").slice(0, 35);
    call("GET", "").then(function (session) {
      if (!token) {
        if (session.ok) render(session.data, false);
        return;
      }
      call("POST", "/link", { token: token }).then(function (r) {
        if (!r.ok) {
          call("GET", "/texts?lang=" + encodeURIComponent(lang)).then(function (texts) {
            if (texts.ok) useTexts(texts.data);
            $("nothing").hidden = true;
            say(failure(r), true);
          });
          return;
        }
        useTexts(r.data);
        if (session.ok && session.data.reference === r.data.reference) render(session.data, false);
        else showOpen();
      });
    });
  }
  start();
})();
