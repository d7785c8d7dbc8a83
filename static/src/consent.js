/* Widget Gateway — cookie-consent banner (docs/consent-widget.md).
 * <script src="https://GW/widgets/consent.js" data-key="pk_…" async></script>
 * Served after the prelude (static/src/prelude.js) and its parts (static/src/consent/), inside the
 * same function. */

var CONSENT_MODE_TYPES = ["ad_storage", "analytics_storage", "ad_user_data", "ad_personalization",
  "functionality_storage", "personalization_storage", "security_storage"];
var MAX_QUEUED = 20;
var MAX_ATTEMPTS_PER_PAGE = 5;

var CSS = PALETTE_CSS +
  ".banner,.preferences{background:var(--bg);color:var(--text);border-radius:var(--wg-radius,12px);" +
  "box-shadow:0 8px 32px #0006;padding:20px 24px;text-align:start}" +
  ".banner{position:fixed;z-index:2147483646;bottom:16px;left:50%;transform:translateX(-50%);" +
  "width:min(46rem,calc(100% - 32px))}" +
  // fades in from opacity 0: Chromium skips content painted invisible when it picks the page's
  // Largest Contentful Paint, so the banner's text never becomes the page's LCP
  ".banner,.overlay{animation:wg-in .25s ease-out both}@keyframes wg-in{from{opacity:0}}" +
  ".bottom-left .banner,.bottom-right .banner{transform:none;left:auto;inset-inline-start:16px;width:min(26rem,calc(100% - 32px))}" +
  ".bottom-right .banner{inset-inline:auto 16px}.center .banner{bottom:50%;transform:translate(-50%,50%)}" +
  "h2{font-size:1.15em;line-height:1.3;margin:0 0 .4em;font-weight:650}" +
  "p{margin:0 0 1em;color:var(--muted)}a{color:var(--text)}" +
  ".buttons{display:flex;flex-wrap:wrap;gap:8px}" +
  // Accept all and Reject all alike; the secondary actions outlined, never the accent's fill
  "button{font:inherit;font-weight:600;cursor:pointer;border:2px solid var(--accent);border-radius:8px;margin:0;" +
  "padding:.5em 1em;background:var(--accent);color:var(--accent-text);flex:1 1 8em;min-height:44px;" +
  "transition:filter .15s,background .15s}" +
  "button:hover{filter:brightness(1.15)}button:active{filter:brightness(.85);transform:translateY(1px)}" +
  ".secondary,.close,.disclose{background:none;color:var(--text)}" +
  ".secondary:hover,.close:hover,.disclose:hover{filter:none;background:#8883}" +
  "[tabindex]:focus{outline:0}" +
  ".overlay{position:fixed;inset:0;z-index:2147483647;background:#0008;display:grid;" +
  "place-items:center;padding:16px}" +
  ".preferences{width:min(40rem,100%);max-height:calc(100vh - 32px);overflow:auto}" +
  ".header{display:flex;gap:8px;justify-content:space-between;align-items:flex-start}" +
  ".close,.disclose{flex:none;border:0;min-height:0}.close{font-size:1.6em;line-height:1;padding:0 .3em}" +
  "ul{list-style:none;margin:0 0 1em;padding:0}li{border-top:1px solid #8886;padding:.75em 0}" +
  "label{display:flex;gap:.75em;align-items:center;justify-content:space-between;font-weight:600}" +
  "li p,.services{margin:.3em 0 0;font-size:.93em}" +
  // the services' disclosure: a button, its chevron drawn here (down, up once open)
  ".disclose{display:inline-flex;gap:.6em;align-items:center;margin:.2em 0 0;padding:.3em .5em;" +
  "font-size:.93em;color:var(--muted)}.disclose:after{content:'';width:.45em;height:.45em;" +
  "border:solid;border-width:0 2px 2px 0;transform:translateY(-.15em) rotate(45deg);transition:transform .15s}" +
  ".disclose[aria-expanded=true]:after{transform:translateY(.1em) rotate(225deg)}" +
  ".services label{font-weight:500;margin-top:.5em}" +
  // "Always on": a label where the switch would be; the switch stays, for assistive technology
  ".always{flex:none;font-size:.8em;padding:.15em .7em;border-radius:1em;background:#8883}" +
  ".always+input{position:absolute;opacity:0;width:1px;pointer-events:none}" +
  "input{appearance:none;flex:none;width:2.75em;height:1.6em;margin:0;border-radius:1em;" +
  "background:var(--switch);position:relative;cursor:pointer;transition:background .15s}" +
  "input:before{content:'';position:absolute;top:.2em;inset-inline-start:.2em;width:1.2em;height:1.2em;" +
  "border-radius:50%;background:#fff;transition:transform .15s}" +
  "input:checked{background:var(--accent)}input:checked:before{transform:translateX(1.15em)}" +
  "[dir=rtl] input:checked:before{transform:translateX(-1.15em)}" +
  "input:hover{filter:brightness(1.15)}" +
  ".gpc-notice{font-size:.9em;padding:.5em .8em;border-inline-start:3px solid var(--accent);background:#8882}" +
  ".reopen{position:fixed;z-index:2147483645;bottom:16px;inset-inline-start:16px;width:44px;height:44px;" +
  "padding:0;border-radius:50%;flex:none;display:grid;place-items:center;box-shadow:0 2px 10px #0005}" +
  // a phone: the banner along the bottom edge, tighter, its text a little smaller
  "@media(max-width:480px){.banner,.bottom-left .banner,.bottom-right .banner{inset-inline:0;bottom:0;" +
  "transform:none;width:100%;border-radius:12px 12px 0 0;padding:14px 16px 16px}" +
  ".banner h2{font-size:1.05em}.banner p{font-size:.9em;line-height:1.4;margin-bottom:.75em}}";
var REOPEN_ICON = '<svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" ' +
  'd="M12 2a10 10 0 1 0 10 10 4 4 0 0 1-5-5 4 4 0 0 1-5-5zM8 9a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm7 5a1.5 ' +
  '1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3zm-6 2a1 1 0 1 1 0 2 1 1 0 0 1 0-2z"/></svg>';

// localStorage keys, per public key: the last config, the latest choice's receipt, unsent records
var CONFIG_KEY = "wg:cfg:" + publicKey, RECEIPT_KEY = "wg:state:" + publicKey, QUEUE_KEY = "wg:queue:" + publicKey;

var config;            // the banner's config, from the gateway (or the copy stored last time)
var choice = null;     // the visitor's current choice, as in the cookie
var receipt = null;    // {id, t, receipt}: the gateway's receipt for that choice, once it came
var queue = [];        // records the gateway has not accepted yet, mirrored to localStorage
var sending = false;
var host, root, frame, view, lastFocus, pendingShow, pendingAccept;
var appliedChoice = "", listeners = {};
var gpc = attempt(function () { return navigator.globalPrivacyControl === true; }, false);

// --- storage: a blocked or full localStorage costs the copy, never the choice --------------------
function readStored(key) {
  return attempt(function () { return fromJson(localStorage.getItem(key)); }, null);
}
function writeStored(key, value) {
  attempt(function () { localStorage.setItem(key, toJson(value)); });
}
function nowSeconds() { return Math.floor(clock() / 1000); }
function randomId() {
  return join(map(arrayFrom(crypto.getRandomValues(new Uint8Array(16))), function (byte) {
    return sliceText((byte + 256).toString(16), 1);
  }), "");
}
function gtag() {
  if (typeof window.gtag == "function") return applyTo(window.gtag, window, arguments);
  var layer = (window.dataLayer = window.dataLayer || []);
  applyTo(layer.push, layer, [arguments]); // the page's (or Google's) push, as gtag.js expects
}
function notify(listener, detail) {
  try { listener(detail); } catch (error) { attempt(function () { console.error(error); }); }
}
function emit(type, detail) {
  forEach(listeners[type] || [], function (listener) { notify(listener, detail); });
  var name = type == "consent" ? "wg:consent" : "wg:consent-" + type;
  attempt(function () { window.dispatchEvent(new CustomEvent(name, { detail: detail })); });
}

// --- the choice: a first-party cookie the site's backend can read --------------------------------
function cookieName(forConfig) { return (forConfig && forConfig.cookie) || "wg_consent"; }
// "v=1&id=…&pv=…&t=…&c=a.b&s=x&gpc=0" from document.cookie, or null (docs/consent-widget.md)
function parseConsentCookie(cookies, name) {
  var found = new RegExp("(?:^|; )" + name + "=([^;]*)").exec(cookies || "");
  if (!found) return null;
  var fields = new URLSearchParams(found[1]);
  if (fields.get("v") != "1" || !fields.get("id")) return null;
  function list(field) { return filter(split(fields.get(field) || "", "."), Boolean); }
  return { id: fields.get("id"), version: fields.get("pv"), given: +fields.get("t"),
    categories: list("c"), services: list("s"), gpc: fields.get("gpc") == "1" };
}
function formatConsentCookie(current) {
  return String(new URLSearchParams({ v: 1, id: current.id, pv: current.version, t: current.given,
    c: join(current.categories, "."), s: join(current.services, "."), gpc: current.gpc ? 1 : 0 }));
}
function readChoice(forConfig) {
  return parseConsentCookie(attempt(function () { return document.cookie; }, ""), cookieName(forConfig));
}
function writeChoice(current) {
  attempt(function () {
    writeConsentCookie(cookieName(config), formatConsentCookie(current), config.lifetime_days * 86400);
  });
}
function stillValid(current, forConfig) {
  return !!(current && forConfig && current.version == forConfig.version &&
    current.given + forConfig.lifetime_days * 86400 > nowSeconds());
}
function state() {
  if (!choice) return null;
  var own = receipt && receipt.id == choice.id && receipt.t == choice.given;
  return { id: choice.id, version: choice.version, given: choice.given,
    categories: sliceList(choice.categories), services: sliceList(choice.services), gpc: choice.gpc,
    receipt: own ? receipt.receipt : null };
}
function accepted(list, id) { return indexOf(list, id) >= 0; }

// --- applying a choice: Consent Mode, blocked scripts and iframes, events ----------------------
function applyChoice() {
  var applied = toJson(choice);
  releaseBlocked();
  if (applied == appliedChoice) return;
  appliedChoice = applied;
  var update = {};
  forEach(CONSENT_MODE_TYPES, function (type) { update[type] = "denied"; });
  forEach(config.categories, function (category) {
    if (accepted(choice.categories, category.id)) {
      forEach(category.consent_mode, function (type) { update[type] = "granted"; });
    }
  });
  attempt(function () { gtag("consent", "update", update); });
  emit("consent", state());
}
function allowed(element) {
  var service = element.getAttribute("data-service");
  return accepted(choice.categories, element.getAttribute("data-category")) &&
    (!service || accepted(choice.services, service));
}
var BLOCKED = 'script[type="text/plain"][data-category]:not([data-wg-done]),' +
  "iframe[data-src][data-category]:not([data-wg-done])";
var NOT_COPIED = /^(type|src|nonce|data-(category|service|src|type|wg-done))$/;
var BLOCKED_FRAMES = "iframe[data-src][data-category]:not([data-wg-done])";
function releaseBlocked() {
  if (!choice) return;
  attempt(function () {
    forEach(document.querySelectorAll(BLOCKED), function (element) {
      if (allowed(element)) release(element);
    });
  });
}
function release(element) {
  element.setAttribute("data-wg-done", "");
  if (element.tagName == "IFRAME") return (element.src = element.getAttribute("data-src"));
  var runnable = document.createElement("script");
  forEach(element.attributes, function (attribute) {
    if (!matches(NOT_COPIED, attribute.name)) runnable.setAttribute(attribute.name, attribute.value);
  });
  // Under a CSP the browser hides a nonce from the attribute: the property keeps it. Only the
  // blocked element's own nonce is passed on, so injected markup cannot borrow the widget's.
  if (element.nonce) runnable.nonce = element.nonce;
  if (element.getAttribute("data-type")) runnable.type = element.getAttribute("data-type");
  if (element.getAttribute("data-src")) runnable.src = element.getAttribute("data-src");
  else runnable.text = element.text;
  element.parentNode.insertBefore(runnable, element.nextSibling);
}

// --- click-to-load placeholders and the cookie table: consent-extras.js, loaded on demand -------
// "@asset:…" becomes that widget's hashed path (gateway/web/assets.py); the extras find this
// widget's internals in namespace.consentHost and follow its choices through its events.
var EXTRAS_PATH = "@asset:consent-extras", extrasLoaded = false;
function loadExtras() {
  var needed = attempt(function () {
    return !!document.querySelector("[data-wg-cookie-table]") ||
      some(arrayFrom(document.querySelectorAll(BLOCKED_FRAMES)), function (frame) { return !choice || !allowed(frame); });
  }, false);
  if (extrasLoaded || !config || !needed) return;
  extrasLoaded = true;
  namespace.consentHost = { config: function () { return config; }, allowed: function (element) { return !!choice && allowed(element); },
    release: release, allow: guarded(allowService) };
  attempt(function () {
    var tag = document.createElement("script");
    tag.src = gateway + EXTRAS_PATH;
    // under a nonce-based CSP the widget's own nonce is passed on ('strict-dynamic' needs none)
    if (script.nonce) tag.nonce = script.nonce;
    (document.head || document.documentElement).appendChild(tag);
  });
}
// "Always allow <service>": the visitor's choice so far, plus that service and its category
function allowService(categoryId, serviceId) {
  var category = categoryOf(categoryId);
  if (!category) return;
  var categories = choice ? sliceList(choice.categories) : [], services = choice ? sliceList(choice.services) : [];
  if (!accepted(categories, categoryId)) push(categories, categoryId);
  forEach(category.services, function (service) {
    if ((!serviceId || service.id == serviceId) && !accepted(services, service.id)) push(services, service.id);
  });
  choose(categories, "custom", services);
}

// --- a new choice ---------------------------------------------------------------------------------
function categoryOf(id) {
  return filter(config.categories, function (category) { return category.id == id; })[0];
}
function anyOptional(categoryIds) {
  return some(categoryIds, function (id) { var category = categoryOf(id); return category && !category.required; });
}
function choose(categoryIds, action, serviceIds) {
  forEach(config.categories, function (category) {
    if (category.required && !accepted(categoryIds, category.id)) push(categoryIds, category.id);
  });
  categoryIds = filter(categoryIds, function (id) { return !!categoryOf(id); });
  if (!serviceIds) {
    serviceIds = [];
    forEach(config.categories, function (category) {
      if (accepted(categoryIds, category.id)) {
        forEach(category.services, function (service) { push(serviceIds, service.id); });
      }
    });
  }
  if (choice && !choice.implied && anyOptional(choice.categories) && !anyOptional(categoryIds)) action = "withdraw";
  choice = { id: (choice && choice.id) || randomId(), version: config.version, given: nowSeconds(),
    categories: categoryIds, services: serviceIds, gpc: gpc };
  writeChoice(choice);
  receipt = { id: choice.id, t: choice.given, receipt: null };
  writeStored(RECEIPT_KEY, receipt);
  enqueue(recordOf(choice, action));
  close();
  applyChoice();
  attempt(function () { deleteRefusedCookies(choice); });
  sendPending();
}
function recordOf(current, action) {
  var record = { consent_id: current.id, action: action, categories: {}, services: {},
    policy_version: current.version, language: config.lang, gpc: gpc, variant: config.variant || undefined,
    page_url: location.origin + location.pathname,
    given_at: new Date(current.given * 1000).toISOString(),
    // the same on every retry, so the gateway gives a resent record the same id
    record_key: randomId(), config_digest: config.digest };
  forEach(config.categories, function (category) {
    record.categories[category.id] = accepted(current.categories, category.id);
    forEach(category.services, function (service) {
      record.services[service.id] = accepted(current.services, service.id);
    });
  });
  return record;
}
function acceptAll() {
  var wanted = filter(config.categories, function (category) { return !(gpc && category.gpc); });
  choose(map(wanted, function (category) { return category.id; }), "accept_all");
}

// --- sending records: kept until the gateway accepts them ----------------------------------------
// Queued items keep the field names earlier releases stored, so their records are still sent:
// k the record key, r the record, n the attempts so far, at the time of the next attempt (ms).
function enqueue(record) {
  push(queue, { k: record.record_key, r: record, n: 0, at: 0 });
  saveQueue();
}
function saveQueue() {
  queue = sliceList(queue, -MAX_QUEUED);
  writeStored(QUEUE_KEY, queue);
}
function loadQueue() {
  var stored = readStored(QUEUE_KEY);
  queue = isArray(stored) ? filter(stored, function (item) { return item && item.r && item.k; }) : [];
}
// force: the gateway just answered, so pending records go now whatever their backoff says
function sendPending(force) {
  if (sending) return;
  var item = filter(queue, function (queued) { return force || queued.at <= clock(); })[0];
  if (!item) return;
  var finished = false;
  sending = true;
  function finish(retry) {
    if (finished) return;
    finished = true;
    sending = false;
    queue = filter(queue, function (queued) { return queued.k != item.k; });
    if (retry) {
      item.n++;
      item.at = clock() + Math.min(3600e3, 2000 * Math.pow(2, item.n));
      unshift(queue, item);
      if (item.n < MAX_ATTEMPTS_PER_PAGE) later(guarded(sendPending), item.at - clock());
    }
    saveQueue();
    if (!retry) sendPending(force);
  }
  function onAccepted(answer) {
    if (answer && answer.receipt && receipt && receipt.id == item.r.consent_id) {
      receipt = { id: receipt.id, t: receipt.t, receipt: answer.receipt };
      writeStored(RECEIPT_KEY, receipt);
    }
    finish(false);
    emit("record", answer);
  }
  function onAnswer(response) {
    if (response.ok) return after(readJson(response), onAccepted);
    finish(response.status >= 500 || response.status == 429 || response.status == 408);
  }
  var url = gateway + "/v1/" + publicKey + "/consent";
  var options = { method: "POST", body: toJson(item.r), credentials: "omit", keepalive: true };
  var sent = attempt(function () { return fetchNow(url, options); }, null);
  if (!sent) return finish(true);
  after(after(sent, onAnswer), null, function () { finish(true); });
}

// Once per page view, when the banner asks a visitor who has not chosen: the site's "banners shown"
var shownReported = false;
function reportShown() {
  if (shownReported) return;
  shownReported = true;
  var options = { method: "POST", body: toJson({ config_digest: config.digest }), credentials: "omit", keepalive: true };
  attempt(function () { after(fetchNow(gateway + "/v1/" + publicKey + "/consent/shown", options), null, function () {}); });
}

// --- the UI, in a Shadow DOM ------------------------------------------------------------------------
function mount() {
  if (host || !document.body) return;
  host = document.createElement("div");
  host.id = "wg-consent";
  // through the CSSOM, which a CSP without 'unsafe-inline' allows (a style attribute it blocks)
  host.style.cssText = "all:initial!important;display:block!important";
  root = host.attachShadow({ mode: "open" });
  adoptStyles(root, CSS);
  frame = document.createElement("div");
  root.appendChild(frame);
  root.addEventListener("click", guarded(onClick));
  root.addEventListener("change", guarded(onChange));
  root.addEventListener("keydown", guarded(onKey));
  document.body.appendChild(host);
}
function button(action, text, secondary) {
  return '<button type="button" data-action="' + action + '"' + (secondary ? ' class="secondary"' : "") + ">" + escapeHtml(text) + "</button>";
}
function switchInput(attributes, on, locked) {
  return '<input type="checkbox" role="switch" ' + attributes + (on ? " checked" : "") + (locked ? " disabled" : "") + ">";
}
function policyLink() {
  if (!config.policy_url) return "";
  return ' <a href="' + escapeHtml(config.policy_url) + '" target="_blank" rel="noopener">' +
    escapeHtml(config.texts.policy_link) + "</a>";
}
function renderBanner() {
  var texts = config.texts;
  return '<div class="banner" role="dialog" aria-modal="false" aria-labelledby="wg-title" aria-describedby="wg-text" tabindex="-1">' +
    '<h2 id="wg-title">' + escapeHtml(texts.title) + '</h2><p id="wg-text">' + escapeHtml(texts.description) + policyLink() + "</p>" +
    '<div class="buttons">' + button("accept-all", texts.accept_all) + button("reject-all", texts.reject_all) +
    button("preferences", texts.customise, true) + "</div></div>";
}
function renderPreferences() {
  var texts = config.texts;
  var gpcNotice = gpc && some(config.categories, function (category) { return category.gpc; });
  return '<div class="overlay"><div class="preferences" role="dialog" aria-modal="true" aria-labelledby="wg-prefs-title" aria-describedby="wg-prefs-text" tabindex="-1">' +
    '<div class="header"><h2 id="wg-prefs-title">' + escapeHtml(texts.preferences_title) + "</h2>" +
    '<button type="button" class="close" data-action="close" aria-label="' + escapeHtml(texts.close) + '">&times;</button></div>' +
    '<p id="wg-prefs-text">' + escapeHtml(texts.preferences_description) + policyLink() + "</p>" +
    (gpcNotice ? '<p class="gpc-notice">' + escapeHtml(texts.gpc_notice) + "</p>" : "") +
    "<ul>" + join(map(config.categories, renderCategory), "") + "</ul>" +
    '<div class="buttons">' + button("reject-all", texts.reject_all, true) + button("accept-all", texts.accept_all, true) +
    button("save", texts.save) + "</div></div></div>";
}
function renderCategory(category) {
  var on = category.required || (choice ? accepted(choice.categories, category.id) : false);
  var list = "wg-s-" + escapeHtml(category.id);
  var services = category.services.length ? '<button type="button" class="disclose" data-action="disclose" aria-expanded="false" aria-controls="' +
    list + '">' + escapeHtml(config.texts.services) + " (" + category.services.length + ')</button><div class="services" id="' + list + '" hidden>' +
    join(map(category.services, function (service) { return renderService(category, on, service); }), "") +
    "</div>" : "";
  return "<li>" + switchLabel(category.title, 'data-category="' + escapeHtml(category.id) + '"', on, category.required) +
    "<p>" + escapeHtml(category.description) + "</p>" + services + "</li>";
}
// a category's or service's title and its switch; a required one's "Always on" label before it
function switchLabel(title, attributes, on, locked) {
  return "<label><span>" + escapeHtml(title) + "</span>" +
    (locked ? '<span class="always">' + escapeHtml(config.texts.always_on) + "</span>" : "") +
    switchInput(attributes, on, locked) + "</label>";
}
function renderService(category, categoryOn, service) {
  var on = category.required || (categoryOn && (!choice || accepted(choice.services, service.id)));
  return switchLabel(service.name, 'data-service="' + escapeHtml(service.id) + '" data-parent="' + escapeHtml(category.id) + '"', on, category.required) +
    (service.description ? "<p>" + escapeHtml(service.description) + "</p>" : "");
}
function renderReopenButton() {
  var label = escapeHtml(config.mode == "opt_out" ? config.texts.do_not_sell : config.texts.reopen);
  return '<button type="button" class="reopen" data-action="preferences" aria-label="' + label + '" title="' + label + '">' + REOPEN_ICON + "</button>";
}
// view: "banner", "preferences", or null (only the reopen button, if the config wants one)
function render(nextView) {
  mount();
  if (!root) return;
  var theme = config.theme || {};
  var mode = scriptOptions.theme || theme.mode || "auto";
  frame.className = "wg " + mode + " " + (theme.position || "bottom");
  frame.setAttribute("lang", config.lang);
  frame.setAttribute("dir", config.dir || "ltr");
  // the key's accent, when the page sets no --wg-accent; its text colour is picked for contrast
  frame.style.cssText = theme.accent ? "--accent:var(--wg-accent," + theme.accent + ");--accent-text:var(--wg-accent-text," + contrastText(theme.accent) + ")" : "";
  frame.innerHTML = nextView == "banner" ? renderBanner() : nextView == "preferences" ? renderPreferences() :
    nextView == "notice" ? renderNotice() :
    choice && config.reopen && !(choice.implied && config.mode == "none") ? renderReopenButton() : "";
  view = nextView;
  var dialog = root.querySelector("[role=dialog]");
  if (dialog) attempt(function () { dialog.focus({ preventScroll: true }); });
}
// "#111" or "#fff", whichever reads better on the background colour "#rrggbb" (WCAG luminance)
function contrastText(hex) {
  var linear = map([1, 3, 5], function (at) {
    var channel = parseInt(sliceText(hex, at, at + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : Math.pow((channel + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] > 0.179 ? "#111" : "#fff";
}
function open(nextView) {
  if (!view) lastFocus = (root && root.activeElement) || document.activeElement;
  render(nextView);
}
function close() {
  render(null);
  var focused = lastFocus;
  lastFocus = null;
  if (focused && focused.focus && focused != document.body) {
    attempt(function () { (focused.isConnected ? focused : root.querySelector(".reopen") || focused).focus({ preventScroll: true }); });
  }
}
function checkedValues(selector, attribute) {
  return map(arrayFrom(root.querySelectorAll(selector)), function (input) { return input.getAttribute(attribute); });
}
function onClick(event) {
  var target = event.target.closest("[data-action]"), action = target && target.getAttribute("data-action");
  if (action == "accept-all") acceptAll();
  else if (action == "reject-all") choose([], "reject_all");
  else if (action == "preferences") open("preferences");
  else if (action == "dismiss") dismissNotice();
  else if (action == "disclose") {
    var expanded = target.getAttribute("aria-expanded") != "true";
    target.setAttribute("aria-expanded", expanded);
    root.getElementById(target.getAttribute("aria-controls")).hidden = !expanded;
  }
  else if (action == "close") stillValid(choice, config) ? close() : render("banner");
  else if (action == "save") {
    choose(checkedValues("input[data-category]:checked", "data-category"), "custom",
      checkedValues("input[data-service]:checked", "data-service"));
  }
}
function onChange(event) {
  // a category switch sets its services; turning a service on turns its category on
  var input = event.target, category = input.getAttribute("data-category"), parent = input.getAttribute("data-parent");
  if (category) {
    forEach(root.querySelectorAll('input[data-parent="' + category + '"]'), function (service) { service.checked = input.checked; });
  }
  if (parent && input.checked) root.querySelector('input[data-category="' + parent + '"]').checked = true;
}
function onKey(event) {
  if (view != "preferences") return;
  if (event.key == "Escape") return onClick({ target: root.querySelector(".close") });
  if (event.key != "Tab") return;
  var focusable = root.querySelectorAll(".preferences button,.preferences input:not(:disabled),.preferences a");
  var first = focusable[0], last = focusable[focusable.length - 1], at = root.activeElement;
  if (event.shiftKey ? at == first || at == root.querySelector(".preferences") : at == last) {
    event.preventDefault();
    (event.shiftKey ? last : first).focus();
  }
}
var onDocumentClick = guarded(function (event) {
  var opener = event.target && event.target.closest && event.target.closest("[data-wg-consent-open]");
  if (opener) { event.preventDefault(); api.show(); }
});

// --- start ------------------------------------------------------------------------------------------
function ready(fresh) {
  config = fresh;
  writeStored(CONFIG_KEY, fresh);
  choice = readChoice(fresh);
  if (stillValid(choice, fresh)) { applyChoice(); render(null); }
  else if (fresh.mode == "opt_out" || fresh.mode == "none") startWithoutBanner();
  else { open("banner"); reportShown(); }
  sendPending(true);
  if (pendingAccept) api.accept(pendingAccept);
  if (pendingShow) open("preferences");
  loadExtras();
}
function languages() {
  var wanted = [scriptOptions.lang, document.documentElement.lang];
  forEach(attempt(function () { return arrayFrom(navigator.languages); }, []), function (tag) { push(wanted, tag); });
  return join(filter(wanted, Boolean), ",");
}
function whenBody(fresh) {
  if (document.body) ready(fresh);
  else document.addEventListener("DOMContentLoaded", guarded(function () { ready(fresh); }));
}
// The per-key script carries the config in one language: used unless the page's own lang (or
// data-lang) names another language, which the config answer is then asked for.
function inlineFits(inline) {
  var wanted = scriptOptions.lang || document.documentElement.lang;
  function primary(tag) { return split(String(tag).toLowerCase(), /[-_]/)[0]; }
  return !!inline && (!wanted || primary(wanted) == primary(inline.lang));
}
function start() {
  var denied = { wait_for_update: 500 };
  forEach(CONSENT_MODE_TYPES, function (type) { denied[type] = "denied"; });
  attempt(function () { gtag("consent", "default", denied); });
  if (!publicKey || !script) return warn("the script tag needs data-key");
  loadQueue();
  receipt = readStored(RECEIPT_KEY);
  var stored = readStored(CONFIG_KEY);
  choice = readChoice(stored);
  if (stillValid(choice, stored)) { config = stored; applyChoice(); } // before the network answers
  document.addEventListener("click", onDocumentClick);
  document.addEventListener("DOMContentLoaded", guarded(function () { if (config && choice) releaseBlocked(); loadExtras(); }));
  if (INLINE && inlineFits(INLINE.config)) return whenBody(INLINE.config);
  var url = gateway + "/v1/" + publicKey + "/consent/config?lang=" + encodeURIComponent(languages());
  after(after(fetchNow(url, { cache: "no-cache", credentials: "omit" }), function (response) {
    return after(readJson(response), function (body) {
      if (!response.ok || !body) {
        return warn(body && body.code ? "the gateway refused this page (" + body.code + ")" : "the gateway answered " + response.status);
      }
      whenBody(body);
    });
  }), null, guarded(function () {
    warn("could not reach the gateway, or this origin is not allowed for the key");
    if (choice && !config && stored) { config = stored; applyChoice(); }
  }));
}

var api = {
  get: guarded(state),
  show: guarded(function () { config ? open("preferences") : (pendingShow = true); }),
  accept: guarded(function (categories) {
    if (!config) return void (pendingAccept = categories);
    categories == "all" ? acceptAll() : choose(sliceList(categories || []), "custom");
  }),
  on: function (type, listener) {
    push(listeners[type] = listeners[type] || [], listener);
    if (type == "consent" && appliedChoice) notify(listener, state());
    return function () { listeners[type] = filter(listeners[type], function (other) { return other != listener; }); };
  },
  destroy: guarded(function () {
    document.removeEventListener("click", onDocumentClick);
    if (host) host.remove();
    host = root = frame = null;
    delete namespace.consent;
  }),
};
namespace.consent = api;
var queuedCalls = namespace.consentQueue;
namespace.consentQueue = { push: function (fn) { notify(fn, api); } };
attempt(start);
if (queuedCalls && isArray(queuedCalls)) forEach(queuedCalls, function (fn) { notify(fn, api); });
