// Draw every chart whose ECharts option the view put in a json_script element.
// A choropleth (data-map-url) first fetches its boundary GeoJSON and registers it under data-map-name.
(function () {
  var maps = {};

  function loadMap(name, url) {
    if (!maps[name]) {
      maps[name] = fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("边界文件加载失败：" + response.status);
        return response.json();
      }).then(function (geojson) { echarts.registerMap(name, geojson); });
    }
    return maps[name];
  }

  function render(el, option) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function draw() {
    document.querySelectorAll("[data-chart-option]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.chartOption);
      if (!source || typeof echarts === "undefined") return;
      var option = JSON.parse(source.textContent);
      el.dataset.drawn = "1";
      if (el.dataset.mapUrl) {
        loadMap(el.dataset.mapName, el.dataset.mapUrl).then(function () { render(el, option); }, function (error) {
          el.textContent = error.message;
          el.classList.add("text-danger", "small");
        });
      } else {
        render(el, option);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSwap", draw);
})();
