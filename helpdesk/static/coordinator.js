/* Coordinator dashboard: draws each chart from the table beneath it (Chart.js).
 *
 * The table is the source of truth and works without JavaScript; a chart only shows its rows
 * (data-label, data-value). Suppressed counts ("<5") have an empty data-value and are not drawn.
 */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var BLUE = "#0059b3";
  var style = getComputedStyle(document.body);
  window.Chart.defaults.font.family = style.fontFamily;
  window.Chart.defaults.font.size = 14;
  window.Chart.defaults.color = "#1a1a1a";
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  document.querySelectorAll("figure.chart[data-chart]").forEach(function (figure) {
    var section = figure.closest("section");
    var table = section && section.querySelector("table.metric-table");
    var canvas = figure.querySelector("canvas");
    if (!table || !canvas) return;
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-label]"));
    if (rows.length === 0) return;
    var labels = rows.map(function (row) { return row.getAttribute("data-label"); });
    var values = rows.map(function (row) {
      var raw = row.getAttribute("data-value");
      return raw === "" || raw === null ? null : Number(raw);
    });
    var line = figure.getAttribute("data-chart") === "line";
    var rtl = document.documentElement.dir === "rtl";
    figure.hidden = false;
    if (!line) {
      // Horizontal bars: one row per category, tall enough to read every label.
      canvas.parentElement.style.height = Math.max(8, rows.length * 2 + 3) + "rem";
    }
    new window.Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: labels,
        datasets: [{
          data: values,
          backgroundColor: BLUE,
          borderColor: BLUE,
          pointRadius: line ? 2 : 0,
          spanGaps: false
        }]
      },
      options: {
        locale: document.documentElement.lang,
        indexAxis: line ? "x" : "y",
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        plugins: { legend: { display: false }, tooltip: { rtl: rtl } },
        scales: {
          x: { beginAtZero: true, reverse: rtl && !line, ticks: { precision: 0 } },
          y: {
            beginAtZero: true,
            position: rtl && !line ? "right" : "left",
            ticks: {
              precision: 0,
              // Long guide titles are shortened on the axis; the table has them whole.
              callback: function (value) {
                if (line) return value;
                var label = this.getLabelForValue(value);
                return label.length > 28 ? label.slice(0, 27) + "…" : label;
              }
            }
          }
        }
      }
    });
  });
})();
