// Draw every chart whose ECharts option the view put in a json_script element.
(function () {
  function draw() {
    document.querySelectorAll("[data-chart-option]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.chartOption);
      if (!source || typeof echarts === "undefined") return;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(source.textContent));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
})();
