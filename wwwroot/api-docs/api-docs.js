// A small, dependency-free renderer of the OpenAPI document at /openapi/v1.json, with a "try it" form per operation.
(function () {
  "use strict";
  const main = document.getElementById("operations");
  const example = document.getElementById("example-scenario").innerHTML.trim();

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // Enough Markdown for the descriptions: `code`.
  function text(md) {
    const span = el("span");
    String(md || "").split(/(`[^`]+`)/).forEach(part => {
      span.append(part.startsWith("`") && part.endsWith("`") && part.length > 1 ? el("code", null, part.slice(1, -1)) : document.createTextNode(part));
    });
    return span;
  }

  function operation(path, method, op) {
    const params = op.parameters || [];
    const hasBody = !!op.requestBody;
    const inputs = {};
    const body = el("div", { class: "body" }, el("p", null, text(op.description || "")));

    if (params.length) {
      const table = el("table", null, el("tr", null, el("th", null, "parameter"), el("th", null, "in"), el("th", null, "value")));
      for (const p of params) {
        const input = el("input", { type: "text", placeholder: p.in === "path" ? "required" : "optional" });
        inputs[p.name] = { input, where: p.in };
        table.append(el("tr", null, el("td", null, el("code", null, p.name)), el("td", null, p.in), el("td", null, input)));
      }
      body.append(table);
    }
    let textarea = null;
    if (hasBody) {
      const types = Object.keys(op.requestBody.content || {}).join(", ");
      textarea = el("textarea", { spellcheck: "false" });
      textarea.value = path.startsWith("/api/benchmarks") ? "{}" : example;
      body.append(el("p", null, "Request body (", el("code", null, types || "application/json"), "):"), textarea);
    }
    const responses = Object.entries(op.responses || {}).map(([code, r]) => `${code}${r.description ? " " + r.description : ""}`).join(" · ");
    body.append(el("p", { class: "summary" }, "Responses: " + responses));

    const out = el("pre", { class: "response", hidden: "" });
    const send = el("button", { type: "button" }, "Send");
    send.addEventListener("click", async () => {
      let url = path;
      const query = new URLSearchParams();
      for (const [name, { input, where }] of Object.entries(inputs)) {
        if (where === "path") url = url.replace(`{${name}}`, encodeURIComponent(input.value));
        else if (input.value !== "") query.set(name, input.value);
      }
      if ([...query].length) url += "?" + query.toString();
      out.hidden = false;
      out.textContent = `${method.toUpperCase()} ${url} …`;
      const started = performance.now();
      try {
        const response = await fetch(url, {
          method: method.toUpperCase(),
          headers: hasBody ? { "Content-Type": "application/json" } : {},
          body: hasBody ? textarea.value : undefined,
          redirect: "manual",
        });
        const ms = (performance.now() - started).toFixed(0);
        let payload = await response.text();
        try { payload = JSON.stringify(JSON.parse(payload), null, 2); } catch { /* not JSON: as is */ }
        const where = response.type === "opaqueredirect" ? "(redirect; open the URL in the browser to follow it)" : "";
        out.textContent = `${response.status} ${response.statusText} · ${response.headers.get("content-type") || ""} · ${ms} ms ${where}\n\n${payload}`;
      } catch (err) {
        out.textContent = "Request failed: " + err;
      }
    });
    body.append(send, out);

    return el("details", { class: "op" },
      el("summary", null, el("span", { class: "method " + method }, method.toUpperCase()), el("span", { class: "path" }, path), el("span", { class: "summary" }, op.summary || "")),
      body);
  }

  fetch("/openapi/v1.json")
    .then(r => { if (!r.ok) throw new Error(`${r.status} ${r.statusText}`); return r.json(); })
    .then(doc => {
      document.title = doc.info.title;
      const d = document.getElementById("description");
      d.textContent = "";
      d.append(text(doc.info.description || ""), ` (OpenAPI ${doc.openapi}, version ${doc.info.version})`);
      const byTag = new Map();
      for (const [path, item] of Object.entries(doc.paths || {})) {
        for (const [method, op] of Object.entries(item)) {
          if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
          const tag = (op.tags && op.tags[0]) || "Other";
          if (!byTag.has(tag)) byTag.set(tag, []);
          byTag.get(tag).push(operation(path, method, op));
        }
      }
      for (const [tag, ops] of byTag) {
        main.append(el("h2", null, tag), ...ops);
      }
    })
    .catch(err => {
      document.getElementById("description").textContent = "Could not load /openapi/v1.json: " + err;
    });
})();
