/* Owner console, members: the list of members and open invitations; for owners, each member's
 * role changed or the member removed (after a confirmation), and the account's "require
 * two-factor sign-in" setting. The server keeps the rules (only owners; never the last owner
 * removed or demoted): this page shows what it answers. Builds on window.WGConsole (console.js). */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var ROLES = { viewer: "Viewer", admin: "Admin", owner: "Owner" };

  function C() { return window.WGConsole; }
  function isOwner() { var a = C().state.account; return !!a && a.role === "owner"; }
  function memberPath(m) { return C().accountPath() + "/members/" + encodeURIComponent(m.person_id); }
  function who(m) { return m.name ? m.name + " (" + m.email + ")" : m.email; }
  function errors(data) { C().showErrors($("members-errors"), data); }

  function afterChange(m, text) {
    errors();
    C().status(text);
    // Changing or removing oneself changes what this page may show: load it all again.
    if (m.person_id === C().state.me.id) C().reload();
    else load();
  }

  function roleControl(m) {
    var c = C(), wrap = c.el("span", undefined, "member-actions");
    var id = "role-" + m.person_id;
    var label = c.el("label", "Role of " + who(m), "sr-only"); label.htmlFor = id;
    var select = c.el("select"); select.id = id;
    Object.keys(ROLES).forEach(function (r) { var o = c.el("option", ROLES[r]); o.value = r; select.appendChild(o); });
    select.value = m.role;
    wrap.appendChild(label); wrap.appendChild(select);
    wrap.appendChild(c.button("Change role", "Change role of " + who(m), function () {
      if (select.value === m.role) { c.status(who(m) + " already has this role."); return; }
      c.api("PATCH", memberPath(m), { role: select.value }).then(function (r) {
        if (!r.ok) { errors(r.data); select.value = m.role; select.focus(); return; }
        afterChange(m, who(m) + " is now " + r.data.role + ".");
      });
    }));
    return wrap;
  }

  function removeControl(m, li) {
    var c = C(), wrap = c.el("span", undefined, "member-actions");
    var ask = c.button("Remove", "Remove " + who(m) + " from this account", function () {
      ask.hidden = true; confirm.hidden = false; yes.focus();
    }, "destructive");
    var confirm = c.el("span"); confirm.hidden = true;
    confirm.appendChild(c.el("span", "Remove " + who(m) + "? "));
    var yes = c.button("Remove now", "Remove now: " + who(m), function () {
      c.api("DELETE", memberPath(m)).then(function (r) {
        if (!r.ok) { errors(r.data); confirm.hidden = true; ask.hidden = false; ask.focus(); return; }
        afterChange(m, who(m) + " was removed from the account.");
      });
    }, "destructive");
    var no = c.button("Keep", "Keep " + who(m), function () { confirm.hidden = true; ask.hidden = false; ask.focus(); });
    confirm.appendChild(yes); confirm.appendChild(no);
    wrap.appendChild(ask); wrap.appendChild(confirm);
    li.setAttribute("data-person", m.person_id);
    return wrap;
  }

  function load() {
    var c = C(); if (!c || !c.state.account) return;
    var account = c.state.account;
    var box = $("require-2fa-box"), check = $("require-2fa");
    box.hidden = !isOwner();
    check.checked = !!account.require_2fa;
    return c.api("GET", c.accountPath() + "/members").then(function (r) {
      var list = $("members"); list.textContent = "";
      if (!r.ok) return;
      r.data.members.forEach(function (m) {
        var li = c.el("li", (m.name ? m.name + " — " : "") + m.email + " · " + m.role + (m.two_factor ? " · two-factor on" : "") + " ");
        li.setAttribute("data-person", m.person_id);
        if (isOwner()) { li.appendChild(roleControl(m)); li.appendChild(removeControl(m, li)); }
        list.appendChild(li);
      });
      r.data.invitations.forEach(function (i) {
        list.appendChild(c.el("li", i.email + " · " + i.role + " · invited, until " + c.when(i.expires_at), "invited"));
      });
    });
  }

  document.addEventListener("wg-console:members", load);
  document.addEventListener("DOMContentLoaded", function () {
    $("require-2fa").addEventListener("change", function (e) {
      var c = C(), wanted = e.target.checked;
      c.api("PATCH", c.accountPath(), { require_2fa: wanted }).then(function (r) {
        if (!r.ok) { errors(r.data); e.target.checked = !wanted; return; }
        errors();
        c.state.account.require_2fa = r.data.require_2fa;
        c.status(r.data.require_2fa ? "Two-factor sign-in is now required of every member." : "Two-factor sign-in is no longer required.");
      });
    });
  });
})();
