// Draw every plotly figure of the page from its JSON data block (see belimumab/core/charts.py).
// A figure gets data-ready="true" once drawn: browser tests wait for it, not for a delay.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".plotly-figure").forEach(function (element) {
    var source = document.getElementById(element.dataset.source);
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    var locale = document.documentElement.lang === "fr" ? "fr" : "en";
    Plotly.newPlot(element, figure.data, figure.layout || {}, {
      responsive: true, displaylogo: false, locale: locale,
      modeBarButtonsToRemove: ["lasso2d", "select2d"],
    }).then(function () { element.dataset.ready = "true"; });
  });
});
