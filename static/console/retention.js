/* Owner console: the account's retention rules. Every member sees them; owners and admins change
 * them (the API refuses anyone else, the form only says so sooner). */
(function () {
  "use strict";
  var C = window.WGConsole;
  var $ = function (id) { return document.getElementById(id); };
  var retention = { account: null };

  function path() { return "/accounts/" + encodeURIComponent(retention.account) + "/retention"; }

  function fill(rules) {
    $("ret-consent").value = rules.consent_months;
    $("ret-rights").value = rules.rights_days;
  }

  document.addEventListener("wg-console:account", function (e) {
    retention.account = e.detail.id;
    var canWrite = e.detail.role === "owner" || e.detail.role === "admin";
    $("ret-consent").readOnly = !canWrite;
    $("ret-rights").readOnly = !canWrite;
    $("retention-save").hidden = !canWrite;
    $("retention-errors").textContent = "";
    C.api("GET", path()).then(function (r) { if (r.ok) fill(r.data); });
  });

  document.addEventListener("DOMContentLoaded", function () {
    $("retention-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var number = function (id) { var v = $(id).value.trim(); return v === "" ? null : Number(v); };
      C.api("PUT", path(), { consent_months: number("ret-consent"), rights_days: number("ret-rights") }).then(function (r) {
        if (!r.ok) { C.showErrors($("retention-errors"), r.data); return; }
        $("retention-errors").textContent = "";
        fill(r.data);
        C.status("Retention rules saved: consent proofs kept " + r.data.consent_months + " months, closed requests anonymised after " + r.data.rights_days + " days.");
      });
    });
  });
})();
