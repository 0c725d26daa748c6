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

  function draw(target) {
    const json = target.getAttribute("data-figure");
    const key = target.dataset.chartKey;
    if (!json || !key) return;
    let chart = charts.get(key);
    if (chart && chart.host.parentElement !== target) {
      if (chart.host.isConnected) chart = null; // still shown elsewhere: this is another chart with the same key
      else target.appendChild(chart.host);      // the same chart, rendered again: keep its drawing
    }
    if (!chart) {
      const host = document.createElement("div");
      host.className = "plot-host";
      target.appendChild(host);
      chart = { host, json: null };
      charts.set(key, chart);
    }
    if (chart.json === json) return;
    chart.json = json;
    const figure = JSON.parse(json);
    const react = (P) => {
      if (chart.json === json && chart.host.isConnected) P.react(chart.host, figure.data, figure.layout, figure.config);
    };
    if (window.Plotly) react(window.Plotly);
    else plotly().then(react, (e) => console.warn(e.message));
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
      if (r.removedNodes.length > 0) removed = true;
      for (const n of r.addedNodes) {
        if (n.nodeType !== Node.ELEMENT_NODE || n.closest(".plot-host")) continue;
        if (n.matches(".chart-target")) targets.add(n);
        for (const t of n.querySelectorAll(".chart-target")) targets.add(t);
      }
    }
    for (const t of targets) if (t.isConnected) draw(t);
    if (removed) forget();
  });
  observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-figure"] });
  for (const t of document.querySelectorAll(".chart-target")) draw(t);
})();
