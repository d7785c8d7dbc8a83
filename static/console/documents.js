/* A rights request's documents in the console's inbox: the list both ways (each a download, an
 * attachment the browser never renders) and the owner's upload, the answer or another document.
 * The file goes as the raw body with its name in X-Filename; the gateway reads its type from the
 * content. Builds on window.WGConsole; redrawn on each "wg:request-shown". */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var current = null;

  function path(ref) {
    return "/console/api" + window.WGConsole.accountPath() + "/rights-requests/" + encodeURIComponent(ref) + "/documents";
  }
  function size(bytes) {
    return bytes < 1024 ? bytes + " B" : bytes < 1048576 ? Math.round(bytes / 1024) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
  }

  function draw(q) {
    var C = window.WGConsole;
    current = q;
    var list = $("r-documents");
    list.textContent = "";
    var docs = q.documents || [];
    docs.forEach(function (d) {
      var li = C.el("li");
      var link = C.el("a", d.filename);
      link.href = path(q.reference) + "/" + encodeURIComponent(d.id);
      link.setAttribute("download", d.filename);
      li.appendChild(link);
      var who = d.from === "requester" ? "from the requester" : "from you";
      li.appendChild(document.createTextNode(" · " + who + " · " + d.media_type + " · " + size(d.size) + " · " + C.stamp(d.created_at) + (d.is_answer ? " · the answer" : "")));
      list.appendChild(li);
    });
    $("r-no-documents").hidden = docs.length > 0;
    $("r-document-form").hidden = !C.canChange();
  }

  function upload(form) {
    var C = window.WGConsole;
    var file = form.file.files && form.file.files[0];
    var errors = $("r-document-errors");
    if (!file || !current) { C.showErrors(errors, { detail: "Choose a document first." }); return; }
    var ref = current.reference;
    var url = path(ref) + (form.answer.checked ? "?answer=true" : "");
    var headers = { "X-CSRF-Token": C.state.csrf, "X-Filename": encodeURIComponent(file.name), "Content-Type": "application/octet-stream" };
    $("r-upload").disabled = true;
    fetch(url, { method: "POST", headers: headers, body: file, credentials: "same-origin", cache: "no-store" }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, data: data }; });
    }, function () { return { ok: false, data: { detail: "The gateway cannot be reached." } }; }).then(function (r) {
      $("r-upload").disabled = false;
      if (!r.ok) { C.showErrors(errors, r.data); return; }
      errors.textContent = "";
      form.reset();
      C.status("Document " + r.data.filename + " added to request " + ref + ".");
      C.openRequest(ref, false);
    });
  }

  document.addEventListener("wg:request-shown", function (e) { draw(e.detail); });
  document.addEventListener("DOMContentLoaded", function () {
    $("r-document-form").addEventListener("submit", function (e) { e.preventDefault(); upload(e.target); });
  });
})();
