// CapacityPlanner: small helpers the Blazor components call.
window.capacityPlanner = {
  // Set once the interactive (SignalR) circuit has rendered: until then the prerendered page is read-only.
  markInteractive() {
    document.body.dataset.interactive = "true";
  },
};
