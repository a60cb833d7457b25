// The error summary (templates/_error_summary.html): focus moves to the box when a page
// with one opens, so a screen reader reads it and the official sees it first; a link in it
// puts the focus in the field (a plain #anchor would only scroll) and shows its label.
// No inline script (CSP); nothing is stored.

export function targetOf(link) {
  const id = decodeURIComponent((link.getAttribute("href") || "").slice(1));
  return id ? document.getElementById(id) : null;
}

export function focusField(el) {
  if (!el) return;
  const fieldset = el.closest("fieldset");
  const label = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) ||
    el.closest("label") || fieldset?.querySelector("legend");
  if (el.matches("fieldset, div, section") && !el.hasAttribute("tabindex")) el.tabIndex = -1;
  el.focus({ preventScroll: true });
  (label || el).scrollIntoView({ block: "start" });
  window.scrollBy(0, -16);
}

export function focusSummary(box) {
  if (!box) return;
  box.focus({ preventScroll: true });
  box.scrollIntoView({ block: "start" });
}

document.addEventListener("click", (ev) => {
  const link = ev.target.closest?.("[data-error-summary] a[href^='#']");
  if (!link) return;
  const target = targetOf(link);
  if (!target) return;
  ev.preventDefault();
  focusField(target);
});

focusSummary(document.querySelector("[data-error-summary]"));
