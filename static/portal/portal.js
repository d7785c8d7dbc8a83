/* The requester's page: confirms the address with the e-mailed link's token. Its texts come
   from the API in the request's language (the browser's without a link); the page's English
   stays when that call fails. The shared parts are in link.js. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  // A space link (#space=…) is space.js's to read.
  if (/^#space=/.test(window.location.hash)) return;
  var token = WgLink.token("verify");
  var say = WgLink.say, post = WgLink.post;
  // What shows when the texts call fails: the English the page is written in.
  var texts = WgLink.page({
    "link.confirmed": "Thank you: your request {reference} is confirmed. It will be answered by {date}.",
    "link.confirmed.agent": "Thank you: your part of request {reference} is confirmed. The request is handled once the person you act for confirms that you may make it for them: they have received an e-mail about it.",
    "link.invalid": "This link is not valid any more. The request may be confirmed already, or it has expired.",
    "link.too_many": "Too many tries. Please wait a few minutes and try again.",
    "link.error": "The confirmation could not be sent. Check your connection and try again."
  });
  var t = texts.t;
  function confirm() {
    $("confirm").disabled = true;
    post("/portal/api/verify", { token: token }).then(function (r) {
      if (r.ok) {
        $("verify").hidden = true;
        var values = { reference: r.body.reference, date: WgLink.dateText(r.body.respond_by) };
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
    if (r.ok) {
      texts.apply(r.body, "link.title", $("verify"));
      if (t("link.nothing")) $("nothing").textContent = t("link.nothing");
    }
    show();
  }, show);
})();
