/* Owner console: statistics. The opt-in rate per category per UTC day, drawn as an inline SVG
 * (no library, nothing inline for the CSP: colours come from records.css classes), with a title
 * and a description for assistive technology, and every number in the table beneath it: banners
 * shown, accept all, reject all, custom and withdraw per day, and each category's rate. */
(function () {
  "use strict";
  var C = window.WGConsole;
  var $ = function (id) { return document.getElementById(id); };
  var SVG = "http://www.w3.org/2000/svg";
  var ACTIONS = [["accept_all", "Accept all"], ["reject_all", "Reject all"], ["custom", "Custom"], ["withdraw", "Withdraw"]];
  var SIZE = { width: 720, height: 280, left: 48, right: 150, top: 16, bottom: 36 };
  var stats = { account: null };

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, String(attrs[name])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function isoDay(date) { return date.toISOString().slice(0, 10); }
  function percent(rate) { return Math.round(rate * 1000) / 10 + "%"; }

  function everyDay(from, to) {
    var out = [], at = new Date(from + "T00:00:00Z"), end = new Date(to + "T00:00:00Z");
    while (at <= end) { out.push(isoDay(at)); at.setUTCDate(at.getUTCDate() + 1); }
    return out;
  }

  /* The answer has a row per day and key: summed per day here, rates from the sums. */
  function perDay(data) {
    var days = {}, categories = {};
    everyDay(data.from, data.to).forEach(function (d) {
      days[d] = { day: d, shown: 0, records: 0, actions: { accept_all: 0, reject_all: 0, custom: 0, withdraw: 0 }, categories: {} };
    });
    data.days.forEach(function (row) {
      var day = days[row.day];
      if (!day) return;
      day.shown += row.banners_shown; day.records += row.records;
      ACTIONS.forEach(function (a) { day.actions[a[0]] += row.actions[a[0]]; });
      Object.keys(row.categories).forEach(function (name) {
        var c = row.categories[name], sum = day.categories[name] || (day.categories[name] = { records: 0, granted: 0 });
        sum.records += c.records; sum.granted += c.granted;
        categories[name] = true;
      });
    });
    return { days: Object.keys(days).sort().map(function (d) { return days[d]; }), categories: Object.keys(categories).sort() };
  }

  function overall(series, name) {
    var records = 0, granted = 0;
    series.days.forEach(function (d) { var c = d.categories[name]; if (c) { records += c.records; granted += c.granted; } });
    return records ? granted / records : null;
  }

  function chart(series, from, to) {
    var w = SIZE.width, h = SIZE.height, plotW = w - SIZE.left - SIZE.right, plotH = h - SIZE.top - SIZE.bottom;
    var n = series.days.length;
    var x = function (i) { return SIZE.left + (n > 1 ? (i * plotW) / (n - 1) : plotW / 2); };
    var y = function (rate) { return SIZE.top + plotH * (1 - rate); };
    var root = svg("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-labelledby": "stats-svg-title stats-svg-desc", id: "stats-svg", class: "chart" });
    root.appendChild(svg("title", { id: "stats-svg-title" }, "Opt-in rate per category, per day, " + from + " to " + to));
    var summary = series.categories.map(function (name) {
      var rate = overall(series, name);
      return name + " " + (rate === null ? "no records" : percent(rate));
    });
    root.appendChild(svg("desc", { id: "stats-svg-desc" }, summary.length ? "Over the period: " + summary.join("; ") + ". Every day's numbers are in the table below." : "No consent records in this period."));
    [0, 0.25, 0.5, 0.75, 1].forEach(function (rate) {
      root.appendChild(svg("line", { x1: SIZE.left, x2: SIZE.left + plotW, y1: y(rate), y2: y(rate), class: rate === 0 ? "axis" : "grid" }));
      root.appendChild(svg("text", { x: SIZE.left - 6, y: y(rate) + 4, class: "tick y-tick", "text-anchor": "end" }, Math.round(rate * 100) + "%"));
    });
    var step = Math.max(1, Math.ceil(n / 6));
    series.days.forEach(function (d, i) {
      if (i % step === 0 || i === n - 1) root.appendChild(svg("text", { x: x(i), y: h - SIZE.bottom + 18, class: "tick x-tick", "text-anchor": "middle" }, d.day.slice(5)));
    });
    series.categories.forEach(function (name, k) {
      var group = svg("g", { class: "series series-" + (k % 6), "data-category": name });
      var points = [];
      series.days.forEach(function (d, i) {
        var c = d.categories[name];
        if (!c || !c.records) return;
        var rate = c.granted / c.records;
        points.push(x(i) + "," + y(rate));
        var dot = svg("circle", { cx: x(i), cy: y(rate), r: 4, "data-day": d.day, "data-rate": rate.toFixed(4), "data-records": c.records });
        dot.appendChild(svg("title", {}, name + ", " + d.day + ": " + percent(rate) + " (" + c.granted + " of " + c.records + ")"));
        group.appendChild(dot);
      });
      if (points.length > 1) group.insertBefore(svg("polyline", { points: points.join(" ") }), group.firstChild);
      var ly = SIZE.top + 14 + k * 20;
      group.appendChild(svg("rect", { x: w - SIZE.right + 14, y: ly - 9, width: 12, height: 12, class: "swatch" }));
      var rate = overall(series, name);
      group.appendChild(svg("text", { x: w - SIZE.right + 32, y: ly + 2, class: "legend" }, name + " " + (rate === null ? "–" : percent(rate))));
      root.appendChild(group);
    });
    return root;
  }

  /* Per day: the choices as a stacked bar (one band per action) and banners shown as a line. */
  function actionsChart(series, from, to) {
    var w = SIZE.width, h = 220, top = SIZE.top, bottom = SIZE.bottom, plotW = w - SIZE.left - SIZE.right, plotH = h - top - bottom;
    var n = series.days.length, slot = plotW / Math.max(n, 1), bar = Math.max(2, Math.min(18, slot * 0.6));
    var most = 1;
    series.days.forEach(function (d) { most = Math.max(most, d.shown, d.records); });
    var scale = niceMax(most);
    var y = function (count) { return top + plotH * (1 - count / scale); };
    var x = function (i) { return SIZE.left + slot * i + slot / 2; };
    var root = svg("svg", { viewBox: "0 0 " + w + " " + h, role: "img", "aria-labelledby": "actions-svg-title actions-svg-desc", id: "actions-svg", class: "chart" });
    root.appendChild(svg("title", { id: "actions-svg-title" }, "Banners shown and choices per day, " + from + " to " + to));
    var totals = ACTIONS.map(function (a) { return a[1] + " " + series.days.reduce(function (sum, d) { return sum + d.actions[a[0]]; }, 0); });
    var shown = series.days.reduce(function (sum, d) { return sum + d.shown; }, 0);
    root.appendChild(svg("desc", { id: "actions-svg-desc" }, "Over the period: banners shown " + shown + "; " + totals.join("; ") + ". Every day's numbers are in the table below."));
    [0, 0.5, 1].forEach(function (part) {
      var count = scale * part;
      root.appendChild(svg("line", { x1: SIZE.left, x2: SIZE.left + plotW, y1: y(count), y2: y(count), class: part === 0 ? "axis" : "grid" }));
      root.appendChild(svg("text", { x: SIZE.left - 6, y: y(count) + 4, class: "tick y-tick", "text-anchor": "end" }, String(count)));
    });
    var step = Math.max(1, Math.ceil(n / 6));
    series.days.forEach(function (d, i) {
      if (i % step === 0 || i === n - 1) root.appendChild(svg("text", { x: x(i), y: h - bottom + 18, class: "tick x-tick", "text-anchor": "middle" }, d.day.slice(5)));
      var base = 0;
      ACTIONS.forEach(function (a, k) {
        var count = d.actions[a[0]];
        if (!count) return;
        var rect = svg("rect", { x: x(i) - bar / 2, y: y(base + count), width: bar, height: y(base) - y(base + count), class: "band band-" + k, "data-day": d.day, "data-action": a[0], "data-count": count });
        rect.appendChild(svg("title", {}, a[1] + ", " + d.day + ": " + count));
        root.appendChild(rect);
        base += count;
      });
    });
    var line = series.days.map(function (d, i) { return x(i) + "," + y(d.shown); });
    if (n > 1) root.appendChild(svg("polyline", { points: line.join(" "), class: "shown-line" }));
    [["Banners shown", "shown-swatch"]].concat(ACTIONS.map(function (a, k) { return [a[1], "band band-" + k]; })).forEach(function (item, k) {
      var ly = top + 14 + k * 20;
      root.appendChild(svg("rect", { x: w - SIZE.right + 14, y: ly - 9, width: 12, height: 12, class: item[1] }));
      root.appendChild(svg("text", { x: w - SIZE.right + 32, y: ly + 2, class: "legend" }, item[0]));
    });
    return root;
  }

  function niceMax(count) {
    var power = Math.pow(10, Math.floor(Math.log10(count)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= count) return Math.max(2, steps[i] * power);
    return 10 * power;
  }

  function table(series) {
    var head = document.querySelector("#stats-table thead"), body = document.querySelector("#stats-table tbody");
    head.textContent = ""; body.textContent = "";
    var row = head.appendChild(C.el("tr"));
    ["Day", "Banners shown"].concat(ACTIONS.map(function (a) { return a[1]; }))
      .concat(series.categories.map(function (c) { return "Opt-in " + c; }))
      .forEach(function (text) { var th = C.el("th", text); th.scope = "col"; row.appendChild(th); });
    var active = series.days.filter(function (d) { return d.records || d.shown; });
    $("stats-quiet").textContent = active.length < series.days.length
      ? (series.days.length - active.length) + " days without banners shown or choices are left out of the table."
      : "";
    active.forEach(function (d) {
      var tr = body.appendChild(C.el("tr"));
      tr.setAttribute("data-day", d.day);
      var th = C.el("th", d.day); th.scope = "row"; tr.appendChild(th);
      tr.appendChild(C.el("td", String(d.shown)));
      ACTIONS.forEach(function (a) { tr.appendChild(C.el("td", String(d.actions[a[0]]))); });
      series.categories.forEach(function (name) {
        var c = d.categories[name];
        tr.appendChild(C.el("td", c && c.records ? percent(c.granted / c.records) + " (" + c.granted + "/" + c.records + ")" : "–"));
      });
    });
  }

  function load() {
    var form = $("stats-form"), params = new URLSearchParams();
    ["key", "from", "to"].forEach(function (name) { var v = form.elements[name].value; if (v) params.set(name, v); });
    var text = params.toString();
    return C.api("GET", "/accounts/" + encodeURIComponent(stats.account) + "/consents/stats" + (text ? "?" + text : "")).then(function (r) {
      var box = $("stats-chart");
      if (!r.ok) { C.showErrors($("stats-errors"), r.data); return; }
      $("stats-errors").textContent = "";
      form.elements.from.value = r.data.from; form.elements.to.value = r.data.to;
      var series = perDay(r.data);
      box.textContent = "";
      box.appendChild(chart(series, r.data.from, r.data.to));
      box.appendChild(actionsChart(series, r.data.from, r.data.to));
      $("stats-caption").textContent = "Above: the share of visitors' choices that opted in to each category, per UTC day. Below: banners shown and each kind of choice, per day. Hover a point or a bar for its numbers; the table holds them all.";
      table(series);
    });
  }

  document.addEventListener("wg-console:account", function (e) {
    stats.account = e.detail.id;
    load();
  });

  document.addEventListener("DOMContentLoaded", function () {
    $("stats-form").addEventListener("submit", function (e) { e.preventDefault(); load(); });
  });
})();
