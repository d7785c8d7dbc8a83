/* Owner console: a key's last cookie scan, read only, under the key's details.
 * The scan runs from the command line (`widget-gateway scan URL --key PK`, docs/scanner.md);
 * this part shows what its last run found. It follows the key the console opens (#d-pk) and the
 * account chosen (#account), and calls the console API with the session cookie; a GET needs no
 * CSRF token. Every value from the API is written with textContent, never as HTML. */
(function () {
  "use strict";
  var API = "/console/api";
  var $ = function (id) { return document.getElementById(id); };
  var PHASES = { before_consent: "before any choice", after_reject: "after Reject all", after_accept: "after Accept all" };
  var shown = "";

  function el(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (className) e.className = className;
    return e;
  }

  function section() {
    var box = $("d-scan");
    if (box) return box;
    box = el("section");
    box.id = "d-scan";
    box.setAttribute("aria-labelledby", "d-scan-title");
    var title = el("h4", "Last cookie scan");
    title.id = "d-scan-title";
    box.appendChild(title);
    box.appendChild(el("div"));
    var detail = $("detail"), danger = $("danger");
    detail.insertBefore(box, danger && danger.parentNode === detail ? danger : null);
    return box;
  }

  function findingsTable(caption, items) {
    var table = el("table", undefined, "scan-items");
    table.appendChild(el("caption", caption));
    var head = el("tr");
    ["What", "Name", "Category", "Service", "Page"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    items.forEach(function (item) {
      var row = el("tr");
      [item.kind, item.name, item.category || "unknown", item.vendor || item.service || "—", item.page].forEach(function (v) {
        row.appendChild(el("td", String(v)));
      });
      body.appendChild(row);
    });
    return table;
  }

  function render(box, scan) {
    var report = scan.report, view = el("div");
    var verdict = el("p", scan.clean ? "Clean: nothing the visitor may refuse ran before a choice or after Reject all." :
      "Something the visitor may refuse ran before a choice or after Reject all.", "badge " + (scan.clean ? "ok" : "dead"));
    verdict.id = "scan-verdict";
    view.appendChild(verdict);
    view.appendChild(el("p", "Scanned " + scan.site + " at " + scan.scanned_at.replace("T", " ").replace("Z", " UTC") +
      " (" + (report.pages || []).length + " pages).", "hint"));
    if (report.fires_before_consent.length) view.appendChild(findingsTable("Before any choice", report.fires_before_consent));
    if (report.fires_after_refusal.length) view.appendChild(findingsTable("After Reject all", report.fires_after_refusal));
    var undeclared = report.undeclared || [];
    if (undeclared.length) {
      view.appendChild(el("p", "Not declared by any service of the key: " + undeclared.map(function (i) {
        return i.name + " (" + i.phases.map(function (p) { return PHASES[p] || p; }).join(", ") + ")";
      }).join("; ") + ".", "hint"));
    }
    box.replaceChild(view, box.lastChild);
  }

  function load(pk) {
    var account = $("account") && $("account").value;
    if (!pk || !account) return;
    var box = section();
    box.replaceChild(el("p", "Loading the last scan…", "hint"), box.lastChild);
    var path = API + "/accounts/" + encodeURIComponent(account) + "/keys/" + encodeURIComponent(pk) + "/scan";
    fetch(path, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (pk !== shown) return; // another key was opened meanwhile
        if (r.ok) return render(box, data);
        var text = r.status === 404 && data.code === "not_found" ?
          "No scan yet. Run: widget-gateway scan https://your-site.example/ --key " + pk :
          data.detail || "Could not load the last scan.";
        box.replaceChild(el("p", text, "hint"), box.lastChild);
      });
    }, function () {
      box.replaceChild(el("p", "The gateway cannot be reached.", "hint"), box.lastChild);
    });
  }

  function follow() {
    var pk = $("d-pk");
    if (!pk) return;
    new MutationObserver(function () {
      var now = pk.textContent;
      if (now && now !== shown) { shown = now; load(now); }
    }).observe(pk, { childList: true, characterData: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", follow);
  else follow();
})();
