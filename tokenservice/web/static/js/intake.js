// The intake page in the browser: camera, photo preview with a 3:4 crop box, quick checks,
// and a submit that keeps everything in this page's memory when the server says "not yet".
//
// Privacy: the server never sends checklist (or identity) values back. With this script the form keeps
// what was typed (it never left this page), the photo stays in the file input, and a crop
// step re-posts the same file with the chosen box. Nothing is written to storage here:
// no localStorage, no sessionStorage, no IndexedDB, no cookies.

import { focusSummary } from "./error-summary.js";

const $ = (root, sel) => root.querySelector(sel);
const $$ = (root, sel) => Array.from(root.querySelectorAll(sel));

// --- texts (from the page, already in the official's language) ---------------------------

function texts() {
  const el = document.getElementById("intake-i18n");
  return el ? el.dataset : {};
}

// --- checks that mirror tokenservice/checks.py (the server decides; this only saves a trip)

export function bsnValid(value) {
  const bsn = value.replace(/[\s.]/g, "");
  if (!/^[0-9]{9}$/.test(bsn) || bsn === "000000000") return false;
  let total = 0;
  for (let i = 0; i < 8; i++) total += Number(bsn[i]) * (9 - i);
  total -= Number(bsn[8]);
  return total % 11 === 0;
}

export function kvkValid(value) {
  return /^[0-9]{8}$/.test(value.replace(/\s/g, ""));
}

function ageOn(birth, today) {
  let years = today.getFullYear() - birth.getFullYear();
  if (today.getMonth() < birth.getMonth() ||
      (today.getMonth() === birth.getMonth() && today.getDate() < birth.getDate())) years -= 1;
  return years;
}

function parseDate(value) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value || "")) return null;
  const [y, m, d] = value.split("-").map(Number);
  const date = new Date(y, m - 1, d);
  return date.getMonth() === m - 1 ? date : null;
}

function quickCheck(form) {
  const t = texts();
  const problems = {};
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const el = form.elements;
  if (!el.id_document_type.value) problems.id_document_type = t.chooseDocumentType;
  const bsn = form.elements.bsn.value.trim();
  if (bsn) {
    if (!bsnValid(bsn)) problems.bsn = t.bsnInvalid;
  } else if (!form.elements.no_bsn_reason.value) {
    problems.bsn = t.bsnOrReason;
  }
  if (!kvkValid(form.elements.kvk.value)) problems.kvk = t.kvkInvalid;
  const birth = parseDate(form.elements.birth_date.value);
  const minAge = Number(form.dataset.minAge || 0);
  if (!birth) problems.birth_date = t.dateRequired;
  else if (birth > today || birth.getFullYear() < 1900) problems.birth_date = t.dateImplausible;
  else if (minAge && ageOn(birth, today) < minAge) problems.birth_date = t.underMinAge;
  const validUntil = parseDate(form.elements.id_valid_until.value);
  if (!validUntil) problems.id_valid_until = t.dateRequired;
  else if (validUntil <= today) problems.id_valid_until = t.idExpired;
  for (const name of ["information_given", "help_offered"]) {
    if (!el[name].checked) problems[name] = t.mustBeConfirmed;
  }
  if (!$(form, 'input[name="category"]:checked')) problems.category = t.chooseCategory;
  if (!$(form, 'input[name="language"]:checked')) problems.language = t.chooseLanguage;
  const registration = $(form, "#registration");
  if (registration) {
    const choice = $(form, 'input[name="escrow_consent"]:checked');
    if (!choice) problems.escrow_consent = t.chooseConsent;
    else if (choice.value === "yes") {
      for (const input of $$(registration, "[data-consent-only] input[required]")) {
        if (!input.value.trim()) problems[input.name] = t.required;
      }
    }
  }
  if (!el.photo.files.length) problems.photo = t.photoEmpty;
  return problems;
}

function parseJson(text) {
  try { return JSON.parse(text || "{}"); } catch { return {}; }
}

// The same box as templates/_error_summary.html, for the checks done here and for the
// server's answer: a heading, then a link to each field in the form's order.
export function renderSummary(form, problems) {
  const t = texts();
  const box = $(form, "#intake-messages");
  for (const old of $$(box, "[data-error-summary]")) old.remove();
  const labels = parseJson(t.fieldLabels);
  const targets = parseJson(t.fieldTargets);
  const order = parseJson(t.fieldOrder || "[]"); // JSON objects lose their order
  const names = Object.keys(problems).filter((n) => problems[n]).sort((a, b) => {
    const ia = order.indexOf(a), ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib);
  });
  if (!names.length) return null;
  const summary = document.createElement("div");
  summary.className = "error-summary";
  summary.setAttribute("role", "alert");
  summary.setAttribute("tabindex", "-1");
  summary.setAttribute("aria-labelledby", "error-summary-title");
  summary.dataset.errorSummary = "";
  const h = document.createElement("h2");
  h.className = "error-summary-title";
  h.id = "error-summary-title";
  h.textContent = t.summaryTitle || "";
  const lead = document.createElement("p");
  lead.className = "error-summary-lead";
  lead.textContent = t.summaryLead || "";
  const list = document.createElement("ul");
  list.className = "error-summary-list";
  for (const name of names) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `#${targets[name] || name}`;
    a.textContent = labels[name] ? `${labels[name]}: ${problems[name]}` : problems[name];
    li.append(a);
    list.append(li);
  }
  summary.append(h, lead, list);
  box.prepend(summary);
  return summary;
}

function showProblems(form, problems) {
  for (const el of $$(form, ".field-error[data-for]")) {
    // The photo's own check (checkPhoto) may have said something already: keep it.
    if (el.dataset.for === "photo" && !problems.photo) continue;
    el.textContent = problems[el.dataset.for] || "";
  }
  for (const field of $$(form, "[aria-invalid]")) field.removeAttribute("aria-invalid");
  const targets = parseJson(texts().fieldTargets);
  for (const name of Object.keys(problems)) {
    const field = document.getElementById(targets[name] || name);
    if (field && field.matches("input, select, textarea")) field.setAttribute("aria-invalid", "true");
  }
  focusSummary(renderSummary(form, problems));
}

// --- registration (policy "escrow"): her consent ---------------------------------------------
// The question shows in the language chosen for her texts (and always in Dutch). The identity
// fields are there only with a yes: otherwise they are emptied and disabled, so nothing of them
// is sent.

function initRegistration(form) {
  const block = $(form, "#registration");
  if (!block) return;
  const identity = $(block, "[data-consent-only]");
  const showLanguage = () => {
    const chosen = $(form, 'input[name="language"]:checked')?.value;
    for (const el of $$(block, ".consent-text[data-lang]")) el.hidden = el.dataset.lang !== chosen;
  };
  const sync = () => {
    const yes = $(form, 'input[name="escrow_consent"]:checked')?.value === "yes";
    identity.hidden = !yes;
    for (const input of $$(identity, "input")) {
      if (!yes) input.value = "";
      input.disabled = !yes;
      input.required = yes && input.name !== "personal_code";
    }
  };
  for (const radio of $$(form, 'input[name="language"]')) radio.addEventListener("change", showLanguage);
  for (const radio of $$(form, 'input[name="escrow_consent"]')) radio.addEventListener("change", sync);
  showLanguage();
  sync();
}

// --- camera -------------------------------------------------------------------------------

function initCamera(form, onPhoto) {
  const wrap = $(form, ".camera");
  if (!wrap || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return () => {};
  wrap.hidden = false;
  const video = $(wrap, "video");
  const start = $(wrap, "#camera-start");
  const shoot = $(wrap, "#camera-shoot");
  const t = texts();
  let stream = null;

  function stop() {
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
    shoot.disabled = true;
    start.textContent = t.cameraOn || start.textContent;
  }

  start.addEventListener("click", async () => {
    if (stream) { stop(); return; }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 960 } },
        audio: false,
      });
      video.srcObject = stream;
      await video.play();
      shoot.disabled = false;
      start.textContent = t.cameraOff || start.textContent;
    } catch (err) {
      stop();
      setPhotoMessage(form, t.cameraError || String(err));
    }
  });

  shoot.addEventListener("click", () => {
    if (!stream || !video.videoWidth) return;
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob((blob) => {
      if (!blob) return;
      const file = new File([blob], "camera.jpg", { type: "image/jpeg" });
      const transfer = new DataTransfer();
      transfer.items.add(file);
      form.elements.photo.files = transfer.files;
      form.elements.photo.dispatchEvent(new Event("change", { bubbles: true }));
      onPhoto?.();
    }, "image/jpeg", 0.92);
  });

  window.addEventListener("pagehide", stop);
  return stop;
}

function setPhotoMessage(form, message) {
  const el = $(form, '.field-error[data-for="photo"]');
  if (el) el.textContent = message || "";
}

// --- photo preview and the 3:4 crop box -----------------------------------------------------

class Cropper {
  constructor(form) {
    this.form = form;
    this.wrap = $(form, ".crop");
    this.stage = $(form, ".crop-stage");
    this.img = $(form, "#photo-preview");
    this.box = $(form, ".crop-box");
    this.status = $(form, ".crop-status");
    this.manual = $(form, ".crop-manual");
    this.url = null;
    this.size = null; // source pixels {w, h}, EXIF orientation applied (as the browser shows it)
    this.rect = null; // crop in source pixels {x, y, w, h}
    this.touched = false;
    if (this.manual) this.manual.hidden = true; // the numbers stay as the form's fields
    this.bindDrag();
    window.addEventListener("resize", () => this.draw());
  }

  async load(file) {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.clearFields();
    this.rect = null;
    this.touched = false;
    if (!file) { this.wrap.hidden = true; return; }
    this.url = URL.createObjectURL(file);
    this.img.src = this.url;
    await this.img.decode().catch(() => {});
    this.size = { w: this.img.naturalWidth, h: this.img.naturalHeight };
    this.wrap.hidden = false;
    this.rect = this.defaultRect();
    this.draw();
  }

  defaultRect() {
    const { w, h } = this.size;
    let ch = Math.round(h * 0.8);
    let cw = Math.round(ch * 3 / 4);
    if (cw > w) { cw = Math.round(w * 0.9); ch = Math.round(cw * 4 / 3); }
    return { x: Math.round((w - cw) / 2), y: Math.round((h - ch) / 2), w: cw, h: ch };
  }

  setRect(rect, { manual }) {
    this.rect = rect;
    if (manual) this.writeFields();
    this.draw();
  }

  needManual(message) {
    if (!this.size) return;
    if (!this.rect) this.rect = this.defaultRect();
    this.writeFields();
    this.status.textContent = message || "";
    this.draw();
    this.box.focus();
  }

  clearFields() {
    for (const n of ["crop_x", "crop_y", "crop_w", "crop_h"]) this.form.elements[n].value = "";
  }

  writeFields() {
    const r = this.rect;
    this.form.elements.crop_x.value = r.x;
    this.form.elements.crop_y.value = r.y;
    this.form.elements.crop_w.value = r.w;
    this.form.elements.crop_h.value = r.h;
  }

  scale() {
    return this.size ? this.img.clientWidth / this.size.w : 1;
  }

  draw() {
    if (!this.rect || !this.size) { this.box.hidden = true; return; }
    const k = this.scale();
    const s = this.box.style;
    this.box.hidden = false;
    s.left = `${this.rect.x * k}px`;
    s.top = `${this.rect.y * k}px`;
    s.width = `${this.rect.w * k}px`;
    s.height = `${this.rect.h * k}px`;
  }

  clamp(r) {
    const { w: W, h: H } = this.size;
    const minW = 72;
    let w = Math.max(minW, Math.min(r.w, W, Math.floor(H * 3 / 4)));
    let h = Math.round(w * 4 / 3);
    if (h > H) { h = H; w = Math.floor(h * 3 / 4); }
    const x = Math.min(Math.max(0, Math.round(r.x)), W - w);
    const y = Math.min(Math.max(0, Math.round(r.y)), H - h);
    return { x, y, w, h };
  }

  bindDrag() {
    let drag = null;
    this.box.addEventListener("pointerdown", (ev) => {
      if (!this.rect) return;
      ev.preventDefault();
      this.box.setPointerCapture(ev.pointerId);
      const resize = ev.target.classList.contains("crop-handle");
      drag = { resize, x0: ev.clientX, y0: ev.clientY, start: { ...this.rect } };
    });
    this.box.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const k = this.scale();
      const dx = (ev.clientX - drag.x0) / k;
      const dy = (ev.clientY - drag.y0) / k;
      const s = drag.start;
      const next = drag.resize
        ? { x: s.x, y: s.y, w: s.w + Math.max(dx, dy * 3 / 4), h: 0 }
        : { x: s.x + dx, y: s.y + dy, w: s.w, h: s.h };
      this.rect = this.clamp(next);
      this.draw();
    });
    const end = () => {
      if (!drag) return;
      drag = null;
      this.touched = true;
      this.setRect(this.rect, { manual: true });
    };
    this.box.addEventListener("pointerup", end);
    this.box.addEventListener("pointercancel", end);
    this.box.addEventListener("keydown", (ev) => {
      if (!this.rect) return;
      const step = Math.max(4, Math.round(this.size.w / 50));
      const r = { ...this.rect };
      const moves = {
        ArrowLeft: () => { r.x -= step; }, ArrowRight: () => { r.x += step; },
        ArrowUp: () => { r.y -= step; }, ArrowDown: () => { r.y += step; },
        "+": () => { r.w += step; r.x -= step / 2; }, "-": () => { r.w -= step; r.x += step / 2; },
      };
      if (!moves[ev.key]) return;
      ev.preventDefault();
      moves[ev.key]();
      this.touched = true;
      this.setRect(this.clamp(r), { manual: true });
    });
  }
}

async function checkPhoto(form, cropper, file) {
  const t = texts();
  setPhotoMessage(form, "");
  cropper.status.textContent = t.checkingPhoto || "";
  const body = new FormData();
  body.append("photo", file);
  try {
    const resp = await fetch(form.dataset.photoCheck, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.csrf_token.value, "X-Requested-With": "intake.js" },
    });
    const answer = await resp.json();
    if (form.elements.photo.files[0] !== file) return; // another photo was chosen meanwhile
    if (answer.ok) {
      if (!cropper.touched) cropper.setRect(answer.box, { manual: false });
      cropper.status.textContent = t.faceFound || "";
    } else if (answer.code === "no_face" || answer.code === "several_faces") {
      cropper.needManual(answer.message);
    } else {
      cropper.status.textContent = "";
      setPhotoMessage(form, answer.message);
    }
  } catch {
    cropper.status.textContent = ""; // the issue itself will check again
  }
}

// --- submit without losing the page -------------------------------------------------------

function initSubmit(form, cropper, stopCamera) {
  const button = $(form, "#intake-submit");
  const status = $(form, ".submit-status");
  const t = texts();
  let busy = false;

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return; // one click, one pass (the server's request token guards as well)
    const problems = quickCheck(form);
    if (Object.keys(problems).length) {
      $(form, "#intake-messages").textContent = "";
      showProblems(form, problems);
      return;
    }
    showProblems(form, {});
    busy = true;
    button.disabled = true;
    status.textContent = t.submitting || "";
    try {
      const resp = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "intake.js" },
      });
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      if (doc.getElementById("intake-result")) {
        stopCamera();
        cropper.load(null);
        document.title = doc.title;
        document.body.replaceWith(document.adoptNode(doc.body));
        window.scrollTo(0, 0);
        initResult(document);
        return;
      }
      const next = doc.getElementById("intake-form");
      if (next) {
        applyServerErrors(form, next, cropper);
      } else {
        const main = doc.querySelector("main");
        const box = $(form, "#intake-messages");
        box.textContent = "";
        const p = document.createElement("p");
        p.className = "flash flash-error";
        p.textContent = (main ? main.textContent : resp.statusText).replace(/\s+/g, " ").trim();
        box.append(p);
        box.scrollIntoView({ block: "center" });
      }
    } catch {
      const box = $(form, "#intake-messages");
      box.textContent = "";
      const p = document.createElement("p");
      p.className = "flash flash-error";
      p.textContent = t.networkError || "";
      box.append(p);
    } finally {
      busy = false;
      button.disabled = false;
      status.textContent = "";
    }
  });
}

function applyServerErrors(form, next, cropper) {
  const messages = $(next, "#intake-messages");
  for (const note of $$(messages, "[data-noscript-only]")) note.remove();
  const box = $(form, "#intake-messages");
  box.replaceChildren(...Array.from(messages.childNodes).map((n) => document.adoptNode(n)));
  const problems = {};
  for (const el of $$(next, ".field-error[data-for]")) {
    if (el.textContent.trim()) problems[el.dataset.for] = el.textContent.trim();
  }
  if (next.dataset.cropNeeded) cropper.needManual(problems.photo);
  showProblems(form, problems);
  if (!Object.keys(problems).length) box.scrollIntoView({ block: "center" });
}

// --- the result page ----------------------------------------------------------------------

// Leaving the result page before her receipt was opened loses it for good (and with consent
// her personal code, which is only on the receipt): the browser asks first (Back, reload,
// closing the tab), and "Volgende intake" shows what would be lost and how to open the
// receipt. Once a receipt link was clicked, the page lets go.
let leaveGuard = null;

function initResult(root) {
  const print = $(root, "#print-card");
  if (print) print.addEventListener("click", () => window.print());
  const result = $(root, "#intake-result[data-guard]");
  if (!result) return;
  const guard = $(root, "#leave-guard");
  if (leaveGuard) window.removeEventListener("beforeunload", leaveGuard);
  leaveGuard = (ev) => {
    ev.preventDefault();
    ev.returnValue = ""; // older browsers need a value to ask
  };
  window.addEventListener("beforeunload", leaveGuard);
  const letGo = () => {
    if (leaveGuard) window.removeEventListener("beforeunload", leaveGuard);
    leaveGuard = null;
    result.dataset.receiptOpened = "yes";
  };
  for (const link of $$(root, "a[data-receipt]")) {
    link.addEventListener("click", () => {
      letGo();
      if (guard) guard.hidden = true;
    });
  }
  const next = $(root, "#next-intake");
  if (next && guard) {
    next.addEventListener("click", (ev) => {
      if (result.dataset.receiptOpened === "yes") return;
      ev.preventDefault();
      guard.hidden = false;
      guard.scrollIntoView({ block: "center" });
      guard.focus({ preventScroll: true });
    });
  }
  const open = $(root, "#open-receipt");
  const receipt = $(root, "#receipt-link");
  if (open && receipt) open.addEventListener("click", () => receipt.click());
  const leave = $(root, "#leave-anyway");
  if (leave) leave.addEventListener("click", letGo);
}

// --- start --------------------------------------------------------------------------------

function initForm(form) {
  const cropper = new Cropper(form);
  const stopCamera = initCamera(form);
  form.elements.photo.addEventListener("change", async () => {
    const file = form.elements.photo.files[0];
    await cropper.load(file || null);
    if (file) checkPhoto(form, cropper, file);
  });
  // A BSN or a reason: typing one clears the other's message.
  form.elements.bsn.addEventListener("input", () => {
    if (form.elements.bsn.value) form.elements.no_bsn_reason.value = "";
  });
  initRegistration(form);
  initSubmit(form, cropper, stopCamera);
}

const form = document.getElementById("intake-form");
if (form) initForm(form);
initResult(document);
