/* Widget Gateway — cookie-consent banner: the kinds of banner a geo variant may ask for besides the
 * opt-in banner (docs/consent-widget.md). A part of consent.js, served between the prelude and the
 * banner's source (gateway/web/assets.py).
 *
 * "opt_out": a notice. Categories are on until the visitor opts out through "Do Not Sell or Share
 * My Personal Information"; Global Privacy Control is that opt-out, recorded once as a choice.
 * "none": no banner; categories are on. Under either, GPC keeps the categories that sell or share
 * off, and a choice the visitor made stays in force. */

var NOTICE_KEY = "wg:notice:" + publicKey; // the policy version whose notice the visitor closed

// The choice in force when none was made: every category, less those that sell or share data
// when the browser sends GPC. Never written to the cookie: it is not the visitor's choice.
function impliedChoice() {
  var categoryIds = [], serviceIds = [];
  forEach(config.categories, function (category) {
    if (gpc && category.gpc && !category.required) return;
    push(categoryIds, category.id);
    forEach(category.services, function (service) { push(serviceIds, service.id); });
  });
  return { id: randomId(), version: config.version, given: nowSeconds(), categories: categoryIds,
    services: serviceIds, gpc: gpc, implied: true };
}
function startWithoutBanner() {
  var implied = impliedChoice();
  var optedOut = config.mode == "opt_out" && some(config.categories, function (category) {
    return !accepted(implied.categories, category.id);
  });
  if (optedOut) {
    choose(implied.categories, anyOptional(implied.categories) ? "custom" : "reject_all", implied.services);
  } else {
    choice = implied;
    applyChoice();
  }
  if (config.mode == "opt_out" && readStored(NOTICE_KEY) != config.version) open("notice");
  else render(null);
}
function renderNotice() {
  var texts = config.texts;
  return '<div class="banner" role="dialog" aria-modal="false" aria-labelledby="wg-title" aria-describedby="wg-text" tabindex="-1">' +
    '<h2 id="wg-title">' + escapeHtml(texts.title) + '</h2><p id="wg-text">' + escapeHtml(texts.notice_description) + policyLink() + "</p>" +
    (gpc ? '<p class="gpc-notice">' + escapeHtml(texts.gpc_notice) + "</p>" : "") +
    '<div class="buttons">' + button("preferences", texts.do_not_sell) + button("dismiss", texts.close) + "</div></div>";
}
function dismissNotice() {
  writeStored(NOTICE_KEY, config.version);
  close();
}
