/* The data subject's page: says which request an agent made for them and takes their answer,
   with the e-mailed link's token (in the fragment, never sent to a server's logs), removed from
   the address bar once read. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var match = /^#permission=([A-Za-z0-9._-]{1,200})$/.exec(window.location.hash);
  var token = match ? match[1] : null;
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  var INVALID = "This link is not valid any more. It may have been answered already, or the request has expired.";
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
  function failed(r) {
    say(r.status === 429 ? "Too many tries. Please wait a few minutes and try again." : INVALID, true);
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
      if (!yes) return say("Thank you. The site is told that you gave no permission for request " + r.body.reference + ".");
      say("Thank you: request " + r.body.reference + " is confirmed." +
        (r.body.respond_by ? " It will be answered by " + dateText(r.body.respond_by) + "." : ""));
    }, function () {
      $("yes").disabled = $("no").disabled = false;
      say("Your answer could not be sent. Check your connection and try again.", true);
    });
  }
  if (!token) { $("nothing").hidden = false; return; }
  post("request", { token: token }).then(function (r) {
    if (!r.ok) return failed(r);
    var site = r.body.site.replace(/^https?:\/\//, "");
    $("about").textContent = r.body.agent + " made a privacy request (" + r.body.reference + ") on " +
      site + " for you, as your authorised agent.";
    $("ask").hidden = false;
    $("yes").addEventListener("click", function () { answer(true); });
    $("no").addEventListener("click", function () { answer(false); });
  }, function () { say("This page could not reach the gateway. Check your connection and reload it.", true); });
})();
