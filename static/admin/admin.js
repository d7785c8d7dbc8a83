/* Key manager: a dependency-free page over the admin API of the same gateway.
 * The admin token lives only in sessionStorage (this tab); every value from the API is written
 * with textContent, never as HTML. */
(function () {
  "use strict";
  var TOKEN = "wg-admin-token";
  var API = "/admin/v1";
  var $ = function (id) { return document.getElementById(id); };
  var state = { account: "", cursor: null, current: null };

  function token() { try { return sessionStorage.getItem(TOKEN); } catch (e) { return null; } }
  function setToken(v) { try { v ? sessionStorage.setItem(TOKEN, v) : sessionStorage.removeItem(TOKEN); } catch (e) { /* storage off */ } }

  function status(text, bad) { var s = $("status"); s.textContent = text || ""; s.className = bad ? "bad" : ""; }

  function api(method, path, body) {
    var init = { method: method, headers: { Authorization: "Bearer " + token() }, cache: "no-store" };
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(API + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401 || r.status === 404 && data.code === "admin_disabled") signedOut(data.detail);
        return { ok: r.ok, status: r.status, data: data };
      });
    }, function () { return { ok: false, status: 0, data: { detail: "The gateway cannot be reached." } }; });
  }

  function lines(text) { return text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean); }

  function showErrors(list, data) {
    list.textContent = "";
    var items = (data && data.errors) || [{ field: "", message: (data && data.detail) || "Something went wrong." }];
    items.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = (e.field ? e.field + ": " : "") + e.message;
      list.appendChild(li);
    });
  }

  function signedOut(why) {
    setToken(null);
    $("signin").hidden = false; $("manager").hidden = true; $("signout").hidden = true;
    status(why || "", !!why);
  }

  function signedIn() {
    $("signin").hidden = true; $("manager").hidden = false; $("signout").hidden = false;
    loadKeys(false);
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) { var c = document.createElement(cls === "code" ? "code" : "span"); c.textContent = text; if (cls !== "code") c.className = cls; td.appendChild(c); }
    else td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function badge(key) { return key.status === "revoked" ? "revoked" : key.exposed ? "exposed" : "active"; }

  function loadKeys(more) {
    var q = "?limit=50" + (state.account ? "&account=" + encodeURIComponent(state.account) : "") +
      (more && state.cursor ? "&cursor=" + encodeURIComponent(state.cursor) : "");
    return api("GET", "/keys" + q).then(function (r) {
      if (!r.ok) { if (r.status !== 401) status(r.data.detail || "Could not list keys.", true); return; }
      var body = document.querySelector("#keys tbody");
      if (!more) body.textContent = "";
      r.data.keys.forEach(function (k) {
        var tr = document.createElement("tr");
        tr.className = k.status;
        tr.setAttribute("data-pk", k.public_key);
        cell(tr, k.name); cell(tr, k.account); cell(tr, k.public_key, "code");
        cell(tr, badge(k), "badge " + badge(k));
        cell(tr, k.origins.join(" "));
        var b = document.createElement("button"); b.type = "button"; b.className = "quiet"; b.textContent = "Manage";
        b.addEventListener("click", function () { openKey(k.public_key); });
        tr.appendChild(document.createElement("td")).appendChild(b);
        body.appendChild(tr);
      });
      state.cursor = r.data.next_cursor;
      $("more").hidden = !state.cursor;
      if (!more && !r.data.keys.length) status("No keys yet.");
    });
  }

  function snippets(pk) {
    var gw = location.origin;
    $("snippet-consent").textContent = '<script src="' + gw + '/widgets/consent.js" data-key="' + pk + '" async></script>';
    $("snippet-rights").textContent = '<div data-wg-rights></div>\n<script src="' + gw + '/widgets/rights.js" data-key="' + pk + '" async></script>';
  }

  function openKey(pk) {
    return api("GET", "/keys/" + pk).then(function (r) {
      if (!r.ok) { status(r.data.detail || "Could not load the key.", true); return; }
      var k = state.current = r.data;
      $("detail").hidden = false;
      $("d-title").textContent = k.name + " — " + k.account;
      var flags = "Status: " + k.status;
      if (k.exposed) flags += " · Exposed: its private key was seen in a browser. Roll it or revoke the key.";
      $("d-flags").textContent = flags;
      $("d-pk").textContent = k.public_key;
      snippets(k.public_key);
      $("e-name").value = k.name;
      $("e-origins").value = k.origins.join("\n");
      $("e-redirects").value = k.redirect_uris.join("\n");
      $("edit-errors").textContent = "";
      var active = k.status === "active";
      ["roll", "revoke"].forEach(function (id) { $(id).disabled = !active; });
      $("edit-form").querySelector("button").disabled = !active;
      $("revoke-confirm").hidden = true;
      loadAudit(pk);
      $("detail").scrollIntoView({ block: "start" });
    });
  }

  function loadAudit(pk) {
    api("GET", "/keys/" + pk + "/audit?limit=200").then(function (r) {
      var ol = $("audit"); ol.textContent = "";
      (r.ok ? r.data.events : []).forEach(function (e) {
        var li = document.createElement("li");
        li.textContent = new Date(e.at * 1000).toLocaleString() + " — " + e.action + " by " + e.actor +
          (Object.keys(e.changes).length ? " (" + Object.keys(e.changes).join(", ") + ")" : "");
        ol.appendChild(li);
      });
    });
  }

  function showSecret(sk, grace) {
    $("secret").hidden = false;
    $("secret-value").textContent = sk;
    $("secret-grace").textContent = grace ? "The previous private key keeps working until " + new Date(grace * 1000).toLocaleString() + "." : "";
    $("secret").scrollIntoView({ block: "start" });
  }

  function copy(text, button) {
    var done = function () { var t = button.textContent; button.textContent = "Copied"; setTimeout(function () { button.textContent = t; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text).then(done, function () { status("Copy failed: select the text and copy it.", true); });
    status("Select the text and copy it (clipboard unavailable here).", true);
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("token-form").addEventListener("submit", function (e) {
      e.preventDefault(); setToken($("token").value.trim()); $("token").value = ""; status("");
      api("GET", "/keys?limit=1").then(function (r) { if (r.ok) signedIn(); else if (r.status !== 401 && r.data.code !== "admin_disabled") status(r.data.detail, true); else if (r.status === 401) status("That token is not valid.", true); });
    });
    $("signout").addEventListener("submit", function (e) { e.preventDefault(); signedOut(""); });
    $("filter").addEventListener("submit", function (e) { e.preventDefault(); state.account = $("account-filter").value.trim(); loadKeys(false); });
    $("more").addEventListener("click", function () { loadKeys(true); });

    $("create-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var f = e.target;
      api("POST", "/keys", { account: f.account.value.trim(), name: f.name.value, origins: lines(f.origins.value), redirect_uris: lines(f.redirect_uris.value) })
        .then(function (r) {
          if (!r.ok) { showErrors($("create-errors"), r.data); return; }
          $("create-errors").textContent = ""; f.reset(); $("create-box").open = false;
          status("Key “" + r.data.name + "” created.");
          loadKeys(false).then(function () { return openKey(r.data.public_key); }).then(function () { showSecret(r.data.private_key); });
        });
    });

    $("edit-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var k = state.current;
      api("PATCH", "/keys/" + k.public_key, { name: $("e-name").value, origins: lines($("e-origins").value), redirect_uris: lines($("e-redirects").value) })
        .then(function (r) {
          if (!r.ok) { showErrors($("edit-errors"), r.data); return; }
          status("Saved."); loadKeys(false); openKey(k.public_key);
        });
    });

    $("roll").addEventListener("click", function () {
      var k = state.current;
      api("POST", "/keys/" + k.public_key + "/roll").then(function (r) {
        if (!r.ok) { status(r.data.detail, true); return; }
        status("New private key issued."); openKey(k.public_key).then(function () { showSecret(r.data.private_key, r.data.previous_private_key_expires_at); });
      });
    });

    $("revoke").addEventListener("click", function () { $("revoke-confirm").hidden = false; $("revoke-name").value = ""; $("revoke-name").focus(); });
    $("revoke-no").addEventListener("click", function () { $("revoke-confirm").hidden = true; });
    $("revoke-yes").addEventListener("click", function () {
      var k = state.current;
      if ($("revoke-name").value.trim() !== k.name) { status("Type the key's name exactly to revoke it.", true); return; }
      api("POST", "/keys/" + k.public_key + "/revoke").then(function (r) {
        if (!r.ok) { status(r.data.detail, true); return; }
        status("Key revoked on every gateway."); loadKeys(false); openKey(k.public_key);
      });
    });

    $("copy-secret").addEventListener("click", function (e) { copy($("secret-value").textContent, e.target); });
    $("secret-done").addEventListener("click", function () { $("secret-value").textContent = ""; $("secret").hidden = true; });
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () { copy($(b.getAttribute("data-copy")).textContent, b); });
    });

    if (token()) signedIn();
  });
})();
