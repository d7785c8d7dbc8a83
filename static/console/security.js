/* Owner console, security: while an account of the signed-in person requires two-factor sign-in
 * they have not turned on, only the Security section shows, with a notice, and the focus goes to
 * turning it on; once it is on, console.js loads the whole page again. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  document.addEventListener("wg-console:me", function (e) {
    var gated = !!(e.detail && e.detail.two_factor_required);
    var sections = document.querySelectorAll("#app > section");
    Array.prototype.forEach.call(sections, function (s) { s.hidden = gated && s.id !== "security-section"; });
    $("tf-required").hidden = !gated;
    if (gated) {
      window.WGConsole.status("An account of yours requires two-factor sign-in: turn it on to continue.", true);
      var target = $("tf-enrol");
      (target && !target.hidden ? target : $("security-title")).focus();
    }
  });
})();
