/* Widget Gateway — the prelude both widgets share.
 *
 * Not a script of its own: the gateway serves each widget as one file, this prelude followed by
 * the widget's source, inside one function called with (window, document, WIDGET), WIDGET being
 * "consent" or "rights" (gateway/web/assets.py). What is declared here is visible to the widget. */

// --- loaded twice: the first copy stays in charge -------------------------------------------------
var namespace = attempt(function () {
  return (window.WidgetGateway = window.WidgetGateway || {});
}, {});
if (namespace[WIDGET]) {
  // A copy that mounts into the page looks for new mount points instead.
  attempt(function () { if (namespace[WIDGET].scan) namespace[WIDGET].scan(); });
  return;
}

// --- built-ins, captured before the host page can replace them ---------------------------------
// Host pages do replace built-ins after the widgets have loaded: Prototype.js-style libraries
// redefine Array methods, broken polyfills replace Promise, JSON or fetch. The widgets call only
// the functions captured here, as plain functions, never a method looked up on a host object.
var uncurry = Function.prototype.bind.bind(Function.prototype.call);
var bindTo = uncurry(Function.prototype.bind);
var applyTo = uncurry(Function.prototype.apply);
var forEach = uncurry(Array.prototype.forEach);
var map = uncurry(Array.prototype.map);
var filter = uncurry(Array.prototype.filter);
var some = uncurry(Array.prototype.some);
var every = uncurry(Array.prototype.every);
var indexOf = uncurry(Array.prototype.indexOf);
var push = uncurry(Array.prototype.push);
var unshift = uncurry(Array.prototype.unshift);
var join = uncurry(Array.prototype.join);
var concat = uncurry(Array.prototype.concat);
var sliceList = uncurry(Array.prototype.slice);
var split = uncurry(String.prototype.split);
var replace = uncurry(String.prototype.replace);
var sliceText = uncurry(String.prototype.slice);
var trim = uncurry(String.prototype.trim);
var lastIndexOf = uncurry(String.prototype.lastIndexOf);
var matches = uncurry(RegExp.prototype.test);
var isArray = Array.isArray;
var arrayFrom = Array.from;
var objectKeys = Object.keys;
var parseJson = JSON.parse;
var stringifyPrimitive = JSON.stringify;
var NativePromise = window.Promise;
var then = uncurry(NativePromise.prototype.then);
var resolved = bindTo(NativePromise.resolve, NativePromise);
var fetchNow = window.fetch ? bindTo(window.fetch, window) : null;
var responseText = window.Response ? uncurry(Response.prototype.text) : null;
var headerValue = window.Headers ? uncurry(Headers.prototype.get) : null;
var later = bindTo(window.setTimeout, window);
var clock = Date.now;

// --- never throwing into the host page ------------------------------------------------------------
function attempt(fn, fallback) {
  try { return fn(); } catch (error) { return fallback; }
}
var warned = {};
// One console warning per distinct message: a page is told once what is wrong, not on every retry.
function warn(message) {
  message = String((message && message.message) || message);
  if (warned[message]) return;
  warned[message] = true;
  attempt(function () { console.warn("Widget Gateway " + WIDGET + ": " + message); });
}
// A function that never throws: event listeners and the public API are wrapped in it.
function guarded(fn) {
  return function () {
    try { return applyTo(fn, this, arguments); } catch (error) { warn(error); }
  };
}

// JSON.stringify honours toJSON, which Prototype.js puts on Array.prototype (arrays then become
// strings): the widgets send and store only plain data, serialised here without it.
function toJson(value) {
  if (isArray(value)) return "[" + join(map(value, function (item) { return toJson(item); }), ",") + "]";
  if (value && typeof value == "object") {
    var keys = filter(objectKeys(value), function (key) { return value[key] !== undefined; });
    return "{" + join(map(keys, function (key) {
      return stringifyPrimitive(String(key)) + ":" + toJson(value[key]);
    }), ",") + "}";
  }
  return stringifyPrimitive(value === undefined ? null : value);
}
function fromJson(text) { return parseJson(text); }

// promiseLike.then(onFulfilled, onRejected) with the captured Promise, whatever the page did to
// Promise.prototype, and for any thenable a fetch wrapper of the page may return.
function after(promiseLike, onFulfilled, onRejected) {
  return then(resolved(promiseLike), onFulfilled, onRejected);
}
// A promise of the answer's JSON body (null when it has none), through captured built-ins.
function readJson(response) {
  return after(responseText(response), function (text) {
    return attempt(function () { return parseJson(text); }, null);
  });
}
function wait(ms) {
  return new NativePromise(function (resolve) { later(resolve, ms > 0 ? ms : 0); });
}

// --- where the widget came from ---------------------------------------------------------------------
// The gateway's base URL is the script's URL without "/widgets/<file>" (or, for the per-key
// script, "/v1/<key>/<file>"), so a gateway served under a path prefix
// (https://example.org/privacy/widgets/consent.js) is called under that prefix.
function baseUrl(scriptUrl, pageUrl) {
  var url = new URL(scriptUrl, pageUrl);
  return url.origin + replace(url.pathname, /\/(widgets|v1\/[^\/]+)\/[^\/]*$/, "");
}
var script = attempt(function () {
  return document.currentScript ||
    document.querySelector('script[data-key][src*="/widgets/' + WIDGET + '"]');
}, null);
var scriptOptions = (script && script.dataset) || {};
// INLINE: what the per-key script (/v1/<key>/consent.js) carries, {key, config}; else undefined
var publicKey = INLINE ? INLINE.key : scriptOptions.key;
var gateway = attempt(function () { return baseUrl(script.src, location.href); }, "");

// --- styles -------------------------------------------------------------------------------------------
// A stylesheet adopted by a shadow root is not subject to the page's style-src, unlike a <style>
// element: a strict CSP without 'unsafe-inline' leaves the widgets styled. Browsers without
// constructable stylesheets get the <style> element.
function adoptStyles(root, css) {
  var adopted = attempt(function () {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    return root.adoptedStyleSheets.length == 1;
  }, false);
  if (adopted) return;
  var style = document.createElement("style");
  style.textContent = css;
  root.appendChild(style);
}

// One palette for both widgets, so one theme styles both. Pages pass --wg-* custom properties in;
// a widget's outer element is ".wg" with "light", "dark" or "auto" (follows the system).
var FONT = "15px/1.5 var(--wg-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif)";
var LIGHT = "--accent:var(--wg-accent,#1d4ed8);--accent-text:var(--wg-accent-text,#fff);" +
  "--bg:var(--wg-bg,#fff);--text:var(--wg-text,#1b1f24);--muted:#4b5563;--switch:#6b7280;" +
  "--line:#8889;--error:var(--wg-error,#b42318)";
var DARK = "--accent:var(--wg-accent,#8ab4f8);--accent-text:var(--wg-accent-text,#0b1b33);" +
  "--bg:var(--wg-bg,#1f2125);--text:var(--wg-text,#eef0f3);--muted:#c2c8d0;--switch:#8b93a0;" +
  "--error:var(--wg-error,#ff8a80)";
var PALETTE_CSS = ":host{all:initial}*{box-sizing:border-box}" +
  ".wg{" + LIGHT + ";font:" + FONT + ";color:var(--text)}.wg.dark{" + DARK + "}" +
  "@media(prefers-color-scheme:dark){.wg.auto{" + DARK + "}}" +
  ":focus-visible{outline:3px solid var(--accent);outline-offset:2px}" +
  "@media(prefers-reduced-motion:reduce){*{transition:none!important}}";

// HTML text from any value: the widgets build their markup from the gateway's config.
function escapeHtml(value) {
  return replace(String(value == null ? "" : value), /[&<>"']/g, function (c) {
    return "&#" + c.charCodeAt(0) + ";";
  });
}
function fillIn(template, values) {
  return replace(String(template), /\{(\w+)\}/g, function (whole, name) {
    return name in values ? values[name] : whole;
  });
}
