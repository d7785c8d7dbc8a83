/* Owner console, single sign-on: "Sign in with <provider>" on the sign-in page when the operator
 * configured a provider; what went wrong when the provider's answer was refused
 * (/console/#sso-error=<code>); and the two-factor code of someone the provider signed in who has
 * it on (/console/#sso=code). The way to the provider and back is plain navigation. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var WHY = {
    sso_state_invalid: "That sign-in was not started in this browser, or took too long. Start again.",
    sso_token_invalid: "The provider's answer could not be verified. Start again; if it keeps happening, tell the gateway's operator.",
    sso_not_a_member: "The address the provider has for you is no member of any account here. Ask an account owner for an invitation.",
    sso_unavailable: "The sign-in provider could not be reached. Try again in a moment.",
    sso_disabled: "Single sign-on is not configured on this gateway.",
    sso_failed: "The provider did not sign you in."
  };

  function box() {
    var existing = $("sso");
    if (existing) return existing;
    var c = window.WGConsole, wrap = c.el("div"); wrap.id = "sso";
    var error = c.el("p", "", "errors"); error.id = "sso-error"; error.setAttribute("role", "alert");
    wrap.appendChild(error);
    $("signin-title").insertAdjacentElement("afterend", wrap);
    return wrap;
  }

  function offer(name) {
    var c = window.WGConsole, wrap = box();
    var link = c.el("a", "Sign in with " + name, "sso-link"); link.id = "sso-link"; link.href = "/console/sso/start";
    var p = c.el("p"); p.appendChild(link); wrap.appendChild(p);
    wrap.appendChild(c.el("p", "Or with your e-mail address and password:", "sso-or"));
  }

  function codeStep() {
    var c = window.WGConsole, wrap = box();
    var form = c.el("form"); form.id = "sso-code-form"; form.noValidate = true;
    form.appendChild(c.el("p", "The provider signed you in. Your two-factor sign-in is on: enter a code to finish."));
    var label = c.el("label", "Code from your authenticator app (or a recovery code)"); label.htmlFor = "sso-code";
    var input = c.el("input"); input.id = "sso-code"; input.name = "code"; input.autocomplete = "one-time-code"; input.inputMode = "numeric"; input.maxLength = 64;
    var errors = c.el("ul", undefined, "errors"); errors.id = "sso-code-errors"; errors.setAttribute("aria-live", "assertive");
    var submit = c.el("button", "Finish signing in"); submit.type = "submit";
    [label, input, errors, submit].forEach(function (e) { form.appendChild(e); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      c.api("POST", "/sso/code", { code: input.value.trim() }).then(function (r) {
        if (!r.ok) {
          c.showErrors(errors, r.data);
          if (r.data.code === "sso_failed") form.hidden = true;
          input.focus(); return;
        }
        form.remove(); c.reload();
      });
    });
    wrap.appendChild(form);
    input.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var hash = /^#sso(-error)?=([a-z_]{1,40})$/.exec(location.hash);
    if (hash) history.replaceState(null, "", location.pathname + location.search);
    window.WGConsole.api("GET", "/sso").then(function (r) {
      if (r.ok && r.data.enabled) offer(r.data.provider_name);
      if (hash && hash[1]) box().querySelector("#sso-error").textContent = WHY[hash[2]] || WHY.sso_failed;
      else if (hash && hash[2] === "code") codeStep();
    });
  });
})();
