/* Owner console: the consent log. A visitor's proof by consent id (every choice, with its receipt
 * and the digest of the banner config that was shown), the account's records filtered and paged
 * by cursor, and their export as CSV or JSON lines. Everything is read through the console API,
 * which answers as the site-owner API does; values are written with textContent only. */
(function () {
  "use strict";
  var C = window.WGConsole;
  var $ = function (id) { return document.getElementById(id); };
  var log = { account: null };
  var FILTERS = ["from", "to", "key", "action", "category", "origin"];

  function base() { return "/accounts/" + encodeURIComponent(log.account) + "/consents"; }

  function query(extra) {
    var form = $("log-form"), params = new URLSearchParams();
    FILTERS.forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    Object.keys(extra || {}).forEach(function (name) { params.set(name, extra[name]); });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function chosen(categories) {
    return Object.keys(categories).filter(function (c) { return categories[c]; }).join(", ") || "none";
  }

  function exportLinks() {
    $("export-csv").href = "/console/api" + base() + "/export" + query({ format: "csv" });
    $("export-jsonl").href = "/console/api" + base() + "/export" + query({ format: "jsonl" });
  }

  function fillKeys() {
    return C.api("GET", "/accounts/" + encodeURIComponent(log.account) + "/keys").then(function (r) {
      if (!r.ok) return;
      document.querySelectorAll(".key-picker").forEach(function (select) {
        var keep = select.value;
        while (select.options.length > 1) select.remove(1);
        r.data.keys.forEach(function (k) {
          var option = C.el("option", k.name + " (" + k.public_key.slice(0, 10) + "…)");
          option.value = k.public_key;
          select.appendChild(option);
        });
        select.value = keep;
      });
    });
  }

  function loadPage(cursor) {
    exportLinks();
    var extra = cursor ? { cursor: cursor } : {};
    extra.limit = $("log-limit").value;
    return C.api("GET", base() + query(extra)).then(function (r) {
      var body = document.querySelector("#log tbody");
      body.textContent = "";
      if (!r.ok) { C.showErrors($("log-errors"), r.data); $("log-next").hidden = true; return; }
      $("log-errors").textContent = "";
      r.data.items.forEach(function (c) {
        var tr = C.el("tr");
        tr.setAttribute("data-record", c.record_id);
        tr.appendChild(C.el("td", C.stamp(c.received_at)));
        var idCell = tr.appendChild(C.el("td"));
        idCell.appendChild(C.button(c.consent_id, "Show the proof of " + c.consent_id, function () { findProof(c.consent_id, true); }, "link"));
        tr.appendChild(C.el("td")).appendChild(C.el("span", c.action, "badge action-" + c.action));
        tr.appendChild(C.el("td", chosen(c.categories)));
        tr.appendChild(C.el("td", c.origin));
        tr.appendChild(C.el("td")).appendChild(C.el("code", c.public_key.slice(0, 10) + "…"));
        body.appendChild(tr);
      });
      $("log-empty").hidden = r.data.items.length > 0;
      log.next = r.data.next_cursor;
      $("log-next").hidden = !log.next;
      $("log-first").hidden = !cursor;
    });
  }

  function proofItem(c) {
    var li = C.el("li", undefined, "proof-record");
    li.setAttribute("data-record", c.record_id);
    li.appendChild(C.el("p", C.stamp(c.received_at) + " · " + c.action + " · " + c.origin + (c.gpc ? " · GPC signal" : ""), "term"));
    var facts = C.el("dl");
    [
      ["Categories", Object.keys(c.categories).map(function (k) { return k + ": " + (c.categories[k] ? "yes" : "no"); }).join(", ")],
      ["Policy version", c.policy_version],
      ["Config version shown", c.config_digest || "not recorded"],
      ["Language", c.language],
      ["Page", c.page_url || ""],
      ["Record id", c.record_id],
      ["Receipt", c.receipt || "none"]
    ].forEach(function (pair) {
      facts.appendChild(C.el("dt", pair[0]));
      var dd = facts.appendChild(C.el("dd"));
      if (pair[0] === "Receipt" || pair[0] === "Config version shown" || pair[0] === "Record id") dd.appendChild(C.el("code", pair[1], pair[0] === "Receipt" ? "receipt" : ""));
      else dd.textContent = pair[1];
    });
    li.appendChild(facts);
    return li;
  }

  function findProof(consentId, focus) {
    $("proof-id").value = consentId;
    return C.api("GET", base() + "/" + encodeURIComponent(consentId)).then(function (r) {
      var list = $("proof-records");
      list.textContent = "";
      if (!r.ok) {
        $("proof").hidden = true;
        C.showErrors($("proof-errors"), r.status === 404 ? { detail: "No consent records with that consent id in this account." } : r.data);
        return;
      }
      $("proof-errors").textContent = "";
      $("proof").hidden = false;
      var n = r.data.records.length;
      $("proof-title").textContent = "Proof for " + r.data.consent_id + ": " + n + (n === 1 ? " choice" : " choices") + ", oldest first";
      r.data.records.forEach(function (c) { list.appendChild(proofItem(c)); });
      if (focus) $("proof-title").focus();
    });
  }

  document.addEventListener("wg-console:account", function (e) {
    log.account = e.detail.id;
    $("proof").hidden = true;
    $("proof-errors").textContent = "";
    fillKeys();
    loadPage(null);
  });

  document.addEventListener("DOMContentLoaded", function () {
    $("proof-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var id = $("proof-id").value.trim();
      if (!id) { C.showErrors($("proof-errors"), { detail: "Enter a consent id." }); $("proof-id").focus(); return; }
      findProof(id, true);
    });
    $("log-form").addEventListener("submit", function (e) { e.preventDefault(); loadPage(null); });
    $("log-form").addEventListener("change", exportLinks);
    $("log-next").addEventListener("click", function () { loadPage(log.next); });
    $("log-first").addEventListener("click", function () { loadPage(null); });
  });
})();
