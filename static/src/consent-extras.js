/* Widget Gateway — click-to-load placeholders and the cookie declaration (docs/consent-widget.md).
 * Not for pages to load: consent.js loads it, on demand, on pages with a blocked iframe or a
 * <div data-wg-cookie-table>. Served after the prelude (static/src/prelude.js), inside the same
 * function; the banner's internals it uses are in namespace.consentHost. */

var host = namespace.consentHost;
if (!host) return warn("consent.js loads this file when a page needs it");

var PLACEHOLDER_CSS = PALETTE_CSS +
  ".wg{display:flex;flex-direction:column;align-items:center;justify-content:center;gap:12px;" +
  "width:100%;height:100%;padding:16px;overflow:auto;text-align:center;background:var(--bg);" +
  "border:1px solid var(--line,#8889);border-radius:var(--wg-radius,12px)}" +
  "p{margin:0;max-width:32em}.buttons{display:flex;flex-wrap:wrap;gap:8px;justify-content:center}" +
  "button{font:inherit;font-weight:600;cursor:pointer;border-radius:8px;margin:0;padding:.5em 1em;" +
  "min-height:44px;border:2px solid var(--accent);background:transparent;color:var(--text)}" +
  "button:hover{background:#8882}button.primary{background:var(--accent);color:var(--accent-text)}";
var placeholders = [];   // {frame, holder, display}: each blocked iframe and its placeholder

function texts() { return host.config().texts; }
function categoryOf(id) {
  return filter(host.config().categories, function (category) { return category.id == id; })[0];
}
// The name a visitor knows the embed by: the service's, else the category's title
function serviceName(frame) {
  var category = categoryOf(frame.getAttribute("data-category")), id = frame.getAttribute("data-service");
  var service = category && filter(category.services, function (one) { return one.id == id; })[0];
  return service ? service.name : id || (category ? category.title : frame.getAttribute("data-category"));
}

// --- placeholders: in the iframe's box, until the iframe may load -----------------------------------
function place(frame) {
  if (frame.getAttribute("data-wg-placeholder") != null || host.allowed(frame)) return;
  var box = frame.getBoundingClientRect();
  var width = box.width || +frame.getAttribute("width") || 300, height = box.height || +frame.getAttribute("height") || 150;
  var holder = document.createElement("div");
  holder.className = "wg-embed-placeholder";
  // through the CSSOM, which a CSP without 'unsafe-inline' allows
  holder.style.cssText = "all:initial;display:block;box-sizing:border-box;max-width:100%;width:" + width + "px;height:" + height + "px";
  var root = holder.attachShadow({ mode: "open" });
  adoptStyles(root, PLACEHOLDER_CSS);
  var name = serviceName(frame), config = host.config(), words = texts();
  var panel = document.createElement("div");
  panel.className = "wg auto";
  panel.setAttribute("role", "region");
  panel.setAttribute("aria-label", name);
  panel.setAttribute("lang", config.lang);
  panel.setAttribute("dir", config.dir || "ltr");
  panel.innerHTML = '<p id="wg-embed-text">' + escapeHtml(fillIn(words.embed_blocked, { service: name })) + "</p>" +
    '<div class="buttons"><button type="button" data-action="once" aria-describedby="wg-embed-text">' +
    escapeHtml(words.load_once) + '</button><button type="button" class="primary" data-action="always">' +
    escapeHtml(fillIn(words.always_allow, { service: name })) + "</button></div>";
  root.appendChild(panel);
  var entry = { frame: frame, holder: holder, display: frame.style.display };
  root.addEventListener("click", guarded(function (event) {
    var action = event.target.closest("[data-action]");
    action = action && action.getAttribute("data-action");
    if (action == "once") { host.release(frame); unplace(entry, true); }
    if (action == "always") host.allow(frame.getAttribute("data-category"), frame.getAttribute("data-service"));
  }));
  frame.setAttribute("data-wg-placeholder", "");
  frame.style.display = "none";
  frame.parentNode.insertBefore(holder, frame);
  push(placeholders, entry);
}
function unplace(entry, focus) {
  placeholders = filter(placeholders, function (other) { return other != entry; });
  entry.frame.style.display = entry.display;
  entry.frame.removeAttribute("data-wg-placeholder");
  var hadFocus = entry.holder.shadowRoot.activeElement;
  entry.holder.remove();
  if (focus || hadFocus) attempt(function () { entry.frame.focus(); });
}
// A choice was made: placeholders whose iframe consent.js released go; new blocked ones get one
function update() {
  forEach(placeholders, function (entry) {
    if (entry.frame.getAttribute("data-wg-done") != null) unplace(entry, false);
  });
  forEach(document.querySelectorAll("iframe[data-src][data-category]:not([data-wg-done])"), place);
}

// --- the cookie declaration, for a cookie policy page -----------------------------------------------
function cell(tag, text, attributes) {
  return "<" + tag + (attributes || "") + ">" + escapeHtml(text || "") + "</" + tag + ">";
}
function cookieRows(service) {
  var cookies = service.cookies && service.cookies.length ? service.cookies : [{}];
  return join(map(cookies, function (cookie) {
    return "<tr>" + cell("th", service.name, ' scope="row"') + cell("td", cookie.name) + cell("td", cookie.provider) +
      cell("td", cookie.purpose) + cell("td", cookie.duration) + "</tr>";
  }), "");
}
var tables = 0; // for ids unique in the page: the heading names its table
function renderTable(category) {
  var words = texts(), id = "wg-cookies-" + ++tables;
  var head = join(map([words.cookie_service, words.cookie_name, words.cookie_provider, words.cookie_purpose,
    words.cookie_duration], function (text) { return cell("th", text, ' scope="col"'); }), "");
  var rows = join(map(category.services, cookieRows), "");
  return '<section class="wg-cookie-category" data-category="' + escapeHtml(category.id) + '">' +
    cell("h3", category.title, ' id="' + id + '"') + cell("p", category.description) +
    (rows ? '<table class="wg-cookie-table" aria-labelledby="' + id + '"><thead><tr>' + head +
      "</tr></thead><tbody>" + rows + "</tbody></table>" : "") + "</section>";
}
function renderTables() {
  var config = host.config();
  forEach(document.querySelectorAll("[data-wg-cookie-table]"), function (element) {
    element.setAttribute("lang", config.lang);
    element.setAttribute("dir", config.dir || "ltr");
    element.innerHTML = join(map(config.categories, renderTable), "");
  });
}

namespace[WIDGET] = { scan: guarded(function () { update(); renderTables(); }) };
attempt(function () { window.addEventListener("wg:consent", guarded(update)); });
namespace[WIDGET].scan();
