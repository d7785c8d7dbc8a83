/* The data subject's page: says which request an agent made for them and takes their answer,
   with the e-mailed link's token (in the fragment, never sent to a server's logs), removed from
   the address bar once read. Its texts come from the API in the request's language (the
   browser's without a link); the page's English stays when that call fails. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var match = /^#permission=([A-Za-z0-9._-]{1,200})$/.exec(window.location.hash);
  var token = match ? match[1] : null;
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  // What shows when the texts call fails: the English the page is written in.
  var texts = {
    "permission.about": "{agent} made a privacy request ({reference}) on {site} for you, as your authorised agent.",
    "permission.refused": "Thank you. The site is told that you gave no permission for request {reference}.",
    "permission.confirmed": "Thank you: request {reference} is confirmed.",
    "permission.confirmed.due": "Thank you: request {reference} is confirmed. It will be answered by {date}.",
    "permission.invalid": "This link is not valid any more. It may have been answered already, or the request has expired.",
    "permission.too_many": "Too many tries. Please wait a few minutes and try again.",
    "permission.error": "Your answer could not be sent. Check your connection and try again.",
    "permission.unreachable": "This page could not reach the site. Check your connection and reload it."
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
  function post(path, body) {
    return fetch("/permission/api/" + path, {
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
    if (texts["permission.title"]) document.title = texts["permission.title"];
    Array.prototype.forEach.call(document.querySelectorAll("[data-text]"), function (node) {
      var text = texts[node.getAttribute("data-text")];
      if (text) node.textContent = text;
    });
  }
  function failed(r) {
    say(t(r.status === 429 ? "permission.too_many" : "permission.invalid"), true);
  }
  function dateText(iso) {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "long", timeZone: "UTC" })
        .format(new Date(iso + "T00:00:00Z"));
    } catch (e) { return iso; }
  }
  function answer(yes) {
    $("yes").disabled = $("no").disabled = true;
    post("answer", { token: token, answer: yes ? "yes" : "no" }).then(function (r) {
      if (!r.ok) { $("yes").disabled = $("no").disabled = r.status !== 429; return failed(r); }
      $("ask").hidden = true;
      var values = { reference: r.body.reference };
      if (!yes) return say(t("permission.refused", values));
      if (!r.body.respond_by) return say(t("permission.confirmed", values));
      values.date = dateText(r.body.respond_by);
      say(t("permission.confirmed.due", values));
    }, function () {
      $("yes").disabled = $("no").disabled = false;
      say(t("permission.error"), true);
    });
  }
  function start() {
    if (!token) { $("nothing").hidden = false; return; }
    post("request", { token: token }).then(function (r) {
      if (!r.ok) return failed(r);
      var site = r.body.site.replace(/^https?:\/\//, "");
      $("about").textContent = t("permission.about",
        { agent: r.body.agent, reference: r.body.reference, site: site });
      $("ask").hidden = false;
      $("yes").addEventListener("click", function () { answer(true); });
      $("no").addEventListener("click", function () { answer(false); });
    }, function () { say(t("permission.unreachable"), true); });
  }
  post("texts", token ? { token: token } : {}).then(function (r) {
    if (r.ok) apply(r.body);
    start();
  }, start);
})();
