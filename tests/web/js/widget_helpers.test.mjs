// The widgets' pure helpers, run by Node's own test runner: `node --test tests/web/js/`
// (tests/web/test_widget_helpers.py runs it as part of the suite).
//
// Each widget's source is evaluated as the gateway serves it — after the prelude, inside one
// function of (window, document, WIDGET, INLINE) — with a window that inherits Node's globals and no
// document, so the widget finds no script tag, mounts nothing, and its helpers can be called.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const SRC = new URL("../../../static/src/", import.meta.url);
const read = (name) => readFileSync(new URL(name, SRC), "utf8");

// A widget's parts (static/src/<widget>/*.js) come between the prelude and its source, in name order.
function parts(widget) {
  const files = (() => { try { return readdirSync(new URL(`${widget}/`, SRC)); } catch { return []; } })();
  return files.filter((f) => f.endsWith(".js")).sort().map((f) => read(`${widget}/${f}`)).join("\n");
}

function helpers(widget, names) {
  const body = `${read("prelude.js")}\n${parts(widget)}\n${read(`${widget}.js`)}\nreturn {${names.join(",")}};`;
  const quiet = console.warn;
  console.warn = () => {};
  try {
    return new Function("window", "document", "WIDGET", "INLINE", body)(Object.create(globalThis), undefined, widget, undefined);
  } finally {
    console.warn = quiet;
  }
}

const consent = helpers("consent", ["parseConsentCookie", "formatConsentCookie", "contrastText", "baseUrl", "toJson",
  "cookieDomainFor"]);
const rights = helpers("rights", ["emailLooksValid", "problemWith", "baseUrl"]);

test("the consent cookie is read from document.cookie", () => {
  const cookies = "a=1; wg_consent=v=1&id=5c0e&pv=3&t=1735689600&c=necessary.analytics&s=matomo&gpc=1; b=2";
  assert.deepEqual(consent.parseConsentCookie(cookies, "wg_consent"), {
    id: "5c0e", version: "3", given: 1735689600, categories: ["necessary", "analytics"],
    services: ["matomo"], gpc: true,
  });
});

test("a cookie that is not ours, of another version, or without an id is no choice", () => {
  for (const cookies of ["", "other=1", "xwg_consent=v=1&id=a", "wg_consent=v=2&id=a", "wg_consent=v=1&c=x"]) {
    assert.equal(consent.parseConsentCookie(cookies, "wg_consent"), null, cookies);
  }
});

test("a written cookie reads back as the same choice", () => {
  const choice = { id: "ab12", version: "2", given: 1700000000, categories: ["necessary"], services: [], gpc: false };
  const written = consent.formatConsentCookie(choice);
  assert.equal(written, "v=1&id=ab12&pv=2&t=1700000000&c=necessary&s=&gpc=0");
  assert.deepEqual(consent.parseConsentCookie(`shop_consent=${written}`, "shop_consent"), choice);
});

test("text on the key's accent colour is the more readable of near-black and white", () => {
  const cases = { "#ffffff": "#111", "#000000": "#fff", "#1d4ed8": "#fff", "#0f766e": "#fff",
    "#ffeb3b": "#111", "#8ab4f8": "#111" };
  for (const [background, text] of Object.entries(cases)) {
    assert.equal(consent.contrastText(background), text, background);
  }
});

test("the gateway's base URL keeps a path prefix and drops the widget file, query and fragment", () => {
  const page = "https://shop.example/cart/";
  const cases = {
    "https://gw.example/widgets/consent.js": "https://gw.example",
    "https://gw.example/privacy/widgets/rights.3f2a1b4c5d6e.js?v=1#x": "https://gw.example/privacy",
    "https://gw.example:8443/a/b/widgets/consent.js": "https://gw.example:8443/a/b",
    "/widgets/consent.js": "https://shop.example",
    "//gw.example/widgets/consent.js": "https://gw.example",
  };
  for (const [src, base] of Object.entries(cases)) {
    assert.equal(consent.baseUrl(src, page), base, src);
    assert.equal(rights.baseUrl(src, page), base, src); // one helper, shared
  }
});

test("records are serialised without the page's Array.prototype.toJSON", () => {
  Array.prototype.toJSON = function () { return "[" + this.join(",") + "]"; };
  try {
    const json = consent.toJson({ a: [1, "x", { b: [true, null] }], skipped: undefined, s: 'q"' });
    assert.equal(json, '{"a":[1,"x",{"b":[true,null]}],"s":"q\\""}');
  } finally {
    delete Array.prototype.toJSON;
  }
});

test("email addresses are checked as the gateway checks them", () => {
  const valid = ["ada@example.org", "a.b+c@sub.example.co.uk", "名前@例え.jp", "o'neil@example.ie"];
  const invalid = ["ada@localhost", "ada@127.0.0.1", "ada..l@example.org", ".ada@example.org",
    "ada@-example.org", "ada@example.org.", "@example.org", "ada", "a b@example.org",
    "a".repeat(65) + "@example.org", "ada@" + "b".repeat(64) + ".org"];
  for (const email of valid) assert.equal(rights.emailLooksValid(email), true, email);
  for (const email of invalid) assert.equal(rights.emailLooksValid(email), false, email);
});

test("each field's problem is named by the text the form shows", () => {
  const email = { kind: "email", required: true, max_length: 254 };
  const name = { kind: "text", required: false, max_length: 5 };
  const store = { kind: "select", required: true, max_length: 5, options: [{ value: "paris" }] };
  const message = { kind: "textarea", required: false, max_length: 100 };
  assert.equal(rights.problemWith(email, ""), "required");
  assert.equal(rights.problemWith(email, "ada@localhost"), "email");
  assert.equal(rights.problemWith(name, ""), "");
  assert.equal(rights.problemWith(name, "Ada Lovelace"), "too_long");
  assert.equal(rights.problemWith(name, "Ada\nB"), "invalid");
  assert.equal(rights.problemWith(name, "\u202eAda"), "invalid");
  assert.equal(rights.problemWith(store, "lyon"), "choice");
  assert.equal(rights.problemWith(message, "line one\nline two"), "");
});

test("the consent cookie's domain applies only on hosts under it", () => {
  assert.equal(consent.cookieDomainFor("shop.example", "shop.example"), "shop.example");
  assert.equal(consent.cookieDomainFor("shop.example", "www.shop.example"), "shop.example");
  assert.equal(consent.cookieDomainFor("shop.example", "a.b.shop.example"), "shop.example");
  // a browser would refuse the Domain on these hosts: the cookie stays host-only there
  for (const host of ["myshop.example", "staging.other.example", "example"]) {
    assert.equal(consent.cookieDomainFor("shop.example", host), "", host);
  }
  assert.equal(consent.cookieDomainFor(null, "www.shop.example"), "");
});
