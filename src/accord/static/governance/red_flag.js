// A red flag's answer forms post with htmx; a 400 carries the form with its errors, so show it in place
// (htmx leaves 4xx responses unswapped by default).
document.addEventListener("DOMContentLoaded", () => {
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 400 && event.detail.target.id === "flag-panel") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // After a swap, move focus to the panel's first message or heading so keyboard and screen-reader users follow.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "flag-panel") return;
    const focus = event.detail.target.querySelector("[role=alert], [role=status], h1");
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
  });
});
