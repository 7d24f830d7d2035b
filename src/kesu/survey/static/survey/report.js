// Charts of the survey report: per domain, the estimate with its 95% CI and the national figure.
(function () {
  const domains = JSON.parse(document.getElementById("chart-data").textContent);
  const grades = JSON.parse(document.getElementById("grade-data").textContent);

  function whiskers(low, high) {
    return {
      type: "custom", name: "95% 置信区间", z: 3, itemStyle: { color: "#222" },
      renderItem: function (params, api) {
        const lo = api.coord([api.value(0), api.value(1)]);
        const hi = api.coord([api.value(0), api.value(2)]);
        const half = api.size([1, 0])[0] * 0.12;
        const style = { stroke: "#222", lineWidth: 1.5 };
        return { type: "group", children: [
          { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: style },
          { type: "line", shape: { x1: lo[0] - half, y1: lo[1], x2: lo[0] + half, y2: lo[1] }, style: style },
          { type: "line", shape: { x1: hi[0] - half, y1: hi[1], x2: hi[0] + half, y2: hi[1] }, style: style },
        ] };
      },
      data: low.map(function (l, i) { return [i, l, high[i]]; }),
    };
  }

  document.querySelectorAll(".domain-chart").forEach(function (el) {
    const d = domains.find(function (x) { return x.variable === el.dataset.variable; });
    if (!d) return;
    const series = [
      { type: "bar", name: "本地估计（%）", data: d.estimates, itemStyle: { color: "#7fa3d6" }, barMaxWidth: 36 },
      whiskers(d.low, d.high),
    ];
    if (d.national.some(function (v) { return v !== null; })) {
      series.push({ type: "scatter", name: "全国公布值（%）", data: d.national, symbol: "diamond", symbolSize: 14,
                    itemStyle: { color: "#d9822b" }, z: 4 });
    }
    echarts.init(el).setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { left: 40, right: 10, top: 20, bottom: 50 },
      xAxis: { type: "category", data: d.levels, axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: "value", name: "%" }, series: series,
    });
  });

  const gradeEl = document.getElementById("chart-grades");
  if (gradeEl) {
    echarts.init(gradeEl).setOption({
      animation: false, tooltip: { trigger: "item", formatter: "{b}：{c}%" },
      series: [{ type: "pie", radius: ["40%", "70%"], label: { formatter: "{b}\n{c}%" },
                 data: grades.map(function (g) { return { name: g.label, value: g.value }; }) }],
    });
  }
})();
