/* hugosnip: draws each chart of the page (.hugosnip-chart) from the spec its cell stored, with the
   library the page loaded (plotly.js or vega-embed, served by the site). The static image made at
   build time stays until the chart is drawn, and for print. Charts follow the page's light or dark
   scheme (the plugin's palette, --hugosnip-bg) and are drawn again when it changes. */
(function () {
  "use strict";
  var charts = [].slice.call(document.querySelectorAll(".hugosnip-chart"));
  if (!charts.length) return;

  function colour(el, name) {
    return getComputedStyle(el).getPropertyValue(name).trim();
  }
  function isDark(el) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(colour(el, "--hugosnip-bg"));
    if (!m) return false;
    var rgb = [m[1], m[2], m[3]].map(function (h) { return parseInt(h, 16); });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 128;
  }

  function drawPlotly(figure, view, dark) {
    var spec = JSON.parse(view.getAttribute("data-spec"));
    var layout = spec.layout || {};
    if (layout.width && layout.width > figure.clientWidth) {   // narrower than asked: fit the page
      delete layout.width;
      layout.autosize = true;
    }
    if (dark) {
      var fg = colour(view, "--hugosnip-fg"), grid = colour(view, "--hugosnip-border");
      layout.paper_bgcolor = "rgba(0,0,0,0)";
      layout.plot_bgcolor = "rgba(0,0,0,0)";
      layout.font = Object.assign({}, layout.font, {color: fg});
      ["xaxis", "yaxis"].concat(Object.keys(layout).filter(function (k) { return /^[xy]axis\d+$/.test(k); }))
        .forEach(function (k) { layout[k] = Object.assign({}, layout[k], {gridcolor: grid, zerolinecolor: grid}); });
    }
    var config = Object.assign({responsive: true, displaylogo: false}, spec.config || {});
    return window.Plotly.react(view, spec.data || [], layout, config);
  }

  function drawVega(figure, view, dark) {
    var spec = JSON.parse(view.getAttribute("data-spec"));
    var options = {actions: false, renderer: "svg"};
    if (dark) {
      options.theme = "dark";
      options.config = {background: null};
    }
    if (figure._hugosnipView) figure._hugosnipView.finalize();
    return window.vegaEmbed(view, spec, options).then(function (result) {
      figure._hugosnipView = result;
    });
  }

  function draw(figure) {
    var kind = figure.getAttribute("data-hugosnip-chart");
    var view = figure.querySelector(".hugosnip-chart-view");
    var dark = isDark(figure);
    if (figure._hugosnipDark === dark) return;
    figure._hugosnipDark = dark;
    var drawing;
    if (kind === "plotly" && window.Plotly) drawing = drawPlotly(figure, view, dark);
    else if (kind === "vega" && window.vegaEmbed) drawing = drawVega(figure, view, dark);
    else return;   // no library: the static image stays
    Promise.resolve(drawing).then(function () {
      figure.classList.add("hugosnip-chart-drawn");
    }, function (err) {
      console.warn("hugosnip: chart " + figure.id + " could not be drawn; its static image stays:", err);
    });
  }

  function drawAll() { charts.forEach(draw); }
  drawAll();
  var watch = {attributes: true, attributeFilter: ["class", "data-theme", "data-scheme", "data-color-scheme"]};
  var observer = new MutationObserver(drawAll);
  observer.observe(document.documentElement, watch);
  if (document.body) observer.observe(document.body, watch);
  if (window.matchMedia) {
    var query = window.matchMedia("(prefers-color-scheme: dark)");
    if (query.addEventListener) query.addEventListener("change", drawAll);
  }
})();
