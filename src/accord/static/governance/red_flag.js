// A red flag's answer forms post with htmx; a 400 carries the form with its errors and is shown in place like
// every 400 (base.html's htmx responseHandling).
document.addEventListener("DOMContentLoaded", () => {
  // After a swap, move focus to the panel's first message or heading so keyboard and screen-reader users follow.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "flag-panel") return;
    const focus = event.detail.target.querySelector("[role=alert], [role=status], h1");
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
  });
});
