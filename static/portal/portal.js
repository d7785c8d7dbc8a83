/* The requester's page: confirms the address with the e-mailed link's token (in the fragment,
   never sent to a server's logs), removed from the address bar once read. */
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
  function confirm() {
    $("confirm").disabled = true;
    fetch("/portal/api/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token }),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (r) {
      if (r.ok) {
        $("verify").hidden = true;
        say("Thank you: your request " + r.body.reference + " is confirmed. It will be answered by " + dateText(r.body.respond_by) + ".");
      } else {
        $("confirm").disabled = r.status !== 429;
        say(r.status === 429 ? "Too many tries. Please wait a few minutes and try again."
          : "This link is not valid any more. The request may be confirmed already, or it has expired.", true);
      }
    }, function () {
      $("confirm").disabled = false;
      say("The confirmation could not be sent. Check your connection and try again.", true);
    });
  }
  if (token) {
    $("verify").hidden = false;
    $("confirm").addEventListener("click", confirm);
  } else if (!space) {
    $("nothing").hidden = false;
  }
})();
