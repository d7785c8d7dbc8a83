/* What the pages opened from an e-mailed link share (the requester's /portal/, the data
   subject's /permission/): texts that start as the English the page is written in and are
   replaced by the API's answer in the request's language, the status line, JSON calls to the
   page's own origin, and dates in the page's language. */
var WgLink = (function () {
  "use strict";
  function page(english) {
    var texts = {};
    Object.keys(english).forEach(function (key) { texts[key] = english[key]; });
    function t(key, values) {
      return (texts[key] || "").replace(/\{(\w+)\}/g, function (all, name) {
        return values && Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
      });
    }
    // Takes a texts answer ({lang, dir, texts}): sets the page's language and direction, its
    // title from `titleKey`, and every [data-text] element under `root`.
    function apply(answer, titleKey, root) {
      var got = answer && answer.texts;
      if (!got || typeof got !== "object") return;
      Object.keys(got).forEach(function (key) {
        if (typeof got[key] === "string" && got[key]) texts[key] = got[key];
      });
      document.documentElement.lang = answer.lang || "en";
      document.documentElement.dir = answer.dir === "rtl" ? "rtl" : "ltr";
      if (texts[titleKey]) {
        document.title = texts[titleKey];
        document.getElementById("title").textContent = texts[titleKey];
      }
      Array.prototype.forEach.call(root.querySelectorAll("[data-text]"), function (node) {
        var text = texts[node.getAttribute("data-text")];
        if (text) node.textContent = text;
      });
    }
    return { t: t, apply: apply };
  }
  function say(text, bad) {
    var box = document.getElementById("status");
    box.textContent = text;
    box.className = bad ? "error" : "";
    box.focus();
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
  function dateText(iso) {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: "long", timeZone: "UTC" })
        .format(new Date(iso + "T00:00:00Z"));
    } catch (e) { return iso; }
  }
  // The link's token from the fragment (never sent to a server's logs), removed from the address
  // bar once read.
  function token(name) {
    var match = new RegExp("^#" + name + "=([A-Za-z0-9._-]{1,200})$").exec(window.location.hash);
    if (match && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    return match ? match[1] : null;
  }
  return { page: page, say: say, post: post, dateText: dateText, token: token };
})();
