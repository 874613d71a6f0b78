// Charts of the portal pages, drawn with Apache ECharts (installed from npm by the build into
// /lib/echarts). Each chart is a <div class="chart" data-chart='{...}'> whose numbers are also in
// a table or text beside it, so the chart is a picture of data the page already states (the div is
// aria-hidden); without JavaScript the page still reads completely.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var font = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';
  var ink = "#1d2733", line = "#d5dce3";

  function bars(spec, el) {
    // Long names (reporting units) are cut to 40% of the chart's width; the tooltip and the table give them whole.
    var labelWidth = Math.max(64, Math.min(240, Math.round(el.clientWidth * 0.4)));
    return {
      textStyle: { fontFamily: font, color: ink },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: line } } },
      yAxis: { type: "category", inverse: true, data: spec.labels, axisTick: { show: false }, axisLabel: { width: labelWidth, overflow: "truncate" } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series: [{
        type: "bar",
        data: spec.values.map(function (v, i) { return { value: v, itemStyle: { color: (spec.colours || [])[i] || "#a3161b" } }; }),
        label: { show: true, position: "right", color: ink },
        barMaxWidth: 28
      }]
    };
  }

  function gauge(spec) {
    var span = spec.max - spec.min;
    // Level bands as axis colour stops (fractions of the range), lowest first.
    var stops = spec.bands.map(function (b) { return [Math.min(1, Math.max(0, (b.to - spec.min) / span)), b.colour]; });
    return {
      textStyle: { fontFamily: font },
      series: [{
        type: "gauge", min: spec.min, max: spec.max, startAngle: 210, endAngle: -30, radius: "92%",
        axisLine: { lineStyle: { width: 16, color: stops } },
        pointer: { width: 5, itemStyle: { color: ink } },
        axisTick: { show: false }, splitLine: { length: 10, lineStyle: { color: "#fff", width: 2 } },
        axisLabel: { color: "#4a5866", distance: 20, fontSize: 11 },
        splitNumber: 5,
        detail: { valueAnimation: false, fontSize: 34, fontWeight: 700, color: ink, offsetCenter: [0, "38%"], formatter: "{value}" },
        title: { offsetCenter: [0, "68%"], fontSize: 15, color: spec.levelColour || ink },
        data: [{ value: spec.value, name: spec.level }]
      }]
    };
  }

  function history(spec) {
    return {
      textStyle: { fontFamily: font, color: ink },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: spec.labels, boundaryGap: false, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min: spec.min, max: spec.max, splitLine: { lineStyle: { color: line } } },
      series: [{ type: "line", step: "end", data: spec.values, symbolSize: 7, lineStyle: { color: "#a3161b", width: 2 }, itemStyle: { color: "#a3161b" },
        markLine: spec.marks ? { silent: true, symbol: "none", label: { formatter: "{b}", position: "insideEndTop", fontSize: 11 },
          data: spec.marks.map(function (m) { return { yAxis: m.value, name: m.name, lineStyle: { color: m.colour, type: "dashed" } }; }) } : undefined }]
    };
  }

  var kinds = { bars: bars, gauge: gauge, history: history };
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var make = kinds[spec.kind];
    if (!make) { return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(make(spec, el));
    el.classList.add("chart-ready");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
