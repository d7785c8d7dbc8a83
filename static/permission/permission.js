/* The data subject's page: says which request an agent made for them and takes their answer,
   with the e-mailed link's token. Its texts come from the API in the request's language (the
   browser's without a link); the page's English stays when that call fails. The shared parts
   are in link.js. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var token = WgLink.token("permission");
  var say = WgLink.say;
  function post(path, body) { return WgLink.post("/permission/api/" + path, body); }
  // What shows when the texts call fails: the English the page is written in.
  var texts = WgLink.page({
    "permission.about": "{agent} made a privacy request ({reference}) on {site} for you, as your authorised agent.",
    "permission.refused": "Thank you. The site is told that you gave no permission for request {reference}.",
    "permission.confirmed": "Thank you: request {reference} is confirmed.",
    "permission.confirmed.due": "Thank you: request {reference} is confirmed. It will be answered by {date}.",
    "permission.invalid": "This link is not valid any more. It may have been answered already, or the request has expired.",
    "permission.too_many": "Too many tries. Please wait a few minutes and try again.",
    "permission.error": "Your answer could not be sent. Check your connection and try again.",
    "permission.unreachable": "This page could not reach the site. Check your connection and reload it."
  });
  var t = texts.t;
  function failed(r) {
    say(t(r.status === 429 ? "permission.too_many" : "permission.invalid"), true);
  }
  function answer(yes) {
    $("yes").disabled = $("no").disabled = true;
    post("answer", { token: token, answer: yes ? "yes" : "no" }).then(function (r) {
      if (!r.ok) { $("yes").disabled = $("no").disabled = r.status !== 429; return failed(r); }
      $("ask").hidden = true;
      var values = { reference: r.body.reference };
      if (!yes) return say(t("permission.refused", values));
      if (!r.body.respond_by) return say(t("permission.confirmed", values));
      values.date = WgLink.dateText(r.body.respond_by);
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
    if (r.ok) texts.apply(r.body, "permission.title", document);
    start();
  }, start);
})();
