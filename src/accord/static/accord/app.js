// Small behaviours that need no inline script (the Content-Security-Policy forbids inline code).
document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive buttons that declare data-confirm.
  document.body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
  // Close the program switcher with Escape, returning focus to it.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[open]").forEach((d) => { d.open = false; d.querySelector("summary")?.focus(); });
  });
});
