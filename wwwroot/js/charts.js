// Draws and updates the dashboard's Plotly charts (imported as an ES module through JS interop by PlotlyFigure).
// plotly.js (the basic bundle shipped in the Plotly.Blazor package) is fetched and run with the page (an async script
// in App.razor), so it is ready by the time the interactive circuit draws the first chart; if the page did not carry
// it, it is loaded here once.

const plotlyUrl = "_content/Plotly.Blazor/plotly-basic-3.7.0.min.js";
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
    const done = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load")));
    script.addEventListener("load", done, { once: true });
    script.addEventListener("error", () => reject(new Error("plotly.js did not load")), { once: true });
    // It may have finished between the check above and the listeners.
    if (window.Plotly) resolve(window.Plotly);
  });
  loading.catch(() => { loading = null; });
  return loading;
}

/** Draws (first call) or updates (later calls) the chart in the element with this id: Plotly.react. */
export async function react(id, figureJson) {
  const figure = JSON.parse(figureJson);
  const P = await plotly();
  const element = document.getElementById(id);
  if (!element) return; // the chart went away meanwhile
  await P.react(element, figure.data, figure.layout, figure.config);
}

/** Frees what plotly holds for a chart that is going away. */
export function purge(id) {
  const element = document.getElementById(id);
  if (element && window.Plotly) window.Plotly.purge(element);
}
