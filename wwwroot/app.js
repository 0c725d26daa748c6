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
