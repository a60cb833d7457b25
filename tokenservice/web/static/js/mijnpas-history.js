// /mijn-pas: a page that answers a POST (her record, the form with a mistake) takes the
// start page's address in the browser's history. Chrome then forgets the POST for that
// entry: Back (after erasing) and reload show the empty start form instead of asking
// "Confirm form resubmission" — and never send her code again or show her record again
// on a shared phone. No inline script (CSP); nothing is stored.
const home = document.body.dataset.replaceUrl;
if (home && window.history.replaceState) {
  window.history.replaceState(null, "", home);
}
