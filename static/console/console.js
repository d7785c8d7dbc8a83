/* Owner console: a dependency-free page over the console API of the same gateway.
 * The session is an HttpOnly cookie; the CSRF token the API hands out is kept in this page's
 * memory only and sent in X-CSRF-Token. Every value from the API is written with textContent,
 * never as HTML. Tokens from mailed links are read from the fragment and removed from it. */
(function () {
  "use strict";
  var API = "/console/api";
  var VIEWS = ["signin", "invitation", "reset", "app"];
  var $ = function (id) { return document.getElementById(id); };
  var state = { csrf: "", me: null, accounts: [], account: null, key: null, link: "" };

  function status(text, bad) { var s = $("status"); s.textContent = text || ""; s.className = bad ? "bad" : ""; }

  function api(method, path, body) {
    var init = { method: method, headers: {}, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET" && state.csrf) init.headers["X-CSRF-Token"] = state.csrf;
    if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(API + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (data && data.csrf_token) state.csrf = data.csrf_token;
        if (r.status === 401 && data && data.code === "not_signed_in" && state.me) showSignIn("Your session has ended: sign in again.");
        return { ok: r.ok, status: r.status, data: data || {} };
      });
    }, function () { return { ok: false, status: 0, data: { detail: "The gateway cannot be reached." } }; });
  }

  function lines(text) { return text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean); }

  function showErrors(list, data) {
    list.textContent = "";
    if (!data) return;
    var items = data.errors && data.errors.length ? data.errors : [{ field: "", message: data.detail || "Something went wrong." }];
    items.forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = (e.field ? e.field + ": " : "") + e.message;
      list.appendChild(li);
    });
  }

  function show(view, focus) {
    VIEWS.forEach(function (v) { $(v).hidden = v !== view; });
    $("who").hidden = view !== "app";
    if (view !== "app") { $("secret").hidden = true; }
    var target = focus ? $(focus) : null;
    if (target) target.focus();
  }

  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function button(text, label, onClick, cls) {
    var b = el("button", text, cls || "quiet"); b.type = "button";
    if (label) b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }
  function when(seconds) { return new Date(seconds * 1000).toLocaleString(); }
  function accountPath() { return "/accounts/" + encodeURIComponent(state.account.id); }
  function canChangeKeys() { return state.account && (state.account.role === "owner" || state.account.role === "admin"); }

  /* Signing in and out */

  function safeNext() {
    var next = new URLSearchParams(location.search).get("next");
    return next && next.charAt(0) === "/" && next.charAt(1) !== "/" && next.charAt(1) !== "\\" ? next : null;
  }

  function signedIn() {
    var next = safeNext();
    if (next) { location.assign(next); return; }
    loadMe(true);
  }

  function showSignIn(why) {
    state.csrf = ""; state.me = null;
    $("si-code-row").hidden = true; $("si-code").value = ""; $("si-password").value = "";
    show("signin", "signin-title");
    status(why || "", !!why);
  }

  function loadMe(focus) {
    return api("GET", "/me").then(function (r) {
      if (!r.ok) { showSignIn(r.status === 401 ? "" : r.data.detail); return; }
      state.me = r.data; state.accounts = r.data.accounts;
      var select = $("account"); select.textContent = "";
      state.accounts.forEach(function (a) { var o = el("option", a.name); o.value = a.id; select.appendChild(o); });
      var keep = state.account && state.accounts.filter(function (a) { return a.id === state.account.id; })[0];
      state.account = keep || state.accounts[0] || null;
      if (state.account) select.value = state.account.id;
      var gated = !!r.data.two_factor_required;
      show("app", focus && !gated ? "keys-title" : null);
      if (gated) loadSecurity();
      // security.js shows only the Security section while two-factor sign-in is owed.
      document.dispatchEvent(new CustomEvent("wg-console:me", { detail: { two_factor_required: gated } }));
      if (gated) return;
      if (!state.account) { status("You are not a member of any account yet."); return; }
      status("Signed in as " + (r.data.name || r.data.email) + ".");
      loadAccount();
      loadSecurity();
    });
  }

  function loadAccount() {
    var a = state.account;
    $("role").textContent = a.role;
    $("create-box").hidden = !canChangeKeys();
    $("invite-form").hidden = a.role !== "owner";
    $("detail").hidden = true;
    $("request").hidden = true;
    loadKeys();
    loadMembers();
    loadWebhooks();
    loadRights();
    // The page's other areas (records.js, statistics.js, retention.js, editor.js) follow this event.
    document.dispatchEvent(new CustomEvent("wg-console:account", { detail: { id: a.id, role: a.role } }));
  }

  /* Privacy requests */

  var NEXT = { received: ["verified", "refused"], verified: ["in_progress", "refused"], in_progress: ["completed", "refused"] };
  var LABEL = { verified: "Mark verified", in_progress: "Start work", completed: "Complete", refused: "Refuse" };

  function daysLeft(r) {
    var d = r.deadline;
    if (d.days_left === null) return "closed";
    if (d.paused) return "paused";
    if (d.overdue) return "overdue by " + (-d.days_left) + (d.days_left === -1 ? " day" : " days");
    return d.days_left + (d.days_left === 1 ? " day" : " days");
  }
  function stamp(iso) { return iso ? new Date(iso).toLocaleString() : ""; }
  function rightsPath(ref) { return accountPath() + "/rights-requests" + (ref ? "/" + encodeURIComponent(ref) : ""); }
  function canAct() { return canChangeKeys(); }

  function loadRights() {
    return api("GET", rightsPath()).then(function (r) {
      var body = document.querySelector("#rights tbody");
      body.textContent = "";
      if (!r.ok) { $("no-rights").hidden = false; return; }
      r.data.requests.forEach(function (q) {
        var tr = el("tr", undefined, q.deadline.overdue ? "overdue" : "");
        tr.setAttribute("data-ref", q.reference);
        tr.appendChild(el("td")).appendChild(el("code", q.reference));
        tr.appendChild(el("td", q.type));
        tr.appendChild(el("td", q.deadline.law_name));
        var cell = tr.appendChild(el("td"));
        cell.appendChild(el("span", q.status, "badge"));
        // Not yet confirmed by the requester from their e-mail: the legal clock has not started.
        if (q.email_verified === false) cell.appendChild(el("span", "unverified", "badge unverified"));
        // Filed by an authorised agent; flagged when the person says they gave no permission.
        if (q.by_agent) cell.appendChild(el("span", "by agent", "badge agent"));
        if (q.by_agent && q.agent.subject === "denied") cell.appendChild(el("span", "permission denied", "badge dead"));
        tr.appendChild(el("td", q.due_at));
        var left = tr.appendChild(el("td"));
        left.appendChild(el("span", daysLeft(q), q.deadline.overdue ? "badge exposed" : ""));
        tr.appendChild(el("td")).appendChild(button("Open", "Open request " + q.reference, function () { openRequest(q.reference, true); }));
        body.appendChild(tr);
      });
      $("no-rights").hidden = r.data.requests.length > 0;
    });
  }

  function showRequest(q, focus) {
    state.request = q;
    var d = q.deadline;
    $("request").hidden = false;
    $("r-title").textContent = "Request " + q.reference;
    $("r-facts").textContent = q.type + " · from " + q.email + (q.email_verified === false ? " (unverified)" : "") + " · received " + stamp(q.received_at) + " · status " + q.status;
    var text = "Due " + q.due_at + " (" + daysLeft(q) + ") under " + d.law_name + ", " + d.source + ": " + d.period;
    if (d.extended_at) text += " · extended: " + d.extension_reason;
    if (d.paused) text += " · clock paused since " + stamp(d.paused_at);
    if (d.paused_days) text += " · " + d.paused_days + " days paused so far";
    $("r-deadline").textContent = text;
    showAgent(q);
    var open = d.days_left !== null;
    $("r-actions").hidden = !canAct() || !open;
    $("r-extend-form").hidden = !d.extension_allowed;
    $("r-pause").hidden = d.paused; $("r-resume").hidden = !d.paused;
    var buttons = $("r-status-buttons"); buttons.textContent = "";
    (NEXT[q.status] || []).forEach(function (to) {
      buttons.appendChild(button(LABEL[to], LABEL[to] + " " + q.reference, function () { act("status", { status: to }); }, to === "refused" ? "destructive" : ""));
    });
    var messages = $("r-messages"); messages.textContent = "";
    q.messages.forEach(function (m) { messages.appendChild(el("li", stamp(m.at) + " · " + m.author + ": " + m.body)); });
    var history = $("r-history"); history.textContent = "";
    q.history.forEach(function (e) {
      var what = e.kind === "status" ? (e.from_status ? e.from_status + " → " + e.to_status : "received") : e.kind;
      history.appendChild(el("li", stamp(e.at) + " · " + what + " · " + e.actor + (e.note ? " · " + e.note : "")));
    });
    document.dispatchEvent(new CustomEvent("wg:request-shown", { detail: q }));
    if (focus) $("r-title").focus();
  }

  // An authorised agent's request: who the agent is, where each confirmation stands, and the
  // signed permission to download (an attachment; the gateway checks the role again).
  var SUBJECT = { waiting: "not answered yet", confirmed: "confirmed the permission", denied: "says they gave no permission" };
  function showAgent(q) {
    var box = $("r-agent");
    box.textContent = "";
    box.hidden = !q.by_agent;
    if (!q.by_agent) return;
    var a = q.agent;
    box.appendChild(el("span", "Filed by an authorised agent: " + a.name + " <" + a.email + ">, address " +
      (a.confirmed_at ? "confirmed" : "not confirmed yet") + "; the person " + (SUBJECT[a.subject] || "not asked") + ". "));
    if (!a.document) return box.appendChild(el("span", "No signed permission was sent."));
    var link = el("a", "Download the signed permission (" + a.document.media_type + ", " + Math.ceil(a.document.size / 1024) + " KB)");
    link.href = API + rightsPath(q.reference) + "/authorization";
    link.setAttribute("download", "");
    box.appendChild(link);
  }

  function openRequest(ref, focus) {
    return api("GET", rightsPath(ref)).then(function (r) {
      if (!r.ok) { status(r.data.detail || "Could not load the request.", true); return; }
      showRequest(r.data, focus);
    });
  }

  function act(action, body) {
    var q = state.request;
    return api("POST", rightsPath(q.reference) + "/" + action, body || {}).then(function (r) {
      if (!r.ok) { showErrors($("r-errors"), r.data); return false; }
      $("r-errors").textContent = "";
      showRequest(r.data, false);
      status("Request " + q.reference + " updated.");
      loadRights();
      return true;
    });
  }

  /* Keys */

  function badge(key) { return key.status === "revoked" ? "revoked" : key.exposed ? "exposed" : "active"; }

  function loadKeys() {
    return api("GET", accountPath() + "/keys").then(function (r) {
      if (!r.ok) { status(r.data.detail || "Could not list the keys.", true); return; }
      var body = document.querySelector("#keys tbody");
      body.textContent = "";
      r.data.keys.forEach(function (k) {
        var tr = el("tr", undefined, k.status);
        tr.setAttribute("data-pk", k.public_key);
        tr.appendChild(el("td", k.name));
        tr.appendChild(el("td")).appendChild(el("code", k.public_key));
        tr.appendChild(el("td")).appendChild(el("span", badge(k), "badge " + badge(k)));
        tr.appendChild(el("td", k.origins.join(" ")));
        tr.appendChild(el("td")).appendChild(button("Show", "Show key " + k.name, function () { openKey(k.public_key, true); }));
        body.appendChild(tr);
      });
      $("no-keys").hidden = r.data.keys.length > 0;
    });
  }

  function snippets(pk) {
    var gw = location.origin;
    $("snippet-consent").textContent = '<script src="' + gw + '/widgets/consent.js" data-key="' + pk + '" async></script>';
    $("snippet-rights").textContent = '<div data-wg-rights></div>\n<script src="' + gw + '/widgets/rights.js" data-key="' + pk + '" async></script>';
  }

  function openKey(pk, focus) {
    return api("GET", accountPath() + "/keys/" + encodeURIComponent(pk)).then(function (r) {
      if (!r.ok) { status(r.data.detail || "Could not load the key.", true); return; }
      var k = state.key = r.data;
      $("detail").hidden = false;
      $("d-title").textContent = k.name;
      var flags = "Status: " + k.status + " · Allowed origins: " + (k.origins.join(", ") || "none");
      if (k.exposed) flags += " · Exposed: its private key was seen in a browser. Roll it or revoke the key.";
      $("d-flags").textContent = flags;
      $("d-pk").textContent = k.public_key;
      snippets(k.public_key);
      $("danger").hidden = !canChangeKeys() || k.status !== "active";
      $("revoke-confirm").hidden = true;
      document.dispatchEvent(new CustomEvent("wg-console:key", { detail: k }));
      if (focus) $("d-title").focus();
    });
  }

  function showSecret(sk, graceUntil) {
    $("secret").hidden = false;
    $("secret-value").textContent = sk;
    $("secret-grace").textContent = graceUntil ? "The previous private key keeps working until " + when(graceUntil) + "." : "";
    $("secret-title").focus();
  }

  function copy(text, b) {
    var done = function () { var t = b.textContent; b.textContent = "Copied"; setTimeout(function () { b.textContent = t; }, 1500); status("Copied."); };
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text).then(done, function () { status("Copy failed: select the text and copy it.", true); });
    status("Select the text and copy it (the clipboard is not available here).", true);
  }

  /* Webhooks */

  function stamp(iso) { return iso ? new Date(iso).toLocaleString() : ""; }

  function loadWebhooks() {
    return api("GET", accountPath() + "/webhooks").then(function (r) {
      var box = $("webhooks"); box.textContent = "";
      if (!r.ok) { $("no-webhooks").hidden = true; return; }
      $("no-webhooks").hidden = r.data.endpoints.length > 0;
      r.data.endpoints.forEach(function (ep) { box.appendChild(webhookView(ep)); });
    });
  }

  function webhookView(ep) {
    var wrap = el("section", undefined, "webhook");
    wrap.setAttribute("data-endpoint", ep.id);
    wrap.appendChild(el("h3")).appendChild(el("code", ep.url));
    wrap.appendChild(el("p", (ep.description ? ep.description + " · " : "") + (ep.enabled ? "enabled" : "disabled") + " · " + ep.events.join(", ")));
    var path = accountPath() + "/webhooks/" + encodeURIComponent(ep.id);
    if (canChangeKeys() && ep.enabled) {
      wrap.appendChild(button("Send test event", "Send a test event to " + ep.url, function () {
        api("POST", path + "/test").then(function (d) {
          status(d.ok ? "Test event queued." : d.data.detail, !d.ok);
          if (d.ok) setTimeout(loadWebhooks, 1000);
        });
      }));
    }
    var table = el("table", undefined, "deliveries");
    var cap = el("caption", "Recent deliveries"); table.appendChild(cap);
    var head = table.appendChild(el("thead")).appendChild(el("tr"));
    ["Event", "Status", "Attempts", "Last answer", "Queued", ""].forEach(function (t) { var th = el("th", t); th.scope = "col"; head.appendChild(th); });
    var body = table.appendChild(el("tbody"));
    ep.deliveries.forEach(function (d) {
      var tr = el("tr"); tr.setAttribute("data-delivery", d.id);
      tr.appendChild(el("td")).appendChild(el("code", d.event_type));
      tr.appendChild(el("td")).appendChild(el("span", d.status, "badge " + d.status));
      tr.appendChild(el("td", String(d.history.length)));
      tr.appendChild(el("td", d.last_status_code ? "HTTP " + d.last_status_code : (d.last_error || "")));
      tr.appendChild(el("td", stamp(d.created_at)));
      var cell = tr.appendChild(el("td"));
      if (canChangeKeys() && d.status !== "pending") {
        cell.appendChild(button("Replay", "Replay the " + d.event_type + " delivery", function () {
          api("POST", path + "/deliveries/" + encodeURIComponent(d.id) + "/replay").then(function (x) {
            status(x.ok ? "Delivery queued again." : x.data.detail, !x.ok);
            if (x.ok) setTimeout(loadWebhooks, 1000);
          });
        }));
      }
      body.appendChild(tr);
    });
    if (!ep.deliveries.length) wrap.appendChild(el("p", "Nothing sent yet."));
    else wrap.appendChild(table);
    return wrap;
  }

  /* Members */

  /* The list, role changes and removal are members.js's. */
  function loadMembers() { document.dispatchEvent(new CustomEvent("wg-console:members")); }

  /* Security */

  function loadSecurity() {
    var on = state.me.two_factor;
    $("tf-state").textContent = on ? "Two-factor sign-in is on." : "Two-factor sign-in is off.";
    $("tf-enrol").hidden = on; $("tf-form").hidden = true;
    api("GET", "/me/sessions").then(function (r) {
      var list = $("sessions"); list.textContent = "";
      if (!r.ok) return;
      r.data.sessions.forEach(function (s) {
        var li = el("li", (s.current ? "This browser · " : "") + (s.user_agent || "unknown browser") + " · " + s.ip + " · last seen " + when(s.last_seen_at));
        if (!s.current) li.appendChild(button("End", "End this session", function () {
          api("DELETE", "/me/sessions/" + encodeURIComponent(s.id)).then(function (d) { if (d.ok) { status("Session ended."); loadSecurity(); } else status(d.data.detail, true); });
        }));
        list.appendChild(li);
      });
    });
  }

  /* Links from e-mails: the token is in the fragment */

  function fromLink() {
    var m = /^#(invitation|reset)=([A-Za-z0-9_.~-]{10,200})$/.exec(location.hash);
    if (!m) return false;
    state.link = m[2];
    history.replaceState(null, "", location.pathname + location.search);
    if (m[1] === "reset") { show("reset", "reset-title"); return true; }
    api("POST", "/invitations/show", { token: state.link }).then(function (r) {
      if (!r.ok) { showSignIn((r.data.detail || "This invitation cannot be used.") + " Ask for a new one."); return; }
      var d = r.data;
      $("inv-about").textContent = "You are invited to “" + d.account_name + "” as " + d.role + ", with the address " + d.email + ". The invitation works until " + when(d.expires_at) + ".";
      $("inv-password-label").textContent = d.has_password ? "Your password (you already have a sign-in)" : "Choose a password";
      $("inv-password").autocomplete = d.has_password ? "current-password" : "new-password";
      $("inv-password-hint").hidden = d.has_password;
      show("invitation", "invitation-title");
    });
    return true;
  }


  function on(id, event, handler) { $(id).addEventListener(event, handler); }
  function submit(id, handler) { on(id, "submit", function (e) { e.preventDefault(); handler(e.target); }); }

  document.addEventListener("DOMContentLoaded", function () {
    submit("signin-form", function (f) {
      var body = { email: f.email.value.trim(), password: f.password.value };
      if (!$("si-code-row").hidden && f.code.value.trim()) body.code = f.code.value.trim();
      api("POST", "/sign-in", body).then(function (r) {
        if (r.ok) { showErrors($("signin-errors")); f.reset(); signedIn(); return; }
        if (r.data.code === "second_factor_required") {
          $("si-code-row").hidden = false; $("si-code").focus();
        }
        showErrors($("signin-errors"), r.data);
      });
    });
    submit("reset-form", function (f) {
      api("POST", "/password-reset", { email: f.email.value.trim() }).then(function (r) {
        status(r.ok ? "If this address has a sign-in, a reset link is on its way; it works for 30 minutes." : r.data.detail, !r.ok);
      });
    });
    submit("new-password-form", function (f) {
      api("POST", "/password-reset/complete", { token: state.link, password: f.password.value }).then(function (r) {
        if (!r.ok) { showErrors($("reset-errors"), r.data); return; }
        f.reset(); state.link = ""; showSignIn(); status("Your password is set. Sign in with it.");
      });
    });
    submit("invitation-form", function (f) {
      api("POST", "/invitations/accept", { token: state.link, password: f.password.value, name: f.name.value.trim() }).then(function (r) {
        if (!r.ok) { showErrors($("invitation-errors"), r.data); $("inv-password").focus(); return; }
        f.reset(); state.link = ""; signedIn();
      });
    });
    on("sign-out", "click", function () {
      api("POST", "/sign-out").then(function () { showSignIn(); status("Signed out."); });
    });
    on("account", "change", function (e) {
      state.account = state.accounts.filter(function (a) { return a.id === e.target.value; })[0] || null;
      if (state.account) loadAccount();
    });

    submit("create-form", function (f) {
      api("POST", accountPath() + "/keys", { name: f.name.value, origins: lines(f.origins.value), redirect_uris: lines(f.redirect_uris.value) })
        .then(function (r) {
          if (!r.ok) { showErrors($("create-errors"), r.data); f.name.focus(); return; }
          $("create-errors").textContent = ""; f.reset(); $("create-box").open = false;
          status("Key “" + r.data.name + "” created.");
          loadKeys().then(function () { return openKey(r.data.public_key); }).then(function () { showSecret(r.data.private_key); });
        });
    });
    submit("roll-form", function (f) {
      var k = state.key, hours = Number(f.hours.value);
      api("POST", accountPath() + "/keys/" + encodeURIComponent(k.public_key) + "/roll", { grace_seconds: hours * 3600 }).then(function (r) {
        if (!r.ok) { status(r.data.detail, true); return; }
        status("New private key issued.");
        openKey(k.public_key).then(function () { showSecret(r.data.private_key, r.data.previous_private_key_expires_at); });
      });
    });
    on("revoke", "click", function () { $("revoke-confirm").hidden = false; $("revoke-name").value = ""; $("revoke-name").focus(); });
    on("revoke-no", "click", function () { $("revoke-confirm").hidden = true; $("revoke").focus(); });
    on("revoke-yes", "click", function () {
      var k = state.key;
      if ($("revoke-name").value.trim() !== k.name) { status("Type the key's name exactly to revoke it.", true); $("revoke-name").focus(); return; }
      api("POST", accountPath() + "/keys/" + encodeURIComponent(k.public_key) + "/revoke").then(function (r) {
        if (!r.ok) { status(r.data.detail, true); return; }
        status("Key revoked: widgets using it stop working.");
        loadKeys(); openKey(k.public_key, true);
      });
    });
    on("copy-secret", "click", function (e) { copy($("secret-value").textContent, e.target); });
    on("secret-done", "click", function () { $("secret-value").textContent = ""; $("secret").hidden = true; $("d-title").focus(); });
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () { copy($(b.getAttribute("data-copy")).textContent, b); });
    });

    submit("invite-form", function (f) {
      api("POST", accountPath() + "/members", { email: f.email.value.trim(), role: f.role.value }).then(function (r) {
        if (!r.ok) { showErrors($("invite-errors"), r.data); f.email.focus(); return; }
        $("invite-errors").textContent = ""; f.reset();
        status("Invitation sent to " + r.data.email + " as " + r.data.role + ".");
        loadMembers();
      });
    });
    submit("password-form", function (f) {
      api("POST", "/me/password", { current_password: f.current.value, new_password: f.new.value }).then(function (r) {
        if (!r.ok) { showErrors($("password-errors"), r.data); return; }
        $("password-errors").textContent = ""; f.reset(); status("Password changed; your other sessions were ended."); loadSecurity();
      });
    });
    on("tf-enrol", "click", function () {
      api("POST", "/me/two-factor/enrol").then(function (r) {
        if (!r.ok) { status(r.data.detail, true); return; }
        $("tf-uri").textContent = r.data.otpauth_uri; $("tf-secret").textContent = r.data.secret;
        $("tf-form").hidden = false; $("tf-enrol").hidden = true; $("tf-code").focus();
      });
    });
    submit("tf-form", function (f) {
      api("POST", "/me/two-factor/confirm", { code: f.code.value.trim() }).then(function (r) {
        if (!r.ok) { showErrors($("tf-errors"), r.data); f.code.focus(); return; }
        f.reset(); $("tf-form").hidden = true; $("tf-errors").textContent = "";
        $("tf-codes").hidden = false; $("tf-codes-list").textContent = r.data.recovery_codes.join("\n");
        var owed = state.me.two_factor_required;
        state.me.two_factor = true; status("Two-factor sign-in is on."); loadSecurity();
        if (owed) loadMe(false).then(function () { status("Two-factor sign-in is on."); });
      });
    });

    submit("r-message-form", function (f) {
      act("messages", { body: f.body.value }).then(function (done) { if (done) f.reset(); });
    });
    submit("r-extend-form", function (f) {
      act("extension", { reason: f.reason.value }).then(function (done) { if (done) f.reset(); });
    });
    on("r-pause", "click", function () { act("pause"); });
    on("r-resume", "click", function () { act("resume"); });

    if (!fromLink()) loadMe(false);
  });

  /* What the page's other scripts (records, statistics, retention, scanner, members, security,
     sso) build on: the API (with the CSRF token), the page's state and the small helpers. */
  window.WGConsole = {
    api: api, state: state, status: status, el: el, button: button, showErrors: showErrors,
    stamp: stamp, when: when, accountPath: accountPath, canChange: canChangeKeys, reload: function () { return loadMe(false); },
    openRequest: openRequest
  };
})();
