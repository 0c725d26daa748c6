// CapacityPlanner: small helpers the Blazor components call.
window.capacityPlanner = {
  // Set once the interactive (SignalR) circuit has rendered: until then the prerendered page is read-only.
  markInteractive() {
    document.body.dataset.interactive = "true";
  },
};

// Undo: Ctrl+Z (Cmd+Z) outside a text field steps back through the page's edits, which live in the browser history
// (each edit of the Planner adds an entry); inside a field it stays the field's own undo. Ctrl+Shift+Z / Ctrl+Y redo.
document.addEventListener("keydown", (e) => {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
  const key = e.key.toLowerCase();
  if (key !== "z" && key !== "y") return;
  const t = e.target;
  if (t && (t.isContentEditable || t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && !["checkbox", "radio", "button"].includes(t.type)))) return;
  e.preventDefault();
  if (key === "y" || e.shiftKey) history.forward();
  else history.back();
});

// Charts. Each PlotlyFigure renders its figure (data, layout and config as plotly.js takes them) into the data-figure
// attribute of its .chart-target element; this draws it with Plotly.react into a .plot-host element inside, and draws
// again whenever Blazor changes the attribute (an update arrives with the render batch that carries the new numbers,
// no extra round trip). The prerendered page is drawn as soon as plotly.js has run (an async script in App.razor), before
// the interactive circuit starts; when the circuit renders the page again (Blazor replaces the prerendered elements),
// the drawing is moved into the new element of the same chart (data-chart-key) instead of being drawn again.
(() => {
  const plotlyUrl = "_content/Plotly.Blazor/plotly-basic-3.7.0.min.js";
  const charts = new Map(); // chart key -> { host, json }
  let loading = null;

  function plotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (loading) return loading;
    loading = new Promise((resolve, reject) => {
      let script = document.getElementById("plotly-basic");
      if (!script) {
        script = document.createElement("script");
        script.id = "plotly-basic";
        script.src = plotlyUrl;
        script.async = true;
        document.head.appendChild(script);
      }
      script.addEventListener("load", () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load"))), { once: true });
      script.addEventListener("error", () => reject(new Error("plotly.js did not load")), { once: true });
      if (window.Plotly) resolve(window.Plotly);
    });
    loading.catch(() => { loading = null; });
    return loading;
  }

  // The drawing of this chart's earlier element, moved into it (the same chart, rendered again); null when none.
  function adopt(target) {
    const chart = charts.get(target.dataset.chartKey);
    if (!chart || chart.host.parentElement === target) return chart || null;
    if (chart.host.isConnected) return null; // still shown elsewhere: another chart with the same key
    target.appendChild(chart.host);
    return chart;
  }

  function draw(target) {
    const json = target.getAttribute("data-figure");
    const key = target.dataset.chartKey;
    if (!json || !key) return;
    let chart = adopt(target);
    if (!chart) {
      const host = document.createElement("div");
      host.className = "plot-host";
      target.appendChild(host);
      chart = { host, json: null };
      charts.set(key, chart);
    }
    if (chart.json === json) return;
    if (!window.Plotly) {
      // Drawn once plotly.js has run (the figure may have changed by then: the element is read again), without
      // waiting for another paint: the numbers around it have been on screen while plotly.js loaded.
      plotly().then(() => enqueue([target]), (e) => console.warn(e.message));
      return;
    }
    chart.json = json;
    const figure = JSON.parse(json);
    if (target.closest("figure")?.querySelector(".chart-legend")) withLegendInExport(chart, figure.config);
    window.Plotly.react(chart.host, figure.data, figure.layout, figure.config);
  }

  // A chart whose legend is HTML beside it (StackedBars: plotly draws no legend, for speed) exports its PNG with a
  // plotly legend of the same entries: the camera button is replaced by one that draws the chart once more off screen,
  // with a zero-length bar per legend entry in its colour, and downloads that. The button object is kept per chart: a new one on every
  // update would count as a changed config, which makes Plotly.react draw the chart from scratch.
  function withLegendInExport(chart, config) {
    const options = config.toImageButtonOptions || {};
    chart.exportButton ||= {
      name: "toImageWithLegend",
      title: "Download plot as a PNG",
      icon: window.Plotly.Icons.camera,
      click: (gd) => exportWithLegend(gd, chart.host.closest("figure"), chart.exportOptions),
    };
    chart.exportOptions = options;
    config.modeBarButtonsToRemove = (config.modeBarButtonsToRemove || []).concat(["toImage"]);
    config.modeBarButtonsToAdd = [chart.exportButton];
  }

  function exportWithLegend(gd, figureElement, options) {
    const entries = figureElement ? [...figureElement.querySelectorAll(".chart-legend li")] : [];
    // A bar of length zero on the chart's first row: nothing to see, but plotly lists only traces with data.
    const trace = gd.data[0] || {};
    const at = trace.orientation === "h" ? { x: [0], y: [(trace.y || [])[0]] } : { x: [(trace.x || [])[0]], y: [0] };
    const legend = entries.map((li) => {
      const swatch = li.querySelector(".chart-legend-swatch");
      return Object.assign({
        type: "bar", orientation: trace.orientation, name: li.textContent.trim(), showlegend: true, hoverinfo: "skip",
        marker: { color: swatch ? getComputedStyle(swatch).backgroundColor : "#999", opacity: swatch ? Number(getComputedStyle(swatch).opacity) : 1 },
      }, at);
    });
    const layout = Object.assign({}, gd.layout, { showlegend: true });
    const width = gd.offsetWidth || 800;
    const height = gd.layout.height || gd.offsetHeight || 400;
    const div = document.createElement("div");
    div.style.cssText = `position:fixed;left:-10000px;top:0;width:${width}px;height:${height}px`;
    document.body.appendChild(div);
    return window.Plotly.newPlot(div, gd.data.concat(legend), layout, { staticPlot: true })
      .then(() => window.Plotly.downloadImage(div, { format: options.format || "png", filename: options.filename || "chart", scale: options.scale || 2, width, height }))
      .finally(() => { window.Plotly.purge(div); div.remove(); });
  }

  // Charts whose element has gone for good (another page): free what plotly holds. Checked a while after a removal,
  // so that a chart that Blazor removes and renders again (prerendered → interactive) keeps its drawing.
  let forgetting = 0;
  function forget() {
    if (forgetting) return;
    forgetting = setTimeout(() => {
      forgetting = 0;
      for (const [key, chart] of charts) {
        if (chart.host.isConnected) continue;
        if (window.Plotly) window.Plotly.purge(chart.host);
        charts.delete(key);
      }
    }, 5000);
  }

  const observer = new MutationObserver((records) => {
    const targets = new Set();
    let removed = false;
    for (const r of records) {
      if (r.type === "attributes") {
        targets.add(r.target);
        continue;
      }
      // What plotly itself draws (most of the records) is skipped at once.
      const parent = r.target.nodeType === Node.ELEMENT_NODE ? r.target : r.target.parentElement;
      if (parent && parent.closest(".plot-host")) continue;
      if (r.removedNodes.length > 0) removed = true;
      for (const n of r.addedNodes) {
        if (n.nodeType !== Node.ELEMENT_NODE || n.classList.contains("plot-host")) continue;
        if (n.matches(".chart-target")) targets.add(n);
        for (const t of n.querySelectorAll(".chart-target")) targets.add(t);
      }
    }
    // Before the browser paints the new elements: no empty frame where a drawing was.
    for (const t of targets) if (t.isConnected && t.dataset.chartKey) adopt(t);
    enqueue(targets);
    if (removed) forget();
  });

  // One chart per task, in page order, starting in a task of its own after the mutation: the render batch that carries
  // the new numbers is applied first, and the first chart does not wait for the others. (Not after the next paint: on a
  // busy machine waiting for a frame added 20-70 ms before the first chart at the 95th percentile, TimingTests.)
  const queue = new Set();
  let running = false;
  function enqueue(targets) {
    for (const t of targets) queue.add(t);
    if (queue.size > 0 && !running) {
      running = true;
      setTimeout(drawNext, 0);
    }
  }
  function drawNext() {
    const next = queue.values().next();
    if (next.done) {
      running = false;
      return;
    }
    queue.delete(next.value);
    if (next.value.isConnected) draw(next.value);
    setTimeout(drawNext, 0);
  }
  observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-figure"] });
  enqueue(document.querySelectorAll(".chart-target"));
})();
