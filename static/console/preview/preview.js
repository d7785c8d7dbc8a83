/* The widget editor's preview: the real widgets, fed the draft configs the console sends.
 *
 * The console (the parent page, same origin) posts {consent, rights, pk, lang, view}: the answers
 * a visitor's config requests would get for the draft, rendered by the gateway. This page answers
 * the widgets' config requests with them, loads the widgets' own scripts from /widgets/, and shows
 * the banner, its preferences layer or the rights form. Nothing is sent from here: a choice or a
 * form submitted in the preview gets an answer saying so, and no storage of the page is kept. */
(function () {
  "use strict";
  var draft = null;
  var nativeFetch = window.fetch.bind(window);
  var nativeFocus = HTMLElement.prototype.focus;

  function answer(status, body) {
    return Promise.resolve(new Response(JSON.stringify(body), { status: status, headers: { "Content-Type": "application/json" } }));
  }
  // The widgets capture fetch when they load: this one serves the draft, and refuses to send.
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : input.url;
    var method = (init && init.method) || "GET";
    if (draft && method === "GET" && /\/consent\/config(\?|$)/.test(url)) return answer(200, draft.consent);
    if (draft && method === "GET" && /\/rights\/config(\?|$)/.test(url)) return answer(200, draft.rights);
    if (/\/v1\//.test(url)) return answer(409, { code: "preview", title: "Preview", detail: "Nothing is sent from the preview." });
    return nativeFetch(input, init);
  };
  // The widgets focus their dialog when it opens: in the preview, only while the owner is in it,
  // so typing in the editor is never interrupted.
  HTMLElement.prototype.focus = function () {
    if (document.hasFocus()) return nativeFocus.apply(this, arguments);
  };

  function forget() {
    try {
      Object.keys(localStorage).forEach(function (name) { if (name.indexOf("wg") === 0) localStorage.removeItem(name); });
    } catch (error) { /* storage unavailable: nothing kept anyway */ }
    if (draft && draft.consent && draft.consent.cookie) document.cookie = draft.consent.cookie + "=; Max-Age=0; Path=/";
  }

  function load(widget, pk, lang) {
    var old = document.getElementById("script-" + widget);
    if (old) old.remove();
    var script = document.createElement("script");
    script.id = "script-" + widget;
    script.src = "/widgets/" + widget + ".js";
    script.async = true;
    script.setAttribute("data-key", pk);
    script.setAttribute("data-lang", lang);
    document.head.appendChild(script);
    return script;
  }

  // One banner script at a time: a script element removed while it loads still runs once it
  // arrives, so a second draft sent meanwhile would show two banners. The newest draft waits
  // for the load in flight, then replaces what it showed.
  var loading = false, waiting = null;
  function showConsent(message) {
    if (loading) { waiting = message; return; }
    var gw = window.WidgetGateway || {};
    if (gw.consent) gw.consent.destroy();
    forget();
    loading = true;
    var script = load("consent", message.pk, message.lang);
    function loaded() {
      loading = false;
      if (waiting) {
        var next = waiting;
        waiting = null;
        if (next.view !== "rights") { showConsent(next); return; }
      }
      if (message.view === "preferences" && window.WidgetGateway && window.WidgetGateway.consent) {
        window.WidgetGateway.consent.show();
      }
    }
    script.addEventListener("load", loaded);
    script.addEventListener("error", loaded);
  }

  function showRights(message) {
    var box = document.getElementById("rights-box");
    box.textContent = "";
    var mount = document.createElement("div");
    mount.setAttribute("data-wg-rights", "");
    mount.setAttribute("data-key", message.pk);
    mount.setAttribute("data-lang", message.lang);
    box.appendChild(mount);
    var gw = window.WidgetGateway || {};
    if (gw.rights) gw.rights.mount(mount);
    else load("rights", message.pk, message.lang);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== location.origin || event.source !== window.parent) return;
    var message = event.data || {};
    if (!message.consent || !message.rights || !message.pk) return;
    draft = message;
    document.body.className = message.view === "rights" ? "rights-only" : "consent-only";
    if (message.view === "rights") {
      waiting = null;
      var gw = window.WidgetGateway || {};
      if (gw.consent) gw.consent.destroy();
      showRights(message);
    } else {
      showConsent(message);
    }
    document.documentElement.setAttribute("data-shown", String(message.serial || ""));
  });
  window.addEventListener("DOMContentLoaded", function () {
    if (window.parent !== window) window.parent.postMessage({ previewReady: true }, location.origin);
  });
})();
