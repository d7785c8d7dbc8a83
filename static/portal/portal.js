/* The requester's page: confirms the address with the e-mailed link's token (in the fragment,
   never sent to a server's logs), removed from the address bar once read. Its texts come from
   the API in the request's language (the browser's without a link); the page's English stays
   when that call fails. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var match = /^#verify=([A-Za-z0-9._-]{1,200})$/.exec(window.location.hash);
  var token = match ? match[1] : null;
  // A space link (#space=…) is space.js's to read.
  var space = /^#space=/.test(window.location.hash);
  if (token && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  if (space && !token) return;
  // What shows when the texts call fails: the English the page is written in.
  var texts = {
    "link.confirmed": "Thank you: your request {reference} is confirmed. It will be answered by {date}.",
    "link.confirmed.agent": "Thank you: your part of request {reference} is confirmed. The request is handled once the person you act for confirms that you may make it for them: they have received an e-mail about it.",
    "link.invalid": "This link is not valid any more. The request may be confirmed already, or it has expired.",
    "link.too_many": "Too many tries. Please wait a few minutes and try again.",
    "link.error": "The confirmation could not be sent. Check your connection and try again."
  };
  function t(key, values) {
    return (texts[key] || "").replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }
  function say(text, bad) {
    var box = $("status");
    box.textContent = text;
    box.className = bad ? "error" : "";
    box.focus();
  }
  function dateText(iso) {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "long", timeZone: "UTC" })
        .format(new Date(iso + "T00:00:00Z"));
    } catch (e) { return iso; }
  }
  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, status: response.status, body: json }; });
    });
  }
  function apply(answer) {
    var got = answer && answer.texts;
    if (!got || typeof got !== "object") return;
    Object.keys(got).forEach(function (key) {
      if (typeof got[key] === "string" && got[key]) texts[key] = got[key];
    });
    document.documentElement.lang = answer.lang || "en";
    document.documentElement.dir = answer.dir === "rtl" ? "rtl" : "ltr";
    if (texts["link.title"]) {
      document.title = texts["link.title"];
      $("title").textContent = texts["link.title"];
    }
    Array.prototype.forEach.call($("verify").querySelectorAll("[data-text]"), function (node) {
      var text = texts[node.getAttribute("data-text")];
      if (text) node.textContent = text;
    });
    if (texts["link.nothing"]) $("nothing").textContent = texts["link.nothing"];
  }
  function confirm() {
    $("confirm").disabled = true;
    post("/portal/api/verify", { token: token }).then(function (r) {
      if (r.ok) {
        $("verify").hidden = true;
        var values = { reference: r.body.reference, date: dateText(r.body.respond_by) };
        // An agent confirmed their own address: the person they act for has yet to agree.
        var agent = r.body.verified === false && r.body.waiting_for === "data_subject";
        say(t(agent ? "link.confirmed.agent" : "link.confirmed", values));
      } else {
        $("confirm").disabled = r.status !== 429;
        say(t(r.status === 429 ? "link.too_many" : "link.invalid"), true);
      }
    }, function () {
      $("confirm").disabled = false;
      say(t("link.error"), true);
    });
  }
  function show() {
    if (token) {
      $("verify").hidden = false;
      $("confirm").addEventListener("click", confirm);
    } else {
      $("nothing").hidden = false;
    }
  }
  post("/portal/api/verify/texts", token ? { token: token } : {}).then(function (r) {
    if (r.ok) apply(r.body);
    show();
  }, show);
})();
