/* Widget Gateway — cookie-consent banner: the cookies it writes and the ones it deletes
 * (docs/consent-widget.md). A part of consent.js: the gateway serves it between the prelude and the
 * banner's source, inside the same function (gateway/web/assets.py). */

// The consent cookie's Domain: the config's cookie_domain when this page's host is under it. A
// browser refuses a Domain the host is not under (the choice would be lost), so on any other host
// of the key the cookie stays host-only.
function cookieDomainFor(domain, host) {
  return domain && (host == domain || sliceText(host, -domain.length - 1) == "." + domain) ? domain : "";
}
function cookieDomain() { return cookieDomainFor(config && config.cookie_domain, location.hostname); }
function expireCookie(name, path, domain) {
  document.cookie = name + "=;path=" + path + ";max-age=0" + (domain ? ";domain=" + domain : "");
}
function writeConsentCookie(name, value, maxAge) {
  var domain = cookieDomain();
  // A host-only copy written before the domain was set would be read before the shared one.
  if (domain) expireCookie(name, "/", "");
  document.cookie = name + "=" + value + ";path=/;max-age=" + maxAge + (domain ? ";domain=" + domain : "") +
    ";samesite=lax" + (location.protocol == "https:" ? ";secure" : "");
}

// Refused or withdrawn: the first-party cookies and storage keys each service left off declares
// are deleted ("_ga_*": any run of characters). A cookie is expired on its declared domain and
// path, and on this host and each of its parent domains on "/", since scripts set theirs on the
// site's registrable domain. HttpOnly cookies are out of a script's reach: the site's server must
// expire those.
function deleteRefusedCookies(current) {
  var names = map(split(attempt(function () { return document.cookie; }, ""), "; "), function (pair) {
    return split(pair, "=")[0];
  });
  var storageKeys = attempt(function () { return objectKeys(localStorage); }, []);
  forEach(config.categories, function (category) {
    forEach(category.services, function (service) {
      if (accepted(current.services, service.id)) return;
      forEach(service.cookies || [], function (cookie) {
        var pattern = new RegExp("^" + replace(cookie.name, /[.*]/g, function (c) { return c == "*" ? ".*" : "\\."; }) + "$");
        forEach(names, function (name) { if (matches(pattern, name)) attempt(function () { expireEverywhere(name, cookie); }); });
        forEach(storageKeys, function (key) { if (matches(pattern, key)) attempt(function () { localStorage.removeItem(key); }); });
      });
    });
  });
}
function expireEverywhere(name, cookie) {
  var labels = split(location.hostname, "."), domains = ["", cookie.domain];
  for (var i = 0; i < labels.length - 1; i++) push(domains, join(sliceList(labels, i), "."));
  forEach(domains, function (domain) { expireCookie(name, cookie.path || "/", domain); });
}
